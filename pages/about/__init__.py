"""The about view: references, what each page implements, the presets."""
