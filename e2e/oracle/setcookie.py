"""Set-Cookie lines: 6265bis §5.6 parsing of any set-cookie-string (name, value, attributes; nameless and empty-name
cookies, names that are not tokens, lines ignored for a control character or their size) and §5.1.1 cookie dates, and
the deletion line the server sends for a login line. What the browser then does with a parsed line (storage,
retrieval) is jar.py's.

The one parser of Set-Cookie lines in the project: the server's tests and the harness read lines through it too.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace

from e2e.oracle.vocabulary import OracleInputError

_CTL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # CTL characters excluding HTAB (§5.6 step 1)
_UNSENDABLE = re.compile(r"[\r\n\x00]")
MAX_ATTRIBUTE_VALUE = 1024  # 6265bis §5.6 step 6 (bytes)
MAX_NAME_VALUE = 4096  # 6265bis §5.6 step 5 (bytes of name plus value)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DATE_DELIMITER = re.compile(r"[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
KNOWN_ATTRIBUTES = ("expires", "max-age", "domain", "path", "secure", "httponly", "samesite", "partitioned")


def parse_cookie_date(text: str) -> float | None:
    """6265bis §5.1.1: a cookie-date as seconds since the epoch, or None when it fails to parse."""
    time_, day, month, year = None, None, None, None
    for token in filter(None, _DATE_DELIMITER.split(text)):
        if time_ is None and (m := re.match(r"^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D.*)?$", token)):
            time_ = tuple(int(g) for g in m.groups())
        elif day is None and (m := re.match(r"^(\d{1,2})(?:\D.*)?$", token)):
            day = int(m[1])
        elif month is None and token[:3].lower() in _MONTHS:
            month = _MONTHS.index(token[:3].lower()) + 1
        elif year is None and (m := re.match(r"^(\d{2,4})(?:\D.*)?$", token)):
            year = int(m[1])
    if None in (time_, day, month, year):
        return None
    year += 1900 if 70 <= year <= 99 else 2000 if year <= 69 else 0
    hour, minute, second = time_
    if not 1 <= day <= 31 or year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    if day > calendar.monthrange(year, month)[1]:
        return None
    return float(calendar.timegm((year, month, day, hour, minute, second)))


@dataclass(frozen=True)
class SetCookie:
    """A set-cookie-string parsed by 6265bis §5.6: name, value and the recognised attributes in order."""

    line: str
    name: str
    value: str
    attributes: tuple[tuple[str, str], ...]  # (lower-case attribute name, processed value), in line order
    raw: tuple[tuple[str, str], ...]  # (attribute name as written, value as written), recognised ones only
    value_span: tuple[int, int] = (0, 0)  # where the value stands in `line`
    ignored: str | None = None  # the rule under which the browser ignores the whole line (§5.6), if it does
    has_equals: bool = True  # the name-value pair holds '=' (without it, §5.6 step 3 makes a nameless cookie)

    def last(self, attribute: str) -> str | None:
        """The value of the last attribute with this name (6265bis §5.7: 'the last attribute ... with that name')."""
        values = [v for a, v in self.attributes if a == attribute]
        return values[-1] if values else None

    def has(self, attribute: str) -> bool:
        """Whether the line holds this (recognised, lower-case) attribute."""
        return any(a == attribute for a, _ in self.attributes)

    def with_value(self, value: str) -> SetCookie:
        """The same cookie with another value (the session id the server puts there)."""
        before, after = self.around_value()
        return replace(self, line=before + value + after, value=value,
                       value_span=(len(before), len(before) + len(value)))  # fmt: skip

    def around_value(self) -> tuple[str, str]:
        """The line before and after its value, byte for byte: the server sends before + session id + after."""
        start, end = self.value_span
        return self.line[:start], self.line[end:]


def _process_attribute(name: str, value: str) -> str | None:
    """6265bis §5.6.1-§5.6.7 (and CHIPS): the attribute's processed value, or None when the cookie-av is ignored."""
    if name == "expires":
        return value if parse_cookie_date(value) is not None else None
    if name == "max-age":
        return value if re.fullmatch(r"-?[0-9]+", value) else None
    if name == "domain":
        return value[1:].lower() if value.startswith(".") else value.lower()
    if name == "path":
        return value if value.startswith("/") else ""  # "": use the default-path
    if name == "samesite":
        return {"none": "None", "strict": "Strict", "lax": "Lax"}.get(value.lower(), "Default")
    return ""


def parse_set_cookie(line: str, what: str = "set_cookie", *, header: bool = True) -> SetCookie:
    """6265bis §5.6 for any set-cookie-string: the cookie the browser receives, or one it ignores (`ignored` names
    the rule). `header`: the line comes as a Set-Cookie header field value, which cannot hold CR, LF or NUL (RFC 9110
    §5.5): such input is an OracleInputError, the only one, since a server cannot send it; from document.cookie
    (`header=False`) those are control characters like the others, and the string is ignored."""
    if not isinstance(line, str):
        raise OracleInputError(f"{what} must be a string (the Set-Cookie value), not {type(line).__name__}")
    if header and _UNSENDABLE.search(line):
        raise OracleInputError(
            f"{what} {line!r} holds CR, LF or NUL, which no Set-Cookie header field value can carry (RFC 9110 "
            "§5.5): a server cannot send it; give the value as one line"
        )
    if _CTL.search(
        line
    ):  # §5.6 step 1; the name is what the line would have named, as an engine that says why names it
        pair = line.partition(";")[0]
        return SetCookie(line, pair.partition("=")[0].strip(" \t") if "=" in pair else "", "", (), (), (0, 0),
                         ignored="cookie-line-ctl")  # fmt: skip
    pair, _, rest = line.partition(";")  # step 2
    if "=" in pair:  # step 3
        raw_name, _, raw_value = pair.partition("=")
        start = len(raw_name) + 1
    else:
        raw_name, raw_value, start = "", pair, 0
    name, value = raw_name.strip(" \t"), raw_value.strip(" \t")  # step 4
    start += len(raw_value) - len(raw_value.lstrip(" \t"))
    if len((name + value).encode()) > MAX_NAME_VALUE:  # step 5
        return SetCookie(line, name, value, (), (), (start, start + len(value)), ignored="cookie-size-limit")
    attributes, raw = [], []
    for av in rest.split(";") if rest else []:
        attr, _, attr_value = av.partition("=")
        attr, attr_value = attr.strip(" \t"), attr_value.strip(" \t")
        if len(attr_value.encode()) > MAX_ATTRIBUTE_VALUE or attr.lower() not in KNOWN_ATTRIBUTES:
            continue  # attribute step 6, and unrecognised attribute names are ignored (step 7)
        processed = _process_attribute(attr.lower(), attr_value)
        if processed is not None:
            attributes.append((attr.lower(), processed))
            raw.append((attr, attr_value))
    return SetCookie(line, name, value, tuple(attributes), tuple(raw), (start, start + len(value)), None, "=" in pair)


def deletion_line(login: SetCookie) -> str:
    """What server.config.CookieConfig.delete_cookie sends for the cookie `login` set."""
    wanted = ("path", "domain", "secure", "httponly", "samesite", "partitioned")
    written = {a.lower(): (a, v) for a, v in login.raw}  # the last of each, as the server has one of each
    parts = [f"{login.name}=", "Max-Age=0", "Expires=Thu, 01 Jan 1970 00:00:00 GMT"]
    for key in wanted:
        if key in written:
            a, v = written[key]
            parts.append(f"{a}={v}" if key in ("path", "domain", "samesite") else a)
    return "; ".join(parts)
