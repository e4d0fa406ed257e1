"""The vocabulary every part of cookie-matrix speaks, defined once: fetch options, CORS policies, SameSite values,
the flow's steps and the requests they make, body types, the error for input the oracle cannot model.

Names only: what each one does is decided by the oracle's modules, and the server (server/), the client driver and
the matrix import these names rather than spelling them again. Nothing here imports anything of the project.
"""

from __future__ import annotations

from dataclasses import dataclass

# Fetch #concept-request-credentials-mode
CREDENTIALS_MODES = ("omit", "same-origin", "include")
# Fetch #concept-request-mode: the modes fetch() from a page can ask for
REQUEST_MODES = ("cors", "no-cors", "same-origin")
# What the server's CORS middleware answers (server/config.py CorsPolicy): nothing; ACAO "*"; ACAO = Origin without
# ACAC; ACAO = Origin with ACAC for allowlisted origins; ACAO = Origin with ACAC for any origin (a misconfiguration);
# ACAO = one configured origin with ACAC whatever the Origin (the `cors` middleware given a string: a page on another
# port or host than the one configured fails the check).
CORS_POLICIES = ("none", "wildcard", "reflect", "allowlist", "reflect_any_credentials", "fixed")
# The policies whose answer depends on the request's Origin, and so say Vary: Origin (ServerSpec.vary_origin).
ORIGIN_VARYING_POLICIES = ("reflect", "allowlist", "reflect_any_credentials")
# The SameSite attribute a server can write; None: the attribute is left out.
SAMESITE_VALUES = (None, "Lax", "Strict", "None")
# The server's own CSRF defence for unsafe methods: none, or refusing a foreign Origin.
CSRF_DEFENCES = ("off", "origin")
# The third-party cookie settings the suite can give a browser itself (playwright.config.py THIRD_PARTY); None in a
# spec means the browser's own default in the contexts the suite makes.
THIRD_PARTY_POLICIES = ("allowed", "blocked")
# The Storage Access API from a framed page (FlowSpec.storage_access): never asked, or asked after a click in the frame
# with the browser's storage-access permission for the frame under its top-level site set to grant or deny.
STORAGE_ACCESS = ("none", "granted", "denied")
# The APIs through which the page's script writes cookies (FlowSpec.script_writes, script_api), and what each write
# gives script: document.cookie's assignment never fails ("done"); cookieStore.set()'s promise resolves or rejects
# (with a TypeError), and the API is missing where the page is not a secure context or the browser lacks it.
SCRIPT_APIS = ("document.cookie", "cookieStore")
SCRIPT_OUTCOMES = ("done", "resolved", "rejected", "unavailable")
# What script (or, for a navigation, the new document) sees of a request: a readable response, an opaque one (no-cors,
# or redirect "manual"'s opaque redirect), a network error after a request went out, a failure with no request sent
# (refused before any went out, or a response from the HTTP cache that failed the CORS check), or a navigation that
# replaced the page.
FETCH_OUTCOMES = ("resolved", "opaque", "network_error", "rejected", "navigated")

# How the page logs in: a fetch() from script, a top-level form POST that the server answers 303 See Other back to
# the page (the classic express + passport successRedirect), or an identity provider's return (OAuth/OIDC): the
# page navigates to the API's AUTH_START_PATH, which sets the state cookie and redirects to the provider's
# IDP_AUTHORIZE_PATH, whose page returns to the API's CALLBACK_PATH (IDP_RETURNS); the callback checks the state
# cookie, logs in and answers 303 back to the page either way (passport's successRedirect and failureRedirect).
LOGINS = ("fetch", "form", "idp")
# How the provider's page returns (OIDC response_mode): a GET navigation with code and state in the query, or an
# auto-submitted cross-site form POST of them (form_post).
IDP_RETURNS = ("query", "form_post")
AUTH_START_PATH = "/api/auth/start"
CALLBACK_PATH = "/api/auth/callback"
IDP_AUTHORIZE_PATH = "/idp/authorize"
STATE_COOKIE = "state=X; Path=/; Secure; HttpOnly; SameSite=Lax"  # the state cookie's line, its value the state
# The redirect statuses fetch follows (Fetch #redirect-status), and the path of each hop of a redirected login: hop k
# answers the chain's redirect status with a Location of hop k+1, the last hop the API's login.
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Fetch #concept-request-redirect-mode: follow the redirect, hand script an opaque redirect (status 0), or fail.
REDIRECT_MODES = ("follow", "manual", "error")
HOP_PATH = "/api/hop/"
# The Access-Control-Allow-Headers of the server's preflight answer (ServerSpec.allow_headers): the one header the
# flow's JSON bodies need, "*" (a wildcard only for requests without credentials, and never for Authorization), or
# both headers the flow can send named.
ALLOW_HEADERS = {"content-type": "Content-Type", "wildcard": "*", "authorization": "Content-Type, Authorization"}
# Fetch #concept-request-cache-mode: the cache modes the client's fetches use (FlowSpec.cache). The API answers
# Cache-Control: no-store, so no mode ever reuses a response; the CORS-preflight cache is another matter.
CACHE_MODES = ("no-store", "default")
# A response header of the API's own that script may want (every /api response carries it, the request's number), and
# what Access-Control-Expose-Headers says of it (ServerSpec.expose_headers): nothing, its name, or "*" (a wildcard only
# for requests without credentials).
EXPOSED_HEADER = "X-Request-Id"
EXPOSE_HEADERS = {"none": None, "named": EXPOSED_HEADER, "wildcard": "*"}
# The Authorization header the page's fetches carry with FlowSpec.authorization (a bearer token beside the cookie):
# a CORS-unsafe header, so every cross-origin fetch that carries it is preflighted, a GET too.
AUTHORIZATION = "Bearer cookie-matrix"

JSON = "application/json"
URLENCODED = "application/x-www-form-urlencoded"
TEXT_PLAIN = "text/plain"
MULTIPART = "multipart/form-data"
NO_CORS_TEXT = "text/plain;charset=UTF-8"  # a string body's type once no-cors has dropped application/json
# How the client sends the flow's bodies (login's, create's): JSON, which a cross-origin fetch preflights, or a form
# encoding, which keeps every request of the flow a simple request (Fetch #cors-safelisted-request-header).
BODIES = {"json": JSON, "form": URLENCODED, "text": TEXT_PLAIN}
FORM_TYPES = (URLENCODED, TEXT_PLAIN)  # the form encodings the server reads with lenient_body (multipart: never)
SAFELISTED_CONTENT_TYPES = (URLENCODED, MULTIPART, TEXT_PLAIN)  # Fetch #cors-safelisted-request-header
SAFE_METHODS = ("GET", "HEAD")  # RFC 9110 §9.2.1; 6265bis §5.8.3 calls these "safe"
CORS_SAFELISTED_METHODS = ("GET", "HEAD", "POST")  # Fetch #cors-safelisted-method: no preflight for these alone


@dataclass(frozen=True)
class StepRequest:
    """One step of the flow as client/api.js makes it: the client's function, its method and path, a JSON body."""

    call: str
    method: str
    path: str
    json_body: bool


STEPS = ("login", "me", "list", "create", "logout")
# After the flow, `me` read again from a second page (FlowSpec.reread_from, reread_embed_in): what the browser's HTTP
# cache gives another origin of the same site, or what the jar gives the same client framed by another top-level page
# or opened top-level (a step of the flows that name a second page, and of no other).
REREAD = "reread"
REQUESTS = {
    "login": StepRequest("login", "POST", "/api/login", True),
    "me": StepRequest("me", "GET", "/api/me", False),
    "list": StepRequest("listResources", "GET", "/api/resources", False),
    "create": StepRequest("createResource", "POST", "/api/resources", True),
    "logout": StepRequest("logout", "POST", "/api/logout", False),
}
REQUESTS[REREAD] = REQUESTS["me"]  # the same call, from the second page


class OracleInputError(ValueError):
    """An input the oracle cannot model; the message says what to change."""


def choice(value: str | None, allowed: tuple, what: str):
    """`value` if it is one of `allowed`, else an OracleInputError naming the choices."""
    if value not in allowed:
        raise OracleInputError(f"{what} must be one of {', '.join(map(repr, allowed))}, not {value!r}")
    return value


def media_type(content_type: str | None) -> str:
    """The essence of a Content-Type ('text/plain;charset=UTF-8' -> 'text/plain'), lower-cased; '' for none."""
    return (content_type or "").split(";")[0].strip().lower()
