"""The flow driver: runs a FlowSpec's steps through the client (client/api.js) in a real page and records what the
page, the server and the browser's jar saw of each. Judging what it saw is verdict.py's.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError

from e2e.harness.case import CLIENT_READY, STORAGE_ACCESS_BUTTON, click_at
from e2e.harness.engine import NOT_ASKED, NOT_CAPTURED, EngineReport
from e2e.oracle.cookiestore import cookie_init
from e2e.oracle.profiles import PROFILES
from e2e.oracle.spec import FlowSpec
from e2e.oracle.vocabulary import AUTH_START_PATH, AUTHORIZATION, CALLBACK_PATH, HOP_PATH, REQUESTS, REREAD
from server.app import USERS, RequestRecord

CLIENT_JS = Path(__file__).resolve().parents[2] / "client" / "api.js"  # the client whose calls page_calls() names
# The arguments of each step's client call (the rest of the step, its function, method and path, is REQUESTS').
CALL_ARGS = {"login": ("alice", USERS["alice"]), "create": ("first resource",)}
# The flow in two page calls: the jar is read after login and after logout. Between them the jar can only
# change through a Set-Cookie (the client never writes cookies; the spec's script writes come between the two
# calls, and the jar is read again after them), and the server's record shows there is none, so me, list and
# create see the jar that login (and the writes) left. run_group() checks that instead of assuming it.
GROUPS = (("login",), ("me", "list", "create", "logout"))
STEPS_JS = "([options, calls]) => window.cookieMatrix.steps(options, calls)"
# The page's own cookie writes (FlowSpec.script_writes) through FlowSpec.script_api, then what document.cookie shows:
# each write's result (vocabulary.SCRIPT_OUTCOMES; an error other than a TypeError is named as it is) and the text.
WRITES_JS = {
    "document.cookie": "lines => { for (const line of lines) document.cookie = line; "
    "return [lines.map(() => 'done'), document.cookie]; }",
    "cookieStore": """async inits => {
  const results = [];
  for (const init of inits) {
    if (!window.cookieStore) { results.push("unavailable"); continue; }
    try { await window.cookieStore.set(init); results.push("resolved"); }
    catch (error) { results.push(error.name === "TypeError" ? "rejected" : `error ${error.name}`); }
  }
  return [results, document.cookie];
}""",
}


class InfrastructureError(RuntimeError):
    """The case could not be judged: a host refused, failed or hung, or the browser went away."""


class UnattributableJar(RuntimeError):
    """A Set-Cookie arrived mid-group, so the jar after an earlier step of the group was not observed."""


@dataclass
class StepResult:
    """One step as the page, the server and the browser's cookie jar saw it."""

    name: str
    outcome: str  # resolved | opaque | network_error, as the client reported it
    status: int | None
    body: Any
    error: str | None
    set_cookie_visible: str | None
    document_cookie: str
    requests: list[RequestRecord]  # the step's requests as the server received them (no preflights)
    preflights: list[RequestRecord]  # of the step's request and of every hop of its redirect chain
    jar: list[dict]  # the session cookie(s) in the browser's jar after the step
    engine: EngineReport = NOT_CAPTURED  # what the engine said about the step's request
    hops: list[RequestRecord] = field(default_factory=list)  # the hops of a redirected request, in order
    header_read: bool = False  # script read the API's own response header (vocabulary.EXPOSED_HEADER)

    @property
    def reached_server(self) -> bool:
        return bool(self.requests)

    @property
    def last_request(self) -> RequestRecord | None:
        """The last request of the step's chain the server answered (a hop, when the chain ended there)."""
        reached = self.hops + self.requests
        return reached[-1] if reached else None

    @property
    def cookie_sent(self) -> bool:
        return any(r.sent_session_cookie for r in self.requests)

    @property
    def authenticated(self) -> bool:
        return any(r.user is not None for r in self.requests)

    @property
    def fetch(self) -> str:
        """The fetch outcome, telling a rejection before any request apart from a network error."""
        if self.outcome == "network_error" and not self.requests and not self.preflights and not self.hops:
            return "rejected"
        return self.outcome


@dataclass
class FlowResult:
    steps: dict[str, StepResult] = field(default_factory=dict)
    document_cookie: str = ""  # document.cookie on the page after login and the script's writes
    script_results: tuple[str, ...] = ()  # what each of the script's writes gave it (vocabulary.SCRIPT_OUTCOMES)
    # what requestStorageAccess() gave the framed page (granted, denied; None: not asked), and hasStorageAccess()
    # just before and after it
    storage_access: str | None = None
    has_access: tuple[bool, bool] | None = None

    def __getitem__(self, step: str) -> StepResult:
        return self.steps[step]


def _requests_of(step: str, records: list[RequestRecord]) -> tuple[list[RequestRecord], ...]:
    """The step's requests, preflights and redirect hops among a group's records (a hop's method may have turned
    into GET on the way: 301, 302, 303)."""
    method, path = REQUESTS[step].method, REQUESTS[step].path
    redirected = step == "login"  # only login is ever redirected (FlowSpec.redirect_via)
    mine = [r for r in records if r.path == path]
    hops = [r for r in records if redirected and r.path.startswith(HOP_PATH)]
    return (
        [r for r in mine if not r.preflight and (r.method == method or hops)],
        [r for r in mine if r.preflight and (r.preflight_method == method or hops)] + [r for r in hops if r.preflight],
        [r for r in hops if not r.preflight],
    )


# A form login (FlowSpec.login "form"): the page submits a form of the user's fields to the login URL, a top-level
# POST navigation the server answers 303 back to the page. Submitted after evaluate returns, so that the navigation
# does not destroy the context evaluate runs in.
FORM_LOGIN_JS = """([action, enctype, fields]) => { setTimeout(() => {
  const form = Object.assign(document.createElement("form"), {method: "post", action, enctype});
  for (const [name, value] of Object.entries(fields)) form.append(Object.assign(document.createElement("input"),
    {type: "hidden", name, value}));
  document.body.append(form);
  form.submit();
}, 0); }"""


# An identity provider's login (FlowSpec.login "idp"): the page goes to the API's start like a followed link, after
# evaluate returns for the same reason; the provider's consent page is left by its Continue, clicked.
IDP_LOGIN_JS = "url => { setTimeout(() => location.assign(url), 0); }"


def run_form_login(case, spec: FlowSpec, page_origin: str, api_origin: str, timeout_ms: int = 15000) -> StepResult:
    """Log in by a top-level form POST from the page on `page_origin` (FlowSpec.login "form"), follow the 303 back to
    the page, and record what the server, the page and the jar saw."""
    submit, action, method = login_navigation(case.hosts, spec, api_origin, timeout_ms)
    return _navigation_login(case, spec, page_origin, action, method, submit, timeout_ms)


def login_navigation(hosts, spec: FlowSpec, api_origin: str, timeout_ms: int = 15000, start: str | None = None):
    """The navigations of a login that is no fetch (FlowSpec.login form or idp): the action that starts them from the
    page (an identity provider's from `start`, by default the API's start), and the URL and method of the request the
    server answers back to the page with."""
    if spec.login == "form":
        action = hosts.origin(api_origin) + REQUESTS["login"].path
        username, password = CALL_ARGS["login"]
        fields = {"username": username, "password": password}
        return lambda page: page.evaluate(FORM_LOGIN_JS, [action, spec.content_type, fields]), action, "POST"
    start = start or hosts.origin(api_origin) + AUTH_START_PATH
    return (lambda page: _consent(page, start, spec, timeout_ms),
            hosts.origin(api_origin) + CALLBACK_PATH, "GET" if spec.idp_return == "query" else "POST")  # fmt: skip


def _consent(page, url: str, spec: FlowSpec, timeout_ms: int) -> None:
    """From the page to `url` (the API's start, or the provider's consent page), then the consent page's Continue."""
    _to_provider(page, url, spec, timeout_ms)
    page.click("#continue", timeout=timeout_ms)


def run_idp_login(case, spec: FlowSpec, page_origin: str, api_origin: str, timeout_ms: int = 15000) -> StepResult:
    """Log in through the identity provider (FlowSpec.login "idp"): the page navigates to the API's start, which sets
    the state cookie and redirects to the provider, whose consent page's Continue (clicked) returns to the callback
    by a GET or a form POST; the callback answers 303 back to the page.

    With FlowSpec.state_cookie_age the user leaves the consent page that long: the browser's profile is restarted
    with the state cookie made that much older in its own store (BrowserCase.age_cookies), never waited for, and the
    page comes back to the consent page. Either way the real age stays on the oracle's side of every engine's
    Lax-allowing-unsafe window."""
    began = time.monotonic()
    consent = None  # the API's start
    if spec.state_cookie_age:
        try:
            _to_provider(case.page(page_origin), case.hosts.origin(api_origin) + AUTH_START_PATH, spec, timeout_ms)
            consent = case.page(page_origin).url
        except PlaywrightError as error:
            message = error.message.splitlines()[0]
            raise InfrastructureError(f"the browser failed on the way to the provider: {message}") from error
        case.age_cookies(spec.server.state.name, spec.state_cookie_age)
    login, callback, method = login_navigation(case.hosts, spec, api_origin, timeout_ms, start=consent)
    result = _navigation_login(case, spec, page_origin, callback, method, login, timeout_ms)
    took = time.monotonic() - began
    age = spec.state_cookie_age
    if (age < LAX_ALLOWING_UNSAFE_FLOOR) != (age + took < LAX_ALLOWING_UNSAFE_FLOOR):
        raise InfrastructureError(f"the identity provider's round trip took {took:.0f} s, which takes the state "
                                  f"cookie past the {LAX_ALLOWING_UNSAFE_FLOOR} s the oracle judged its age "
                                  "against")  # fmt: skip
    return result


def _to_provider(page, url: str, spec: FlowSpec, timeout_ms: int) -> None:
    """The page goes to `url` like a followed link and on until it shows the provider's consent page."""
    page.evaluate(IDP_LOGIN_JS, url)
    page.wait_for_url(lambda at: at.startswith(spec.server.idp_authorize), wait_until="load", timeout=timeout_ms)


# The shortest Lax-allowing-unsafe window of the profiles (seconds): the oracle takes the state cookie's age as given.
LAX_ALLOWING_UNSAFE_FLOOR = min(p.lax_allowing_unsafe_seconds.value for p in PROFILES.values()
                                if p.lax_allowing_unsafe_seconds.value)  # fmt: skip


def _navigation_login(
    case, spec: FlowSpec, page_origin: str, url: str, method: str, act, timeout_ms: int
) -> StepResult:
    """A login made of top-level navigations from the page (`act(page)` starts them), whose last request (`method`
    to `url`) the server answers 303 back to the page: that request's record, status and engine reasons, then the
    page's document.cookie and the jar once the page is back."""
    hosts = case.hosts
    page = case.page(page_origin)
    since = hosts.state.mark()
    path = urlsplit(url).path
    try:
        arrived = page.expect_response(lambda r: r.url.split("?")[0] == url and r.request.method == method,
                                       timeout=timeout_ms)  # fmt: skip
        loaded = page.expect_navigation(url=hosts.url(page_origin, "/"), wait_until="load", timeout=timeout_ms)
        steps = {"login": (method, path)}
        with case.hearing(page, steps, leaves_document=True) as heard, arrived as response, loaded:
            act(page)
        page.wait_for_function(CLIENT_READY, timeout=timeout_ms)
        case.renew_listener(page_origin)  # a new document: Firefox's console is the document's
        document_cookie = page.evaluate("document.cookie")
        jar = case.cookies(spec.cookie_name)
    except PlaywrightError as error:
        raise InfrastructureError(
            f"the browser failed during the {spec.login} login: {error.message.splitlines()[0]}"
        ) from error
    records = hosts.state.requests(since=since)
    problem = infrastructure_problem(("login",), [{"outcome": "navigated"}], records)
    if problem:
        raise InfrastructureError(problem)
    if path == REQUESTS["login"].path:
        requests, preflights, hops = _requests_of("login", records)
    else:
        requests, preflights, hops = [r for r in records if r.path == path and r.method == method], [], []
    return StepResult("login", "navigated", response.value.status, None, None, None, document_cookie, requests,
                      preflights, jar, heard["login"], hops)  # fmt: skip


def _requests(steps: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """Each step's method and path, as a listener's reports() takes them."""
    return {s: (REQUESTS[s].method, REQUESTS[s].path) for s in steps}


def page_calls(steps: tuple[str, ...]) -> list:
    """The client calls of these steps, as window.cookieMatrix.steps() takes them."""
    return [[REQUESTS[s].call, list(CALL_ARGS.get(s, ()))] for s in steps]


def page_batches(steps: tuple[str, ...], *, by_path: bool) -> list[tuple[str, ...]]:
    """The page calls a group's steps run in: one, or, for an engine whose words name a request's URL and nothing
    else (Firefox's console), a new call wherever a step's path was already used in the call (list and create)."""
    if not by_path:
        return [steps]
    batches: list[tuple[str, ...]] = [()]
    for step in steps:
        if any(REQUESTS[s].path == REQUESTS[step].path for s in batches[-1]):
            batches.append(())
        batches[-1] += (step,)
    return batches


def flow_options(spec: FlowSpec) -> dict[str, Any]:
    """The options of the client's fetches of `spec`'s steps, as run_group and client_options take them."""
    return {"credentials": spec.credentials, "mode": spec.mode, "body": spec.body, "authorization": spec.authorization,
            "login_url": spec.login_url if spec.redirect_via else None, "cache": spec.cache,
            "redirect": spec.redirect_mode}  # fmt: skip


_OWN_URLS = itertools.count(1)  # numbers the flows that run on URLs of their own (own_urls), in this process


def own_urls(spec: FlowSpec) -> dict[str, str]:
    """The client's option that gives one run of `spec` URLs of its own, where the flow may leave a preflight or an
    answer in the browser's caches (FlowSpec.leaves_cached), else none: both caches key an entry by its URL (Fetch
    #concept-cache-match, RFC 9111 #caching.overview), so a query no other run carries keeps the run's
    entries from every later case, and from the same case run again, in a context that all of them share."""
    return {"query": f"case={next(_OWN_URLS)}"} if spec.leaves_cached else {}


def client_options(
    hosts,
    api_origin: str,
    timeout_ms: int,
    *,
    credentials: str,
    mode: str = "cors",
    body: str = "json",
    login_url: str | None = None,
    authorization: bool = False,
    cache: str = "no-store",
    redirect: str = "follow",
    query: str | None = None,
) -> dict[str, Any]:
    """The options window.cookieMatrix.steps() takes (client/api.js) for fetches to the API on `api_origin`."""
    return {"base": hosts.origin(api_origin), "credentials": credentials, "mode": mode, "timeoutMs": timeout_ms,
            "body": body, "loginUrl": login_url, "authorization": AUTHORIZATION if authorization else None,
            "cache": cache, "redirect": redirect, "query": query}  # fmt: skip


def run_group(
    case,
    page_origin: str,
    api_origin: str,
    steps: tuple[str, ...],
    *,
    cookie_name: str = "sid",
    jar_before: list | None = None,
    timeout_ms: int = 15000,
    hear: bool = True,
    embed_in: str | None = None,
    **fetch,
) -> list[StepResult]:
    """Run steps in order in one page call from the client on `page_origin` (framed by `embed_in`, see
    BrowserCase.document), then read the jar once (see GROUPS); with `hear`, with what the engine said of each step's
    request where the suite hears it (BrowserCase.engine). `fetch`: the client's options (client_options)."""
    hosts = case.hosts
    options = client_options(hosts, api_origin, timeout_ms, **fetch)
    try:
        before = jar_before if jar_before is not None or len(steps) == 1 else case.cookies(cookie_name)
        since = hosts.state.mark()
        listener = case.engine(page_origin, hear=hear, embed_in=embed_in)
        results, said = [], {}
        batches = page_batches(steps, by_path=bool(listener and listener.by_path))
        for batch in batches:
            heard = listener.mark() if listener else None
            results += case.document(page_origin, embed_in).evaluate(STEPS_JS, [options, page_calls(batch)])
            if listener and batch is not batches[-1]:
                said |= listener.reports(heard, _requests(batch))
        if listener:  # the jar read, with the listener's own round trip overlapping it where it can (heard_after)
            after = listener.heard_after(lambda: case.cookies(cookie_name))
            said |= listener.reports(heard, _requests(batches[-1]))
        else:
            after = case.cookies(cookie_name)
    except PlaywrightError as error:
        raise InfrastructureError(
            f"the browser failed during {'/'.join(steps)}: {error.message.splitlines()[0]}"
        ) from error
    records = hosts.state.requests(since=since)
    problem = infrastructure_problem(steps, results, records)
    unanswered = [
        s for s, r in zip(steps, results) if r["outcome"] == "network_error" and not any(_requests_of(s, records))
    ]
    if problem is None and unanswered and not hosts.accepting(api_origin):
        problem = f"step {unanswered[0]}: the host of {hosts.origin(api_origin)} refuses connections"
    if problem:
        raise InfrastructureError(problem)
    out = []
    for index, (step, result) in enumerate(zip(steps, results)):
        requests, preflights, hops = _requests_of(step, records)
        last = index == len(steps) - 1
        if not last and any(r.set_cookie for r in requests):
            raise UnattributableJar(f"step {step} received Set-Cookie mid-group; run it in a group of its own")
        out.append(
            StepResult(
                name=step,
                outcome=result["outcome"],
                status=result.get("status"),
                body=result.get("body"),
                error=result.get("error"),
                set_cookie_visible=result.get("setCookieVisible"),
                document_cookie=result["documentCookie"],
                requests=requests,
                preflights=preflights,
                jar=after if last else before,
                engine=said.get(step, NOT_CAPTURED if hear else NOT_ASKED),
                hops=hops,
                header_read=bool(result.get("headerRead")),
            )
        )
    return out


def infrastructure_problem(steps, results: list[dict], records: list[RequestRecord]) -> str | None:
    """What went wrong with the hosts rather than the browser's cookie handling, if anything.

    The API never answers 5xx by design, and a fetch that times out met a host that did not answer; a refused
    connection shows as a network error with no request, which a CORS failure never gives: a failing CORS
    check still reaches the server (its preflight or its request is recorded).
    """
    failed = [r for r in records if r.status >= 500]
    if failed:
        return f"the server answered {failed[0].status} to {failed[0].method} {failed[0].path}"
    for step, result in zip(steps, results):
        error = result.get("error") or ""
        if error.startswith(("TimeoutError", "AbortError")):
            return f"step {step}: the host did not answer in time ({error})"
    return None


def run_step(case, page_origin: str, api_origin: str, step: str, **options) -> StepResult:
    """Run one step from a page on `page_origin` against the API on `api_origin`."""
    return run_group(case, page_origin, api_origin, (step,), **options)[0]


def run_flow(case, spec: FlowSpec, *, hear: frozenset[str] | None = None, **options) -> FlowResult:
    """login → me → list → create → logout as `spec` says (then the second page's reread), each step recorded in the
    document the spec runs it in (FlowSpec.document_of): in a browser of the spec's own third-party setting if it has
    one, against the hosts set to the spec's server; with what the engine said of the steps in `hear` (of every step
    if None) and of every other step of their group. A framed page that asks for storage access does so before its
    first step, under the browser's permission set for the case."""
    if spec.leaves_cached and spec.redirect_via:
        raise ValueError("a cached preflight or answer (preflight_max_age, cache_max_age) at a redirect's target, "
                         "a URL the server names without the flow's own query (own_urls), would outlive the case: "
                         "give the spec one or the other")  # fmt: skip
    if spec.third_party:
        case.use_third_party_setting(spec.third_party)
    case.serve(spec.server)
    fetch = {**flow_options(spec), **own_urls(spec), **options}
    if spec.storage_access == "none":
        return _steps(case, spec, hear, fetch, options)
    page, top = documents(case.hosts, spec, spec.asks_storage_access_before)
    with case.storage_access_permission(top, page, spec.storage_access):
        return _steps(case, spec, hear, fetch, options)


def documents(hosts, spec: FlowSpec, step: str) -> tuple[str, str | None]:
    """The named origins of the document `step` runs in (FlowSpec.document_of): the page's, and its embedder's (None:
    top-level)."""
    page, top = spec.document_of(step)
    return hosts.name_of(page.serialized()), hosts.name_of(top.serialized()) if top else None


# What the framed page asks of the Storage Access API: hasStorageAccess() before the click, then, after the click
# (whose handler called requestStorageAccess()), its answer and hasStorageAccess() again.
HAS_ACCESS_JS = "document.hasStorageAccess()"
ASKED_JS = "async () => [await window.cookieMatrix.storageAccess(), await document.hasStorageAccess()]"


def ask_storage_access(case, page: str, embed: str, flow: FlowResult) -> None:
    """In the client on `page` framed by `embed`: hasStorageAccess(), a real click on the frame's button (whose
    handler asks requestStorageAccess()), its answer ("granted", or "denied" for a rejection) and hasStorageAccess()
    again, into `flow`."""
    frame = case.document(page, embed)
    try:
        before = frame.evaluate(HAS_ACCESS_JS)
        click_at(frame, STORAGE_ACCESS_BUTTON)
        answer, after = frame.evaluate(ASKED_JS)
    except (PlaywrightError, ValueError) as error:  # ValueError: click_at found no button on the page
        message = str(error).splitlines()[0]
        raise InfrastructureError(f"the browser failed asking for storage access: {message}") from error
    if answer is None:
        raise InfrastructureError("the click on the frame's storage-access button did not reach its handler")
    flow.storage_access = "granted" if answer == "granted" else "denied"
    flow.has_access = (before, after)


def _steps(case, spec: FlowSpec, hear, fetch: dict, options: dict) -> FlowResult:
    """The flow's steps (run_flow's): each group of GROUPS in one page call per document its steps run in."""
    flow, jar = FlowResult(), None
    for group in GROUPS:
        if group == ("login",) and spec.login != "fetch":
            navigate = run_form_login if spec.login == "form" else run_idp_login
            page, _ = documents(case.hosts, spec, "login")
            result = flow.steps["login"] = navigate(case, spec, page, case.hosts.name_of(spec.api), **options)
            jar = result.jar
            flow.document_cookie = result.document_cookie
            continue
        for run in by_document(case.hosts, spec, group + ((REREAD,) if group is GROUPS[-1] and spec.reread_from
                                                             else ())):  # fmt: skip
            page, embed = documents(case.hosts, spec, run[0])
            if run[0] == spec.asks_storage_access_before:
                ask_storage_access(case, page, embed, flow)
            for result in run_group(case, page, case.hosts.name_of(spec.api), run, cookie_name=spec.cookie_name,
                                    jar_before=jar, hear=hear is None or bool(hear & set(run)), embed_in=embed,
                                    **fetch):  # fmt: skip
                flow.steps[result.name] = result
            jar = result.jar
        if group == GROUPS[0]:
            flow.document_cookie = result.document_cookie
            if spec.script_writes:  # the jar the next group starts from is the one the writes left
                results, flow.document_cookie = _evaluate(case.document(page, embed), WRITES_JS[spec.script_api],
                                                          script_arguments(spec), "the script's writes")  # fmt: skip
                flow.script_results = tuple(results)
                jar = case.cookies(spec.cookie_name)
    return flow


def script_arguments(spec: FlowSpec) -> list:
    """What WRITES_JS takes for the spec's writes: the lines for document.cookie, the options each stands for
    (oracle.cookiestore.cookie_init) for cookieStore.set()."""
    if spec.script_api == "cookieStore":
        return [cookie_init(line) for line in spec.script_writes]
    return list(spec.script_writes)


def by_document(hosts, spec: FlowSpec, steps: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The steps in runs of those that follow each other in one document."""
    runs: list[tuple[str, ...]] = []
    for step in steps:
        if runs and documents(hosts, spec, runs[-1][-1]) == documents(hosts, spec, step):
            runs[-1] += (step,)
        else:
            runs.append((step,))
    return runs


def _evaluate(document, script: str, argument, what: str):
    try:
        return document.evaluate(script, argument)
    except PlaywrightError as error:
        raise InfrastructureError(f"the browser failed during {what}: {error.message.splitlines()[0]}") from error
