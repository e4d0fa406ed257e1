"""Drive the client through the login and resource flow in a real page and record what happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from server import RequestRecord

STEPS = ("login", "me", "list", "create", "logout")
# Each step's client call and the request path it targets.
_CALLS = {
    "login": ("login", ("alice", "wonderland"), "/api/login"),
    "me": ("me", (), "/api/me"),
    "list": ("listResources", (), "/api/resources"),
    "create": ("createResource", ("first resource",), "/api/resources"),
    "logout": ("logout", (), "/api/logout"),
}
_STEP_JS = "([options, name, args]) => window.cookieMatrix.step(options, name, ...args)"


@dataclass
class StepResult:
    """One step as the page, the server and the browser's cookie jar saw it."""

    name: str
    outcome: str  # resolved | opaque | network_error, as the client reported it
    status: Optional[int]
    body: Any
    error: Optional[str]
    set_cookie_visible: Optional[str]
    document_cookie: str
    requests: list[RequestRecord]  # the step's requests as the server received them (no preflights)
    preflights: list[RequestRecord]
    jar: list[dict]  # the session cookie(s) in the browser's jar after the step

    @property
    def reached_server(self) -> bool:
        return bool(self.requests)

    @property
    def cookie_sent(self) -> bool:
        return any(r.sent_session_cookie for r in self.requests)

    @property
    def authenticated(self) -> bool:
        return any(r.user is not None for r in self.requests)

    @property
    def fetch(self) -> str:
        """The fetch outcome, telling a rejection before any request apart from a network error."""
        if self.outcome == "network_error" and not self.requests and not self.preflights:
            return "rejected"
        return self.outcome


@dataclass
class FlowResult:
    steps: dict[str, StepResult] = field(default_factory=dict)

    def __getitem__(self, step: str) -> StepResult:
        return self.steps[step]


def run_step(case, page_origin: str, api_origin: str, step: str, *, credentials: str, mode: str = "cors",
             cookie_name: str = "sid") -> StepResult:
    """Run one step from a page on `page_origin` against the API on `api_origin`."""
    hosts = case.hosts
    call, args, path = _CALLS[step]
    options = {"base": hosts.origin(api_origin), "credentials": credentials, "mode": mode}
    since = hosts.state.mark()
    result = case.page(page_origin).evaluate(_STEP_JS, [options, call, list(args)])
    seen = hosts.state.requests(path, since=since)
    return StepResult(
        name=step,
        outcome=result["outcome"],
        status=result.get("status"),
        body=result.get("body"),
        error=result.get("error"),
        set_cookie_visible=result.get("setCookieVisible"),
        document_cookie=result["documentCookie"],
        requests=[r for r in seen if not r.preflight],
        preflights=[r for r in seen if r.preflight],
        jar=case.cookies(cookie_name),
    )


def run_flow(case, page_origin: str, api_origin: str, **options) -> FlowResult:
    """login → me → list → create → logout, each step recorded."""
    flow = FlowResult()
    for step in STEPS:
        flow.steps[step] = run_step(case, page_origin, api_origin, step, **options)
    return flow
