"""Turn off Nagle's algorithm on the browsers' remote-protocol TCP connections (Firefox's WebDriver BiDi).

Firefox's remote agent writes its WebDriver BiDi messages to a WebSocket whose accepted TCP socket keeps
Nagle's algorithm (RFC 896): after a page's fetch it sends several small network events in a row, and each
later message waits for the ACK of the earlier ones, which Linux delays by 40 ms (RFC 1122 section 4.2.3.2
allows up to 500 ms). Every `page.evaluate` that made a request therefore returned about 45 ms late; measured
here, a one-fetch evaluate took 50 ms instead of 14 ms. Playwright drives Chromium over a pipe, so only
Firefox has such a connection.

The fix duplicates the browser's socket into this process with pidfd_getfd(2) (Linux 5.6; allowed for a
process's own descendants under Yama ptrace_scope 1, and for root) and sets TCP_NODELAY on it, which changes
the socket itself, not this copy. Nothing on the machine changes. Where that is not possible the run is
slower, not different: `without_nagle` warns and says why.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import socket
import warnings
from collections.abc import Callable, Iterator
from typing import TypeVar

_SYS_PIDFD_GETFD = 438  # the same number on every Linux architecture (new syscalls share one table)
_LISTEN, _ESTABLISHED = "0A", "01"
T = TypeVar("T")


def _children() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            parent = int(stat[stat.rfind(")") + 2 :].split()[1])
            out.setdefault(parent, []).append(int(entry))
    return out


def descendants(root: int) -> list[int]:
    """Every process below `root`."""
    children, found, todo = _children(), [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _sockets(pid: int) -> dict[str, int]:
    """The process's socket inodes and their file descriptors."""
    out = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            out[target[8:-1]] = int(fd)
    return out


def _tcp(pid: int) -> list[tuple[int, str, str]]:
    """(local port, state, inode) of the TCP sockets in the process's network namespace."""
    rows = []
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            rows.append((int(fields[1].rsplit(":", 1)[1], 16), fields[3], fields[9]))
    return rows


def accepted_connections(pid: int) -> list[int]:
    """File descriptors of the connections the process accepted on its own listening TCP sockets."""
    mine = _sockets(pid)
    table = [row for row in _tcp(pid) if row[2] in mine]
    listening = {port for port, state, _ in table if state == _LISTEN}
    return [mine[inode] for port, state, inode in table if state == _ESTABLISHED and port in listening]


@contextlib.contextmanager
def borrowed_socket(pid: int, fd: int) -> Iterator[socket.socket]:
    """Another process's socket, duplicated into this one; options set on it change that socket."""
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    try:
        copy = libc.syscall(_SYS_PIDFD_GETFD, pidfd, fd, 0)
        if copy < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
    finally:
        os.close(pidfd)
    with socket.socket(fileno=copy) as sock:  # closing the copy leaves the other process's descriptor open
        yield sock


def _set_nodelay(pid: int, fd: int) -> None:
    with borrowed_socket(pid, fd) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def set_nodelay_on_control_connections(processes: list[int]) -> tuple[int, str | None]:
    """Set TCP_NODELAY on the protocol connections that these browser processes accepted; (count, why not)."""
    count = 0
    for pid in processes:
        try:
            for fd in accepted_connections(pid):
                _set_nodelay(pid, fd)
                count += 1
        except FileNotFoundError:
            continue  # the process ended meanwhile
        except OSError as error:
            if error.errno in (errno.EPERM, errno.EACCES, errno.ENOSYS):
                return count, (
                    f"cannot reach the browser's sockets ({error.strerror}); each page call that makes "
                    "a request waits for a delayed ACK, so Firefox runs slower (not differently)"
                )
            raise
    return count, None


def without_nagle(start: Callable[[], T]) -> T:
    """Start a browser with `start()`, then turn off Nagle's algorithm on its new protocol connections."""
    before = set(descendants(os.getpid()))
    started = start()
    _, why = set_nodelay_on_control_connections([p for p in descendants(os.getpid()) if p not in before])
    if why:
        warnings.warn(why, stacklevel=2)
    return started
