"""The server's unit, property, host and load tests."""
