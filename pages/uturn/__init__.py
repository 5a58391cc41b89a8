"""The U-turn view: noise a data point to time t, run the reverse process back, and ask whether it returns to its
class — the class-return probability against t, the critical window, and the trajectories themselves."""
