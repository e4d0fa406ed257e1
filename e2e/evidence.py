"""A user's own setup read from what they already have: a HAR file (`from_har`), the output of curl -i or curl -v of
the login (`from_curl`), or a probe of their server running on this machine (`probe`). Each gives one `Evidence`:
where the page and the API are, how the login was sent and answered, its Set-Cookie lines byte for byte, its CORS
answers, the requests that followed and the Cookie headers they carried, with every inference and every gap said in
its notes.

Pure data out: no browser, and no judgement of what the answers mean (that is the oracle's, e2e/oracle/); a probe
sends what a browser would (its preflight, its redirects) by the oracle's own rules of Fetch (oracle/browser.py).
Input that cannot be read gives an `EvidenceError` whose message says what to change.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import re
import ssl
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from e2e.oracle.browser import needs_preflight, redirect_method, taints_origin, unsafe_content_type, unsafe_header_names
from e2e.oracle.sites import parse_origin
from e2e.oracle.spec import NULL_ORIGIN
from e2e.oracle.vocabulary import (
    JSON,
    REDIRECT_STATUSES,
    REQUESTS,
    OracleInputError,
    media_type,
)

# The CORS-relevant headers of a response, and of a preflight's answer (lower-case, as Evidence holds them).
CORS_HEADERS = (
    "access-control-allow-origin",
    "access-control-allow-credentials",
    "access-control-expose-headers",
    "vary",
)
PREFLIGHT_HEADERS = CORS_HEADERS + (
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
)
PROBE_MAX_HOPS = 5  # redirects a probe follows by hand, as a fetch would (fetch itself stops after 20)
_HAR_MAX_HOPS = 20  # fetch's own limit (Fetch #http-redirect-fetch), for chains read from a HAR
_HOSTS_FILE = Path("/etc/hosts")
_STATUS_LINE = re.compile(r"^HTTP/(\d(?:\.\d)?) +(\d{3})(?: +(.*))?$")
_REQUEST_LINE = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+) +(\S+) +HTTP/\d(?:\.\d)?$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_CURL_FAILURE = re.compile(r"^(?:\* )?(?:curl: \(\d+\).*|Failed to connect.*|Could not resolve host.*)$")
_HAR_HINT = (
    "export it from the browser's Network panel: Chrome 'Export HAR (with sensitive data)' (enable Settings > "
    "Preferences > Network > 'Allow to generate HAR with sensitive data'), Firefox 'Save All As HAR'"
)
_CURL_HINT = "give the output of curl -i or curl -v of the login, e.g. curl -sv ... > login.txt 2>&1"


class EvidenceError(ValueError):
    """Evidence that cannot be read; the message says what is wrong and what to give instead."""


@dataclass(frozen=True)
class Hop:
    """One redirect on the way to the login's final response: the URL asked (None where the evidence does not show
    it), its status, where it pointed and the Set-Cookie lines it carried (as received, or rebuilt from a HAR's
    cookie list)."""

    url: str | None
    status: int
    location: str | None
    set_cookie: tuple[str, ...] = ()


@dataclass(frozen=True)
class Later:
    """A request to the API after the login, as the HAR shows it: its method, path, the Cookie header it carried
    (None: it carried none) and the status it got."""

    method: str
    path: str
    cookie: str | None
    status: int
    url: str


@dataclass(frozen=True)
class Evidence:
    """What one HAR, curl output or probe shows of a user's login; None (or empty) where it does not show it."""

    source: str  # "har", "curl -i", "curl -v" or "probe", with the file or URL read
    page: str | None  # the page's serialized origin, as browsers send it in Origin
    api: str | None  # the origin of the login request's URL (the first of a redirect chain)
    login_url: str | None  # the login request's URL (the first of a redirect chain)
    login_method: str | None
    login_path: str | None
    login_content_type: str | None
    login_status: int | None  # the final response's status, after any redirects
    set_cookie: tuple[str, ...]  # every Set-Cookie line of the redirects and the login's answer, in order, as received
    set_cookie_from: tuple[str | None, ...]  # the URL of the response that carried each line (None: not shown)
    redirects: tuple[Hop, ...]  # the redirects before the final response, in order
    cors: dict[str, str]  # the final response's CORS headers (CORS_HEADERS), lower-case names
    preflight: dict[str, str] | None  # the preflight's PREFLIGHT_HEADERS and its "status"; None: none shown
    later: tuple[Later, ...]  # requests to the API's origins after the login (a HAR's only)
    credentials: str | None  # the fetch's credentials mode where what was sent shows it; None: it does not
    notes: tuple[str, ...]  # every inference made and how, every gap, one sentence each

    def to_json(self) -> dict:
        """The evidence as JSON data."""
        return asdict(self)


@dataclass
class _Exchange:
    """One request and its response, from whichever source: the parts the evidence is made of."""

    method: str | None
    url: str | None
    path: str | None
    request_headers: list[tuple[str, str]]
    status: int
    response_headers: list[tuple[str, str]]
    index: int = 0  # its place in the source
    extra: dict = field(default_factory=dict)  # a HAR entry's own fields: pageref, _resourceType, cookies, postData

    def location(self) -> str | None:
        """The redirect's target, absolute where the request's URL is known; None for a response that is no
        redirect."""
        if self.status not in REDIRECT_STATUSES:
            return None
        target = self.extra.get("redirectURL") or _header(self.response_headers, "location")
        if not target:
            return None
        return urljoin(self.url, target) if self.url else target


# ---------------------------------------------------------------------------------------------- shared helpers


def origin_of(url: str, what: str = "the URL") -> str:
    """The serialized origin of an http(s) URL (scheme://host[:port], the default port left out: sites.parse_origin),
    or an EvidenceError."""
    hint = "write it as http(s)://host[:port]/path"
    try:
        parts = urlsplit(url)
        return parse_origin(f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}", what).serialized()
    except OracleInputError as error:
        raise EvidenceError(f"{what} {url!r} is not an http or https URL ({error}); {hint}") from None
    except (ValueError, TypeError, AttributeError):
        raise EvidenceError(f"{what} {url!r} is not a URL: {hint}") from None


def _maybe_origin(url: str | None) -> str | None:
    try:
        return origin_of(url) if url else None
    except EvidenceError:
        return None


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    """A header's value, its repeats joined by ', ' as HTTP combines them; None where absent."""
    values = [v for k, v in headers if k.lower() == name]
    return ", ".join(values) if values else None


def _set_cookie_lines(headers: list[tuple[str, str]]) -> list[str]:
    """Every Set-Cookie line, in order: one per header, a value folded with newlines (Firefox) split again."""
    lines = []
    for name, value in headers:
        if name.lower() == "set-cookie":
            lines += [piece.rstrip("\r") for piece in value.split("\n") if piece.strip("\r")]
    return lines


def _cors(headers: list[tuple[str, str]], names: tuple[str, ...]) -> dict[str, str]:
    return {name: value for name in names if (value := _header(headers, name)) is not None}


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _read(path, what: str, hint: str) -> bytes:
    """The bytes of the file at `path`, or an EvidenceError saying what to give instead."""
    if not isinstance(path, (str, os.PathLike)):
        raise EvidenceError(f"the {what} must be given as a file path, not {path!r}: {hint}")
    p = Path(path)
    if p.is_dir():
        raise EvidenceError(f"{p} is a directory, not a {what}: give the file itself; {hint}")
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise EvidenceError(f"no such file: {p}; give the path of the {what}: {hint}") from None
    except PermissionError:
        raise EvidenceError(f"cannot read {p}: permission denied; make it readable or copy it somewhere else") from None
    except OSError as error:
        raise EvidenceError(f"cannot read {p}: {error.strerror or error}; {hint}") from None
    if not data.strip():
        raise EvidenceError(f"{p} is empty: {hint}")
    return data


def _chain_evidence(source: str, chain: list[_Exchange], notes: list[str], *, page: str | None,
                    preflight: dict[str, str] | None, later: tuple[Later, ...] = (),
                    credentials: str | None = None) -> Evidence:  # fmt: skip
    """The evidence of a login's chain of exchanges (the request the page made first, its redirects, the final
    answer) with what the caller found around it."""
    first, final = chain[0], chain[-1]
    lines, sources, found = [], [], []  # found: each exchange's lines, as received or rebuilt
    for exchange in chain:
        found.append(_set_cookie_lines(exchange.response_headers))
        if not found[-1] and exchange.extra.get("cookies"):
            found[-1] = _rebuilt_lines(exchange.extra["cookies"])
            notes.append(f"the response of {exchange.url} has no Set-Cookie header but lists cookies: its lines are "
                         "rebuilt from that list, not as received (give a HAR with the headers for the exact "
                         "lines)")  # fmt: skip
        for line in found[-1]:
            lines.append(line)
            sources.append(exchange.url)
    hops = tuple(Hop(e.url, e.status, e.location(), tuple(lines_of)) for e, lines_of in zip(chain[:-1], found))
    if hops:
        route = " → ".join(f"{h.url or '(a URL the evidence does not show)'} ({h.status})" for h in hops)
        notes.append(f"the login was redirected {len(hops)} time(s): {route} → {final.url or 'its final URL'}; "
                     "api is the origin the page's request went to first, login_status the final answer's")  # fmt: skip
    if not lines:
        notes.append("no response of the login set a cookie")
    elif any(s is None for s in sources):
        notes.append("the evidence does not show the URL of every response, so some Set-Cookie lines have None in "
                     "set_cookie_from")  # fmt: skip
    content_type = _header(first.request_headers, "content-type")
    if content_type is None and first.extra.get("postData", {}).get("mimeType"):
        content_type = first.extra["postData"]["mimeType"]
        notes.append(f"the login's Content-Type {content_type!r} from the HAR's postData (no Content-Type header)")
    return Evidence(
        source=source,
        page=page,
        api=_maybe_origin(first.url),
        login_url=first.url,
        login_method=first.method,
        login_path=first.path,
        login_content_type=content_type,
        login_status=final.status,
        set_cookie=tuple(lines),
        set_cookie_from=tuple(sources),
        redirects=hops,
        cors=_cors(final.response_headers, CORS_HEADERS),
        preflight=preflight,
        later=later,
        credentials=credentials,
        notes=tuple(notes),
    )


def _page_from_request(exchange: _Exchange, notes: list[str]) -> str | None:
    """The page's origin from the request's Origin header, else its Referer's origin; None where neither shows
    it (a note says why)."""
    origin = _header(exchange.request_headers, "origin")
    if origin and origin != NULL_ORIGIN:
        page = _maybe_origin(origin)
        if page:
            notes.append(f"the page's origin {page} from the login request's Origin header")
            return page
    if origin == NULL_ORIGIN:
        notes.append("the login request's Origin is 'null' (an opaque origin: a sandboxed frame, a file: page, or "
                     "a redirect across origins): it does not name the page")  # fmt: skip
    referer = _header(exchange.request_headers, "referer")
    page = _maybe_origin(referer)
    if page:
        notes.append(f"the page's origin {page} from the login request's Referer {referer}")
        return page
    return None


def _preflight_dict(exchange: _Exchange) -> dict[str, str]:
    return {**_cors(exchange.response_headers, PREFLIGHT_HEADERS), "status": str(exchange.status)}


# ---------------------------------------------------------------------------------------------- HAR


def from_har(path, *, login_path: str | None = None) -> Evidence:
    """The evidence of a HAR 1.2 file as Chromium's and Firefox's DevTools export it and as Playwright's
    record_har_path writes it. The login is the first POST whose response (or redirect chain) sets a cookie, or the
    first request to `login_path` when given."""
    data = _read(path, "HAR file", _HAR_HINT)
    har = _load_har(data, Path(path))
    notes: list[str] = []
    exchanges = _har_exchanges(har, Path(path))
    if not any(e.request_headers or e.response_headers for e in exchanges):
        raise EvidenceError(f"{path} has {len(exchanges)} request(s) but not one header: the Origin, Cookie and "
                            f"Set-Cookie headers are the evidence; {_HAR_HINT}")  # fmt: skip
    creator = har["log"].get("creator") if isinstance(har["log"].get("creator"), dict) else {}
    browser = har["log"].get("browser") if isinstance(har["log"].get("browser"), dict) else {}
    made_by = " ".join(str(x) for x in (creator.get("name"), creator.get("version")) if x) or "an unnamed tool"
    if browser.get("name"):
        made_by += " (" + " ".join(str(x) for x in (browser.get("name"), browser.get("version")) if x) + ")"
    notes.append(f"read {len(exchanges)} request(s) of a HAR made by {made_by}")
    chain = _har_login(exchanges, login_path, notes, Path(path))
    page = _page_from_request(chain[0], notes) or _page_from_har(har, exchanges, chain[0], notes)
    if page is None:
        notes.append("the HAR does not show the page's origin (no Origin or Referer on the login, no page "
                     "document): add --page")  # fmt: skip
    preflight = _har_preflight(exchanges, chain, page, notes)
    api_origins = {o for o in (_maybe_origin(e.url) for e in chain) if o}
    after = max(e.index for e in chain)
    later = tuple(
        Later(e.method or "", e.path or "", _header(e.request_headers, "cookie"), e.status, e.url or "")
        for e in exchanges
        if e.index > after and _maybe_origin(e.url) in api_origins and not _is_preflight(e)
    )
    if later:
        notes.append(f"{len(later)} later request(s) to the API's origin(s) after the login: "
                     + "; ".join(f"{x.method} {x.path} → {x.status}, "
                                 + ("a Cookie header" if x.cookie is not None else "no Cookie header")
                                 for x in later))  # fmt: skip
    else:
        notes.append("the HAR shows no request to the API after the login, so it does not show whether the cookie "
                     "was sent back")  # fmt: skip
    credentials = _credentials(page, chain, later, notes)
    return _chain_evidence(f"har {path}", chain, notes, page=page, preflight=preflight, later=later,
                           credentials=credentials)  # fmt: skip


def _load_har(data: bytes, path: Path) -> dict:
    """The HAR's JSON, or an EvidenceError saying what the file is instead."""
    if data[:2] == b"\x1f\x8b":
        raise EvidenceError(f"{path} is gzip-compressed: decompress it (gunzip) and give the .har inside")
    if data[:2] == b"PK":
        raise EvidenceError(f"{path} is a zip archive (Playwright writes one for a record_har_path ending in .zip): "
                            "unzip it and give the .har inside, or record to a path ending in .har")  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data":
            raise EvidenceError(f"{path} is a HAR that stops in the middle of a character (the file ends early): "
                                "export the HAR again, and wait for the download to finish") from None  # fmt: skip
        raise EvidenceError(f"{path} is not a HAR: it is not UTF-8 text (byte {error.start}); {_HAR_HINT}") from None
    try:
        har = json.loads(text)
    except json.JSONDecodeError as error:
        if _ends_early(text):
            raise EvidenceError(f"{path} is a HAR that stops in the middle (the file ends early, at line "
                                f"{text.count(chr(10)) + 1}): export the HAR again, and wait for the download to "
                                "finish") from None  # fmt: skip
        hint = _HAR_HINT
        if _looks_like_curl(text):
            hint = "it looks like curl's output: read it with from_curl (--curl) instead"
        raise EvidenceError(f"{path} is not a HAR: it is not JSON ({error.msg} at line {error.lineno}, column "
                            f"{error.colno}); {hint}") from None  # fmt: skip
    log = har.get("log") if isinstance(har, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise EvidenceError(f"{path} is JSON but not a HAR: it has no log.entries (a HAR is "
                            f'{{"log": {{"entries": [...]}}}}); {_HAR_HINT}')  # fmt: skip
    if not log["entries"]:
        raise EvidenceError(f"{path} is a HAR with no requests (log.entries is empty): open the Network panel "
                            "before you log in, log in, then export the HAR")  # fmt: skip
    return har


def _ends_early(text: str) -> bool:
    """Whether JSON text stops inside a string, an object or an array: a file cut short."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
    return in_string or depth > 0


def _looks_like_curl(text: str) -> bool:
    return any(_STATUS_LINE.match(line.lstrip("< ").rstrip("\r")) for line in text.splitlines()[:200])


def _pairs(value, what: str) -> list[tuple[str, str]]:
    """A HAR list of {name, value} as pairs, or an EvidenceError naming the field."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise EvidenceError(f"{what} is not a list of {{name, value}}: the HAR is damaged; export it again")
    pairs = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise EvidenceError(f"{what} holds {item!r}, not a {{name, value}}: the HAR is damaged; export it again")
        pairs.append((item["name"], "" if item.get("value") is None else str(item.get("value"))))
    return pairs


def _har_exchanges(har: dict, path: Path) -> list[_Exchange]:
    """Every entry of the HAR as an exchange, in the order the requests started."""
    exchanges = []
    for i, entry in enumerate(har["log"]["entries"]):
        where = f"{path}: log.entries[{i}]"
        request = entry.get("request") if isinstance(entry, dict) else None
        response = entry.get("response") if isinstance(entry, dict) else None
        if not isinstance(request, dict) or not isinstance(response, dict):
            raise EvidenceError(f"{where} is not a HAR entry (no request and response): the HAR is damaged; export "
                                "it again")  # fmt: skip
        url, method = request.get("url"), request.get("method")
        if not isinstance(url, str) or not isinstance(method, str):
            raise EvidenceError(f"{where} has no request URL or method: the HAR is damaged; export it again")
        try:
            status = int(response.get("status", 0))
        except (TypeError, ValueError):
            raise EvidenceError(f"{where} has the status {response.get('status')!r}, not a number: the HAR is "
                                "damaged; export it again") from None  # fmt: skip
        post = request.get("postData") if isinstance(request.get("postData"), dict) else {}
        extra = {
            "pageref": entry.get("pageref"),
            "resource_type": entry.get("_resourceType"),
            "redirectURL": response.get("redirectURL") if isinstance(response.get("redirectURL"), str) else "",
            "cookies": response.get("cookies") if isinstance(response.get("cookies"), list) else [],
            "postData": post,
            "started": entry.get("startedDateTime"),
        }  # fmt: skip
        exchanges.append(
            _Exchange(method.upper(), url, _path_of(url), _pairs(request.get("headers"), f"{where}.request.headers"),
                      status, _pairs(response.get("headers"), f"{where}.response.headers"), i, extra)
        )  # fmt: skip
    started = [_started(e.extra["started"]) for e in exchanges]
    if all(s is not None for s in started):
        order = sorted(range(len(exchanges)), key=lambda k: (started[k], k))
        exchanges = [exchanges[k] for k in order]
    for k, exchange in enumerate(exchanges):
        exchange.index = k
    return exchanges


def _started(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _is_preflight(exchange: _Exchange) -> bool:
    return (
        exchange.method == "OPTIONS" and _header(exchange.request_headers, "access-control-request-method") is not None
    )


def _sets_cookie(exchange: _Exchange) -> bool:
    return bool(_set_cookie_lines(exchange.response_headers) or exchange.extra.get("cookies"))


def _rebuilt_lines(cookies: list) -> list[str]:
    """Set-Cookie lines made from a HAR's response.cookies (name, value and the attributes it lists), for a HAR
    whose response headers leave the lines out: not byte for byte, and an attribute the list lacks is lost."""
    lines = []
    for cookie in cookies:
        if not isinstance(cookie, dict) or not isinstance(cookie.get("name"), str):
            continue
        parts = [f"{cookie['name']}={cookie.get('value', '')}"]
        if isinstance(cookie.get("expires"), str) and (moment := _started(cookie["expires"])):
            parts.append("Expires=" + format_datetime(moment.astimezone(timezone.utc), usegmt=True))
        for attribute, key in (("Path", "path"), ("Domain", "domain"), ("SameSite", "sameSite")):
            if cookie.get(key):
                parts.append(f"{attribute}={cookie[key]}")
        parts += [flag for flag, key in (("Secure", "secure"), ("HttpOnly", "httpOnly")) if cookie.get(key) is True]
        lines.append("; ".join(parts))
    return lines


def _har_chain(exchanges: list[_Exchange], chosen: _Exchange, notes: list[str]) -> list[_Exchange]:
    """The redirect chain `chosen` is part of, from the request the page made to the final response."""
    start = chosen
    while True:
        before = [e for e in exchanges if e.index < start.index and e.location() == start.url and not _is_preflight(e)]
        if not before:  # each step goes to an earlier entry, so a redirect loop ends too
            break
        start = before[-1]
    chain = [start]
    while (target := chain[-1].location()) and len(chain) <= _HAR_MAX_HOPS:
        following = [e for e in exchanges if e.index > chain[-1].index and e.url == target and not _is_preflight(e)]
        if not following:
            notes.append(f"{chain[-1].method} {chain[-1].url} answered {chain[-1].status} to {target}, which the "
                         "HAR does not hold: the chain ends there")  # fmt: skip
            break
        chain.append(following[0])
    return chain


def _har_login(exchanges: list[_Exchange], login_path: str | None, notes: list[str], path: Path) -> list[_Exchange]:
    """The login's chain: the first POST whose chain sets a cookie, or the first request to `login_path`."""
    if login_path is not None:
        wanted = login_path if login_path.startswith("/") or "://" in login_path else "/" + login_path
        matches = [e for e in exchanges if not _is_preflight(e)
                   and (e.url == wanted or urlsplit(e.url or "").path == wanted)]  # fmt: skip
        if not matches:
            paths = ", ".join(dict.fromkeys(f"{e.method} {urlsplit(e.url or '').path}" for e in exchanges))
            raise EvidenceError(f"{path} holds no request to {login_path!r}: give login_path as one of its paths "
                                f"({paths})")  # fmt: skip
        setting = [e for e in matches if any(_sets_cookie(x) for x in _har_chain(exchanges, e, []))]
        chosen = (setting or matches)[0]
        chain = _har_chain(exchanges, chosen, notes)
        which = "the first that sets a cookie" if setting else "none sets a cookie; the first"
        notes.append(f"the login: {chosen.method} {chosen.url}, the request to {login_path!r} asked for "
                     f"({len(matches)} such request(s); {which})")  # fmt: skip
        return chain
    for exchange in exchanges:
        if exchange.method != "POST":
            continue
        chain = _har_chain(exchanges, exchange, [])
        if any(_sets_cookie(x) for x in chain):
            chain = _har_chain(exchanges, exchange, notes)
            others = sum(1 for e in exchanges if e.method == "POST" and e not in chain)
            notes.append(f"the login: {chain[0].method} {chain[0].url}, the first POST whose response sets a cookie"
                         + (f" ({others} other POST(s) in the HAR; give --login-path to choose another)" if others
                            else ""))  # fmt: skip
            return chain
    posts = [e for e in exchanges if e.method == "POST"]
    cookies_seen = any(_header(e.request_headers, "cookie") or _sets_cookie(e) for e in exchanges)
    if not cookies_seen:
        raise EvidenceError(f"{path} shows no Cookie or Set-Cookie header at all: it was likely exported without "
                            "sensitive data (Chrome DevTools' default 'Export HAR (sanitized)' leaves Cookie, "
                            f"Set-Cookie and Authorization out); {_HAR_HINT}")  # fmt: skip
    if not posts:
        raise EvidenceError(f"{path} holds no POST, so no login: record the HAR while you log in, or give "
                            "login_path (--login-path) to name the login request")  # fmt: skip
    seen = "; ".join(f"POST {e.url} → {e.status}" for e in posts[:5]) + ("; ..." if len(posts) > 5 else "")
    raise EvidenceError(f"{path}: no POST sets a cookie ({seen}): give login_path (--login-path) to name the login "
                        "request, or record again with a login that succeeds")  # fmt: skip


def _page_from_har(har: dict, exchanges: list[_Exchange], login: _Exchange, notes: list[str]) -> str | None:
    """The page's origin from the HAR's page: its title where it is a URL (DevTools), else its document request."""
    pages = har["log"].get("pages") if isinstance(har["log"].get("pages"), list) else []
    page = next((p for p in pages if isinstance(p, dict) and p.get("id") == login.extra.get("pageref")), None)
    if page is None and len(pages) == 1 and isinstance(pages[0], dict):
        page = pages[0]
    title = page.get("title") if page else None
    if isinstance(title, str) and (origin := _maybe_origin(title)):
        notes.append(f"the page's origin {origin} from the HAR's page title {title}")
        return origin
    documents = [
        e for e in exchanges
        if e.index < login.index and e.method == "GET"
        and (e.extra.get("pageref") == login.extra.get("pageref") or not login.extra.get("pageref"))
        and (e.extra.get("resource_type") == "document" or _header(e.request_headers, "sec-fetch-dest") == "document")
    ]  # fmt: skip
    if documents and (origin := _maybe_origin(documents[-1].url)):
        notes.append(f"the page's origin {origin} from the page's document request GET {documents[-1].url}")
        return origin
    return None


def _har_preflight(exchanges: list[_Exchange], chain: list[_Exchange], page: str | None,
                   notes: list[str]) -> dict[str, str] | None:  # fmt: skip
    """The answer of the preflight that preceded the login, where the HAR holds one. A request's HAR entry starts
    when the page asked for it, before its preflight went out, so the preflight may come after it in the HAR: any
    preflight to a URL of the chain before the next other request counts."""
    urls = {e.url for e in chain}
    chained = {e.index for e in chain}
    limit = next((e.index for e in exchanges if e.index > chain[-1].index and e.index not in chained
                  and not _is_preflight(e)), len(exchanges))  # fmt: skip
    before = [e for e in exchanges if e.index < limit and _is_preflight(e) and e.url in urls]
    if before:
        found = before[-1]
        asked = _header(found.request_headers, "access-control-request-method")
        notes.append(f"the preflight: OPTIONS {found.url} (Access-Control-Request-Method {asked}), answered "
                     f"{found.status}")  # fmt: skip
        return _preflight_dict(found)
    if page is not None and any(_maybe_origin(e.url) != page for e in chain):
        notes.append("the HAR shows no CORS preflight before the login; HARs recorded by Playwright leave "
                     "preflights out in Chromium and Firefox alike, and DevTools may too, so this does not say "
                     "whether one was sent")  # fmt: skip
    return None


def _credentials(page: str | None, chain: list[_Exchange], later: tuple[Later, ...], notes: list[str]) -> str | None:
    """The fetch's credentials mode where what was sent shows it: a Cookie header on a request to another origin
    than the page's is sent by 'include' alone. Anything else leaves it unknown, and a note says why."""
    ask = "add --credentials include|same-origin|omit"
    if page is None:
        notes.append(f"the page's origin is unknown, so the HAR does not show the fetch's credentials mode: {ask}")
        return None
    sent = [(e.method, e.url, _header(e.request_headers, "cookie")) for e in chain]
    sent += [(x.method, x.url, x.cookie) for x in later]
    cross = [(m, u, c) for m, u, c in sent if _maybe_origin(u) != page]
    with_cookie = [(m, u) for m, u, c in cross if c is not None]
    if with_cookie:
        method, url = with_cookie[0]
        notes.append(f"the fetch's credentials mode is include: {method} {url} went to another origin than the "
                     "page's with a Cookie header, which only credentials 'include' sends")  # fmt: skip
        return "include"
    if not cross:
        notes.append("the login and the requests after it went to the page's own origin, where credentials "
                     f"same-origin (fetch's default) and include both send cookies: the HAR cannot tell them apart; "
                     f"{ask}")  # fmt: skip
        return None
    if any(_sets_cookie(e) for e in chain) and any(_maybe_origin(x.url) != page for x in later):
        notes.append("the requests to the API after the login carried no Cookie header although the login set a "
                     "cookie: the fetch's credentials were not include, or the browser refused or withheld the "
                     "cookie (third-party cookie blocking, SameSite, Secure); the HAR cannot tell which: "
                     + ask)  # fmt: skip
    else:
        notes.append(f"no request to another origin than the page's carried a Cookie header, which does not show "
                     f"the fetch's credentials mode: {ask}")  # fmt: skip
    return None


# ---------------------------------------------------------------------------------------------- curl


def from_curl(path) -> Evidence:
    """The evidence of the saved output of `curl -i` (the responses) or `curl -v` (the requests too) of the
    login; with several responses (-L's redirects, an interim 100 Continue) the last final one is the login's
    answer and the redirects before it its hops."""
    data = _read(path, "file of curl's output", _CURL_HINT)
    notes: list[str] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        notes.append("the output is not UTF-8: read as latin-1, one character per byte")
    if text.lstrip().startswith("{") and '"log"' in text[:2000]:
        raise EvidenceError(f"{path} looks like a HAR (JSON with a log), not curl's output: read it with from_har "
                            "(--har)")  # fmt: skip
    lines = [line.rstrip("\r") for line in text.replace("\r\n", "\n").split("\n")]
    if any(line.startswith("< ") and _STATUS_LINE.match(line[2:]) for line in lines):
        source, exchanges = "curl -v", _curl_verbose(lines, notes)
    else:
        source, exchanges = "curl -i", _curl_include(lines, notes)
    if not exchanges:
        failure = next((line for line in lines if _CURL_FAILURE.match(line)), None)
        if failure:
            raise EvidenceError(f"{path}: curl got no response; it says {failure.lstrip('* ')!r}: start the server "
                                "or correct the URL, then run curl again")  # fmt: skip
        raise EvidenceError(f"{path} holds no HTTP status line: {_CURL_HINT}")
    chain = _curl_chain(exchanges, notes)
    page = None
    if source == "curl -v":
        page = _page_from_request(chain[0], notes)
        if page is None:
            notes.append("curl sent no Origin header, which a browser's fetch from a page sends: add -H 'Origin: "
                         "https://your.page' to the curl command, or give --page")  # fmt: skip
    else:
        notes.append("curl -i shows only the responses: the request's method, URL, Origin and Content-Type are not "
                     "in it (run curl -v for them, or give --page and --api)")  # fmt: skip
    notes.append("curl's output does not show a browser's fetch options: add --credentials include|same-origin|omit")
    notes.append("curl sends no CORS preflight: the preflight's answer is not in its output (--probe sends one)")
    return _chain_evidence(f"{source} {path}", chain, notes, page=page, preflight=None)


def _header_line(line: str) -> tuple[str, str] | None:
    name, sep, value = line.partition(":")
    if not sep or not name or name != name.strip() or not _TOKEN.match(name):
        return None
    return name, value.strip(" \t")


def _curl_verbose(lines: list[str], notes: list[str]) -> list[_Exchange]:
    """The exchanges of curl -v's output: '> ' request lines, '< ' response lines, '* ' curl's notes."""
    exchanges: list[_Exchange] = []
    request: dict | None = None
    response: dict | None = None
    tls = connected = None
    for line in lines:
        if line.startswith("* "):
            note = line[2:].strip()
            if note.startswith("Connected to "):
                connected, tls = note, False
            elif note.startswith(("SSL connection using", "TLSv", "ALPN", "Server certificate")):
                tls = True
            continue
        if line.startswith(">"):
            content = line[2:] if line.startswith("> ") else line[1:]
            if m := _REQUEST_LINE.match(content):
                request = {"method": m[1].upper(), "target": m[2], "headers": [], "tls": tls, "connected": connected}
            elif request is not None and content.strip() and (pair := _header_line(content)):
                request["headers"].append(pair)
            continue
        if line.startswith("<"):
            content = line[2:] if line.startswith("< ") else line[1:]
            if m := _STATUS_LINE.match(content):
                response = {"status": int(m[2]), "headers": [], "request": request}
            elif response is not None and not content.strip():
                if 100 <= response["status"] < 200:
                    notes.append(f"an interim {response['status']} response skipped")
                else:
                    exchanges.append(_verbose_exchange(response, len(exchanges), notes))
                response = None
            elif response is not None and (pair := _header_line(content)):
                response["headers"].append(pair)
    if response is not None and not 100 <= response["status"] < 200:  # output cut after the headers
        exchanges.append(_verbose_exchange(response, len(exchanges), notes))
    return exchanges


def _verbose_exchange(response: dict, index: int, notes: list[str]) -> _Exchange:
    request = response["request"]
    if request is None:
        return _Exchange(None, None, None, [], response["status"], response["headers"], index)
    target = request["target"]
    if "://" in target:
        url = target
    else:
        host = _header(request["headers"], "host")
        if host is None and request["connected"]:
            m = re.match(r"Connected to (\S+) \(.*\) port (\d+)", request["connected"])
            host = f"{m[1]}:{m[2]}" if m else None
        scheme = "https" if request["tls"] else "http"
        url = f"{scheme}://{host}{target}" if host else None
        if url and not any(n.startswith("the request's scheme") for n in notes):
            why = "curl's TLS lines" if request["tls"] else "the absence of TLS lines in curl's output"
            notes.append(f"the request's scheme {scheme} from {why}")
    return _Exchange(request["method"], url, _path_of(url) or target, request["headers"], response["status"],
                     response["headers"], index)  # fmt: skip


def _curl_include(lines: list[str], notes: list[str]) -> list[_Exchange]:
    """The responses of curl -i's output: status line, headers, a blank line; after an interim answer or a redirect
    the next response (curl -L prints no body of a redirect), after a final answer its body."""
    exchanges: list[_Exchange] = []
    k = next((i for i, line in enumerate(lines) if _STATUS_LINE.match(line)), None)
    if k is None:
        return []
    if k:
        notes.append(f"{k} line(s) before the first status line skipped")
    while k is not None and k < len(lines) and (m := _STATUS_LINE.match(lines[k])):
        status, headers = int(m[2]), []
        k += 1
        while k < len(lines) and lines[k].strip():
            if pair := _header_line(lines[k]):
                headers.append(pair)
            k += 1
        k += 1  # the blank line
        established = 200 <= status < 300 and (m[3] or "").lower() == "connection established"
        if 100 <= status < 200 or established:
            notes.append(f"an interim response {m[0]!r} skipped")
            continue
        previous = exchanges[-1].location() if exchanges else None
        exchanges.append(_Exchange(None, previous, _path_of(previous), [], status, headers, len(exchanges)))
        if exchanges[-1].location() is None or k >= len(lines) or not _STATUS_LINE.match(lines[k]):
            break  # a final answer: what follows is its body
    return exchanges


def _curl_chain(exchanges: list[_Exchange], notes: list[str]) -> list[_Exchange]:
    """The last final response and the redirects that led to it; earlier exchanges (curl given several URLs) are
    left out, with a note."""
    chain = [exchanges[-1]]
    for exchange in reversed(exchanges[:-1]):
        if exchange.location() is None:
            break
        chain.insert(0, exchange)
    if len(chain) < len(exchanges):
        notes.append(f"{len(exchanges) - len(chain)} earlier exchange(s) that did not redirect to the login left out")
    return chain


# ---------------------------------------------------------------------------------------------- probe


def probe(url: str, *, page: str, method: str = "POST", path: str | None = None, body=None,
          content_type: str = JSON, timeout: float = 5) -> Evidence:  # fmt: skip
    """Send the login a user describes to their server on this machine and read its real answers: the CORS
    preflight a browser would send first (OPTIONS with Origin, Access-Control-Request-Method and -Headers), then the
    request itself with Origin, following up to PROBE_MAX_HOPS redirects by hand as a fetch would (POST becomes GET
    on 301, 302 and 303). Only loopback: any other host is refused before a connection is tried."""
    notes: list[str] = []
    target = _probe_url(url, path, notes)
    page = _probe_page(page)
    method = _probe_method(method)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
        raise EvidenceError(f"timeout is seconds, more than 0 and at most 600, not {timeout!r}")
    payload = _probe_body(body, content_type, notes)
    _loopback(target)  # refuse before any connection
    if urlsplit(target).scheme == "https":
        notes.append("the https URL on loopback was probed with certificate verification off (a local server's "
                     "certificate is rarely one this machine trusts)")  # fmt: skip
    notes.append(f"the page's origin {page} as given: the probe sends it as Origin")
    preflight = None
    cross = origin_of(target) != page
    unsafe = unsafe_header_names(payload is not None and unsafe_content_type(content_type), False)
    if cross and needs_preflight(method, unsafe):
        headers = [("Origin", page), ("Access-Control-Request-Method", method), ("Accept", "*/*")]
        headers += [("Access-Control-Request-Headers", ",".join(unsafe))] if unsafe else []
        answer = _send(target, "OPTIONS", headers, None, timeout)
        preflight = _preflight_dict(answer)
        notes.append(f"the preflight: OPTIONS {target} with Origin {page}, Access-Control-Request-Method {method}"
                     + (f", Access-Control-Request-Headers {','.join(unsafe)}" if unsafe else "")
                     + f", answered {answer.status}")  # fmt: skip
    elif cross:
        notes.append(f"no preflight sent: a {method} with {'no body' if payload is None else repr(content_type)} is "
                     "a simple request, which a browser sends without one")  # fmt: skip
    else:
        notes.append("no preflight sent: the page and the API are the same origin, where a browser sends none")
    chain = _probe_chain(target, page, method, payload, content_type, timeout, notes)
    notes.append("a probe sends no cookies and shows nothing of the page's fetch options: add --credentials "
                 "include|same-origin|omit")  # fmt: skip
    return _chain_evidence(f"probe {target}", chain, notes, page=page, preflight=preflight)


def _probe_url(url: str, path: str | None, notes: list[str]) -> str:
    """The login's absolute URL: `url`, its path replaced by `path` where given, the project's login path where
    neither has one."""
    origin_of(url, "the probe's URL")
    parts = urlsplit(url)
    if path is not None:
        if not isinstance(path, str) or not path.startswith("/"):
            raise EvidenceError(f"path is the login's path on the server, starting with '/', not {path!r}")
        return f"{parts.scheme}://{parts.netloc}{path}"
    if parts.path in ("", "/") and not parts.query:
        notes.append(f"no login path in {url}: the project's own {REQUESTS['login'].path} was probed (give path to "
                     "change it)")  # fmt: skip
        return f"{parts.scheme}://{parts.netloc}{REQUESTS['login'].path}"
    return url


def _probe_page(page: str) -> str:
    if not isinstance(page, str):
        raise EvidenceError(f"page is the page's origin, such as 'https://app.example.com', not {page!r}")
    origin = origin_of(page, "page")
    parts = urlsplit(page)
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username is not None:
        raise EvidenceError(f"page is the page's origin (scheme://host[:port]), not a URL with a path: give {origin}")
    return origin


def _probe_method(method: str) -> str:
    if not isinstance(method, str) or not _TOKEN.match(method):
        raise EvidenceError(f"method is an HTTP method such as 'POST', not {method!r}")
    return method.upper()


def _probe_body(body, content_type: str, notes: list[str]) -> bytes | None:
    if body is None:
        notes.append("no body given: the login was sent without one (give body to send the user's)")
        return None
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if isinstance(body, dict):
        if media_type(content_type) == JSON:
            return json.dumps(body).encode("utf-8")
        return urlencode(body).encode("utf-8")
    raise EvidenceError(f"body is bytes, text or a dict of fields, not {type(body).__name__}")


def _hosts_file_addresses(name: str) -> list[str]:
    """The addresses /etc/hosts gives `name` (no DNS: nothing leaves this machine)."""
    try:
        text = _HOSTS_FILE.read_text(errors="replace")
    except OSError:
        return []
    found = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 2 and name in (f.lower() for f in fields[1:]):
            found.append(fields[0])
    return found


def _is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def _loopback(url: str) -> list[str]:
    """The loopback addresses to connect to for `url`'s host, or an EvidenceError before any connection: the host
    must be a loopback address, localhost (or a name under .localhost), or a name /etc/hosts maps to loopback."""
    host = (urlsplit(url).hostname or "").lower()
    refuse = (f"--probe only talks to a server on this machine (loopback): {host!r} in {url} is not localhost, a "
              "loopback address (127.0.0.0/8, ::1) or a name /etc/hosts maps to one; run the server here and probe "
              "http://localhost:PORT, or give a HAR (--har) or curl's output (--curl) from where it runs")  # fmt: skip
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        if not _is_loopback(host):
            raise EvidenceError(refuse)
        return [host]
    if host == "localhost" or host.endswith(".localhost"):
        return ["127.0.0.1", "::1"]
    addresses = _hosts_file_addresses(host)
    if not addresses or not all(_is_loopback(a) for a in addresses):
        raise EvidenceError(refuse)
    return addresses


class _Https(http.client.HTTPSConnection):
    """A TLS connection to one checked address, naming the URL's host in the handshake (SNI)."""

    def __init__(self, address: str, port: int, timeout: float, server_name: str):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        super().__init__(address, port, timeout=timeout, context=context)
        self._server_name = server_name

    def connect(self) -> None:
        http.client.HTTPConnection.connect(self)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self._server_name)


def _send(url: str, method: str, headers: list[tuple[str, str]], payload: bytes | None, timeout: float) -> _Exchange:
    """One request to the loopback server at `url` and its answer (no redirect followed), or an EvidenceError that
    names the URL and what to check."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = [("Host", parts.netloc), *headers]
    if payload is not None:
        headers.append(("Content-Length", str(len(payload))))
    last_error: OSError | None = None
    refused = False
    for address in _loopback(url):
        if https:
            connection = _Https(address, port, timeout, parts.hostname)
        else:
            connection = http.client.HTTPConnection(address, port, timeout=timeout)
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                connection.putheader(name, value)
            connection.endheaders(payload)
            response = connection.getresponse()
            response.read(1 << 20)
            answer = [(k, _text(v)) for k, v in response.getheaders()]
            return _Exchange(method, url, target, headers, response.status, answer)
        except ConnectionRefusedError:
            refused = True
        except TimeoutError:
            raise EvidenceError(f"no answer from {url} within {timeout} s: is the server busy or stuck, or does it "
                                f"speak {'http' if https else 'https'} on this port?") from None  # fmt: skip
        except ssl.SSLError as error:
            raise EvidenceError(f"the TLS handshake with {url} failed ({error.reason or error}): does the server speak "
                                f"https on port {port}? For a plain http server write http://") from None  # fmt: skip
        except (http.client.HTTPException, ConnectionResetError, BrokenPipeError) as error:
            hint = "A server that speaks plain http needs http://" if https else "A TLS server needs https://"
            raise EvidenceError(f"{url} did not answer HTTP ({type(error).__name__}: {error}): is it the right port? "
                                f"{hint}") from None  # fmt: skip
        except OSError as error:  # e.g. no ::1 on this machine: the next address
            last_error = error
        finally:
            connection.close()
    if refused:
        raise EvidenceError(f"nothing answers at {origin_of(url)} (connection refused): is the server running on this "
                            f"machine, on port {port}?")  # fmt: skip
    raise EvidenceError(f"could not reach {url}: {last_error}; is the server running on this machine?")


def _text(value: str) -> str:
    """A header value as http.client gives it (latin-1, one character a byte) as the UTF-8 text it carries."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _probe_chain(url: str, page: str, method: str, payload: bytes | None, content_type: str, timeout: float,
                 notes: list[str]) -> list[_Exchange]:  # fmt: skip
    """The request and the redirects a fetch would follow, by hand, at most PROBE_MAX_HOPS of them."""
    chain: list[_Exchange] = []
    origin_header, current = page, url
    while True:
        headers = [("Origin", origin_header), ("Accept", "*/*")]
        if payload is not None:
            headers.append(("Content-Type", content_type))
        exchange = _send(current, method, headers, payload, timeout)
        exchange.index = len(chain)
        chain.append(exchange)
        location = exchange.location()
        if location is None:
            return chain
        if len(chain) > PROBE_MAX_HOPS:
            notes.append(f"more than {PROBE_MAX_HOPS} redirects: stopped at {current}'s {exchange.status}")
            return chain
        try:
            origin_of(location)
            _loopback(location)
        except (EvidenceError, ValueError):
            notes.append(f"{current} redirects to {location}, not an http(s) URL on this machine: not followed")
            return chain
        if redirect_method(exchange.status, method) != method:  # Fetch #http-redirect-fetch
            notes.append(f"the {exchange.status} to {location} turns {method} into GET without a body, as fetch does")
            method, payload = "GET", None
        unsafe = unsafe_header_names(payload is not None and unsafe_content_type(content_type), False)
        if origin_of(location) != page and needs_preflight(method, unsafe):
            notes.append(f"a browser would send a preflight to {location} before following the redirect; the probe "
                         "sends only the first request's")  # fmt: skip
        here, there = (parse_origin(origin_of(u), "a hop's origin") for u in (current, location))
        if taints_origin(parse_origin(page, "page"), here, there):
            if origin_header != NULL_ORIGIN:
                notes.append(f"the redirect to {location} crosses origins after leaving the page's: Origin becomes "
                             "'null', as a browser sends it")  # fmt: skip
            origin_header = NULL_ORIGIN
        current = location
