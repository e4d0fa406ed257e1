"""A page framed by another (FlowSpec.embed_in): the site for cookies of a framed document, partition keys by the
top-level site, the Storage Access API, a logout in another partition, and the spec's checks of the frame fields;
each test an example from 6265bis, CHIPS, the Storage Access API or WPT."""

from __future__ import annotations

import pytest

from e2e.oracle.flow import expect
from e2e.oracle.profiles import CHROMIUM, FIREFOX
from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.tests.examples import API_A, API_B, APP, APP_HTTP, NONE_SECURE, NOW, PARTITIONED
from e2e.oracle.vocabulary import OracleInputError

PORTAL = "https://portal.site-d.test:8443"  # a partner's page on another site
SHOP = "https://shop.site-e.test:8443"  # a second partner, on a third site
WWW = "https://www.site-a.test:8443"  # a page of the app's own site
LAX = "sid=X; Path=/; Secure; HttpOnly; SameSite=Lax"


def framed(embed_in=PORTAL, api=APP, line=NONE_SECURE, profile=CHROMIUM, third_party=None, **spec):
    """The expectation of the flow from the client on APP framed by `embed_in`."""
    server = ServerSpec(set_cookie=line, cors="allowlist", logout_set_cookie=spec.pop("logout", None))
    return expect(FlowSpec(APP, api, server, "include", third_party=third_party, embed_in=embed_in, **spec), profile,
                  now=NOW)  # fmt: skip


def test_a_cross_site_frame_is_cross_site_even_to_its_own_origin():
    """6265bis §5.2.1: a document framed by another site has no site for cookies, so a Lax cookie from its own origin
    is refused, in every profile (WPT cookies/samesite/iframe.https.html: Lax and Strict are not sent to a cross-site
    frame)."""
    for profile in (CHROMIUM, FIREFOX):
        f = framed(line=LAX, profile=profile, third_party="allowed")
        assert f.steps["login"].cookie_stored is False, profile.name
        assert {"frame-site-for-cookies", "samesite-cross-site-store"} <= set(f.steps["login"].reasons)


def test_a_same_site_frame_keeps_its_lax_session():
    """6265bis §5.2.1: framed by a page of its own site, the document's site for cookies is that site."""
    f = framed(embed_in=WWW, line=LAX)
    assert f.steps["me"].authenticated is True
    assert "frame-site-for-cookies" not in f.steps["me"].reasons


def test_a_same_site_frame_calling_a_cross_site_api_is_a_third_party():
    """6265bis §5.2.1 and the profile's policy: the API on another site than the top-level page's is a third party,
    whose unpartitioned cookie Chromium's off-the-record context blocks."""
    f = framed(embed_in=WWW, api=API_B)
    assert f.steps["login"].cookie_stored is False
    assert "third-party-cookies" in f.steps["login"].reasons


@pytest.mark.parametrize("profile, policy", [(CHROMIUM, None), (CHROMIUM, "blocked"), (FIREFOX, "blocked")])
def test_only_partitioned_keeps_the_session_where_third_party_cookies_are_blocked(profile, policy):
    """CHIPS §2.2: a Partitioned cookie is kept under the top-level site where unpartitioned third-party cookies are
    blocked (Chromium spares it; Firefox's cookieBehavior 1 spares nothing: its profile says so)."""
    plain, partitioned = framed(profile=profile, third_party=policy), framed(line=PARTITIONED, profile=profile,
                                                                            third_party=policy)  # fmt: skip
    assert plain.steps["me"].authenticated is False
    spared = profile.under_third_party_setting(policy).blocking_spares_partitioned.value
    assert partitioned.steps["me"].authenticated is spared
    if spared:
        assert partitioned.stored_cookie["partition_key"] == "https://site-d.test"


def test_total_cookie_protection_keys_a_framed_cookie_by_the_embedder():
    """Firefox's default (cookieBehavior 5): the frame's unpartitioned cookie lands in the embedder's partition."""
    f = framed(profile=FIREFOX)
    assert f.steps["me"].authenticated is True
    assert "third-party-partitioned" in f.steps["login"].reasons


def test_a_second_embedder_does_not_see_the_first_ones_partition():
    """CHIPS §2.2: the same client framed by another site reads another partition; top-level, the first-party jar."""
    for second_embed in (SHOP, None):
        f = framed(line=PARTITIONED, reread_from=APP, reread_embed_in=second_embed)
        assert f.steps["me"].authenticated is True
        assert f.steps["reread"].cookie_sent is False and f.steps["reread"].server_status == 401


def test_a_deletion_without_partitioned_leaves_the_partitioned_cookie():
    """CHIPS §2.2 and 6265bis §5.7 step 23: the deletion line names another cookie (the unpartitioned one), so the
    partitioned session cookie stays in the jar after logout, while the server ended the session."""
    kept = framed(line=PARTITIONED, logout=NONE_SECURE.replace("sid=X", "sid=") + "; Max-Age=0")
    assert kept.steps["logout"].authenticated is True and kept.steps["logout"].cookie_stored is True
    gone = framed(line=PARTITIONED)
    assert gone.steps["logout"].cookie_stored is False


def test_a_logout_from_another_partition_leaves_the_session():
    """CHIPS §2.2: from under a second embedder the frame sends no cookie, so the server cannot end the session, and
    the first embedder's frame is still logged in."""
    f = framed(line=PARTITIONED, reread_from=APP, reread_embed_in=SHOP, logout_from_second=True)
    assert f.steps["logout"].cookie_sent is False and f.steps["logout"].server_status == 401
    assert f.steps["reread"].authenticated is True


def test_storage_access_brings_the_first_party_cookie_into_the_frame():
    """Storage Access API #determine-the-initial-storage-access-eligibility: after a granted request, the frame's
    requests to its own origin carry the cookie set top-level; hasStorageAccess() turns true only then
    (#dom-document-hasstorageaccess)."""
    granted = framed(login_top_level=True, storage_access="granted")
    assert granted.steps["login"].reasons[0] != "frame-top-level-site"  # top-level: no frame
    assert granted.storage_access == "granted" and granted.has_access == (False, True)
    assert granted.steps["me"].authenticated is True and "storage-access-requests" in granted.steps["me"].reasons
    for access in ("denied", "none"):
        f = framed(login_top_level=True, storage_access=access)
        assert f.steps["me"].authenticated is False, access
    assert framed(login_top_level=True, storage_access="denied").has_access == (False, False)


def test_storage_access_reaches_only_the_frames_own_origin():
    """Storage Access API #determine-the-initial-storage-access-eligibility: a request to another origin, even of the
    frame's own site, is ineligible."""
    f = framed(api=API_A, storage_access="granted")
    assert f.storage_access == "granted"
    assert f.steps["login"].cookie_stored is False
    assert "storage-access-requests" not in f.steps["login"].reasons


def test_firefox_lifts_storage_access_to_every_origin_of_the_frames_site():
    """Firefox's AntiTrackingUtils.cpp GetStoragePermissionStateInParent gives a granted frame's requests to a resource
    same-site to it its unpartitioned cookies (its profile's deviation): the API on another host of the frame's site
    gets the cookie set top-level, where Chromium keeps to the draft's same-origin eligibility; another site's API gets
    nothing in either."""
    firefox = framed(api=API_A, profile=FIREFOX, login_top_level=True, storage_access="granted")
    assert firefox.steps["me"].authenticated is True
    assert "storage-access-same-site-requests" in firefox.steps["me"].reasons
    assert firefox.deviations == ("storage-access-same-site-requests",)
    chromium = framed(api=API_A, login_top_level=True, storage_access="granted", third_party="blocked")
    assert chromium.steps["me"].authenticated is False and chromium.deviations == ()
    other_site = framed(api=API_B, profile=FIREFOX, login_top_level=True, storage_access="granted")
    assert other_site.steps["me"].authenticated is False
    assert "storage-access-requests" not in other_site.steps["me"].reasons


def test_storage_access_does_not_lift_samesite():
    """The frame stays cross-site (6265bis §5.2.1): a Lax cookie is still refused with access granted."""
    f = framed(line=LAX, storage_access="granted")
    assert f.storage_access == "granted" and f.steps["login"].cookie_stored is False


def test_a_same_site_frame_and_allowed_third_party_cookies_need_no_permission():
    """#dom-document-requeststorageaccess: a same-site frame, and a browser whose settings allow the frame its
    cookies ('determine whether the user agent explicitly allows unpartitioned cookie access'), resolve unasked,
    whatever the permission would say; hasStorageAccess() is true before."""
    same = framed(embed_in=WWW, storage_access="denied")
    assert same.storage_access == "granted" and same.has_access == (True, True)
    assert "storage-access-same-site" in same.storage_reasons
    allowed = framed(third_party="allowed", storage_access="denied")
    assert allowed.storage_access == "granted" and allowed.has_access == (True, True)
    assert "storage-access-explicit-allow" in allowed.storage_reasons


def test_storage_access_needs_a_secure_context():
    """#dom-document-requeststorageaccess: a document that is no secure context is refused."""
    spec = FlowSpec(APP_HTTP, APP_HTTP, ServerSpec("sid=X; Path=/"), "include", embed_in=PORTAL,
                    storage_access="granted")  # fmt: skip
    f = expect(spec, CHROMIUM, now=NOW)
    assert f.storage_access == "denied" and f.has_access == (False, False)
    assert "storage-access-secure-context" in f.storage_reasons


def test_each_step_runs_in_its_document():
    """FlowSpec.document_of: login top-level with login_top_level, the rest in the frame; logout and the reread swap
    with logout_from_second."""
    server = ServerSpec("sid=X")
    spec = FlowSpec(APP, APP, server, embed_in=PORTAL, login_top_level=True, reread_from=APP, reread_embed_in=SHOP,
                    logout_from_second=True, storage_access="granted")  # fmt: skip
    tops = {step: (top.host if top else None) for step, (_, top) in map(lambda s: (s, spec.document_of(s)),
                                                                       spec.steps)}  # fmt: skip
    assert tops == {"login": None, "me": "portal.site-d.test", "list": "portal.site-d.test",
                    "create": "portal.site-d.test", "logout": "shop.site-e.test",
                    "reread": "portal.site-d.test"}  # fmt: skip
    assert spec.asks_storage_access_before == "me"


@pytest.mark.parametrize(
    "fields, message",
    [
        pytest.param({"embed_in": APP}, "another origin", id="framed_by_itself"),
        pytest.param({"storage_access": "granted"}, "storage_access needs embed_in", id="access_unframed"),
        pytest.param({"login_top_level": True}, "login_top_level needs embed_in", id="top_level_unframed"),
        pytest.param({"login_top_level": "yes", "embed_in": PORTAL}, "True or False", id="not_a_bool"),
        pytest.param({"reread_embed_in": SHOP}, "reread_embed_in needs reread_from", id="second_embedder_alone"),
        pytest.param({"logout_from_second": True}, "logout_from_second needs reread_from", id="logout_nowhere"),
        pytest.param({"embed_in": PORTAL, "storage_access": "maybe"}, "storage_access must be one of", id="enum"),
        pytest.param(
            {"embed_in": PORTAL, "reread_from": APP, "reread_embed_in": PORTAL}, "second page", id="same_document_twice"
        ),
        pytest.param({"embed_in": PORTAL, "login": "form", "body": "form"}, "logs in by fetch", id="form_in_frame"),
    ],
)
def test_the_frame_fields_are_checked(fields, message):
    """Impossible frame combinations are refused with a message that says what to change."""
    with pytest.raises(OracleInputError, match=message):
        FlowSpec(APP, APP, ServerSpec("sid=X"), "include", **fields)
