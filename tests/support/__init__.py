"""Helpers imported by the end-to-end tests and, through PYTHONPATH, by the runs they start."""
