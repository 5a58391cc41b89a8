"""The Ising view: the diffused Ising model and the multi-site generative bath."""
