"""Load the session API on the real test hosts and print the figures for the issue note (never a timed test).

    .venv/bin/python -m scripts.loadtest --clients 32 --requests 200 [--time-limit 120] [--logins 40]

Starts the hosts (`TestHosts.running()`, listeners on port 0 of 127.0.0.1; nothing leaves loopback), runs
--clients threads with one keep-alive connection each (every fourth over https, trusting the run's CA), each
sending --requests requests of login / create / list / me / logout, and prints: requests, concurrency,
errors, wall time, requests/s, peak sessions, RSS delta. Then a bounded store (max_sessions 64, ttl 60 on a
fake clock) takes --clients x --logins concurrent logins; its peak, expiry and sweep and tracemalloc figures
follow. The checks are server/load.py's, which server/tests/test_load.py asserts; the exit status is 1 if any failed.
"""

from __future__ import annotations

import argparse
import sys

from server.hosts import TestHosts
from server.load import load_users, run_bounded_store, run_load

MAX_CLIENTS, MAX_REQUESTS, MAX_SECONDS = 256, 5000, 600


def bounded(limit: int):
    """An argparse type: a whole number from 1 to `limit`."""

    def parse(text: str) -> int:
        """The number, if within bounds."""
        value = int(text)
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"must be between 1 and {limit}, not {value}")
        return value

    return parse


def main(argv=None) -> int:
    """Run both loads, print their figures, and return 1 if a request was lost, refused wrongly or crossed sessions."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=bounded(MAX_CLIENTS), default=32, help="concurrent clients (threads)")
    parser.add_argument("--requests", type=bounded(MAX_REQUESTS), default=200, help="requests per client")
    parser.add_argument(
        "--time-limit",
        type=bounded(MAX_SECONDS),
        default=120,
        help="seconds after which clients stop sending (what was sent is still checked)",
    )
    parser.add_argument(
        "--logins", type=bounded(MAX_REQUESTS), default=40, help="logins per client into the bounded store"
    )
    args = parser.parse_args(argv)

    with load_users(args.clients), TestHosts.running(proxy=False) as hosts:
        report = run_load(hosts, args.clients, args.requests, args.time_limit)
    print(f"--- load: {args.clients} clients x {args.requests} requests (loopback, werkzeug threaded server)")
    print(report.figures())
    failed = bool(report.problems) or report.answered != report.sent or len(report.records) != report.sent
    for problem in report.problems[:10]:
        print(f"  problem: {problem}")

    store = run_bounded_store(clients=args.clients, logins=args.logins)
    print(f"--- bounded store: {args.clients} clients x {args.logins} logins")
    print(store.figures())
    for problem in store.problems[:10]:
        print(f"  problem: {problem}")
    failed |= bool(store.problems) or store.peak_sessions > store.max_sessions or store.after_expiry_and_sweep != 1
    print("--- result:", "FAILED" if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
