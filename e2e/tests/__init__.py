"""The browser tests: the evidence (test_matrix.py, test_security.py) and the suite's tests of itself."""
