"""The system under test: the session API (app.py), its configuration (config.py), the named origins (origins.py)
and the test hosts that serve them (hosts.py), the load generator (load.py). Import the module you need; this file
imports nothing, so that reading the origins or the configuration never starts Flask or TLS code."""
