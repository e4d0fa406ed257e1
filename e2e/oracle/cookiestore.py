"""The Cookie Store API's cookieStore.set() (WHATWG Cookie Store, #set-cookie-algorithm): the options a script passes
(a CookieInit), given in this project as the line a server would send for the same cookie (`cookie_init`), and 'set
a cookie': the checks that reject with a TypeError, then the cookie the storage model receives as from a non-HTTP
API (`set_a_cookie`). What the jar then does is jar.py's; where the API exists and what the promise gives is
browser.py's.
"""

from __future__ import annotations

import re
from email.utils import formatdate

from e2e.oracle.setcookie import MAX_ATTRIBUTE_VALUE, MAX_NAME_VALUE, SetCookie, parse_cookie_date, parse_set_cookie
from e2e.oracle.sites import is_public_suffix

SAME_SITE = ("strict", "lax", "none")  # the CookieSameSite enumeration; a CookieInit's default is "strict"
_FORBIDDEN = re.compile(r"[;\x00-\x08\x0a-\x1f\x7f]")  # ';' and C0 controls but TAB, and DELETE
_HTTP_PREFIXES = ("__host-http-", "__http-")
_PREFIXES = ("__host-", "__secure-", *_HTTP_PREFIXES)


def cookie_init(line: str) -> dict:
    """The CookieInit a script would pass for the cookie `line` describes: name and value, and domain, path,
    sameSite (lower-cased, as the enumeration spells it), partitioned, expires (epoch milliseconds) and maxAge where
    the line names them (as written, so that the checks meet what the script gave). Secure and HttpOnly have no
    option: every cookie the API writes is Secure and readable by script."""
    sc = parse_set_cookie(line, "a cookieStore.set() line", header=False)
    init: dict = {"name": sc.name, "value": sc.value}
    for attribute, value in sc.raw:
        key = attribute.lower()
        if key in ("domain", "path"):
            init[key] = value
        elif key == "samesite":
            init["sameSite"] = value.lower()
        elif key == "partitioned":
            init["partitioned"] = True
        elif key == "max-age":
            init["maxAge"] = int(value)
        elif key == "expires" and parse_cookie_date(value) is not None:
            init["expires"] = parse_cookie_date(value) * 1000
    return init


def set_a_cookie(init: dict, host: str) -> tuple[SetCookie | None, str]:
    """'set a cookie' for a document on `host`: the cookie the storage model receives (its attribute list as a line:
    Path, Secure and SameSite always), with the rule that made it; or None and the rule of the check that rejects
    the promise with a TypeError."""
    name, value = init["name"].strip(" \t"), init["value"].strip(" \t")
    same_site = init.get("sameSite", "strict")
    if same_site not in SAME_SITE:
        return None, "cookie-store-same-site-enum"
    if _FORBIDDEN.search(name + value) or "=" in name:
        return None, "cookie-store-name-value"
    if not name and ("=" in value or not value or value.lower().startswith(_PREFIXES)):
        return None, "cookie-store-name-value"
    if name.lower().startswith(_HTTP_PREFIXES):
        return None, "cookie-store-prefix"
    if len((name + value).encode()) > MAX_NAME_VALUE:
        return None, "cookie-store-name-value"
    attributes = []
    domain = init.get("domain")
    if domain is not None:
        if domain.startswith(".") or len(domain.encode()) > MAX_ATTRIBUTE_VALUE:
            return None, "cookie-store-domain"
        if name.lower().startswith("__host-"):
            return None, "cookie-store-prefix"
        if domain != host and (not host.endswith("." + domain) or is_public_suffix(domain)):
            return None, "cookie-store-domain"
        attributes.append(f"Domain={domain}")
    if init.get("expires") is not None and init.get("maxAge") is not None:
        return None, "cookie-store-expiry"
    if init.get("maxAge") is not None:
        attributes.append(f"Max-Age={init['maxAge']}")
    path = init.get("path", "/")
    if not path.startswith("/") or len(path.encode()) > MAX_ATTRIBUTE_VALUE:
        return None, "cookie-store-path"
    if path != "/" and name.lower().startswith("__host-"):
        return None, "cookie-store-prefix"
    attributes += [f"Path={path}", "Secure", f"SameSite={same_site.title()}"]
    if init.get("expires") is not None:
        attributes.append(f"Expires={formatdate(init['expires'] / 1000, usegmt=True)}")
    if init.get("partitioned"):
        attributes.append("Partitioned")
    line = "; ".join([f"{name}={value}" if name else value, *attributes])
    return parse_set_cookie(line, "cookieStore.set()", header=False), "cookie-store-set"
