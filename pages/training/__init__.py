"""The training view: a random-features score model trained on the target's points, its losses, copies and
samples against training time, and its thermodynamics. Offers nothing to the other views."""
