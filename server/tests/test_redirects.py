"""The hops of a redirected login (Settings.redirects): each answers the chain's status with a Location of the next,
carries the CORS policy's headers and is recorded; a hop the chain lacks is a 404 in JSON; bad settings are refused."""

from __future__ import annotations

import pytest

from server.config import ConfigError, CorsPolicy, Settings

PAGE = "https://app.site-a.test:8443"
CHAIN = ("https://app.site-a.test:8443/api/hop/0", "https://api.site-b.test:8443/api/hop/1",
         "https://api.site-a.test:8443/api/login")  # fmt: skip


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_each_hop_redirects_to_the_next(client, state, status):
    """Hop k answers the status with Location URL k+1, the policy's CORS headers, and is in the server's record."""
    state.configure(Settings(cors=CorsPolicy("allowlist", (PAGE,)), redirects=CHAIN, redirect_status=status))
    first = client.post("/api/hop/0", headers={"Origin": PAGE}, json={})
    second = client.get("/api/hop/1", headers={"Origin": "null"})
    assert (first.status_code, first.headers["Location"]) == (status, CHAIN[1])
    assert first.headers["Access-Control-Allow-Origin"] == PAGE
    assert (second.status_code, second.headers["Location"]) == (status, CHAIN[2])
    assert "Access-Control-Allow-Origin" not in second.headers  # null is not on the allowlist
    assert [(r.path, r.status, r.origin) for r in state.requests()] == [
        ("/api/hop/0", status, PAGE), ("/api/hop/1", status, "null")]  # fmt: skip


def test_a_hop_the_chain_lacks_is_a_json_404(client, state):
    """Past the last hop, or with no chain at all: 404 with a JSON error, never a redirect."""
    state.configure(Settings(redirects=CHAIN))
    for path in ("/api/hop/2", "/api/hop/99"):
        response = client.get(path)
        assert response.status_code == 404 and response.get_json()["error"] == "no_such_hop"
    state.configure(Settings())
    assert client.post("/api/hop/0").status_code == 404


@pytest.mark.parametrize(
    "changes, message",
    [
        pytest.param({"redirect_status": 304}, "redirect_status must be one of", id="not_a_redirect"),
        pytest.param({"redirects": CHAIN[0]}, "redirects is a tuple of URLs", id="a_string"),
        pytest.param({"redirects": CHAIN[:1]}, "redirects is a tuple of URLs", id="a_hop_leading_nowhere"),
    ],
)
def test_bad_redirect_settings_are_refused(changes, message):
    with pytest.raises(ConfigError, match=message):
        Settings(**changes)


def test_a_hop_that_sets_the_cookie_opens_a_session(client, state):
    """With redirect_sets_cookie each hop's redirect opens a session for alice and sets its cookie: the id
    authenticates the next request that carries it; without it, a hop sets nothing."""
    state.configure(Settings(redirects=CHAIN, redirect_sets_cookie=True))
    hop = client.get("/api/hop/0")
    (line,) = hop.headers.getlist("Set-Cookie")
    sid = line.split(";")[0].split("=", 1)[1]
    assert client.get("/api/me", headers={"Cookie": f"sid={sid}"}).get_json() == {"user": "alice"}
    state.configure(Settings(redirects=CHAIN))
    assert client.get("/api/hop/0").headers.getlist("Set-Cookie") == []
