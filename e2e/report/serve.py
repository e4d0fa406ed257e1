"""Serving the report: its folder over loopback together with the trace viewer that ships inside the installed
Playwright, so that trace links open. Building the report is build.py's.

    python -m e2e.report.serve [REPORT_DIR] [--port 9323]     (./cm serve)

The report's trace links point at /trace-viewer/index.html?trace=<the trace's URL> when the page is served.
Only loopback is bound; stop with Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import playwright

from server.hosts import in_background

TRACE_VIEWER = Path(playwright.__file__).parent / "driver" / "package" / "lib" / "vite" / "traceViewer"
PREFIX = "/trace-viewer/"


class _Handler(SimpleHTTPRequestHandler):
    """The report folder at /, the trace viewer's static files under /trace-viewer/."""

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if clean.startswith(PREFIX):
            relative = clean[len(PREFIX) :] or "index.html"
            target = (TRACE_VIEWER / relative).resolve()
            return str(target) if target.is_relative_to(TRACE_VIEWER.resolve()) else str(TRACE_VIEWER / "missing")
        return super().translate_path(path)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serving(report_dir: Path, port: int = 0) -> Iterator[str]:
    """Serve `report_dir` and the trace viewer on 127.0.0.1:`port` (0: the OS picks); yields the base URL."""
    if not TRACE_VIEWER.is_dir():
        raise FileNotFoundError(f"the installed Playwright has no trace viewer at {TRACE_VIEWER}")
    handler = functools.partial(_Handler, directory=str(report_dir))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    with in_background(server):
        yield f"http://127.0.0.1:{server.server_port}/"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.report.serve", description="serve the report and its traces")
    parser.add_argument("report_dir", nargs="?", default="report")
    parser.add_argument("--port", type=int, default=9323)
    args = parser.parse_args(argv)
    report = Path(args.report_dir)
    if not (report / "index.html").exists():
        parser.error(f"{report}/index.html does not exist: run ./cm matrix first, or name the report folder")
    with serving(report, args.port) as url:
        print(f"report: {url}index.html  (trace viewer under {url}trace-viewer/; Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
