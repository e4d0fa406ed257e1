"""What the harness hears from the engines (e2e/harness/engine.py): Firefox's DevTools packets, its console messages
keyed by its own templates, its cookie log's partition keys; and the page calls a group runs in."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import pytest

from e2e.harness.driver import page_batches
from e2e.harness.engine import (
    CookieLog,
    DevToolsConnection,
    console_said,
    console_templates,
    logged_since,
    partition_site,
)
from e2e.harness.launch import load_playwright_config
from e2e.oracle.vocabulary import STEPS

FIREFOX = load_playwright_config().LAUNCH["firefox"]["executable_path"]


def _packet(data: dict) -> bytes:
    body = json.dumps(data).encode()
    return str(len(body)).encode() + b":" + body


def test_devtools_packets_are_framed_and_events_kept(tmp_path: Path):
    """Length-prefixed JSON both ways, split anywhere on the socket; a cookie message before the answer is kept for
    its console actor, other events are not, and the answer comes back."""
    path = tmp_path / "devtools.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.listen(1)

    def serve():
        peer, _ = server.accept()
        peer.sendall(_packet({"from": "root", "applicationType": "browser"}))
        request = peer.recv(4096)
        assert b'"type": "startListeners"' in request
        event = {"from": "console1", "type": "pageError", "pageError": {"category": "cookiesRejection", "x": 1}}
        data = _packet({"from": "tab1", "type": "frameUpdate"}) + _packet(event) + _packet({"from": "console1"})
        for i in range(0, len(data), 7):  # a packet split across reads
            peer.sendall(data[i : i + 7])
        peer.close()

    thread = threading.Thread(target=serve)
    thread.start()
    connection = DevToolsConnection(path, None)
    assert connection.request("console1", "startListeners", listeners=[]) == {"from": "console1"}
    assert connection.events == {"console1": [{"category": "cookiesRejection", "x": 1}]}
    thread.join()
    connection.close()
    server.close()


@pytest.mark.parametrize(
    "attributes, site",
    [
        ("^userContextId=6&partitionKey=%28https%2Csite-a.test%29", "https://site-a.test"),
        ("^partitionKey=%28http%2Clocalhost%2C8080%29", "http://localhost:8080"),
        ("^userContextId=6", None),
        ("", None),
    ],
)
def test_partition_site(attributes, site):
    """Firefox's partitionKey origin attribute, (scheme,site[,port]), as the site the oracle names."""
    assert partition_site(attributes) == site


def _accepted(name: str, value: str, host: str, attributes: str) -> str:
    lines = ["===== COOKIE ACCEPTED =====", "request URL: https://api.site-b.test/api/login", f"name: {name}",
             f"value: {value}", f"host: {host}", "path: /", f"origin attributes: {attributes}", ""]  # fmt: skip
    return "".join(f"[Parent 1: Main Thread]: D/cookie {line}\n" for line in lines)


def test_cookie_log_reads_on_and_the_latest_acceptance_wins(tmp_path: Path):
    """The log is read from where the last read stopped, a half-written line waits, and a cookie accepted again
    (a later case setting the same cookie) has its latest partition."""
    log = CookieLog(tmp_path / "cookies.log.moz_log")
    assert log.partition_of("sid", "v", "api.site-b.test", "/") is None  # no log yet
    log.path.write_text(_accepted("sid", "v", "api.site-b.test", "^partitionKey=%28https%2Csite-a.test%29"))
    assert log.partition_of("sid", "v", "api.site-b.test", "/") == "https://site-a.test"
    with log.path.open("a") as f:
        f.write(_accepted("sid", "v", ".api.site-b.test", "^userContextId=2"))
        f.write("[Parent 1: Main Thread]: D/cookie ===== COOKIE ACC")
    assert log.partition_of("sid", "v", "api.site-b.test", "/") is None
    assert log.partition_of("other", "v", "api.site-b.test", "/") is None


@pytest.fixture(scope="module")
def templates():
    found = console_templates(FIREFOX)
    if not found:
        pytest.skip(f"no Firefox omni.ja next to {FIREFOX}: its console templates cannot be read")
    return found


@pytest.mark.parametrize(
    "message, said, url",
    [
        (
            {"errorMessage": "Cookie “__Host-x” has been rejected for invalid prefix.", "category": "cookiesRejection",
             "sourceName": "https://api.site-b.test:1/api/login"},
            ("store", "CookieRejectedInvalidPrefix", "__Host-x"),
            "https://api.site-b.test:1/api/login",
        ),
        (
            {"errorMessage": "Cookie “sid=v; Path=/; Secure” has been rejected as third-party.",
             "category": "cookiesRejection", "sourceName": "https://api.site-b.test:1/api/login"},
            ("store", "CookieRejectedThirdParty", "sid"),
            "https://api.site-b.test:1/api/login",
        ),
        (
            {"errorMessage": "Cookie “” has been rejected as third-party.", "category": "cookiesRejection",
             "sourceName": "https://api.site-b.test:1/api/me"},
            ("send", "CookieRejectedThirdParty", None),
            "https://api.site-b.test:1/api/me",
        ),
        (
            {"errorMessage": "Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote "
             "resource at https://api.site-b.test:1/api/login. (Reason: CORS header ‘Access-Control-Allow-Origin’ "
             "missing). Status code: 204.", "category": "CORSMissingAllowOrigin2", "sourceName": ""},
            ("cors", "CORSMissingAllowOrigin2", None),
            "https://api.site-b.test:1/api/login",
        ),
        (
            {"errorMessage": "Cookie “sid” does something new.", "category": "cookiesRejection", "sourceName": "u"},
            ("store", "", None),
            "u",
        ),
    ],
    ids=["prefix", "third_party_line", "third_party_read", "cors", "unknown_words"],
)  # fmt: skip
def test_console_messages_are_keyed_by_firefoxs_own_templates(templates, message, said, url):
    """A console message's key from Firefox's en-US templates (the category when it is a key), its kind and cookie
    (a whole line named by its cookie's name), and the URL it is about; unknown words keep an empty key."""
    heard, about = console_said(message, templates)
    assert (heard.kind, heard.code, heard.cookie) == said and heard.text == message["errorMessage"]
    assert about == url


def test_steps_sharing_a_path_are_heard_in_separate_page_calls():
    """list and create both go to /api/resources: an engine that names URLs only hears them in two calls."""
    group = tuple(s for s in STEPS if s != "login")
    assert page_batches(group, by_path=False) == [group]
    assert page_batches(group, by_path=True) == [("me", "list"), ("create", "logout")]


def test_messages_since_a_mark_are_after_its_count_and_its_time():
    """A message read after the mark but logged before it (an earlier group's, read late) is not the group's."""
    messages = [{"timeStamp": 100.0, "errorMessage": "a"}, {"timeStamp": 199.0, "errorMessage": "late"},
                {"timeStamp": 200.0, "errorMessage": "b"}, {"errorMessage": "no time"}]  # fmt: skip
    assert [m["errorMessage"] for m in logged_since(messages, (1, 200))] == ["b", "no time"]
    assert logged_since(messages, None) == messages
    assert logged_since(messages, (4, 0)) == []
