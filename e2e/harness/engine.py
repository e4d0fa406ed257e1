"""What the engines say about each request, captured beside what they do: Chromium's reasons over CDP, per page.
Judging them against the oracle is e2e/oracle/engines.py's.

Chromium (a CDP session of the page's own, `Network.enable`): `requestWillBeSentExtraInfo` lists the cookies a
request considered, each with its blockedReasons (none: sent); `responseReceivedExtraInfo` the Set-Cookie lines it
refused, with theirs, and its exempted cookies; `loadingFailed` the CORS error of a fetch that failed. The ExtraInfo
events are not sent for every request and may come after the response: they are paired by request id, read after a
round trip on the session (every event sent before its answer has been delivered by then), and a missing one is
said to be missing, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from playwright.sync_api import BrowserContext, Page

from e2e.oracle.engines import EngineSaid
from e2e.oracle.setcookie import parse_set_cookie

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
    captured: bool = True  # False: this engine says nothing the suite can hear

    def to_json(self) -> dict:
        return {"said": [s.to_json() for s in self.said], "missing": list(self.missing), "captured": self.captured}


NOT_CAPTURED = EngineReport(captured=False)


class ChromiumListener:
    """The Network events of one page, by request id, in the order the requests began."""

    def __init__(self, context: BrowserContext, page: Page):
        self._cdp = context.new_cdp_session(page)
        self._requests: dict[str, _Request] = {}
        self._order: list[str] = []
        for name in _EVENTS:
            self._cdp.on(f"Network.{name}", lambda event, name=name: self._on(name, event))
        self._cdp.send("Network.enable")

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

    def reports(self, since: int, steps: dict[str, tuple[str, str]]) -> dict[str, EngineReport]:
        """For each step (name -> method and path), what Chromium said of its request begun since `since`."""
        self._cdp.send("Runtime.evaluate", {"expression": "0"})  # a round trip: every earlier event is delivered
        mine = [self._requests[rid] for rid in self._order[since:]]
        out = {}
        for step, (method, path) in steps.items():
            request = next((r for r in mine if (r.method, r.path) == (method, path)), None)
            out[step] = _report(request) if request else EngineReport(missing=("request",))
        return out


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


_LISTENERS: WeakKeyDictionary = WeakKeyDictionary()  # one listener per page, for as long as the page lives


def listener(context: BrowserContext, page: Page) -> ChromiumListener:
    """The page's listener, made the first time it is asked for (so before the page loads anything)."""
    found = _LISTENERS.get(page)
    if found is None:
        found = _LISTENERS[page] = ChromiumListener(context, page)
    return found
