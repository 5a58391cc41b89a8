"""The home view: what the lab is, and a card per view with a live thumbnail."""
