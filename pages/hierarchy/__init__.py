"""The hierarchical-data view: U-turns on the random hierarchy model, scored exactly by belief propagation."""
