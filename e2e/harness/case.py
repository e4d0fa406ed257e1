"""One case's view of a browser: pages on named origins, the context's cookie jar, the hosts, the switch to a
browser of its own third-party setting, tracing the case, and recording its result. Launching and relaunching
browsers is launch.py's and session.py's."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote
from weakref import WeakKeyDictionary

from playwright.sync_api import Browser, BrowserContext, Frame, Page

from e2e.harness import engine
from e2e.harness.serving import settings_for
from e2e.harness.tracing import TRACE_OPTIONS
from e2e.oracle import engines
from e2e.oracle.browser import storage_access_given
from e2e.oracle.profiles import profile_for
from e2e.oracle.sites import parse_origin
from e2e.oracle.spec import ServerSpec
from server.hosts import TestHosts


def click_at(document: Page | Frame, selector: str) -> None:
    """A real click (the browser's own mouse input, trusted, with user activation) in the middle of the element
    `selector` of `document`, at its place in its page: mouse input reaches a frame in a process of its own, which a
    click aimed at the frame itself may not in Firefox over WebDriver BiDi."""
    box = document.locator(selector).bounding_box()
    if box is None:
        raise ValueError(f"{selector} is not shown in {document.url}, so it cannot be clicked")
    page = document if isinstance(document, Page) else document.page
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def _utf8(name: str) -> str:
    """A cookie name the jar gave as its bytes (one latin-1 character each) as the UTF-8 text they are."""
    try:
        return name.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return name


# The client page's own signal that its module loaded (client/index.html sets it).
CLIENT_READY = "document.documentElement.dataset.ready === 'true'"

# The client's frame in each embedder page (BrowserCase.document), kept so that finding it costs no round trip.
_FRAMES: WeakKeyDictionary = WeakKeyDictionary()
# The top-level page that frames the client (FlowSpec.embed_in): its `src` query parameter is the frame's URL.
EMBED_PAGE = "/client/embed.html"
# The framed client's button whose click asks for storage access, and the client page's heading, which a user's
# click on the page itself meets (client/index.html).
STORAGE_ACCESS_BUTTON = "#request-storage-access"
CLIENT_HEADING = "h1"

# Which steps of a flow the suite hears the engine's own reasons of: none, the steps the oracle expects the engine to
# explain (oracle.engines.worth_hearing; a failed case's traced re-run hears every step), or every step.
ENGINE_REASONS = ("off", "expected", "all")


class BrowserCase:
    """One test's view of a browser: pages on named origins, the context's cookie jar, the hosts."""

    def __init__(
        self,
        context: BrowserContext,
        hosts: TestHosts,
        pages: dict[str, Page],
        browser: Browser,
        results,
        third_party,
        empty_jar: BrowserContext | None = None,
        engine_reasons: str = "all",
        new_context=None,
    ):
        self._context, self.hosts, self._pages, self.browser = context, hosts, pages, browser
        self._results, self._third_party = results, third_party
        self._new_context = new_context  # makes a context of the case's browser (BrowserSession.new_context)
        self._own: list[BrowserContext] = []  # contexts made for this case alone, closed when it ends (close_own)
        self._before_own: tuple | None = None  # the context and pages the case had before its own
        self._policy: str | None = None  # the browser's own third-party setting the case switched to
        if engine_reasons not in ENGINE_REASONS:
            raise ValueError(f"engine_reasons is one of {', '.join(ENGINE_REASONS)}, not {engine_reasons!r}")
        self._engine_reasons = engine_reasons  # which steps' reasons to hear from the engine (ENGINE_REASONS)
        self._traced: list[BrowserContext] | None = None  # the contexts this case is traced in, its last last
        self._replay = False  # a traced re-run of a failed test, whose results are not kept
        # The context whose whole jar was last read empty, with no page or context handed out since, or None.
        self.empty_jar = empty_jar

    @property
    def context(self) -> BrowserContext:
        """The case's context; whoever takes it may change the jar, so an earlier empty read stops counting."""
        self.empty_jar = None
        return self._context

    def use_third_party_setting(self, policy: str) -> None:
        """Run the rest of the case in a context where the browser's own third-party setting is `policy`."""
        self._context, self._pages = self._third_party(policy)
        self._policy = policy
        self._context.clear_cookies()
        self._trace_switch()

    def _trace_switch(self) -> None:
        """Trace the context the case switched to, if the case is traced."""
        if self._traced is not None:
            self._traced.append(self._context)
            self._context.tracing.start(**TRACE_OPTIONS)

    def use_own_context(self) -> None:
        """Run the rest of the case in a new context of its browser, closed when the case ends (close_own): for what a
        context keeps beyond its cookie jar that no later case may meet, such as Firefox's storage-access grants and
        records of a user's interaction with a site."""
        if self._new_context is None:
            raise ValueError("this browser case cannot make contexts of its own (no new_context given)")
        self._before_own = self._before_own or (self._context, self._pages)
        self._context, self._pages = self._new_context(), {}
        self._own.append(self._context)
        self._trace_switch()

    def close_own(self) -> None:
        """Close the contexts made for this case alone (after its trace is saved), and go back to the context the case
        had before them."""
        own, self._own = self._own, []
        for context in own:
            context.close()
        if self._before_own:
            (self._context, self._pages), self._before_own = self._before_own, None

    def age_cookies(self, name: str, seconds: int) -> None:
        """Make the cookies called `name` `seconds` older in the browser's own cookie store, never waiting: the case's
        persistent profile (Chromium with its own third-party setting) is closed, so that Chromium writes its store
        (Default/Cookies, SQLite, creation_utc in microseconds), their creation times are moved back there, and the
        profile is launched again; its pages are new. A session cookie does not survive the restart: give the cookie
        a lifetime."""

        def edit(profile: Path) -> None:
            with contextlib.closing(sqlite3.connect(profile / "Default" / "Cookies")) as db, db:
                moved = db.execute("UPDATE cookies SET creation_utc = creation_utc - ? WHERE name = ?",
                                   (int(seconds * 1_000_000), name)).rowcount  # fmt: skip
            if not moved:
                raise ValueError(f"no cookie {name!r} in the profile's store on disk to age (a session cookie, or "
                                 "not stored)")  # fmt: skip

        if self._policy is None:
            raise ValueError("a cookie is aged in a browser profile on disk: run the case with a third-party setting")
        self._context, self._pages = self._third_party.restart(self._policy, edit)
        self._trace_switch()

    def trace(self, title: str) -> None:
        """Trace the rest of this case, in its context and any context it switches to (see save_trace)."""
        self._traced = [self._context]
        self._context.tracing.start(title=title, **TRACE_OPTIONS)

    def save_trace(self, path: Path) -> None:
        """Stop tracing; keep the trace of the context the case ended in at `path`.

        A whole trace per case, not a chunk of one trace per context: Playwright keeps a context's network log
        across chunks, so a chunk would also list the requests of every case before it.
        """
        traced, self._traced = self._traced or [], None
        for other in traced[:-1]:
            other.tracing.stop()
        if traced:
            traced[-1].tracing.stop(path=str(path))

    def record(self, record) -> None:
        """Keep a case's result (results.CaseRecord) for the run's report; a traced re-run keeps none."""
        if not self._replay:
            self._results.add(record)

    def serve(self, server: ServerSpec) -> None:
        """Set the test hosts to `server` for the rest of the case."""
        self.hosts.configure(settings_for(server))

    @contextlib.contextmanager
    def replaying(self, context: BrowserContext, title: str) -> Iterator[None]:
        """Run the test again in a fresh context, traced (save_trace keeps it)."""
        saved = self._context, self._pages
        self._context, self._pages, self._replay = context, {}, True
        self.trace(title)
        self.begin()
        try:
            yield
        finally:
            self._context, self._pages, self._replay = *saved, False

    def begin(self) -> None:
        """Start a case clean: an empty cookie jar, no server sessions, resources, records or settings.

        The jar is cleared unless the last thing done in this context was reading it whole and finding it empty
        (see empty_jar): clearing an empty jar is one browser round trip per case that changes nothing.
        """
        if self.empty_jar is not self._context:
            self._context.clear_cookies()
        self.hosts.reset()

    def open_pages(self) -> dict[str, Page]:
        """The pages this context has opened so far, by origin name."""
        self.empty_jar = None
        return {name: page for name, page in self._pages.items() if not page.is_closed()}

    def page(self, origin: str) -> Page:
        """A page showing the client on the named origin, opened once per context."""
        self.empty_jar = None
        page = self._pages.get(origin)
        if page is None or page.is_closed():
            page = self._context.new_page()
            kind = self._listener_kind()
            if kind and kind.before_load:
                engine.listener(self._context, page)
            page.on("crash", lambda crashed: self._pages.pop(origin, None))  # a crashed page is not reused
            page.goto(self.hosts.url(origin, "/"))
            page.wait_for_function(CLIENT_READY)
            if kind and not kind.before_load:
                engine.listener(self._context, page)
            self._pages[origin] = page
        return page

    def document(self, origin: str, embed_in: str | None = None) -> Page | Frame:
        """The client on the named origin: its top-level page (page()), or, with `embed_in`, its frame in a top-level
        page on that named origin (EMBED_PAGE), opened once per context."""
        if embed_in is None:
            return self.page(origin)
        self.empty_jar = None
        key = f"{embed_in}>{origin}"
        page = self._pages.get(key)
        if page is None or page.is_closed():
            page = self._context.new_page()
            page.on("crash", lambda crashed: self._pages.pop(key, None))
            self._load_embedder(page, origin, embed_in)
            self._pages[key] = page
        frame = _FRAMES.get(page)
        if frame is None or frame.is_detached():
            frame = _FRAMES[page] = page.query_selector("#client").content_frame()
        return frame

    def _load_embedder(self, page: Page, origin: str, embed_in: str) -> None:
        """`page` shows the embedder on `embed_in` framing the client on `origin`, loaded and ready."""
        src = self.hosts.url(origin, "/")
        page.goto(self.hosts.url(embed_in, EMBED_PAGE) + "?src=" + quote(src, safe=""))
        frame = _FRAMES[page] = page.wait_for_selector("#client").content_frame()
        frame.wait_for_url(src)
        frame.wait_for_function(CLIENT_READY)

    def renew_document(self, origin: str, embed_in: str) -> None:
        """A new document of the client on `origin` framed by `embed_in`, in place of the open one (a document keeps the
        storage access it was granted): its embedder's page loaded again, cheaper than a new page."""
        page = self._pages.get(f"{embed_in}>{origin}")
        if page is not None and not page.is_closed():
            self._load_embedder(page, origin, embed_in)

    @contextlib.contextmanager
    def storage_access_permission(self, top: str, embedded: str, setting: str) -> Iterator[None]:
        """The browser's own answer to the client on the named origin `embedded`, framed by a top-level page on `top`,
        asking for storage access: `setting` ("granted" or "denied"), for the block; then the frame's document is
        renewed, since one granted access keeps it (no other case's frame ever had it).

        Chromium: its 'storage-access' permission, set by CDP Browser.setPermission with the top-level origin, the
        embedded origin and the context's browserContextId (what WebDriver's set_permission does for WPT's
        storage-access tests; Playwright's grant_permissions names no embedded origin), on a browser session held for
        the block: Chromium drops the permission overrides a session made when it detaches (content/browser/devtools/
        protocol/browser_handler.cc BrowserHandler::Disable), so the permission ends with the case.

        Firefox, under its default Total Cookie Protection: the grant Firefox makes by itself to a site the user
        interacted with top-level (Document::AutomaticStorageAccessPermissionCanBeGranted,
        ContentBlockingUserInteraction): for "granted" a real click on a top-level page of `embedded` first, for
        "denied" none, so that the site's host, listed in privacy.restrict3rdpartystorage.
        userInteractionRequiredForHosts (playwright.config.py), is refused. The context keeps the interaction (the click
        in the frame records one too) and the grant, so such a case runs in a context of its own. A same-site frame
        needs neither, and under a third-party setting of its own Firefox decides unasked
        (StorageAccessAPIHelper::CheckBrowserSettingsDecidesStorageAccessAPI)."""
        name = self.browser.browser_type.name
        if profile_for(name).storage_access_by_interaction.value:  # Firefox: no permission to set, an interaction
            own = self._permission_decides(top, embedded)
            if own:
                self.use_own_context()  # it will keep the user's interaction and the grant
                if setting == "granted":
                    click_at(self.page(embedded), CLIENT_HEADING)
            try:
                yield
            finally:
                if not own:  # an own context goes with the case
                    self.renew_document(embedded, top)
            return
        if name != "chromium":
            raise NotImplementedError(f"the storage-access permission is set over CDP (Chromium), not in {name}")
        page = self.document(embedded, top).page
        target = self._context.new_cdp_session(page)
        try:
            context_id = target.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
        finally:
            target.detach()
        browser = (self._context.browser or self.browser).new_browser_cdp_session()  # a persistent context's own
        try:
            browser.send("Browser.setPermission", {
                "permission": {"name": "storage-access"}, "setting": setting, "origin": self.hosts.origin(top),
                "embeddedOrigin": self.hosts.origin(embedded), "browserContextId": context_id})  # fmt: skip
            yield
        finally:
            browser.detach()
            self.renew_document(embedded, top)

    def _permission_decides(self, top: str, embedded: str) -> bool:
        """Whether the browser's permission decides the storage access of the client on `embedded` framed by `top`, as
        the oracle's browser model has it (storage_access_given: not settled before by the browser's third-party
        setting or a same-site frame)."""
        profile = profile_for(self.browser.browser_type.name).under_third_party_setting(self._policy)
        given, _ = storage_access_given(profile, *(parse_origin(self.hosts.origin(n), n) for n in (embedded, top)))
        if given is None and self._policy is not None:  # use_own_context makes contexts of the default browser only
            raise ValueError(f"a storage-access case under the third-party setting {self._policy!r} needs the "
                             "browser's permission, which the suite obtains in its default setting only")  # fmt: skip
        return given is None

    def _listener_kind(self):
        """How the suite hears the browser of the case's context say why, or None (engine.listener_kind)."""
        return engine.listener_kind(self._context) if self._engine_reasons != "off" else None

    @property
    def captures_engine(self) -> bool:
        """Whether the suite hears the browser of the case's context say why."""
        return self._listener_kind() is not None

    def steps_to_hear(self, expected: dict) -> frozenset[str] | None:
        """The steps of a flow whose engine reasons to hear, given the oracle's expected steps; None: every step."""
        if self._engine_reasons == "all" or self._replay:
            return None
        return engines.worth_hearing(expected)

    def engine(
        self, origin: str, *, hear: bool = True, embed_in: str | None = None
    ) -> engine.ChromiumListener | engine.FirefoxListener | None:
        """The listener of the client on the named origin (framed by `embed_in`: its frame's, see engine.listener),
        where the engine's reasons are captured, or None; with `hear` false, the listener stops listening until it is
        asked for again (listening costs time)."""
        if not self.captures_engine or (embed_in and not self._listener_kind().hears_frames):
            return None
        found = engine.listener(self._context, self.document(origin, embed_in))
        found.listen(hear)
        return found if hear else None

    def renew_listener(self, origin: str) -> None:
        """After the page on `origin` loaded a new document: a listener of that document where the old one's went
        with it (Firefox's console), so that the next steps are heard."""
        kind = self._listener_kind()
        page = self._pages.get(origin)
        if kind and not kind.follows_navigation and page is not None:
            engine.listener_of_document(self._context, page)

    @contextlib.contextmanager
    def hearing(
        self, page: Page, steps: dict[str, tuple[str, str]], *, leaves_document: bool = False
    ) -> Iterator[dict[str, engine.EngineReport]]:
        """What the engine says of `steps` (name -> method and path) that `page` makes inside the block, wherever it
        navigates meanwhile: Chromium's page listener from before the block, Firefox's console of the document the
        page shows after it, with the messages it kept (engine.listener_of_document). Firefox's console is the
        document's: when the document that made the request goes (`leaves_document`: a form that submits itself),
        its words go with it, and the step is said not to be captured."""
        heard: dict[str, engine.EngineReport] = dict.fromkeys(steps, engine.NOT_CAPTURED)
        kind = self._listener_kind()
        if kind is None or (leaves_document and not kind.follows_navigation):
            yield heard
            return
        listener = engine.listener(self._context, page) if kind.follows_navigation else None
        if listener:
            listener.listen(True)
        since = listener.mark() if listener else None
        yield heard
        if listener is None:
            listener = engine.listener_of_document(self._context, page)
        heard.update(listener.reports(since, steps))

    def cookies(self, name: str | None = None) -> list[dict]:
        """The context's cookie jar, optionally only the cookies called `name`."""
        jar = self._context.cookies()
        self.empty_jar = None if jar else self._context
        if profile_for(self.browser.browser_type.name).jar_names_as_bytes.value:
            jar = [c | {"name": _utf8(c["name"])} for c in jar]
        log = engine.cookie_log(self._context)  # Firefox: the partition keys its jar does not show
        if log is not None:
            jar = [c | {"partitionKey": log.partition_of(c["name"], c["value"], c["domain"], c["path"])} for c in jar]
        return [c for c in jar if name is None or c["name"] == name]
