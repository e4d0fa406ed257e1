"""Browser launch settings for cookie-matrix, per browser; the harness (e2e/harness/launch.py) loads this file.

pytest-playwright does not read it by itself. Paths can be changed with CM_CHROMIUM and CM_FIREFOX.
"""

import os

from server.origins import ORIGINS, TEST_DOMAINS

LAUNCH = {
    # Debian's Chromium. The .test names resolve to loopback through Chromium's own resolver rules;
    # no --disable-features here: Chromium honours only the last one and would drop Playwright's list.
    "chromium": {
        "executable_path": os.environ.get("CM_CHROMIUM", "/usr/bin/chromium"),
        "args": ["--host-resolver-rules=MAP *.test 127.0.0.1"],
    },
    # Debian's Firefox ESR over WebDriver BiDi. network.dns.localDomains takes exact names, no wildcards.
    "firefox": {
        "channel": "moz-firefox",
        "executable_path": os.environ.get("CM_FIREFOX", "/usr/bin/firefox-esr"),
        "firefox_user_prefs": {
            "network.dns.localDomains": ",".join(TEST_DOMAINS),
            # WebDriver BiDi's mouse input through the browser window, which routes it into a cross-site frame's own
            # process (remote/shared/webdriver/Actions.sys.mjs useAsyncMouseEvents); without it a click meant for
            # the framed client reaches the embedding page instead (the Storage Access API needs the frame's click).
            "remote.events.async.mouse.enabled": True,
            # Firefox grants storage access by itself to a site the user interacted with top-level, after a random
            # delay of up to 3 s (StorageAccessPermissionRequest.cpp CalculateSimulatedDelay): no delay here.
            "dom.storage_access.auto_grants.delayed": False,
            # The framed client's host gets storage access only after the user's top-level interaction with it, as a
            # user's "Block" in Firefox's prompt (which a headless browser never shows) would refuse it otherwise
            # (StorageAccessAPIHelper.cpp CompleteAllowAccessForOnChildProcess).
            "privacy.restrict3rdpartystorage.userInteractionRequiredForHosts": ORIGINS["app_https"].host,
        },
    },
}

# Firefox's DevTools server, beside Playwright's BiDi connection, where its console tells why a cookie was refused
# (e2e/harness/engine.py). The harness adds --start-debugger-server=<a Unix socket of the launch's own>; these
# preferences let it start without asking (devtools/startup/DevToolsStartup.sys.mjs).
DEVTOOLS_SERVER = {
    "firefox": {
        "devtools.debugger.remote-enabled": True,
        "devtools.chrome.enabled": True,
        "devtools.debugger.prompt-connection": False,
    },
}

# Browsers Playwright knows that these machines cannot run, with the reason a skipped test shows.
UNSUPPORTED = {
    "webkit": (
        "WebKit is not available: Playwright drives only its own patched WebKit build, which cannot be "
        "downloaded on these machines and has no Debian package; run with --browser chromium/firefox"
    ),
}

# The launch arguments that tell a browser to trust the run's one leaf certificate (server/hosts.py, from a CA made
# for the run), given its key's SPKI hash, beyond CONTEXT's ignore_https_errors. Chromium takes the key as trusted
# (read only beside --user-data-dir, which Playwright always passes; services/network/ignore_errors_cert_verifier.cc
# clears the verification result), so its answers carry no certificate error, which would keep every one of them out
# of its HTTP cache (net/http/http_cache_transaction.cc WriteResponseInfoToEntry). Firefox keeps answers under its
# certificate override in its cache as it does any.
TRUST_CERTIFICATE = {
    "chromium": lambda spki: [f"--ignore-certificate-errors-spki-list={spki}"],
}

# Every browser context: the run's TLS certificates come from a CA made for the run, so the browsers are
# told to accept them; pages stay secure contexts and Secure cookies are stored (environment.md, HTTPS).
CONTEXT = {"ignore_https_errors": True}

# The browsers' own third-party cookie settings, for the slice that sets them (no simulation).
# Chromium: a persistent (not off-the-record) profile whose preference profile.cookie_controls_mode is
#   0 = allow third-party cookies, 1 = block them (components/content_settings/core/common/pref_names.h).
# Firefox: network.cookie.cookieBehavior 0 = accept all, 1 = reject third-party cookies (modules/libpref
#   StaticPrefList.yaml; the profile's prefs.js).
THIRD_PARTY = {
    "chromium": {
        "allowed": {"chromium_preferences": {"profile": {"cookie_controls_mode": 0}}},
        "blocked": {"chromium_preferences": {"profile": {"cookie_controls_mode": 1}}},
    },
    "firefox": {
        "allowed": {"firefox_user_prefs": {"network.cookie.cookieBehavior": 0}},
        "blocked": {"firefox_user_prefs": {"network.cookie.cookieBehavior": 1}},
    },
}
