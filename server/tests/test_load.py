"""The session API under load over real sockets: concurrent clients, no crossed session or lost request, and a
bounded store (the load itself is server/load.py)."""

from __future__ import annotations

from collections import Counter

import pytest

from server.hosts import TestHosts
from server.load import load_users, run_bounded_store, run_load

# --- the tests --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("clients, requests", [pytest.param(32, 200, id="32_clients_x_200_requests")])
def test_concurrent_clients_never_cross_sessions_or_lose_requests(clients, requests):
    """32 clients over real sockets: every request answered as expected, sessions never cross, the log counts all."""
    with load_users(clients), TestHosts.running(proxy=False) as hosts:
        report = run_load(hosts, clients, requests)
    print(f"\n--- load: {clients} clients x {requests} requests\n{report.figures()}")

    assert (len(report.problems), report.problems[:5]) == (0, [])
    assert [r.answered for r in report.results] == [r.sent for r in report.results]
    assert report.sent == clients * requests or any(r.stopped_early for r in report.results)
    # The server saw each request once, as sent: count, scheme, path, and answered below 500.
    records = report.records
    assert len(records) == report.sent
    assert max(r.status for r in records) < 500
    assert (
        Counter(r.scheme for r in records)
        == Counter({scheme: sum(r.sent for r in report.results if r.scheme == scheme) for scheme in ("http", "https")})
        - Counter()
    )
    sent_paths = Counter()
    for result in report.results:
        for op, n in result.ops.items():
            sent_paths[
                {
                    "login": "/api/login",
                    "logout": "/api/logout",
                    "create": "/api/resources",
                    "list": "/api/resources",
                }.get(op, "/api/me")
            ] += n
    assert Counter(r.path for r in records) == sent_paths
    # Resource ids are unique, each user's resources are exactly what that user's clients created, in id order.
    created_by_user: dict[str, list[tuple[int, str]]] = {}
    for result in report.results:
        created_by_user.setdefault(result.user, []).extend(result.created)
    all_ids = [i for created in created_by_user.values() for i, _ in created]
    assert len(all_ids) == len(set(all_ids)) == sum(r.ops["create"] for r in report.results)
    assert {u: [(r["id"], r["title"]) for r in rs] for u, rs in report.resources.items()} == {
        u: sorted(created) for u, created in created_by_user.items()
    }
    # Login rotates and logout destroys: each client holds at most one session, and the store holds exactly those.
    assert report.peak_sessions <= clients
    assert report.sessions_at_end == sum(r.sid is not None for r in report.results)


def test_the_store_stays_bounded_and_expired_sessions_are_swept():
    """1280 concurrent logins into max_sessions=64: never more than 64 held, all refused after the ttl, then swept."""
    report = run_bounded_store(clients=32, logins=40, ttl=60, max_sessions=64)
    print(f"\n--- bounded store: 32 clients x 40 logins\n{report.figures()}")
    assert (len(report.problems), report.problems[:5]) == (0, [])
    assert (report.logins, report.peak_sessions, report.after_logins, report.live_of_issued) == (1280, 64, 64, 64)
    assert report.live_are_the_newest is True
    assert (report.expired_refused, report.after_expired_lookups, report.after_expiry_and_sweep) == (32, 32, 1)
    assert report.after_half_expiry_and_sweep == 16 + 1
