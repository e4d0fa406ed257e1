"""The case and the deliberately wrong profile that the can-fail tests (e2e/tests/test_can_fail.py, and the probes that
e2e/tests/test_tracing.py runs) hold a real browser to."""

from dataclasses import replace

from e2e.cases import Case
from e2e.oracle.profiles import BrowserProfile, Fact
from server.config import CookieConfig

# Cross-site, credentials included, SameSite unset: whether it is stored hangs on Lax-by-default alone.
CASE = Case("core", "include", "cross_site-https", CookieConfig(samesite=None, secure=True, partitioned=True))


def flipped_lax_by_default(profile: BrowserProfile) -> BrowserProfile:
    """The profile with its Lax-by-default fact flipped and no deviations: deliberately wrong."""
    return replace(profile, lax_by_default=Fact(not profile.lax_by_default.value, "deliberately wrong"), deviations=())


# Cross-site, credentials included, SameSite=Lax: refused by every engine, each saying why.
REFUSED = Case("core", "include", "cross_site-https", CookieConfig(samesite="Lax", secure=True))


def wrong_table(table: dict, engine: str, kind: str, *, drop: bool) -> dict:
    """The engines' table with every `kind` reason of `engine` mapped to a rule that never refuses a login's cookie
    (cookie-path-match), or, with `drop`, missing: deliberately wrong."""
    out = {}
    for key, mapping in table.items():
        if key[:2] != (engine, kind):
            out[key] = mapping
        elif not drop:
            out[key] = replace(mapping, rules=frozenset({"cookie-path-match"}), source="deliberately wrong")
    return out
