"""Browser launch settings for cookie-matrix, per browser; conftest.py loads this file.

pytest-playwright does not read it by itself. Paths can be changed with CM_CHROMIUM and CM_FIREFOX.
"""

import os

from server.hosts import TEST_DOMAINS

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
        "firefox_user_prefs": {"network.dns.localDomains": ",".join(TEST_DOMAINS)},
    },
}

# Browsers Playwright knows that these machines cannot run, with the reason a skipped test shows.
UNSUPPORTED = {
    "webkit": (
        "WebKit is not available: Playwright drives only its own patched WebKit build, which cannot be "
        "downloaded on these machines and has no Debian package; run with --browser chromium/firefox"
    ),
}

# Every browser context: the run's TLS certificates come from a CA made for the run, so the browsers are
# told to accept them; pages stay secure contexts and Secure cookies are stored (environment.md, HTTPS).
CONTEXT = {"ignore_https_errors": True}
