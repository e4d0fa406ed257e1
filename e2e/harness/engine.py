"""What the engines say about each request, captured beside what they do: Chromium's reasons over CDP and Firefox's
console over its DevTools server, per page. Judging them against the oracle is e2e/oracle/engines.py's.

Chromium (a CDP session of the page's own, `Network.enable`): `requestWillBeSentExtraInfo` lists the cookies a
request considered, each with its blockedReasons (none: sent); `responseReceivedExtraInfo` the Set-Cookie lines it
refused, with theirs, and its exempted cookies; `loadingFailed` the CORS error of a fetch that failed. The ExtraInfo
events are not sent for every request and may come after the response: they are paired by request id, read after a
round trip on the session (every event sent before its answer has been delivered by then), and a missing one is
said to be missing, never guessed.

Firefox (its DevTools remote debugging protocol, on the Unix socket launch.py started it with; length-prefixed JSON
packets): the page's tab is found by a title set for the lookup, its console actor started with the PageError
listener, and every console message whose category is about cookies kept (CookieLogging.cpp logs a refused
Set-Cookie line to the page that made the request, naming the URL that sent it). A step's messages are those with
its request's URL, read after a round trip to the console actor (its earlier messages come first on the socket),
sent before the jar read that follows a page call and answered after it (heard_after).
The message's key, and so its reason, is found by matching the words against Firefox's own en-US templates
(necko.properties in the browser's omni.ja); words no template matches keep an empty key, which the table does not
know.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import socket
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from playwright.sync_api import Browser, BrowserContext, CDPSession, Frame, Page
from playwright.sync_api import Error as PlaywrightError

from e2e.oracle.engines import EngineSaid, firefox_reading
from e2e.oracle.setcookie import parse_set_cookie

T = TypeVar("T")
_EVENTS = ("requestWillBeSent", "requestWillBeSentExtraInfo", "responseReceivedExtraInfo", "responseReceived",
           "loadingFailed")  # fmt: skip


@dataclass
class _Request:
    method: str = ""
    path: str = ""
    events: dict[str, dict] = field(default_factory=dict)


@dataclass(frozen=True)
class EngineReport:
    """What the engine said about one step's request, and which of its reports never came."""

    said: tuple[EngineSaid, ...] = ()
    missing: tuple[str, ...] = ()
    captured: bool = True  # False: not heard (see asked)
    asked: bool = True  # False: not listened to (--cm-engine-reasons); True and not captured: the suite cannot hear it

    def to_json(self) -> dict:
        return {"said": [s.to_json() for s in self.said], "missing": list(self.missing), "captured": self.captured,
                "asked": self.asked}  # fmt: skip


NOT_CAPTURED = EngineReport(captured=False)  # this engine says nothing the suite can hear
NOT_ASKED = EngineReport(captured=False, asked=False)  # the suite did not listen (the oracle expected nothing to hear)


class _RoundTrips:
    """A listener whose reports are complete once a round trip to the engine answered (every earlier report is then
    delivered): made beside the jar read that follows a page call (heard_after), else by reports() itself."""

    _heard = False  # a round trip answered since the last reports()

    def _send_round_trip(self) -> Callable[[], None]:
        """Send a round trip; the returned call waits for its answer."""
        raise NotImplementedError

    def heard_after(self, read: Callable[[], T]) -> T:
        """Run `read` (the jar read after a page call) while a round trip is under way: the next reports() needs none
        of its own."""
        answered = self._send_round_trip()
        try:
            return read()
        finally:
            answered()
            self._heard = True

    def _settle(self) -> None:
        """Before reports() reads: a round trip, unless heard_after made one since the last reports()."""
        if not self._heard:
            self._send_round_trip()()
        self._heard = False


class ChromiumListener(_RoundTrips):
    """The Network events of one page, by request id, in the order the requests began."""

    by_path = False  # a request is told by its method and path
    before_load = True  # made before the page loads anything, so that it hears every request
    follows_navigation = True  # one session for the page, whatever document it shows
    hears_frames = True  # a frame's requests: on its own target's session, or its page's (frame_session)

    def __init__(self, context: BrowserContext, page: Page | Frame):
        self._cdp = frame_session(context, page) if isinstance(page, Frame) else context.new_cdp_session(page)
        self._requests: dict[str, _Request] = {}
        self._order: list[str] = []
        self._listening = True
        # On the session's own emitter, not the sync API's: that wraps every handler to convert the event's whole
        # payload object by object (Playwright's impl_to_api_mapping), the largest part of what listening cost.
        emitter = self._cdp._impl_obj
        for name in _EVENTS:
            emitter.on(f"Network.{name}", lambda event, name=name: self._on(name, event))
        self._cdp.send("Network.enable")

    def listen(self, on: bool) -> None:
        """Turn the page's Network events on or off (they are most of what listening costs: Chromium builds, and
        Playwright's driver relays, a second copy of every request's events for this session)."""
        if on != self._listening:
            self._cdp.send("Network.enable" if on else "Network.disable")
            self._listening = on

    def _on(self, name: str, event: dict) -> None:
        rid = event["requestId"]
        request = self._requests.get(rid)
        if request is None:
            request = self._requests[rid] = _Request()
            self._order.append(rid)
        if name == "requestWillBeSent":
            request.method, request.path = event["request"]["method"], urlsplit(event["request"]["url"]).path
        request.events[name] = event

    def mark(self) -> int:
        """A point in the page's requests: reports() after it reads only the requests begun since."""
        return len(self._order)

    def _send_round_trip(self) -> Callable[[], None]:
        """Runtime.evaluate on this session, to the page's renderer, through the session's async side (the sync API
        has one call in flight at a time). The jar read is no round trip for this listener: the jar is the browser
        process's, while a failed fetch's loadingFailed comes from the renderer, and was once heard only after the
        jar read had answered (scripts/repeat.py saw the CORS error missing)."""
        impl = self._cdp._impl_obj
        trip = impl._loop.create_task(impl.send("Runtime.evaluate", {"expression": "0"}))
        return lambda: self._cdp._sync(_awaited(trip))

    def reports(self, since: int | None, steps: dict[str, tuple[str, str]]) -> dict[str, EngineReport]:
        """For each step (name -> method and path), what Chromium said of its request begun since `since`."""
        self._settle()
        mine = [self._requests[rid] for rid in self._order[since:]]
        out = {}
        for step, (method, path) in steps.items():
            request = next((r for r in mine if (r.method, r.path) == (method, path)), None)
            out[step] = _report(request) if request else EngineReport(missing=("request",))
        return out


def frame_session(context: BrowserContext, frame: Frame) -> CDPSession:
    """A CDP session that hears the requests of `frame`'s document: its own target's, for a frame in a process of its
    own (a cross-site frame, under site isolation), else its page's, whose target holds the frame."""
    try:
        return context.new_cdp_session(frame)
    except PlaywrightError as error:
        if "part of the parent frame" not in error.message:
            raise
        return context.new_cdp_session(frame.page)


async def _awaited(task):
    return await task


def _report(request: _Request) -> EngineReport:
    said, missing, events = [], [], request.events
    sent = events.get("requestWillBeSentExtraInfo")
    failed = events.get("loadingFailed")
    if sent is None:
        if not failed:
            missing.append("requestWillBeSentExtraInfo")
    else:
        for c in sent.get("associatedCookies", []):
            name = c["cookie"]["name"]
            said += [EngineSaid("send", reason, name, f"{name}: {reason}") for reason in c.get("blockedReasons", [])]
            if c.get("exemptionReason") and c["exemptionReason"] != "None":
                said.append(EngineSaid("warning", c["exemptionReason"], name, f"{name} exempted"))
    answered = events.get("responseReceivedExtraInfo")
    if answered is None:
        if "responseReceived" in events:
            missing.append("responseReceivedExtraInfo")
    else:
        for c in answered.get("blockedCookies", []):
            line = c.get("cookieLine", "")
            name = c["cookie"]["name"] if c.get("cookie") else parse_set_cookie(line, "a line", header=False).name
            said += [EngineSaid("store", reason, name, line) for reason in c.get("blockedReasons", []) or [""]]
        for c in answered.get("exemptedCookies", []):
            said.append(EngineSaid("warning", c["exemptionReason"], c["cookie"]["name"], "exempted"))
    if failed and failed.get("corsErrorStatus"):
        status = failed["corsErrorStatus"]
        said.append(EngineSaid("cors", status["corsError"], None, failed.get("errorText", "")))
    return EngineReport(tuple(said), tuple(missing))


class DevToolsError(RuntimeError):
    """Firefox's DevTools server refused, failed or went away."""


class DevToolsConnection:
    """One connection to a Firefox's DevTools server: requests answered in order per actor, events kept per actor."""

    def __init__(self, path: Path, executable: str | None):
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.connect(str(path))
        self._buffer = b""
        self.templates = console_templates(executable)
        self.events: dict[str, list[dict]] = {}  # actor -> its pageError events about cookies, in order
        self._read()  # the root actor's greeting

    def _read(self) -> dict:
        while b":" not in self._buffer:
            self._receive()
        size, rest = self._buffer.split(b":", 1)
        while len(rest) < int(size):
            self._buffer = size + b":" + rest
            self._receive()
            size, rest = self._buffer.split(b":", 1)
        packet, self._buffer = rest[: int(size)], rest[int(size) :]
        return json.loads(packet)

    def _receive(self) -> None:
        chunk = self._sock.recv(1 << 16)
        if not chunk:
            raise DevToolsError("Firefox's DevTools server closed the connection")
        self._buffer += chunk

    def request(self, to: str, kind: str, **fields) -> dict:
        """Send a request and read until its answer, keeping the events that come before it."""
        self.send(to, kind, **fields)
        return self.answer(to, kind)

    def send(self, to: str, kind: str, **fields) -> None:
        """Send a request whose answer answer() reads later (meanwhile, no other request to `to`)."""
        data = json.dumps({"to": to, "type": kind, **fields}).encode()
        self._sock.sendall(str(len(data)).encode() + b":" + data)

    def answer(self, to: str, kind: str) -> dict:
        """Read until the answer of the request last sent to `to`, keeping the events that come before it."""
        while True:
            packet = self._read()
            if packet.get("from") == to and "type" not in packet:
                if "error" in packet:
                    raise DevToolsError(f"{kind} to {to}: {packet['error']} {packet.get('message', '')}")
                return packet
            if packet.get("type") == "pageError" and _heard(packet["pageError"].get("category", "")):
                self.events.setdefault(packet["from"], []).append(packet["pageError"])

    def close(self) -> None:
        self._sock.close()


def _heard(category: str) -> bool:
    """The console messages kept: about cookies (cookiesRejection, cookieSameSite, cookieBlockedForeign, ...) and
    CORS (the category is the message's key)."""
    return category.startswith(("cookie", "CORS"))


_LOOKUPS = itertools.count()


def _tab_of(connection: DevToolsConnection, page: Page) -> str:
    """The actor of the page's tab: the one tab showing the page's URL, or, when others show it too, the one that
    shows it with a fragment set for the lookup (a same-document navigation: Playwright's page has its URL once
    Firefox's parent process reported it, and the tab list is the parent's; a title would reach it later)."""
    tabs = [t for t in connection.request("root", "listTabs")["tabs"] if t.get("url") == page.url]
    if len(tabs) == 1:
        return tabs[0]["actor"]
    token = f"cookie-matrix-{os.getpid()}-{next(_LOOKUPS)}"
    url = page.url.split("#", 1)[0] + "#" + token
    page.evaluate("hash => { location.hash = hash; }", token)
    page.wait_for_url(url)
    tabs = [t for t in connection.request("root", "listTabs")["tabs"] if t.get("url") == url]
    if len(tabs) != 1:
        raise DevToolsError(f"{len(tabs)} of Firefox's tabs show {url}, set for the lookup of one")
    return tabs[0]["actor"]


class FirefoxListener(_RoundTrips):
    """The cookie and CORS messages of one page's console, in the order Firefox logged them."""

    by_path = True  # a message names a URL, not a method: two requests to one path are heard in separate page calls
    before_load = False  # a console is the document's: made once the page shows the document it keeps
    follows_navigation = False  # a new document is a new console
    hears_frames = False  # the tab's console is its top-level document's: a frame's own is another target's

    def __init__(self, connection: DevToolsConnection, page: Page):
        self._connection = connection
        self._console = connection.request(_tab_of(connection, page), "getTarget")["frame"]["consoleActor"]
        # The listener, then the messages the document logged before anyone listened (its load's requests), which
        # the console keeps once it has a listener; one heard in between is kept once.
        connection.request(self._console, "startListeners", listeners=["PageError"])
        cached = connection.request(self._console, "getCachedMessages", messageTypes=["PageError"])["messages"]
        kept = [m.get("pageError", m) for m in cached if _heard(m.get("pageError", m).get("category", ""))]
        seen = {(m.get("timeStamp"), m.get("errorMessage")) for m in kept}
        heard = [m for m in self._messages() if (m.get("timeStamp"), m.get("errorMessage")) not in seen]
        connection.events[self._console] = kept + heard

    def listen(self, on: bool) -> None:
        """Nothing to turn: a console that logs nothing costs nothing; reports() is asked only of steps heard."""

    def _messages(self) -> list[dict]:
        return self._connection.events.setdefault(self._console, [])

    def mark(self) -> tuple[int, float]:
        """A point in the page's messages: reports() after it reads only the messages logged since. A message waits on
        the socket until a round trip reads it, and a group not heard makes none: so the point is a time as well as a
        count, and a message Firefox logged before it (its timeStamp, epoch milliseconds of the same clock) is an
        earlier group's, read late."""
        return len(self._messages()), math.floor(time.time() * 1000)

    def _send_round_trip(self) -> Callable[[], None]:
        """An empty startListeners to the console actor: its earlier messages come first on the socket."""
        self._connection.send(self._console, "startListeners", listeners=[])
        return lambda: self._connection.answer(self._console, "startListeners")

    def reports(self, since: tuple[int, float] | None, steps: dict[str, tuple[str, str]]) -> dict[str, EngineReport]:
        """For each step (name -> method and path), what Firefox's console said of the URL its request went to, since
        the mark `since` (None: every message of the document)."""
        self._settle()
        said = [console_said(m, self._connection.templates) for m in logged_since(self._messages(), since)]
        return {step: EngineReport(tuple(s for s, url in said if urlsplit(url).path == path))
                for step, (_method, path) in steps.items()}  # fmt: skip


def logged_since(messages: list[dict], mark: tuple[int, float] | None) -> list[dict]:
    """The messages after the mark's count and logged at or after its time (FirefoxListener.mark)."""
    if mark is None:
        return messages
    count, at = mark
    return [m for m in messages[count:] if m.get("timeStamp", at) >= at]


def console_said(message: dict, templates: dict[str, re.Pattern]) -> tuple[EngineSaid, str]:
    """One console message as what Firefox said (its key found by the templates: the category when it is one, else
    the words), and the URL it is about (the URL that sent the cookie, or the one its words name)."""
    text, url = message.get("errorMessage", ""), message.get("sourceName") or ""
    category = message.get("category", "")
    keys = [category] if category in templates else [k for k in templates if k.startswith("Cookie")]
    for key in keys:
        found = templates[key].fullmatch(text)
        if found:
            first = found.groupdict().get("p1")
            if key.startswith(("CORS", "CookieBlocked")):  # the parameter is the URL, no cookie
                url, first = url or (first or "").strip("‘’"), None
            kind, cookie = firefox_reading(key, first)
            return EngineSaid(kind, key, cookie, text), url
    return EngineSaid("cors" if category.startswith("CORS") else "store", "", None, text), url


_PROPERTIES = ("chrome/en-US/locale/en-US/necko/necko.properties",
               "chrome/en-US/locale/en-US/global/security/security.properties")  # fmt: skip


@cache
def console_templates(executable: str | None) -> dict[str, re.Pattern]:
    """Firefox's own en-US words for its cookie and CORS messages, by key, its parameters as groups p1, p2, ..."""
    if not executable:
        return {}
    omni = Path(os.path.realpath(executable)).parent / "omni.ja"
    try:
        with zipfile.ZipFile(omni) as archive:
            texts = [archive.read(name).decode("utf-8") for name in _PROPERTIES]
    except (OSError, KeyError, zipfile.BadZipFile):
        return {}
    out = {}
    for line in "\n".join(texts).splitlines():
        key, _, words = line.partition("=")
        if key.startswith(("Cookie", "CORS")) and words:
            parts = re.split(r"%(\d)\$S", words)
            pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<p{p}>.*?)" for i, p in enumerate(parts))
            out[key.strip()] = re.compile(pattern, re.DOTALL)
    return out


class CookieLog:
    """Firefox's cookie log (MOZ_LOG=cookie:4,sync, written line by line as it goes): every cookie it accepted, with
    its origin attributes, whose partitionKey is the cookie's partition (netwerk/cookie/CookieLogging.cpp LogSuccess,
    LogCookie). Read on from where the last read stopped; the latest acceptance of a cookie is its partition."""

    _PREFIX = re.compile(r"^\[[^\]]*\]: D/cookie ?")

    def __init__(self, path: Path):
        self.path, self._offset = path, 0
        self._partitions: dict[tuple[str, str, str, str], str | None] = {}  # name, value, host, path -> partition

    def partition_of(self, name: str, value: str, domain: str, path: str) -> str | None:
        """The partition key of the cookie Firefox accepted last with this name, value, domain and path, as a site
        (https://site-a.test), or None: unpartitioned, or never seen."""
        self._read_on()
        return self._partitions.get((name, value, domain.lstrip("."), path))

    def _read_on(self) -> None:
        try:
            with self.path.open("rb") as log:
                log.seek(self._offset)
                data = log.read()
        except FileNotFoundError:
            return
        data = data[: data.rfind(b"\n") + 1]
        self._offset += len(data)
        block: dict[str, str] | None = None
        for raw in data.decode("utf-8", "replace").splitlines():
            line = self._PREFIX.sub("", raw)
            if line.startswith("====="):
                block = {} if line == "===== COOKIE ACCEPTED =====" else None
            elif block is not None and ": " in line:
                key, _, value = line.partition(": ")
                block.setdefault(key, value)
                if key == "origin attributes":
                    cookie = (block.get("name", ""), block.get("value", ""), block.get("host", "").lstrip("."),
                              block.get("path", ""))  # fmt: skip
                    self._partitions[cookie] = partition_site(value)
                    block = None


def partition_site(origin_attributes: str) -> str | None:
    """Firefox's partitionKey origin attribute ('^userContextId=6&partitionKey=%28https%2Csite-a.test%29') as the
    site it names (https://site-a.test; with a port when it has one), or None without one."""
    from urllib.parse import parse_qs, unquote

    key = parse_qs(origin_attributes.lstrip("^")).get("partitionKey")
    if not key:
        return None
    parts = unquote(key[0]).strip("()").split(",")
    return f"{parts[0]}://{parts[1]}" + (f":{parts[2]}" if len(parts) > 2 and parts[2].isdigit() else "")


@dataclass
class _Firefox:
    """Where a Firefox launched here listens and logs: its DevTools socket, its executable (whose omni.ja holds the
    console's templates), its cookie log, and the connection once made."""

    socket: Path
    executable: str | None
    cookie_log: CookieLog
    connection: DevToolsConnection | None = None

    def connect(self) -> DevToolsConnection:
        if self.connection is None:
            self.connection = DevToolsConnection(self.socket, self.executable)
        return self.connection


_FIREFOXES: WeakKeyDictionary = WeakKeyDictionary()  # Firefox -> _Firefox
_LISTENERS: WeakKeyDictionary = WeakKeyDictionary()  # one listener per page, for as long as the page lives


def devtools_server_of(browser: Browser, path: Path, executable: str | None, cookie_log: Path) -> None:
    """Remember where this Firefox's DevTools server listens and where it logs cookies (launch.py started both)."""
    _FIREFOXES[browser] = _Firefox(path, executable, CookieLog(cookie_log))


def cookie_log(context: BrowserContext) -> CookieLog | None:
    """The cookie log of the context's browser, if it keeps one (a Firefox launched here)."""
    found = _FIREFOXES.get(context.browser) if context.browser is not None else None
    return found.cookie_log if found else None


def listener_kind(context: BrowserContext) -> type[ChromiumListener] | type[FirefoxListener] | None:
    """How the suite hears the context's browser say why, or None: Chromium over CDP (a persistent context has no
    Browser object, and only Chromium's are made here), a Firefox launched here over its DevTools server (not one
    reached through --cm-connect)."""
    browser = context.browser
    if browser is None or browser.browser_type.name == "chromium":
        return ChromiumListener
    return FirefoxListener if browser in _FIREFOXES else None


def _made(context: BrowserContext, page: Page | Frame) -> ChromiumListener | FirefoxListener:
    if listener_kind(context) is ChromiumListener:
        return ChromiumListener(context, page)
    return FirefoxListener(_FIREFOXES[context.browser].connect(), page)


def listener_of_document(context: BrowserContext, page: Page) -> ChromiumListener | FirefoxListener:
    """A new listener of the document the page shows now, with the messages it logged before it (a Firefox page that
    navigated has a new document, and a new console)."""
    found = _LISTENERS[page] = _made(context, page)
    return found


def listener(context: BrowserContext, page: Page | Frame) -> ChromiumListener | FirefoxListener:
    """The page's (or a frame's, where the listener hears_frames) listener, made the first time it is asked for (see
    the listeners' before_load)."""
    found = _LISTENERS.get(page)
    if found is None:
        found = _LISTENERS[page] = _made(context, page)
    return found
