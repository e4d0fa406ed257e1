"""Probes that e2e/tests/test_tracing.py runs in a pytest of their own; not collected in a normal run."""
