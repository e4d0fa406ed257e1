"""The oracle is pure: every module of e2e/oracle imports with Playwright, Flask and werkzeug made unimportable,
and the matrix's data and the launch settings import no TLS or server code."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import e2e.oracle

ROOT = Path(__file__).resolve().parents[3]
BLOCKER = """
import importlib.abc, sys
BLOCKED = {blocked!r}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{{name}} is blocked: this module must not import it")
sys.meta_path.insert(0, Block())
"""


def run_blocked(blocked: tuple[str, ...], code: str) -> subprocess.CompletedProcess:
    script = BLOCKER.format(blocked=blocked) + code
    return subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_every_oracle_module_imports_without_playwright_flask_or_werkzeug():
    modules = sorted(
        m.name for m in pkgutil.walk_packages(e2e.oracle.__path__, "e2e.oracle.") if ".tests" not in m.name
    )
    assert len(modules) >= 15 and "e2e.oracle.wpt.conformance" in modules, modules
    code = "import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "from e2e.oracle import expect, FlowSpec, ServerSpec, CHROMIUM\n"
    code += (
        "expect(FlowSpec('https://a.test', 'https://b.test', ServerSpec('sid=x; Secure; SameSite=None')), CHROMIUM)\n"
    )
    run = run_blocked(("playwright", "flask", "werkzeug", "server"), code)
    assert run.returncode == 0, run.stderr


def test_the_matrix_data_and_the_launch_settings_import_no_tls_or_server_code():
    """e2e/cases.py and playwright.config.py read the named origins as pure data (server/origins.py)."""
    code = (
        "import importlib.util\n"
        "import e2e.cases\n"
        "spec = importlib.util.spec_from_file_location('c', 'playwright.config.py')\n"
        "spec.loader.exec_module(importlib.util.module_from_spec(spec))\n"
        "import sys\n"
        "assert 'server.hosts' not in sys.modules and 'server.app' not in sys.modules, sorted(sys.modules)\n"
    )
    run = run_blocked(("playwright", "flask", "werkzeug", "trustme", "ssl"), code)
    assert run.returncode == 0, run.stderr


def test_a_blocked_import_is_really_refused():
    """The check can fail: a module that imports Flask is refused under the same blocker."""
    run = run_blocked(("flask",), "import server.app\n")
    assert run.returncode != 0 and "flask is blocked" in run.stderr
