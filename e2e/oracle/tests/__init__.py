"""The oracle's unit tests, one file per module (examples.py: what they share)."""
