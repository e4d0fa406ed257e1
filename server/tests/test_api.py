"""The session API through Flask's test client: routes, sessions, the request log, and bad input."""

from __future__ import annotations

import io
import json
import re

import pytest

import server.app
from e2e.oracle.setcookie import parse_set_cookie as oracle_parse_set_cookie
from server.app import MAX_BODY, MAX_FIELD, USERS, RequestRecord, SessionStore
from server.config import CookieConfig, Settings

UNAUTHENTICATED = {"error": "unauthenticated", "message": "no valid session: log in first"}
BAD_CREDENTIALS = {"error": "bad_credentials", "message": "unknown user or wrong password"}
LOGOUT_UNAUTHENTICATED = {
    "logged_out": False,
    "error": "unauthenticated",
    "message": "no valid session: nothing to log out",
}
DEFAULT_DELETION = "sid=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly"
SID = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32): 256 random bits, base64url

USER_NAMES = [pytest.param(user, id=user) for user in USERS]
JSON_ROUTES = [pytest.param("/api/login", id="login"), pytest.param("/api/resources", id="resources")]
TTL_60 = [pytest.param(Settings(session_ttl=60), id="ttl_60")]
# The routes that need a session, each with what an authenticated call would send.
SESSION_ROUTES = [
    pytest.param("GET", "/api/me", None, id="get_me"),
    pytest.param("GET", "/api/resources", None, id="list_resources"),
    pytest.param("POST", "/api/resources", {"title": "t"}, id="create_resource"),
]
# Cookie headers that hold no valid session although alice is logged in as {sid} elsewhere.
NO_VALID_SESSION = [
    pytest.param(None, id="no_cookie"),
    pytest.param("sid=forged-session-id", id="unknown_id"),
    pytest.param("sid=", id="empty_value"),
    pytest.param("other={sid}", id="valid_id_under_other_name"),
    pytest.param("SID={sid}", id="valid_id_under_name_in_other_case"),
    pytest.param("sid={sid}x", id="valid_id_altered"),
    pytest.param("sid={sid_upper}", id="valid_id_in_other_case"),
    pytest.param("sid=forged; sid={sid}", id="valid_id_second_of_repeated_name"),
]


def parse_set_cookie(line: str) -> tuple[str, str, dict[str, object]]:
    """(name, value, {lower-cased attribute name: value, or True for a flag}) of one Set-Cookie line, read by the
    project's one Set-Cookie parser (e2e/oracle/setcookie.py)."""
    parsed = oracle_parse_set_cookie(line)
    flags = ("secure", "httponly", "partitioned")
    return parsed.name, parsed.value, {a.lower(): True if a.lower() in flags else v for a, v in parsed.raw}


def call(client, method, path, body=None, headers=None):
    """One request, with a JSON body when one is given."""
    return client.open(path, method=method, json=body, headers=headers or {})


def assert_authenticated(client, cookie, sid, user="alice"):
    """The session `sid` still authenticates `user`."""
    response = client.get("/api/me", headers=cookie(sid))
    assert (response.status_code, response.get_json()) == (200, {"user": user})


# --- POST /api/login --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("user", USER_NAMES)
def test_login_issues_a_new_session_for_the_user(client, state, user):
    """A good login answers the user and sets the one cookie that holds a new session of that user."""
    response = client.post("/api/login", json={"username": user, "password": USERS[user]})
    assert (response.status_code, response.get_json()) == (200, {"user": user})
    (line,) = response.headers.getlist("Set-Cookie")
    match = re.fullmatch(r"sid=([^;]*); Path=/; HttpOnly", line)
    assert match and SID.fullmatch(match.group(1)), line
    assert state.sessions.get(match.group(1)).user == user
    assert len(state.sessions) == 1
    assert response.headers["Cache-Control"] == "no-store"


def test_login_accepts_json_with_charset_and_extra_fields(client, state):
    """A charset parameter on the JSON type and unknown fields do not stand in the way of a login."""
    body = json.dumps({"username": "bob", "password": "builder", "remember": True}).encode()
    response = client.post("/api/login", data=body, content_type="application/json; charset=utf-8")
    assert (response.status_code, response.get_json()) == (200, {"user": "bob"})
    assert len(state.sessions) == 1


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"username": "alice", "password": "builder"}, id="other_users_password"),
        pytest.param({"username": "alice", "password": "Wonderland"}, id="password_in_other_case"),
        pytest.param({"username": "alice", "password": "wonder"}, id="password_prefix"),
        pytest.param({"username": "alice", "password": "wonderland "}, id="password_trailing_space"),
        pytest.param({"username": "alice", "password": "wonderland\u0000"}, id="password_trailing_nul"),
        pytest.param({"username": "Alice", "password": "wonderland"}, id="username_in_other_case"),
        pytest.param({"username": "carol", "password": "wonderland"}, id="unknown_user"),
        # The old code compared an unknown user's password with a "\0" stand-in, which let this one in.
        pytest.param({"username": "mallory", "password": "\u0000"}, id="unknown_user_nul_password"),
        pytest.param({"username": "alice", "password": "\u0000"}, id="known_user_nul_password"),
    ],
)
def test_login_refuses_bad_credentials(client, state, body):
    """Wrong credentials answer 401 JSON and neither set a cookie nor create a session."""
    response = client.post("/api/login", json=body)
    assert (response.status_code, response.get_json()) == (401, BAD_CREDENTIALS)
    assert response.headers.getlist("Set-Cookie") == []
    assert len(state.sessions) == 0
    assert state.requests("/api/login")[-1].user is None


def test_bad_login_keeps_the_existing_session(client, state, login, cookie, state_snapshot):
    """A failed login sent with a valid session neither rotates nor destroys that session."""
    sid = login()
    before = state_snapshot()
    response = client.post("/api/login", json={"username": "bob", "password": "wonderland"}, headers=cookie(sid))
    assert (response.status_code, response.get_json()) == (401, BAD_CREDENTIALS)
    assert response.headers.getlist("Set-Cookie") == []
    assert state_snapshot() == before
    assert_authenticated(client, cookie, sid)


# --- the routes that need a session -----------------------------------------------------------------------------


@pytest.mark.parametrize("method, path, body", SESSION_ROUTES)
@pytest.mark.parametrize("cookie_header", NO_VALID_SESSION)
def test_session_routes_answer_401_without_a_valid_session(
    client, state, login, state_snapshot, method, path, body, cookie_header
):
    """Without a valid session (first value of the cookie) every session route answers 401 JSON and changes nothing."""
    sid = login()
    before = state_snapshot()
    headers = {"Cookie": cookie_header.format(sid=sid, sid_upper=sid.upper())} if cookie_header else {}
    response = call(client, method, path, body, headers)
    assert (response.status_code, response.get_json()) == (401, UNAUTHENTICATED)
    assert response.headers.getlist("Set-Cookie") == []
    assert state_snapshot() == before
    assert state.requests(path)[-1].user is None


@pytest.mark.parametrize("cookie_header", NO_VALID_SESSION)
def test_logout_answers_401_without_a_valid_session(client, state, login, state_snapshot, cookie_header):
    """Logout without a valid session answers 401 JSON, destroys nothing, and clears a sent cookie of the name."""
    sid = login()
    before = state_snapshot()
    header = cookie_header.format(sid=sid, sid_upper=sid.upper()) if cookie_header else None
    response = client.post("/api/logout", headers={"Cookie": header} if header else {})
    assert (response.status_code, response.get_json()) == (401, LOGOUT_UNAUTHENTICATED)
    sent_sid_cookie = header is not None and any(part.startswith("sid=") for part in header.split("; "))
    assert response.headers.getlist("Set-Cookie") == ([DEFAULT_DELETION] if sent_sid_cookie else [])
    assert state_snapshot() == before


@pytest.mark.parametrize("user", USER_NAMES)
def test_me_answers_the_sessions_user(client, login, cookie, user):
    """GET /api/me names the user whose session the cookie holds."""
    sid = login(user)
    response = client.get("/api/me", headers=cookie(sid))
    assert (response.status_code, response.get_json()) == (200, {"user": user})
    assert response.headers["Cache-Control"] == "no-store"


def test_resources_are_per_user(client, state, login, cookie):
    """Each user lists only their own resources: alice never sees bob's, nor bob alice's."""
    alice, bob = login("alice"), login("bob")
    created = [
        client.post("/api/resources", json={"title": title}, headers=cookie(sid))
        for sid, title in ((alice, "a1"), (bob, "b1"), (alice, "a2"))
    ]
    assert [(r.status_code, r.get_json()) for r in created] == [
        (201, {"id": 1, "title": "a1"}),
        (201, {"id": 2, "title": "b1"}),
        (201, {"id": 3, "title": "a2"}),
    ]
    listed = {sid: client.get("/api/resources", headers=cookie(sid)) for sid in (alice, bob)}
    assert (listed[alice].status_code, listed[alice].get_json()) == (
        200,
        {"resources": [{"id": 1, "title": "a1"}, {"id": 3, "title": "a2"}]},
    )
    assert (listed[bob].status_code, listed[bob].get_json()) == (200, {"resources": [{"id": 2, "title": "b1"}]})
    assert state.resources == {
        "alice": [{"id": 1, "title": "a1"}, {"id": 3, "title": "a2"}],
        "bob": [{"id": 2, "title": "b1"}],
    }


def test_resources_start_empty_and_belong_to_the_user_not_the_session(client, login, cookie):
    """A new user lists nothing; a second session of the same user sees what the first created."""
    first = login("alice")
    assert client.get("/api/resources", headers=cookie(first)).get_json() == {"resources": []}
    client.post("/api/resources", json={"title": "kept"}, headers=cookie(first))
    second = login("alice")
    assert second != first
    response = client.get("/api/resources", headers=cookie(second))
    assert (response.status_code, response.get_json()) == (200, {"resources": [{"id": 1, "title": "kept"}]})


@pytest.mark.parametrize(
    "title",
    [
        pytest.param("  spaced \t", id="surrounding_whitespace"),
        pytest.param("caf\u00e9 \u2615 \U0001f36a", id="non_ascii"),
        pytest.param("x" * MAX_FIELD, id="longest"),
        pytest.param("<script>alert(1)</script>", id="markup"),
    ],
)
def test_resource_titles_are_kept_as_given(client, login, cookie, title):
    """A valid title is stored and answered exactly as sent."""
    sid = login()
    created = client.post("/api/resources", json={"title": title}, headers=cookie(sid))
    assert (created.status_code, created.get_json()) == (201, {"id": 1, "title": title})
    assert client.get("/api/resources", headers=cookie(sid)).get_json() == {"resources": [{"id": 1, "title": title}]}


def test_resource_count_is_bounded_per_user(client, state, login, cookie, monkeypatch):
    """Past MAX_RESOURCES a user's create answers 409 JSON and stores nothing; other users are unaffected."""
    monkeypatch.setattr(server.app, "MAX_RESOURCES", 2)
    alice, bob = login("alice"), login("bob")
    statuses = [
        client.post("/api/resources", json={"title": f"r{i}"}, headers=cookie(alice)).status_code for i in range(2)
    ]
    assert statuses == [201, 201]
    refused = client.post("/api/resources", json={"title": "one too many"}, headers=cookie(alice))
    assert (refused.status_code, refused.get_json()) == (
        409,
        {"error": "too_many_resources", "message": "a user may own at most 2 resources"},
    )
    assert [r["title"] for r in state.resources["alice"]] == ["r0", "r1"]
    assert client.post("/api/resources", json={"title": "b"}, headers=cookie(bob)).status_code == 201


# --- session ids and their rotation at login --------------------------------------------------------------------


def test_session_ids_are_opaque_and_unique(client, state, login):
    """Every login gets a fresh 256-bit base64url id that says nothing about the user or password."""
    sids = [login(user) for user in ("alice", "bob") * 10]
    assert len(set(sids)) == 20
    for sid in sids:
        assert SID.fullmatch(sid), sid
        assert not any(secret in sid for secret in ("alice", "wonderland", "builder"))  # "bob" may occur by chance
    assert len(state.sessions) == 20


@pytest.mark.parametrize(
    "planted",
    [
        pytest.param("attacker-chosen-id", id="chosen_by_attacker"),
        pytest.param("A" * 43, id="shaped_like_a_real_id"),
    ],
)
def test_login_never_adopts_a_planted_id(client, state, login, cookie, planted):
    """An id planted before login (session fixation) is never the id after login, nor a session at all."""
    sid = login(cookie_header=f"sid={planted}")
    assert sid != planted
    assert planted not in state.sessions
    assert client.get("/api/me", headers=cookie(planted)).status_code == 401
    assert_authenticated(client, cookie, sid)


@pytest.mark.parametrize("second_user", [pytest.param("alice", id="same_user"), pytest.param("bob", id="other_user")])
def test_login_rotates_the_id_of_an_earlier_login(client, state, login, cookie, second_user):
    """Logging in with the id of an earlier login destroys it and issues a new id; the old id is then 401."""
    old = login("alice")
    new = login(second_user, cookie_header=f"sid={old}")
    assert new != old
    assert old not in state.sessions
    assert len(state.sessions) == 1
    stale = client.get("/api/me", headers=cookie(old))
    assert (stale.status_code, stale.get_json()) == (401, UNAUTHENTICATED)
    assert_authenticated(client, cookie, new, second_user)


def test_login_leaves_other_sessions_alone(client, state, login, cookie):
    """A login without a cookie does not touch the sessions of other clients."""
    alice, bob = login("alice"), login("bob")
    third = login("alice")
    assert len({alice, bob, third}) == 3
    for sid, user in ((alice, "alice"), (bob, "bob"), (third, "alice")):
        assert_authenticated(client, cookie, sid, user)


# --- logout -----------------------------------------------------------------------------------------------------


def test_logout_destroys_the_session_and_expires_the_cookie(client, state, login, cookie):
    """Logout answers 200, forgets the session and sends the deletion line for the cookie."""
    sid = login()
    response = client.post("/api/logout", headers=cookie(sid))
    assert (response.status_code, response.get_json()) == (200, {"logged_out": True})
    assert response.headers.getlist("Set-Cookie") == [DEFAULT_DELETION]
    assert sid not in state.sessions
    assert len(state.sessions) == 0
    assert state.requests("/api/logout")[-1].user == "alice"


@pytest.mark.parametrize("method, path, body", SESSION_ROUTES)
def test_replaying_the_cookie_after_logout_is_401(client, state, login, cookie, method, path, body):
    """The cookie of a logged-out session authenticates nothing any more."""
    sid = login()
    assert client.post("/api/logout", headers=cookie(sid)).status_code == 200
    response = call(client, method, path, body, cookie(sid))
    assert (response.status_code, response.get_json()) == (401, UNAUTHENTICATED)
    assert state.resources == {}


def test_second_logout_with_the_same_cookie_is_401(client, login, cookie):
    """Logging out twice: the second answer is 401 and still clears the cookie that was sent."""
    sid = login()
    client.post("/api/logout", headers=cookie(sid))
    again = client.post("/api/logout", headers=cookie(sid))
    assert (again.status_code, again.get_json()) == (401, LOGOUT_UNAUTHENTICATED)
    assert again.headers.getlist("Set-Cookie") == [DEFAULT_DELETION]


def test_logout_ends_only_its_own_session_and_keeps_resources(client, state, login, cookie):
    """Logging alice out leaves bob's session, and her resources are there at her next login."""
    alice, bob = login("alice"), login("bob")
    client.post("/api/resources", json={"title": "mine"}, headers=cookie(alice))
    assert client.post("/api/logout", headers=cookie(alice)).status_code == 200
    assert_authenticated(client, cookie, bob, "bob")
    again = login("alice")
    assert client.get("/api/resources", headers=cookie(again)).get_json() == {"resources": [{"id": 1, "title": "mine"}]}


@pytest.mark.parametrize(
    "config",
    [
        pytest.param(CookieConfig(), id="default"),
        pytest.param(CookieConfig(name="__Host-sid", secure=True, samesite="Lax"), id="host_prefix"),
        pytest.param(
            CookieConfig(name="__Secure-sid", secure=True, domain="site-a.test", path="/api"),
            id="secure_prefix_domain_path",
        ),
        pytest.param(CookieConfig(samesite="None", secure=True, partitioned=True), id="partitioned"),
        pytest.param(CookieConfig(path=None, httponly=False, samesite="Strict"), id="default_path"),
        pytest.param(
            CookieConfig(
                name="connect.sid", max_age=3600, expires="Wed, 21 Oct 2037 07:28:00 GMT", domain="app.site-a.test"
            ),
            id="persistent_with_domain",
        ),
    ],
)
def test_logout_deletion_matches_the_issued_cookie(client, state, login, cookie, config):
    """The deletion has the issued name, Domain, Path, Partitioned (and other flags), empty value and an expiry in the
    past."""
    state.configure(Settings(cookie=config))
    sid = login()
    (issued_line,) = state.requests("/api/login")[-1].set_cookie
    response = client.post("/api/logout", headers=cookie(sid))
    assert response.status_code == 200
    (deletion_line,) = response.headers.getlist("Set-Cookie")
    issued_name, issued_value, issued = parse_set_cookie(issued_line)
    name, value, deletion = parse_set_cookie(deletion_line)
    assert (issued_name, issued_value) == (config.name, sid)
    assert (name, value) == (config.name, "")
    assert deletion.get("domain") == config.domain
    assert deletion.get("path") == config.path
    assert ("partitioned" in deletion) is config.partitioned
    assert ("secure" in deletion) is config.secure
    lifetime = {"max-age": "0", "expires": "Thu, 01 Jan 1970 00:00:00 GMT"}
    assert deletion == {k: v for k, v in issued.items() if k not in ("max-age", "expires")} | lifetime


# --- expiry and the bound on sessions ---------------------------------------------------------------------------


@pytest.mark.parametrize("settings", TTL_60)
def test_session_expires_after_its_ttl(client, state, login, cookie, clock):
    """A session authenticates until its ttl has passed since login, however often it is used, then is forgotten."""
    sid = login()
    for seconds in (20, 20, 19):
        clock.advance(seconds)
        assert_authenticated(client, cookie, sid)
    clock.advance(1)  # exactly the ttl after login: expired
    response = client.get("/api/me", headers=cookie(sid))
    assert (response.status_code, response.get_json()) == (401, UNAUTHENTICATED)
    assert len(state.sessions) == 0


@pytest.mark.parametrize("settings", TTL_60)
def test_logout_of_an_expired_session_is_401(client, login, cookie, clock):
    """An expired session cannot be logged out; its cookie is still cleared."""
    sid = login()
    clock.advance(60)
    response = client.post("/api/logout", headers=cookie(sid))
    assert (response.status_code, response.get_json()) == (401, LOGOUT_UNAUTHENTICATED)
    assert response.headers.getlist("Set-Cookie") == [DEFAULT_DELETION]


@pytest.mark.parametrize("settings", [pytest.param(Settings(max_sessions=2), id="max_2")])
def test_max_sessions_evicts_the_oldest(client, state, login, cookie):
    """With max_sessions=2 a third login evicts the oldest session, which is then 401."""
    first, second, third = login("alice"), login("bob"), login("alice")
    assert len(state.sessions) == 2
    assert client.get("/api/me", headers=cookie(first)).status_code == 401
    assert_authenticated(client, cookie, second, "bob")
    assert_authenticated(client, cookie, third, "alice")


def test_settings_reach_the_session_store():
    """ApiState builds its store from Settings.session_ttl and max_sessions."""
    store = server.app.ApiState(Settings(session_ttl=5, max_sessions=3)).sessions
    assert (store.ttl, store.limit, len(store)) == (5, 3, 0)


def test_store_get_contains_len_and_destroy(clock):
    """The store finds what it created, and destroy forgets it once."""
    store = SessionStore(ttl=10, limit=5, clock=clock)
    sid = store.create("alice")
    assert (store.get(sid).user, store.get(sid).expires_at, sid in store, len(store)) == (
        "alice",
        clock.now + 10,
        True,
        1,
    )
    assert store.get("unknown") is None and "unknown" not in store
    assert store.destroy(sid) is True
    assert store.destroy(sid) is False
    assert (store.get(sid), sid in store, len(store)) == (None, False, 0)


def test_store_expires_at_the_ttl(clock):
    """A session is valid just before created + ttl, gone at it, and removed from the store when looked up."""
    store = SessionStore(ttl=10, limit=5, clock=clock)
    sid = store.create("alice")
    clock.advance(9.5)
    assert sid in store
    clock.advance(0.5)
    assert store.get(sid) is None
    assert len(store) == 0


def test_store_sweeps_expired_sessions_on_create(clock):
    """Creating a session drops every expired one, looked up or not."""
    store = SessionStore(ttl=10, limit=5, clock=clock)
    old = [store.create("alice") for _ in range(3)]
    clock.advance(5)
    young = store.create("bob")
    clock.advance(5)
    newest = store.create("bob")
    assert len(store) == 2
    assert [sid in store for sid in old + [young, newest]] == [False, False, False, True, True]


def test_store_limit_evicts_oldest_first(clock):
    """At the limit the oldest sessions are evicted in creation order, whatever was looked up since."""
    store = SessionStore(ttl=10, limit=3, clock=clock)
    sids = [store.create(f"user{i}") for i in range(3)]
    assert store.get(sids[0]).user == "user0"  # a lookup does not make a session younger
    sids += [store.create("user3"), store.create("user4")]
    assert len(store) == 3
    assert [sid in store for sid in sids] == [False, False, True, True, True]


# --- the request log --------------------------------------------------------------------------------------------


def test_log_records_a_login(client, state):
    """A login's record holds what was sent and what was answered."""
    response = client.post(
        "/api/login",
        json={"username": "alice", "password": "wonderland"},
        headers={"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"},
    )
    (record,) = state.requests()
    assert record == RequestRecord(
        seq=0,
        method="POST",
        scheme="http",
        host="localhost",
        path="/api/login",
        origin="http://localhost",
        cookie_header=None,
        session_ids=(),
        preflight=False,
        status=200,
        set_cookie=tuple(response.headers.getlist("Set-Cookie")),
        user="alice",
        content_type="application/json",
        sec_fetch_site="same-origin",
        sec_fetch_mode="cors",
    )
    assert len(record.set_cookie) == 1 and record.sent_session_cookie is False


@pytest.mark.parametrize(
    "order, status, user",
    [
        pytest.param("valid_first", 200, "alice", id="valid_first"),
        pytest.param("forged_first", 401, None, id="forged_first"),
    ],
)
def test_log_records_every_value_of_a_repeated_cookie(client, state, login, order, status, user):
    """session_ids holds every value sent under the cookie's name, in order; only the first is used to authenticate."""
    sid = login()
    ids = (sid, "forged") if order == "valid_first" else ("forged", sid)
    header = f"sid={ids[0]}; theme=dark; sid={ids[1]}"
    response = client.get("/api/me", headers={"Cookie": header})
    assert response.status_code == status
    record = state.requests("/api/me")[-1]
    assert (record.cookie_header, record.session_ids, record.user, record.status) == (header, ids, user, status)
    assert record.sent_session_cookie is True


def test_log_records_a_preflight(client, state, login, cookie):
    """A CORS preflight is recorded as such, with its status and no user even if a cookie came along."""
    sid = login()
    client.options(
        "/api/resources",
        headers={"Origin": "https://evil.test", "Access-Control-Request-Method": "POST", **cookie(sid)},
    )
    client.options("/api/resources", headers={"Origin": "https://evil.test"})
    preflight, plain_options = state.requests("/api/resources")
    assert (preflight.method, preflight.preflight, preflight.status, preflight.user, preflight.origin) == (
        "OPTIONS",
        True,
        204,
        None,
        "https://evil.test",
    )
    assert preflight.session_ids == (sid,) and preflight.set_cookie == ()
    assert (plain_options.preflight, plain_options.status) == (False, 204)


def test_log_records_logout_and_failures(client, state, login, cookie):
    """Logout is recorded with the user it logged out and the deletion; refusals with their status and user."""
    sid = login()
    client.post("/api/resources", data=b"{", content_type="application/json", headers=cookie(sid))
    client.post("/api/logout", headers=cookie(sid))
    client.get("/api/nowhere", headers=cookie(sid))
    bad_body, logout, unknown = state.requests(since=1)
    assert (bad_body.path, bad_body.status, bad_body.user, bad_body.set_cookie) == ("/api/resources", 400, "alice", ())
    assert (logout.path, logout.status, logout.user, logout.set_cookie) == (
        "/api/logout",
        200,
        "alice",
        (DEFAULT_DELETION,),
    )
    assert (unknown.path, unknown.status, unknown.user, unknown.session_ids) == ("/api/nowhere", 404, None, (sid,))


def test_mark_and_requests_select_later_records_by_path(client, state, login, cookie):
    """mark() is the next sequence number; requests(path, since) filters by both."""
    assert state.mark() == 0
    sid = login()
    mark = state.mark()
    assert mark == 1
    client.get("/api/me", headers=cookie(sid))
    client.get("/api/resources", headers=cookie(sid))
    client.get("/api/me")
    assert [r.seq for r in state.requests()] == [0, 1, 2, 3]
    assert [(r.seq, r.status) for r in state.requests("/api/me", since=mark)] == [(1, 200), (3, 401)]
    assert [r.seq for r in state.requests("/api/login")] == [0]
    assert state.requests("/api/login", since=mark) == []
    assert state.mark() == 4


def test_configure_and_reset_forget_everything(client, state, login, cookie):
    """configure() installs settings and forgets sessions, resources and records; reset() restores the defaults."""
    sid = login()
    client.post("/api/resources", json={"title": "t"}, headers=cookie(sid))
    state.configure(Settings(cookie=CookieConfig(name="other")))
    assert (len(state.sessions), state.resources, state.requests(), state.mark()) == (0, {}, [], 0)
    assert state.settings.cookie.name == "other"
    assert client.get("/api/me", headers={"Cookie": f"other={sid}"}).status_code == 401
    state.reset()
    assert (state.settings, len(state.sessions), state.requests()) == (Settings(), 0, [])
    created = client.post("/api/resources", json={"title": "u"}, headers=cookie(login()))
    assert (created.status_code, created.get_json()) == (201, {"id": 1, "title": "u"})


# --- bad input: every answer is 4xx JSON and changes nothing ----------------------------------------------------


def _json(text: str) -> dict:
    """Request arguments sending `text` as an application/json body."""
    return {"data": text.encode(), "content_type": "application/json"}


def _padded(body: str, size: int) -> bytes:
    """`body` padded with trailing spaces to exactly `size` bytes."""
    return body.encode() + b" " * (size - len(body.encode()))


# Bodies that are wrong for any JSON route, whatever fields it needs.
BAD_BODIES = [
    pytest.param({"data": b'{"a": 1}'}, 415, "unsupported_media_type", id="no_content_type"),
    pytest.param({"data": b'{"a": 1}', "content_type": "text/plain"}, 415, "unsupported_media_type", id="text_plain"),
    pytest.param(
        {"data": {"username": "alice", "password": "wonderland", "title": "t"}},
        415,
        "unsupported_media_type",
        id="form_urlencoded",
    ),
    pytest.param(
        {"data": b"--x\r\n\r\n--x--", "content_type": "multipart/form-data; boundary=x"},
        415,
        "unsupported_media_type",
        id="multipart",
    ),
    pytest.param({"data": b'{"a": 1}', "content_type": "text/json"}, 415, "unsupported_media_type", id="text_json"),
    pytest.param(
        {"data": b'{"a": 1}', "content_type": "application/merge-patch+json"},
        415,
        "unsupported_media_type",
        id="json_suffix_type",
    ),
    pytest.param(_json(""), 400, "malformed_json", id="empty_body"),
    pytest.param(_json("{"), 400, "malformed_json", id="unterminated_object"),
    pytest.param(_json("{'username': 'alice'}"), 400, "malformed_json", id="single_quotes"),
    pytest.param(_json('{"title": "t",}'), 400, "malformed_json", id="trailing_comma"),
    pytest.param(_json('{"title": "t"} {}'), 400, "malformed_json", id="trailing_data"),
    pytest.param(_json('{"title": 1' + "0" * 5000 + "}"), 400, "malformed_json", id="integer_too_long_to_convert"),
    pytest.param(
        {"data": b'{"username": "\xff", "password": "x", "title": "\xff"}', "content_type": "application/json"},
        400,
        "malformed_json",
        id="invalid_utf8",
    ),
    pytest.param(
        {"data": b'{"title": "\xc0\xaf"}', "content_type": "application/json"},
        400,
        "malformed_json",
        id="overlong_utf8",
    ),
    # json.loads decodes bytes with "surrogatepass": this is valid JSON holding a lone surrogate.
    pytest.param(
        {
            "data": b'{"username": "\xed\xa0\x80", "password": "x", "title": "\xed\xa0\x80"}',
            "content_type": "application/json",
        },
        422,
        "invalid_field",
        id="utf8_encoded_surrogate",
    ),
    pytest.param(_json("[" * 8000 + "]" * 8000), 400, "malformed_json", id="deeply_nested_arrays"),
    pytest.param(_json('{"a":' * 2500 + "1" + "}" * 2500), 400, "malformed_json", id="deeply_nested_objects"),
    pytest.param(_json("[]"), 422, "invalid_body", id="array"),
    pytest.param(_json('"alice"'), 422, "invalid_body", id="string"),
    pytest.param(_json("42"), 422, "invalid_body", id="number"),
    pytest.param(_json("null"), 422, "invalid_body", id="null"),
    pytest.param(_json("true"), 422, "invalid_body", id="boolean"),
    pytest.param(_json("NaN"), 422, "invalid_body", id="nan"),
    pytest.param(
        {
            "data": _padded('{"username": "alice", "password": "wonderland", "title": "t"}', MAX_BODY + 1),
            "content_type": "application/json",
        },
        413,
        "body_too_large",
        id="content_length_one_over",
    ),
    pytest.param(
        {"data": b"{" * (10 * MAX_BODY), "content_type": "application/json"},
        413,
        "body_too_large",
        id="content_length_far_over",
    ),
]
# Bodies with the right shape but a wrong field, for each JSON route.
BAD_FIELDS = [
    pytest.param(
        "/api/login", {"password": "wonderland"}, "'username' must be a non-empty string", id="login_username_missing"
    ),
    pytest.param(
        "/api/login", {"username": "alice"}, "'password' must be a non-empty string", id="login_password_missing"
    ),
    pytest.param(
        "/api/login",
        {"username": None, "password": "wonderland"},
        "'username' must be a non-empty string",
        id="login_username_null",
    ),
    pytest.param(
        "/api/login",
        {"username": 1, "password": "wonderland"},
        "'username' must be a non-empty string",
        id="login_username_number",
    ),
    pytest.param(
        "/api/login",
        {"username": ["alice"], "password": "wonderland"},
        "'username' must be a non-empty string",
        id="login_username_array",
    ),
    pytest.param(
        "/api/login",
        {"username": {"name": {"is": "alice"}}, "password": "wonderland"},
        "'username' must be a non-empty string",
        id="login_username_object",
    ),
    pytest.param(
        "/api/login",
        {"username": "alice", "password": True},
        "'password' must be a non-empty string",
        id="login_password_boolean",
    ),
    pytest.param(
        "/api/login",
        {"username": "alice", "password": 12345},
        "'password' must be a non-empty string",
        id="login_password_number",
    ),
    pytest.param(
        "/api/login",
        {"username": "", "password": "wonderland"},
        "'username' must be a non-empty string",
        id="login_username_empty",
    ),
    pytest.param(
        "/api/login",
        {"username": "alice", "password": " \t\n"},
        "'password' must be a non-empty string",
        id="login_password_blank",
    ),
    pytest.param(
        "/api/login",
        {"username": "a" * (MAX_FIELD + 1), "password": "wonderland"},
        f"'username' may hold at most {MAX_FIELD} characters",
        id="login_username_too_long",
    ),
    pytest.param(
        "/api/login",
        {"username": "alice", "password": "\ud800"},
        "'password' must be Unicode text without lone surrogates",
        id="login_password_lone_surrogate",
    ),
    pytest.param(
        "/api/login",
        {"username": "\udfffalice", "password": "wonderland"},
        "'username' must be Unicode text without lone surrogates",
        id="login_username_lone_surrogate",
    ),
    pytest.param("/api/resources", {}, "'title' must be a non-empty string", id="title_missing"),
    pytest.param("/api/resources", {"name": "t"}, "'title' must be a non-empty string", id="title_misspelt"),
    pytest.param("/api/resources", {"title": None}, "'title' must be a non-empty string", id="title_null"),
    pytest.param("/api/resources", {"title": 3.5}, "'title' must be a non-empty string", id="title_number"),
    pytest.param("/api/resources", {"title": ["t"]}, "'title' must be a non-empty string", id="title_array"),
    pytest.param(
        "/api/resources",
        {"title": {"t": {"t": {"t": "t"}}}},
        "'title' must be a non-empty string",
        id="title_nested_object",
    ),
    pytest.param("/api/resources", {"title": ""}, "'title' must be a non-empty string", id="title_empty"),
    pytest.param("/api/resources", {"title": "\u2003 \r\n"}, "'title' must be a non-empty string", id="title_blank"),
    pytest.param(
        "/api/resources",
        {"title": "t" * (MAX_FIELD + 1)},
        f"'title' may hold at most {MAX_FIELD} characters",
        id="title_too_long",
    ),
    pytest.param(
        "/api/resources",
        {"title": "x\ud83d"},
        "'title' must be Unicode text without lone surrogates",
        id="title_lone_surrogate",
    ),
]
BAD_ROUTES = [
    pytest.param("GET", "/api/nowhere", 404, "not_found", None, id="unknown_api_get"),
    pytest.param("POST", "/api/nowhere", 404, "not_found", None, id="unknown_api_post"),
    pytest.param("GET", "/api/me/", 404, "not_found", None, id="trailing_slash"),
    pytest.param("GET", "/nowhere", 404, "not_found", None, id="unknown_page"),
    pytest.param("GET", "/client/../server/app.py", 404, "not_found", None, id="client_path_traversal"),
    pytest.param("GET", "/api/login", 405, "method_not_allowed", {"POST", "OPTIONS"}, id="get_login"),
    pytest.param("PATCH", "/api/login", 405, "method_not_allowed", {"POST", "OPTIONS"}, id="patch_login"),
    pytest.param("PUT", "/api/me", 405, "method_not_allowed", {"GET", "HEAD", "OPTIONS"}, id="put_me"),
    pytest.param(
        "DELETE", "/api/resources", 405, "method_not_allowed", {"GET", "HEAD", "POST", "OPTIONS"}, id="delete_resources"
    ),
    pytest.param("GET", "/api/logout", 405, "method_not_allowed", {"POST", "OPTIONS"}, id="get_logout"),
]


@pytest.fixture
def logged_in(client, login, cookie):
    """alice's session id, with one resource of hers and one of bob's already stored."""
    sid = login("alice")
    for owner in (sid, login("bob")):
        assert client.post("/api/resources", json={"title": "existing"}, headers=cookie(owner)).status_code == 201
    return sid


def assert_refused_without_effect(
    client, state, cookie, state_snapshot, sid, before, response, status, error, message=None
):
    """A 4xx JSON answer with exactly error and message, no Set-Cookie, no change, and the session still valid."""
    body = response.get_json(silent=True)
    assert response.status_code == status, body
    assert response.mimetype == "application/json"
    assert set(body) == {"error", "message"} and body["error"] == error, body
    assert isinstance(body["message"], str) and body["message"]
    if message is not None:
        assert body["message"] == message
    assert response.headers.getlist("Set-Cookie") == []
    assert all(r.status < 500 for r in state.requests())
    assert state_snapshot() == before
    assert_authenticated(client, cookie, sid)


@pytest.mark.parametrize("path", JSON_ROUTES)
@pytest.mark.parametrize("request_kwargs, status, error", BAD_BODIES)
def test_bad_bodies_are_refused_without_effect(
    client, state, cookie, state_snapshot, logged_in, path, request_kwargs, status, error
):
    """Bodies of the wrong type, syntax, shape, encoding or size are 4xx JSON and change no session or resource."""
    before = state_snapshot()
    response = client.post(path, headers=cookie(logged_in), **request_kwargs)
    assert_refused_without_effect(client, state, cookie, state_snapshot, logged_in, before, response, status, error)


@pytest.mark.parametrize("path, body, message", BAD_FIELDS)
def test_bad_fields_are_refused_without_effect(client, state, cookie, state_snapshot, logged_in, path, body, message):
    """Missing, wrongly typed, blank, too long or unencodable fields are 422 JSON and change nothing."""
    before = state_snapshot()
    response = client.post(path, json=body, headers=cookie(logged_in))
    assert_refused_without_effect(
        client, state, cookie, state_snapshot, logged_in, before, response, 422, "invalid_field", message
    )


@pytest.mark.parametrize("method, path, status, error, allow", BAD_ROUTES)
def test_unknown_routes_and_wrong_methods_are_refused_without_effect(
    client, state, cookie, state_snapshot, logged_in, method, path, status, error, allow
):
    """Unknown routes are 404 and wrong methods 405 (with Allow), as JSON, changing nothing."""
    before = state_snapshot()
    response = client.open(
        path, method=method, json={"username": "bob", "password": "builder"}, headers=cookie(logged_in)
    )
    assert_refused_without_effect(client, state, cookie, state_snapshot, logged_in, before, response, status, error)
    allowed = response.headers.get("Allow")
    assert (allowed and set(allowed.split(", "))) == (allow or None)


@pytest.mark.parametrize("path", JSON_ROUTES)
def test_oversized_streamed_body_is_413(client, state, cookie, state_snapshot, logged_in, path):
    """A chunked body (no Content-Length) over MAX_BODY is 413, even if its first MAX_BODY bytes are valid JSON."""
    before = state_snapshot()
    body = _padded('{"username": "bob", "password": "builder", "title": "smuggled"}', MAX_BODY + 1)
    response = client.post(
        path,
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked", **cookie(logged_in)},
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert response.request.content_length is None
    assert_refused_without_effect(
        client,
        state,
        cookie,
        state_snapshot,
        logged_in,
        before,
        response,
        413,
        "body_too_large",
        f"the body may hold at most {MAX_BODY} bytes",
    )


@pytest.mark.parametrize("streamed", [pytest.param(False, id="content_length"), pytest.param(True, id="chunked")])
def test_body_of_exactly_max_body_bytes_is_accepted(client, state, cookie, logged_in, streamed):
    """MAX_BODY bytes are allowed, with a Content-Length or streamed."""
    body = _padded('{"title": "just fits"}', MAX_BODY)
    stream = (
        {
            "input_stream": io.BytesIO(body),
            "headers": {"Transfer-Encoding": "chunked", **cookie(logged_in)},
            "environ_overrides": {"wsgi.input_terminated": True},
        }
        if streamed
        else {"data": body, "headers": cookie(logged_in)}
    )
    response = client.post("/api/resources", content_type="application/json", **stream)
    assert (response.status_code, response.get_json()) == (201, {"id": 3, "title": "just fits"})


def test_body_checks_come_after_authentication(client, state):
    """Without a session, a bad body to a session route is answered 401, not with the body error."""
    response = client.post("/api/resources", data=b"{", content_type="application/json")
    assert (response.status_code, response.get_json()) == (401, UNAUTHENTICATED)
    assert state.resources == {}
