"""A spec's server settings: the real server sends exactly the lines the oracle was given (Flask's test client)."""

from __future__ import annotations

import pytest

from e2e.harness.serving import settings_for
from e2e.oracle.spec import ServerSpec
from server.app import USERS, ApiState, create_app

LINES = [
    "sid=X; Path=/; HttpOnly",
    "connect.sid=s%3AX;path=/;HttpOnly;  Secure;SameSite=None",  # spacing and case as a server may write them
    "__Host-sid=X; Secure; Path=/; Partitioned; SameSite=None",
    "sid= X ; Max-Age=60; Expires=Wed, 21 Oct 2099 07:28:00 GMT; Domain=.site-a.test",
]


@pytest.mark.parametrize("line", LINES)
def test_the_server_sends_the_line_byte_for_byte_around_its_session_id(line):
    server = ServerSpec(set_cookie=line, logout_set_cookie="sid=; Max-Age=0; Path=/odd")
    app = create_app(ApiState(settings_for(server)))
    client = app.test_client(use_cookies=False)
    login = client.post("/api/login", json={"username": "alice", "password": USERS["alice"]},
                        base_url="https://app.site-a.test")  # fmt: skip
    (sent,) = login.headers.getlist("Set-Cookie")
    before, after = server.login.around_value()
    assert sent.startswith(before) and sent.endswith(after)
    sid = sent[len(before) : len(sent) - len(after)]
    assert len(sid) == 43  # secrets.token_urlsafe(32)
    logout = client.post("/api/logout", headers={"Cookie": f"{server.cookie_name}={sid}"},
                         base_url="https://app.site-a.test")  # fmt: skip
    assert (logout.status_code, logout.headers.getlist("Set-Cookie")) == (200, ["sid=; Max-Age=0; Path=/odd"])


def test_the_servers_switches_follow_the_spec():
    server = ServerSpec(set_cookie="sid=X; Secure", cors="allowlist", allowlist=("https://app.test",),
                        secure_cookie_needs_tls=True, trust_proxy=True, csrf="origin", lenient_body=True)  # fmt: skip
    settings = settings_for(server)
    assert (settings.cors.kind, settings.cors.allowlist) == ("allowlist", ("https://app.test",))
    assert (settings.secure_cookie_needs_tls, settings.trust_proxy, settings.csrf, settings.lenient_body) == (
        True, True, "origin", True,
    )  # fmt: skip
    assert settings.cookie.secure is True and settings.cookie.name == "sid"
