"""The browsers a worker keeps: its browser with the reused context (relaunched when the browser died), and the
browsers of the suite's own third-party settings, launched on demand. One case's view of them is case.py's."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext

from e2e.harness.launch import launching, load_playwright_config
from e2e.harness.nodelay import without_nagle


class BrowserSession:
    """This worker's browser and, in 'reuse' isolation, its reused context; relaunched if the browser died."""

    def __init__(self, launch: Callable[[], Browser], browser: Browser, context_args: dict, reuse: bool):
        self._launch, self._browser, self._context_args, self._reuse = launch, browser, context_args, reuse
        self._shared: tuple | None = None
        self.relaunches = 0
        self.empty_jar: BrowserContext | None = None  # handed from a passed case to the next (BrowserCase.begin)

    def browser(self) -> Browser:
        if not self._browser.is_connected():
            self._browser, self._shared = self._launch(), None
            self.relaunches += 1
        return self._browser

    def new_context(self) -> BrowserContext:
        return self.browser().new_context(**self._context_args)

    def context(self) -> tuple[BrowserContext, dict, bool]:
        """The context for the next case, its page pool, and whether it is fresh (to close after the case)."""
        browser = self.browser()
        if not self._reuse:
            return self.new_context(), {}, True
        if self._shared is None or self._shared[0].browser is not browser:
            self._shared = (self.new_context(), {})
        return (*self._shared, False)

    def close(self) -> None:
        if self._shared and self._browser.is_connected():
            self._shared[0].close()


class ThirdPartyBrowsers:
    """Contexts of the browser launched with one of its own third-party cookie settings (playwright.config.py
    THIRD_PARTY), made on first use and kept for the run: a page pool and context per setting."""

    def __init__(self, browser_name: str, browser_type, launch_args: dict, context_args: dict, make_dir, remote: bool):
        self._name, self._type, self._launch_args, self._context_args = (
            browser_name,
            browser_type,
            launch_args,
            context_args,
        )
        self._make_dir, self._remote = make_dir, remote
        self._made: dict[str, tuple] = {}
        self._closers: dict[str, Callable[[], None]] = {}
        self._profiles: dict[str, Path] = {}  # the profile directory of each persistent (Chromium) setting

    def __call__(self, policy: str) -> tuple:
        if self._remote:
            pytest.skip("the browser's own third-party setting needs a browser launched here, not through --cm-connect")
        if policy not in self._made:
            setting = load_playwright_config().THIRD_PARTY[self._name][policy]
            if "chromium_preferences" in setting:  # a persistent (not off-the-record) profile with the preference
                profile_dir = self._make_dir(f"chromium-{policy}")
                (profile_dir / "Default").mkdir()
                (profile_dir / "Default" / "Preferences").write_text(json.dumps(setting["chromium_preferences"]))
                self._profiles[policy] = profile_dir
                context = self._persistent(profile_dir)
                self._closers[policy] = context.close
            else:
                prefs = {**self._launch_args.get("firefox_user_prefs", {}), **setting["firefox_user_prefs"]}
                options = {**self._launch_args, "firefox_user_prefs": prefs}
                launched = launching(self._name, lambda o: self._type.launch(**o), options)
                self._closers[policy] = launched.close
                context = launched.new_context(**self._context_args)
            self._made[policy] = (context, {})
        return self._made[policy]

    def _persistent(self, profile_dir: Path):
        return without_nagle(
            lambda: self._type.launch_persistent_context(profile_dir, **self._launch_args, **self._context_args)
        )

    def restart(self, policy: str, edit: Callable[[Path], None]) -> tuple:
        """Close the persistent profile of `policy` (the browser writes its stores to disk), let `edit` change the
        profile's files, and launch it again: its context and a new page pool."""
        if policy not in self._profiles:
            raise ValueError(f"only a browser profile on disk can be restarted with its stores edited, which the "
                             f"suite makes for Chromium's own settings ({self._name} {policy!r} is a launched browser "
                             "of its own preferences): run this case in Chromium")  # fmt: skip
        context, _ = self._made.pop(policy)
        context.close()
        edit(self._profiles[policy])
        context = self._persistent(self._profiles[policy])
        self._closers[policy] = context.close
        self._made[policy] = (context, {})
        return self._made[policy]

    def close(self) -> None:
        for close in reversed(list(self._closers.values())):
            close()
