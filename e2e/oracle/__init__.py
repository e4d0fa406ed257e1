"""The oracle: what a browser and the server should do with a session cookie, derived from the specifications and
the browsers' documented facts, never from what a browser did. Pure Python: it imports neither Playwright, Flask
nor werkzeug (e2e/oracle/tests/test_purity.py imports it with those blocked).

One algorithm per module, named in the specifications' terms:

| module | what it holds |
|---|---|
| vocabulary | the names every part uses: credentials, modes, CORS policies, SameSite values, steps and requests |
| rules | the rules as data (id, sentence, source) and the one formatter of rule chains |
| sites | origins, registrable domains (Public Suffix List), same-site, secure URLs |
| setcookie | 6265bis §5.6 parsing of Set-Cookie lines, cookie dates, the server's deletion line |
| jar | 6265bis §5.7 storage and §5.8.3 retrieval, with CHIPS and the third-party policies inside |
| cors | Fetch's CORS check and CORS-preflight checks |
| spec | FlowSpec and ServerSpec: one case's inputs, validated |
| server | the one model of server/app.py |
| browser | the one model of the browser: fetch, navigation, document.cookie |
| profiles | what differs between engines, with sources; deviations |
| flow | the matrix's flow, `expect(spec, profile)` |
| scenarios | the attack scenarios on the same browser and server models |
| wpt | WPT's cookie tests as data with provenance, their extractor, the conformance run on the browser model |
"""

from e2e.oracle.browser import Exchange
from e2e.oracle.flow import STEP_FIELDS, FlowExpectation, expect
from e2e.oracle.profiles import CHROMIUM, FIREFOX, PROFILES, BrowserProfile, Deviation, Fact, profile_for
from e2e.oracle.rules import RULES, Rule, chain_lines, chain_text
from e2e.oracle.spec import FlowSpec, ServerSpec
from e2e.oracle.vocabulary import STEPS, OracleInputError

__all__ = [
    "CHROMIUM", "FIREFOX", "PROFILES", "RULES", "STEPS", "STEP_FIELDS", "BrowserProfile", "Deviation", "Exchange",
    "Fact", "FlowExpectation", "FlowSpec", "OracleInputError", "Rule", "ServerSpec", "chain_lines", "chain_text",
    "expect", "profile_for",
]  # fmt: skip
