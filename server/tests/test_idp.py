"""The identity provider's login: /api/auth/start, the provider's /idp/authorize page and /api/auth/callback, with
hostile input answered 4xx JSON and the state cookie deciding the login."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlsplit

import pytest

from server.config import ConfigError, CookieConfig, CookieLines, Settings

APP = "https://app.site-a.test"
IDP = "https://idp.site-c.test/idp/authorize"
STATE = CookieLines("state", ("state=X; Path=/; Secure; HttpOnly; SameSite=Lax",), (6, 7),
                    "state=; Max-Age=0; Path=/", secure=True)  # fmt: skip


def provider(how: str = "query") -> Settings:
    return Settings(cookie=CookieConfig(samesite="Lax", secure=True), idp_authorize=IDP, idp_return=how,
                    state_cookie=STATE, login_redirect=APP + "/")  # fmt: skip


def start(client) -> tuple[str, str]:
    """The state the start issued and the callback it names."""
    response = client.get("/api/auth/start", base_url=APP)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == IDP
    query = parse_qs(location.query)
    (line,) = response.headers.getlist("Set-Cookie")
    assert line.startswith(f"state={query['state'][0]}; Path=/; Secure; HttpOnly; SameSite=Lax")
    return query["state"][0], query["redirect_uri"][0]


def code_from(client, state: str, callback: str, how: str = "query") -> str:
    """The code the provider's consent page returns with: in its Continue link (query) or its form (form_post)."""
    page = client.get("/idp/authorize", query_string={"state": state, "redirect_uri": callback, "response_mode": how})
    assert (page.status_code, page.mimetype) == (200, "text/html")
    text = html.unescape(page.get_data(as_text=True))
    assert ('<a id="continue" href="' in text) is (how == "query") and ('<form method="post"' in text) is (
        how == "form_post")  # fmt: skip
    if how == "query":
        link = urlsplit(text.split('href="')[1].split('"')[0])
        assert f"{link.scheme}://{link.netloc}{link.path}" == callback and parse_qs(link.query)["state"] == [state]
        return parse_qs(link.query)["code"][0]
    return text.split('name="code" value="')[1].split('"')[0]


def test_without_a_provider_the_routes_are_404_json(client, state):
    """A server whose login is not a provider's answers its routes 404 with JSON, never a redirect or a session."""
    for response in (client.get("/api/auth/start"), client.get("/api/auth/callback?code=a&state=b")):
        assert response.status_code == 404 and response.get_json()["error"] == "no_identity_provider"
    assert len(state.sessions) == 0


@pytest.mark.parametrize("how", ["query", "form_post"])
def test_the_return_with_its_state_cookie_logs_in(client, state, how):
    """start sets the state cookie; the provider's page returns code and state; with the cookie the callback logs
    alice in and answers 303 back to the app with the session cookie."""
    state.configure(provider(how))
    issued, callback = start(client)
    code = code_from(client, issued, callback, how)
    headers = {"Cookie": f"state={issued}"}
    if how == "query":
        back = client.get(callback, query_string={"code": code, "state": issued}, headers=headers)
    else:
        back = client.post(callback, data={"code": code, "state": issued}, headers=headers)
    assert (back.status_code, back.headers["Location"], back.get_json()["user"]) == (303, APP + "/", "alice")
    assert back.headers["Set-Cookie"].startswith("sid=")
    assert state.requests("/api/auth/callback")[-1].user == "alice"


@pytest.mark.parametrize("cookie", [None, "state=another", "other=x"])
def test_the_return_without_its_state_is_refused(client, state, cookie):
    """No state cookie, or another state: 303 back to the app (failureRedirect) without a session, and the code is
    spent."""
    state.configure(provider())
    issued, callback = start(client)
    code = code_from(client, issued, callback)
    back = client.get(callback, query_string={"code": code, "state": issued},
                      headers={"Cookie": cookie} if cookie else {})  # fmt: skip
    assert (back.status_code, back.get_json()["error"], back.headers.get("Set-Cookie")) == (303, "state_mismatch",
                                                                                            None)  # fmt: skip
    again = client.get(callback, query_string={"code": code, "state": issued}, headers={"Cookie": f"state={issued}"})
    assert again.get_json()["error"] == "state_mismatch", "a code is redeemed once"
    assert len(state.sessions) == 0


@pytest.mark.parametrize(
    "query",
    [
        {"state": "s", "redirect_uri": "javascript:alert(1)"},
        {"state": "s", "redirect_uri": "https://app.site-a.test/cb", "response_mode": "fragment"},
        {"redirect_uri": "https://app.site-a.test/cb"},
        {"state": "s" * 201, "redirect_uri": "https://app.site-a.test/cb"},
        {},
    ],
)
def test_the_provider_refuses_malformed_requests(client, state, query):
    """A redirect_uri that is not http(s), an unknown response_mode, a missing or oversized state: 400 JSON."""
    state.configure(provider())
    response = client.get("/idp/authorize", query_string=query)
    assert response.status_code == 400 and response.get_json()["error"] == "invalid_request"
    assert state.codes == {}


def test_a_hostile_callback_body_is_no_500(client, state):
    """A body past the size limit, not form data, or JSON of the wrong shape is a refused return (4xx JSON, or 303
    back with state_mismatch), never a server error, and redeems no code."""
    state.configure(provider())
    state.codes["good"] = "alice"
    bodies = ((b"code=" + b"x" * 20000, "application/x-www-form-urlencoded"), (b"\xff\xfe", "text/plain"),
              (b'{"code": ["good"], "state": {"a": 1}}', "application/json"), (b"[1, 2]", "application/json"),
              (b"{", "application/json"), (b"code=good", "image/png"))  # fmt: skip
    for data, kind in bodies:
        response = client.post("/api/auth/callback", data=data, content_type=kind)
        assert response.status_code in (303, 400, 413, 415, 422) and response.is_json, (data, response.status_code)
        assert response.status_code != 303 or response.get_json()["error"] == "state_mismatch"
    assert state.codes == {"good": "alice"}


def test_a_provider_needs_its_state_cookie_and_way_back():
    """Settings refuse half a provider: the authorize URL without the state cookie or the way back."""
    with pytest.raises(ConfigError, match="idp_authorize, state_cookie and login_redirect"):
        Settings(idp_authorize=IDP, state_cookie=STATE)
    with pytest.raises(ConfigError, match="idp_return"):
        Settings(idp_return="fragment")
