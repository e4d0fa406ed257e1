"""Settings.lenient_body: the API that reads JSON whatever the Content-Type, and HTML form fields.

The setting exists so that the browser security tests can make SameSite the only CSRF defence: a cross-site
form (urlencoded or text/plain) or a no-cors fetch (text/plain) cannot send Content-Type: application/json,
so the strict API answers them 415 before anything changes. These tests pin what the lenient API accepts and
that everything else (session check, size limit, CSRF origin check, malformed JSON) is unchanged.
"""

from __future__ import annotations

import pytest

from server.app import MAX_BODY, USERS
from server.config import Settings

LENIENT = [pytest.param(Settings(lenient_body=True), id="lenient")]
STRICT = [pytest.param(Settings(), id="strict")]
URLENCODED = "application/x-www-form-urlencoded"
TEXT_PLAIN = "text/plain"
# The classic text/plain form trick: <input name='{"title":"pwned","x":"' value='"}'> is sent as one line
# NAME=VALUE CRLF (HTML, "text/plain encoding algorithm"), which is a JSON object.
JSON_IN_TEXT_PLAIN = '{"title":"pwned","x":"="}\r\n'

# Bodies a cross-site page can send without a preflight, each with the title the lenient API reads from it.
SIMPLE_BODIES = [
    pytest.param(TEXT_PLAIN + ";charset=UTF-8", '{"title": "from fetch"}', "from fetch", id="json_as_text_plain"),
    pytest.param(TEXT_PLAIN, JSON_IN_TEXT_PLAIN, "pwned", id="text_plain_form_json_trick"),
    pytest.param(TEXT_PLAIN, "title=plain field\r\n", "plain field", id="text_plain_form_field"),
    pytest.param(TEXT_PLAIN, "other=1\r\ntitle=second line\r\n", "second line", id="text_plain_form_two_fields"),
    pytest.param(URLENCODED, "title=caf%C3%A9+au+lait", "café au lait", id="urlencoded_field"),
    pytest.param(URLENCODED, "title=first&title=second", "first", id="urlencoded_first_name_wins"),
    pytest.param(URLENCODED, '{"title": "json under urlencoded"}', "json under urlencoded", id="urlencoded_json"),
    pytest.param("application/json", '{"title": "plain json"}', "plain json", id="application_json"),
]


def create(client, cookie, sid, content_type, data, **headers):
    return client.post("/api/resources", data=data, headers={**cookie(sid), "Content-Type": content_type, **headers})


@pytest.mark.parametrize("settings", LENIENT)
@pytest.mark.parametrize("content_type, data, title", SIMPLE_BODIES)
def test_lenient_body_creates_from_simple_bodies(client, state, login, cookie, settings, content_type, data, title):
    """A body a form or a no-cors fetch can send creates the resource under the lenient setting."""
    sid = login()
    response = create(client, cookie, sid, content_type, data)
    assert (response.status_code, response.get_json()["title"]) == (201, title), response.get_json()
    assert [r["title"] for r in state.resources["alice"]] == [title]


@pytest.mark.parametrize("settings", STRICT)
@pytest.mark.parametrize("content_type, data, title", [p for p in SIMPLE_BODIES if p.id != "application_json"])
def test_strict_api_refuses_simple_bodies(client, state, login, cookie, settings, content_type, data, title):
    """Without the setting the same bodies meet 415, after the session check, and nothing is created."""
    sid = login()
    response = create(client, cookie, sid, content_type, data)
    assert (response.status_code, response.get_json()["error"]) == (415, "unsupported_media_type")
    assert state.resources.get("alice", []) == []
    assert state.requests("/api/resources")[-1].user == "alice"


@pytest.mark.parametrize("settings", LENIENT)
@pytest.mark.parametrize(
    "content_type, data, status, error",
    [
        pytest.param("application/json", '{"title": ', 400, "malformed_json", id="malformed_json_stays_400"),
        pytest.param(TEXT_PLAIN, "no fields here", 422, "invalid_field", id="text_plain_without_title"),
        pytest.param(TEXT_PLAIN, "title=\r\n", 422, "invalid_field", id="text_plain_empty_title"),
        pytest.param(TEXT_PLAIN, "[1, 2]", 422, "invalid_body", id="json_array_as_text_plain"),
        pytest.param(URLENCODED, "", 422, "invalid_field", id="urlencoded_empty"),
        pytest.param(
            "multipart/form-data; boundary=x", "--x\r\n", 415, "unsupported_media_type", id="multipart_not_read"
        ),
        pytest.param("application/xml", "<title>x</title>", 415, "unsupported_media_type", id="xml_not_read"),
    ],
)
def test_lenient_body_still_validates(client, state, login, cookie, settings, content_type, data, status, error):
    """Leniency is about the Content-Type only: bad bodies are still refused and nothing is created."""
    sid = login()
    response = create(client, cookie, sid, content_type, data)
    assert (response.status_code, response.get_json()["error"]) == (status, error)
    assert state.resources.get("alice", []) == []


@pytest.mark.parametrize("settings", LENIENT)
def test_lenient_body_needs_a_session(client, state, settings):
    """The session check comes first: a lenient body without a valid cookie is 401 and creates nothing."""
    response = client.post("/api/resources", data="title=x", headers={"Content-Type": URLENCODED})
    assert (response.status_code, response.get_json()["error"]) == (401, "unauthenticated")
    assert state.resources == {}


@pytest.mark.parametrize("settings", LENIENT)
def test_lenient_body_keeps_the_size_limit(client, login, cookie, settings):
    sid = login()
    response = create(client, cookie, sid, TEXT_PLAIN, "title=" + "x" * MAX_BODY)
    assert (response.status_code, response.get_json()["error"]) == (413, "body_too_large")


@pytest.mark.parametrize("settings", LENIENT)
@pytest.mark.parametrize(
    "content_type, data",
    [
        pytest.param(URLENCODED, "username=alice&password=wonderland", id="urlencoded"),
        pytest.param(TEXT_PLAIN, "username=alice\r\npassword=wonderland\r\n", id="text_plain"),
    ],
)
def test_lenient_login_reads_form_fields(client, state, settings, content_type, data):
    """Login reads the same bodies (a cross-site form could log the victim into an account: login CSRF)."""
    response = client.post("/api/login", data=data, headers={"Content-Type": content_type})
    assert (response.status_code, response.get_json()) == (200, {"user": "alice"})
    assert len(state.sessions) == 1


@pytest.mark.parametrize(
    "settings", [pytest.param(Settings(lenient_body=True, csrf="origin"), id="lenient_csrf_origin")]
)
@pytest.mark.parametrize(
    "origin, status",
    [
        pytest.param("https://evil.test", 403, id="foreign_origin_refused"),
        pytest.param("https://evil.site-a.test", 403, id="same_site_sibling_refused"),
        pytest.param("null", 403, id="opaque_origin_refused"),
        pytest.param("http://localhost", 201, id="own_origin_passes"),
        pytest.param(None, 201, id="no_origin_passes"),
    ],
)
def test_csrf_origin_check_precedes_the_lenient_body(client, state, login, cookie, settings, origin, status):
    """csrf='origin' answers a foreign Origin 403 before the body is read: the lenient body changes nothing there."""
    sid = login()
    headers = {"Origin": origin} if origin else {}
    response = create(client, cookie, sid, URLENCODED, "title=forged", **headers)
    assert response.status_code == status, response.get_json()
    assert len(state.resources.get("alice", [])) == (1 if status == 201 else 0)
    if status == 403:
        assert response.get_json()["error"] == "cross_origin_forbidden"
        assert sid in state.sessions  # refused requests leave the session alone


def test_lenient_body_defaults_off():
    assert Settings().lenient_body is False
    assert Settings(lenient_body=True).with_cookie(secure=True).lenient_body is True


@pytest.mark.parametrize("settings", LENIENT)
def test_every_user_can_log_in_with_a_form(client, settings):
    for user, password in USERS.items():
        response = client.post("/api/login", data={"username": user, "password": password})
        assert (response.status_code, response.get_json()) == (200, {"user": user})
