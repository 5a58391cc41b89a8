"""The lessons' index: guided tours through the lab (components/lessons.py, components/tour.py)."""
