"""The harness: everything between a case and a real browser. plugin.py (the pytest plugin: options, fixtures, hooks),
launch.py (launch settings, one launcher), nodelay.py (Nagle off the browsers' protocol sockets), session.py (the
worker's browsers), case.py (one case's view of a browser), serving.py (a spec's server settings), driver.py (runs a
flow in a page), verdict.py (compares with the oracle and words a failure), results.py (the results record),
tracing.py (traces and traced re-runs), ordering.py (shards, shuffles, order)."""
