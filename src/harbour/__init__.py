"""Harbour: an online-safety platform for schools, driven by one policy file."""

__version__ = "0.1.0"
