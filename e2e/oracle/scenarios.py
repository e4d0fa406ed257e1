"""Attacks on a logged-in user, as the rules say they go: each scenario a pure function of a browser profile and
its parameters, run on the one browser model and the one server model (browser.py, server.py).

An attacker's page on another site reads with credentials or posts a form (a top-level navigation), a sibling
subdomain writes cookies through document.cookie, an attacker logs in and replays ids outside the browser. The same
scenario can be re-run with a deviation's specification value (`deviations_changing`) and unit-tested without a
browser. Cookie values are labels: the server issues "session-1", "session-2", ... and the tests translate the real
random ids into these labels. What the server is set to comes in as a ServerSpec, the one the test also gives the
real server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from e2e.oracle.browser import BrowserModel, Exchange
from e2e.oracle.jar import Cookie
from e2e.oracle.profiles import BrowserProfile, changed_by_deviations
from e2e.oracle.server import ServerModel, ServerRequest
from e2e.oracle.sites import Origin, parse_origin
from e2e.oracle.spec import ServerSpec
from e2e.oracle.vocabulary import FORM_TYPES, JSON, TEXT_PLAIN, URLENCODED, OracleInputError

T0 = 1_800_000_000.0  # the scenario clock's start (epoch seconds; only differences and Expires judgments matter)
EVIL_PAGE_PATH = "/client/evil/toss.html"  # where the sibling's document.cookie writes come from
CSRF_VECTORS = ("form_urlencoded", "form_text_plain", "fetch_no_cors")
ENCTYPES = {"form_urlencoded": URLENCODED, "form_text_plain": TEXT_PLAIN}
FORGED = "forged-by-script"


@dataclass(frozen=True)
class Scenario:
    """A scenario's requests by name, what script read of cookies, and the session cookies left in the jar."""

    attempts: dict[str, Exchange]
    document_cookie: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)
    jar: tuple[Cookie, ...] = ()
    notes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # rule chains of steps without a request

    def __getitem__(self, name: str) -> Exchange:
        return self.attempts[name]

    def outcome(self) -> tuple:
        return (
            tuple((n, a.outcome()) for n, a in self.attempts.items()),
            tuple((k, v[0]) for k, v in self.document_cookie.items()),
            tuple(sorted((c.name, c.value, c.domain, c.path) for c in self.jar)),
        )


class World:
    """A victim's browser and the app's server through one scenario."""

    def __init__(self, profile: BrowserProfile, server: ServerSpec, app: Origin):
        self.browser, self.server, self.app = BrowserModel(profile, T0), ServerModel(server, app), app

    @property
    def name(self) -> str:
        return self.server.cookie_name

    def session_cookies(self) -> tuple[Cookie, ...]:
        return self.browser.cookies(self.name)

    def login_from_app(self) -> Exchange:
        """The victim logs in on the app's own page (client/api.js: a same-origin JSON POST)."""
        return self.app_fetch("POST", "/api/login", content_type=JSON)

    def app_fetch(self, method: str, path: str, content_type: str | None = None) -> Exchange:
        """A request of the app's own page (client/api.js, credentials 'same-origin')."""
        return self.browser.fetch(self.app, self.server, method, path, credentials="same-origin",
                                  content_type=content_type)  # fmt: skip

    def submit_form(self, page: Origin, path: str, enctype: str) -> Exchange:
        """An auto-submitted <form method=post> on `page` (top-level) targeting the app: a top-level navigation."""
        if enctype not in FORM_TYPES:
            raise OracleInputError(f"enctype must be one of {FORM_TYPES} (multipart is not read by the server)")
        return self.browser.navigate(page, self.server, "POST", path, enctype, ("nav-form-post", "fetch-origin-header"))

    def follow_link(self, page: Origin, path: str) -> Exchange:
        """A link on `page` (top-level) to the app, followed in the same tab: a top-level GET navigation."""
        return self.browser.navigate(page, self.server, "GET", path)

    def plain_request(self, method: str, path: str, ids: tuple[str, ...]) -> Exchange:
        """A request from a plain HTTP client (no browser, no jar): it sends exactly `ids`."""
        header = "; ".join(f"{self.name}={sid}" for sid in ids) or None
        a = self.server.answer(ServerRequest(method, path, None, JSON, header))
        stored = bool(self.session_cookies())
        return Exchange("resolved", a.status, a.status, False, ids, a.user, a.created, stored, a.reasons, header)


def _origins(**named: str) -> dict[str, Origin]:
    return {k: parse_origin(v, k) for k, v in named.items()}


def credentialed_read(profile: BrowserProfile, *, app: str, evil: str, server: ServerSpec) -> Scenario:
    """Scenario 1: the user logs in and creates a resource on the app; evil's page reads GET /api/resources with
    fetch(credentials: "include"), against the server's CORS policy (the allowlist, or the reflect-any mistake)."""
    o = _origins(app=app, evil=evil)
    world = World(profile, server, o["app"])
    login = world.login_from_app()
    create = world.app_fetch("POST", "/api/resources", JSON)
    read = world.browser.fetch(o["evil"], world.server, "GET", "/api/resources", credentials="include")
    return Scenario({"login": login, "create": create, "read": read}, jar=world.session_cookies())


def csrf(
    profile: BrowserProfile, *, app: str, evil: str, server: ServerSpec, vector: str, age: float = 1.0
) -> Scenario:
    """Scenario 2: the user logs in; `age` seconds later evil's page sends POST /api/resources by `vector` (an
    auto-submitted form or a no-cors fetch with a text/plain body)."""
    if vector not in CSRF_VECTORS:
        raise OracleInputError(f"vector must be one of {CSRF_VECTORS}, not {vector!r}")
    o = _origins(app=app, evil=evil)
    world = World(profile, server, o["app"])
    login = world.login_from_app()
    world.browser.advance(age)
    if vector == "fetch_no_cors":  # client/evil/csrf-fetch.html sends Content-Type: text/plain
        attack = world.browser.fetch(o["evil"], world.server, "POST", "/api/resources", credentials="include",
                                     mode="no-cors", content_type=TEXT_PLAIN)  # fmt: skip
    else:
        attack = world.submit_form(o["evil"], "/api/resources", ENCTYPES[vector])
    return Scenario({"login": login, "attack": attack}, jar=world.session_cookies())


def toss_line(name: str, value: str, *, domain: str, path: str) -> str:
    """The cookie a sibling subdomain writes with document.cookie (client/evil/toss.html writes it as given)."""
    return f"{name}={value}; Domain={domain}; Path={path}; Secure; SameSite=Lax"


def session_fixation(profile: BrowserProfile, *, app: str, sibling: str, domain: str, server: ServerSpec) -> Scenario:
    """Scenario 3: the attacker logs in as bob, plants bob's id from the sibling subdomain with Domain=`domain`,
    Path=/; the victim logs in on the app; the app's next request; the attacker replays the planted id."""
    o = _origins(app=app, sibling=sibling)
    world = World(profile, server, o["app"])
    planted = world.server.login_outside("bob")
    changed, plant = world.browser.write_cookie(o["sibling"], EVIL_PAGE_PATH,
                                                toss_line(world.name, planted, domain=domain, path="/"))  # fmt: skip
    login = world.login_from_app()
    me = world.app_fetch("GET", "/api/me")
    replay = world.plain_request("GET", "/api/me", (planted,))
    return Scenario({"login": login, "me": me, "replay": replay}, jar=world.session_cookies(),
                    notes={"plant": plant + (("cookie-stored",) if changed else ())})  # fmt: skip


def logout_replay(profile: BrowserProfile, *, app: str, server: ServerSpec) -> Scenario:
    """Scenario 4: login, logout, then the old id replayed by a plain HTTP client, and the app's own next request."""
    world = World(profile, server, parse_origin(app, "app"))
    login = world.login_from_app()
    issued = tuple(c.value for c in world.session_cookies())
    logout = world.app_fetch("POST", "/api/logout")
    replay = world.plain_request("GET", "/api/me", issued)
    me = world.app_fetch("GET", "/api/me")
    return Scenario({"login": login, "logout": logout, "replay": replay, "me": me}, jar=world.session_cookies())


def httponly_script(profile: BrowserProfile, *, app: str, server: ServerSpec) -> Scenario:
    """Scenario 5: after login, script on the app's page reads document.cookie, then tries to overwrite the session
    cookie (same name, host and path); then the app's next request."""
    world = World(profile, server, parse_origin(app, "app"))
    login = world.login_from_app()
    read = world.browser.read_cookie(world.app, world.name)
    changed, write = world.browser.write_cookie(world.app, "/", f"{world.name}={FORGED}; Path=/; Secure; SameSite=Lax")
    me = world.app_fetch("GET", "/api/me")
    return Scenario({"login": login, "me": me}, document_cookie={"after_login": read}, jar=world.session_cookies(),
                    notes={"script_write": write + (("cookie-stored",) if changed else ())})  # fmt: skip


def cookie_tossing(profile: BrowserProfile, *, app: str, sibling: str, domain: str, server: ServerSpec) -> Scenario:
    """Scenario 6: the victim logs in (the cookie host-only, Path=/); the attacker logs in as bob and tosses bob's id
    from the sibling with Domain=`domain`; Path=/api; then the app reads /api/me and creates a resource."""
    o = _origins(app=app, sibling=sibling)
    world = World(profile, server, o["app"])
    login = world.login_from_app()
    attacker = world.server.login_outside("bob")
    changed, toss = world.browser.write_cookie(o["sibling"], EVIL_PAGE_PATH,
                                               toss_line(world.name, attacker, domain=domain, path="/api"))  # fmt: skip
    me = world.app_fetch("GET", "/api/me")
    create = world.app_fetch("POST", "/api/resources", JSON)
    return Scenario({"login": login, "me": me, "create": create}, jar=world.session_cookies(),
                    notes={"toss": toss + (("cookie-stored",) if changed else ())})  # fmt: skip


def deviations_changing(scenario: Callable[..., Scenario], profile: BrowserProfile, **kwargs) -> tuple[str, ...]:
    """The profile's deviations (profiles.Deviation ids) without which this scenario's outcome would differ."""
    return changed_by_deviations(lambda p: scenario(p, **kwargs).outcome(), profile)
