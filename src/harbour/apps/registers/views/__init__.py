"""Pages for the registers, one module per register."""
