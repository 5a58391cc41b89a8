"""The data view: your own target (drawn, uploaded) and the handwritten digits."""
