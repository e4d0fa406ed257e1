"""The harness's own unit tests."""
