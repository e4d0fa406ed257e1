"""Measurements of the suite, run as modules (python -m scripts.benchmark); never timed tests."""
