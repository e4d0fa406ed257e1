"""Nagle's algorithm is turned off on the browsers' protocol connections (see e2e/nodelay.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from e2e.harness.nodelay import accepted_connections, borrowed_socket, descendants, set_nodelay_on_control_connections

LISTENER = """
import socket, sys
server = socket.create_server(("127.0.0.1", 0))
print(server.getsockname()[1], flush=True)
connection, _ = server.accept()
print("accepted", flush=True)
sys.stdin.read()
"""


def is_browser_main(pid: int) -> bool:
    """Whether the process is a browser Playwright launched with a remote-debugging port (Firefox)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"--remote-debugging-port" in f.read()
    except FileNotFoundError:
        return False


def nodelay(pid: int, fd: int) -> bool:
    with borrowed_socket(pid, fd) as sock:
        return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


def test_the_accepted_connection_of_a_child_process_gets_nodelay():
    """A child that accepted a loopback connection with Nagle on has it off afterwards, and only that socket."""
    child = subprocess.Popen([sys.executable, "-c", LISTENER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        port = int(child.stdout.readline())
        with socket.create_connection(("127.0.0.1", port)):
            assert child.stdout.readline() == "accepted\n"
            [fd] = accepted_connections(child.pid)
            assert not nodelay(child.pid, fd)
            assert set_nodelay_on_control_connections([child.pid]) == (1, None)
            assert nodelay(child.pid, fd)
    finally:
        child.stdin.close()
        child.wait(timeout=10)


@pytest.mark.browser_e2e
def test_the_launched_browser_has_no_nagle_on_its_protocol_socket(browser, browser_name):
    """Firefox's WebDriver BiDi socket has TCP_NODELAY; Chromium is driven over a pipe and has no such socket."""
    connections = {pid: accepted_connections(pid) for pid in descendants(os.getpid()) if is_browser_main(pid)}
    if browser_name == "chromium":
        assert not any(connections.values()), connections
        return
    assert any(connections.values()), "Firefox accepted no protocol connection"
    assert all(nodelay(pid, fd) for pid, fds in connections.items() for fd in fds)
