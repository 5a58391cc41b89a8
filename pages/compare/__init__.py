"""Compare: two states of one view side by side on one time axis (VE vs FM, unguided vs guided, Euler vs Heun)."""
