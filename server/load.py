"""Load on the session API over real sockets: many clients with keep-alive connections, and a bounded session store
on a fake clock; each run returns a report of what went wrong. Used by server/tests/test_load.py (which asserts on
the reports) and scripts/loadtest.py (which prints them); no assertions here."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import resource
import ssl
import threading
import time
import tracemalloc
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import server.app
from server.app import SessionStore
from server.config import Settings
from server.hosts import TestHosts

# Every fourth client shares alice or bob with other clients; the rest each log in as a user of their own.
SHARED_USERS = ("alice", "bob")
TIMEOUT = 30.0  # seconds a request may take before it counts as lost
UNAUTHENTICATED = {"error": "unauthenticated", "message": "no valid session: log in first"}
EXPECTED_STATUS = {"login": 200, "me": 200, "me_old": 401, "list": 200, "create": 201, "logout": 200}


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def load_user(index: int) -> tuple[str, str]:
    """Client `index`'s user and password: its own load user, or alice/bob for every fourth client."""
    if index % 4 == 1:
        user = SHARED_USERS[(index // 4) % 2]
        return user, server.app.USERS[user]
    return f"load{index:03d}", f"secret-{index:03d}"


@contextlib.contextmanager
def load_users(clients: int) -> Iterator[None]:
    """The clients' own users added to the API's USERS for the run, and removed afterwards (alice and bob untouched)."""
    added = {user: password for user, password in map(load_user, range(clients)) if user not in server.app.USERS}
    server.app.USERS.update(added)
    try:
        yield
    finally:
        for user in added:
            server.app.USERS.pop(user, None)


class PeakStore(SessionStore):
    """The API's session store, remembering the most sessions it ever held (read under the app's lock)."""

    def __init__(self, ttl: int, limit: int, clock: Callable[[], float] = time.monotonic):
        """A SessionStore with a peak of 0."""
        super().__init__(ttl, limit, clock)
        self.peak = 0

    def create(self, user: str) -> str:
        """SessionStore.create, then the peak updated."""
        sid = super().create(user)
        self.peak = max(self.peak, len(self))
        return sid


class Connection:
    """One keep-alive HTTP/1.1 connection to a listener on 127.0.0.1, sending the Host the URL names."""

    def __init__(self, url: str, context: ssl.SSLContext | None = None):
        """Connect (lazily) to the listener of `url`; https trusts `context`."""
        parts = urllib.parse.urlsplit(url)
        self.host_header = parts.netloc
        self.scheme = parts.scheme
        if parts.scheme == "https":
            self.conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                "127.0.0.1", parts.port, timeout=TIMEOUT, context=context
            )
        else:
            self.conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=TIMEOUT)

    def request(self, method: str, path: str, body: Any = None, cookie: str | None = None):
        """(status, Set-Cookie header or None, decoded JSON body or None)."""
        headers = {"Host": self.host_header}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if cookie:
            headers["Cookie"] = f"sid={cookie}"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        raw = response.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("latin-1")  # not JSON: reported by the check, not raised in the client thread
        return response.status, response.getheader("Set-Cookie"), body

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def plan(requests: int) -> list[str]:
    """The client's requests: cycles of login, me_old (from the second), (create, list, me) x 6, logout (every
    other)."""
    # me_old sends the session id the login replaced, which must be refused: after a logout it was destroyed,
    # after a login over a live session login rotated it.
    ops: list[str] = []
    cycle = 0
    while len(ops) < requests:
        ops += (
            ["login"] + (["me_old"] if cycle else []) + ["create", "list", "me"] * 6 + (["logout"] if cycle % 2 else [])
        )
        cycle += 1
    return ops[:requests]


@dataclass
class ClientResult:
    """What one client sent, got back, and saw wrong."""

    index: int
    user: str
    scheme: str
    sent: int = 0
    answered: int = 0
    ops: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    created: list[tuple[int, str]] = field(default_factory=list)
    sid: str | None = None  # the session the client holds at the end
    stopped_early: bool = False


def run_client(
    index: int, url: str, context: ssl.SSLContext | None, requests: int, deadline: float, start: threading.Barrier
) -> ClientResult:
    """Run client `index`'s plan on one connection, checking every answer against what its own session must see."""
    user, password = load_user(index)
    result = ClientResult(index, user, urllib.parse.urlsplit(url).scheme)
    connection = Connection(url, context)
    old_sid: str | None = None
    start.wait()
    try:
        for seq, op in enumerate(plan(requests)):
            if time.monotonic() > deadline:
                result.stopped_early = True
                break
            sid = result.sid
            if op == "login":
                args: tuple = ("POST", "/api/login", {"username": user, "password": password}, sid)
            elif op == "me_old":
                args = ("GET", "/api/me", None, old_sid)
            elif op == "create":
                args = ("POST", "/api/resources", {"title": f"c{index}-{seq}"}, sid)
            elif op == "list":
                args = ("GET", "/api/resources", None, sid)
            elif op == "me":
                args = ("GET", "/api/me", None, sid)
            else:
                args = ("POST", "/api/logout", None, sid)
            result.sent += 1
            result.ops[op] += 1
            try:
                status, set_cookie, body = connection.request(*args)
            except (OSError, http.client.HTTPException) as error:
                result.problems.append(f"{op} #{seq}: no answer ({type(error).__name__}: {error})")
                connection.close()
                connection = Connection(url, context)
                continue
            result.answered += 1
            result.statuses[status] += 1
            problem = check_answer(result, op, args[2], status, set_cookie, body)
            if problem:
                result.problems.append(f"{op} #{seq}: {problem}; got {status} {body}")
            if op == "login" and status == 200:
                old_sid, result.sid = sid, set_cookie.split(";")[0].partition("=")[2]
            elif op == "logout" and status == 200:
                old_sid, result.sid = sid, None
    finally:
        connection.close()
    return result


def check_answer(
    result: ClientResult, op: str, sent: Any, status: int, set_cookie: str | None, body: Any
) -> str | None:
    """What is wrong with the answer to `op` (which sent the JSON `sent`), seen from the client's own session, or
    None."""
    if status != EXPECTED_STATUS[op]:
        return f"expected {EXPECTED_STATUS[op]}"
    if not isinstance(body, dict):
        return "not a JSON object"
    if op == "login":
        if body != {"user": result.user} or not set_cookie or not set_cookie.startswith("sid="):
            return "not a login of the client's user with a session cookie"
        if set_cookie.split(";")[0][4:] == result.sid:
            return "login kept the session id it should have rotated"
    elif op == "me" and body != {"user": result.user}:
        return "another user's session"
    elif op == "me_old" and body != UNAUTHENTICATED:
        return "the replaced session still answers"
    elif op == "logout" and body != {"logged_out": True}:
        return "not logged out"
    elif op == "create":
        if set(body) != {"id", "title"} or body["title"] != sent["title"] or not isinstance(body["id"], int):
            return "not the resource just created"
        if result.created and body["id"] <= result.created[-1][0]:
            return f"id {body['id']} not after this client's last id {result.created[-1][0]}"
        result.created.append((body["id"], body["title"]))
    elif op == "list":
        ids = [r["id"] for r in body["resources"]]
        if ids != sorted(set(ids)):
            return "ids not unique and ascending"
        listed = {(r["id"], r["title"]) for r in body["resources"]}
        foreign = [t for _, t in listed if load_user(int(t[1:].split("-")[0]))[0] != result.user]
        if foreign:
            return f"resources of other users: {foreign[:3]}"
        if not set(result.created) <= listed:
            return "its own resources are missing"
        if result.user not in SHARED_USERS and listed != set(result.created):
            return "a user of its own sees other resources than its own"
    return None


def rss_kib() -> int:
    """This process's resident set size now, in KiB (Linux /proc), else its peak from getrusage."""
    try:
        with open(f"/proc/{os.getpid()}/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except (OSError, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@dataclass
class LoadReport:
    """The figures of one load run, and everything the server recorded."""

    clients: int
    planned: int
    results: list[ClientResult]
    wall: float
    cpu: float  # process CPU seconds (server and clients share the process)
    peak_sessions: int
    sessions_at_end: int
    rss_delta_kib: int
    records: list
    resources: dict[str, list[dict]]

    @property
    def sent(self) -> int:
        """Requests sent by all clients."""
        return sum(r.sent for r in self.results)

    @property
    def answered(self) -> int:
        """Requests that got a response."""
        return sum(r.answered for r in self.results)

    @property
    def problems(self) -> list[str]:
        """Every wrong or missing answer, naming its client."""
        return [f"client {r.index} ({r.user}, {r.scheme}): {p}" for r in self.results for p in r.problems]

    @property
    def statuses(self) -> Counter:
        """How often each status was answered."""
        return sum((r.statuses for r in self.results), Counter())

    def figures(self) -> str:
        """The figures for the issue note, one line each."""
        https = sum(r.sent for r in self.results if r.scheme == "https")
        return "\n".join(
            [
                f"requests sent        {self.sent} ({self.clients} clients x {self.planned} planned; "
                f"{https} over https)",
                f"answered             {self.answered}; server log {len(self.records)} records",
                f"concurrency          {self.clients} client threads, one keep-alive connection each",
                f"errors               {len(self.problems)} "
                f"(5xx: {sum(n for s, n in self.statuses.items() if s >= 500)})",
                f"statuses             {dict(sorted(self.statuses.items()))}",
                f"wall time            {self.wall:.2f} s",
                f"requests/s           {self.sent / self.wall:.0f} (process CPU {self.cpu:.2f} s: "
                f"{self.sent / self.cpu:.0f} requests per CPU second)",
                f"peak sessions        {self.peak_sessions} (at the end {self.sessions_at_end})",
                f"RSS delta            {self.rss_delta_kib} KiB (whole process: server, clients, the request log)",
                f"stopped early        {sum(r.stopped_early for r in self.results)} clients",
            ]
        )


def run_load(hosts: TestHosts, clients: int, requests: int, time_limit: float = 120.0) -> LoadReport:
    """`clients` threads, each running plan(requests) on its own connection; every fourth one over https."""
    context = ssl.create_default_context()
    hosts.ca.configure_trust(context)
    state = hosts.state
    with state.lock:
        store = state.sessions = PeakStore(state.settings.session_ttl, state.settings.max_sessions)
        mark = state.mark()
    start = threading.Barrier(clients + 1)
    results: list[ClientResult | None] = [None] * clients
    failures: list[BaseException] = []

    def worker(index: int) -> None:
        """Client `index` on its listener; a crash of the client itself is kept for the caller."""
        url = hosts.url("app_https" if index % 4 == 3 else "localhost_http", "")
        try:
            results[index] = run_client(index, url, context, requests, deadline, start)
        except BaseException as error:  # a bug in the client itself: reported, not swallowed
            failures.append(error)

    rss_before = rss_kib()
    deadline = time.monotonic() + time_limit
    threads = [threading.Thread(target=worker, args=(i,), name=f"load-client-{i}", daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began, cpu_began = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join(time_limit + 2 * TIMEOUT)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu_began
    if failures:
        raise failures[0]
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("a load client did not finish within its time limit")
    with state.lock:
        return LoadReport(
            clients,
            requests,
            [r for r in results if r is not None],
            wall,
            cpu,
            store.peak,
            len(store),
            rss_kib() - rss_before,
            state.requests(since=mark),
            {user: list(owned) for user, owned in state.resources.items()},
        )


@dataclass
class StoreReport:
    """The figures of the bounded-store run."""

    logins: int
    max_sessions: int
    peak_sessions: int
    after_logins: int
    live_of_issued: int
    live_are_the_newest: bool
    evicted_before_use: int
    after_expired_lookups: int
    after_expiry_and_sweep: int
    after_half_expiry_and_sweep: int
    expired_refused: int
    traced_peak_kib: int
    traced_delta_kib: int
    problems: list[str]

    def figures(self) -> str:
        """The figures for the issue note, one line each."""
        return "\n".join(
            [
                f"logins               {self.logins} (max_sessions {self.max_sessions})",
                f"peak sessions        {self.peak_sessions}; after the logins {self.after_logins}, live of those "
                "issued "
                f"{self.live_of_issued} (the newest: {self.live_are_the_newest}); evicted before their next request "
                f"{self.evicted_before_use}",
                f"expired, refused     {self.expired_refused} live ids answered 401 once the clock passed the ttl "
                f"(store then {self.after_expired_lookups})",
                f"after sweep          {self.after_expiry_and_sweep} (all expired, one new login); "
                f"{self.after_half_expiry_and_sweep} (a quarter of max_sessions expired, a quarter not, one new "
                "login)",
                f"tracemalloc          peak {self.traced_peak_kib} KiB, retained {self.traced_delta_kib} KiB over "
                "the logins",
                f"errors               {len(self.problems)}",
            ]
        )


def run_bounded_store(clients: int = 32, logins: int = 40, ttl: int = 60, max_sessions: int = 64) -> StoreReport:
    """Many concurrent logins into a small store on a fake clock, then expiry and sweeping, over real sockets."""
    clock = FakeClock()
    settings = Settings(session_ttl=ttl, max_sessions=max_sessions)
    with load_users(clients), TestHosts.running(settings, proxy=False) as hosts:
        store = hosts.state.sessions = PeakStore(ttl, max_sessions, clock)
        url = hosts.url("localhost_http", "")
        issued: list[list[str]] = [[] for _ in range(clients)]
        evicted_before_use = [0] * clients
        problems: list[str] = []
        start = threading.Barrier(clients)

        def worker(index: int) -> None:
            """Client `index`: log in `logins` times, each time using the new session once."""
            user, password = load_user(index)
            credentials = {"username": user, "password": password}
            connection = Connection(url)
            start.wait()
            try:
                for n in range(logins):
                    status, set_cookie, body = connection.request("POST", "/api/login", credentials)
                    sid = set_cookie.split(";")[0][4:] if set_cookie else None
                    # The session is the client's own, unless max_sessions newer logins evicted it in between.
                    me = connection.request("GET", "/api/me", cookie=sid)
                    evicted_before_use[index] += me[0] == 401
                    mine = (me[0], me[2]) in ((200, {"user": user}), (401, UNAUTHENTICATED))
                    if (status, body) != (200, {"user": user}) or not mine:
                        problems.append(f"client {index} login {n}: {status} {body}, then me {me[0]} {me[2]}")
                    issued[index].append(sid)
            except (OSError, http.client.HTTPException) as error:
                problems.append(f"client {index}: {type(error).__name__}: {error}")
            finally:
                connection.close()

        tracemalloc.start()
        traced_before = tracemalloc.get_traced_memory()[0]
        threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        problems += [f"login client {i} did not finish" for i, thread in enumerate(threads) if thread.is_alive()]
        with hosts.state.lock:
            all_issued = [sid for sids in issued for sid in sids]
            after_logins, live = len(store), sum(sid in store for sid in all_issued)
            # The server's log orders the logins as the store saw them: the live sessions must be the newest.
            in_order = [r.set_cookie[0].split(";")[0].partition("=")[2] for r in hosts.state.requests("/api/login")]
            newest_live = {sid for sid in in_order if sid in store} == set(in_order[-max_sessions:])
        traced_now, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        # Past the ttl every session is expired: half of the live ids are refused (and dropped as they are looked
        # up), and the next login sweeps the other half.
        live_sids = [sid for sid in all_issued if sid in store]
        clock.advance(ttl)
        probe = Connection(url)
        user, password = load_user(0)
        refused = sum(probe.request("GET", "/api/me", cookie=sid)[0] == 401 for sid in live_sids[::2])
        after_lookups = len(store)
        probe.request("POST", "/api/login", {"username": user, "password": password})
        after_sweep = len(store)
        # Half expired: a quarter of max_sessions logins, half a ttl and a second, another quarter, half a ttl: the
        # next login sweeps the first quarter (and the login before it), and keeps the second quarter.
        quarter = max_sessions // 4
        for pause in (ttl // 2 + 1, ttl // 2):
            for _ in range(quarter):
                probe.request("POST", "/api/login", {"username": user, "password": password})
            clock.advance(pause)
        probe.request("POST", "/api/login", {"username": user, "password": password})
        after_half = len(store)
        probe.close()
        return StoreReport(
            len(all_issued),
            max_sessions,
            store.peak,
            after_logins,
            live,
            newest_live,
            sum(evicted_before_use),
            after_lookups,
            after_sweep,
            after_half,
            refused,
            traced_peak // 1024,
            (traced_now - traced_before) // 1024,
            problems,
        )
