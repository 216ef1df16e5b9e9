"""Loopback ports a test run owns from the moment it picks them until it ends.

A port found free by binding port 0 comes from the kernel's ephemeral range, which the
kernel hands to every outgoing connection too, the tests' own clients included: between
the probe and a server's bind, or while a server restarts on it, such a port can be
taken ("Address already in use"). So ports come from just below that range, where the
kernel never picks one by itself, and each is held by a lock file, so that two test runs
on one machine never pick the same one. The lock goes with the process, however it ends.

Servers the tests start themselves from Python (uvicorn) bind port 0 and report what
they got instead; this is for programs that must be told their port (``redis-server``,
its cluster bus) and for servers that come back on the same port.
"""

from __future__ import annotations

import contextlib
import fcntl
import secrets
import socket
import tempfile
from pathlib import Path
from typing import IO

__all__ = ["LOOPBACK", "owned_port"]

LOOPBACK = "127.0.0.1"
# Below the ephemeral range; Linux's default starts at 32768, other systems' higher.
_SPAN = 10_000
_LOCKS = Path(tempfile.gettempdir()) / "nextens-guard-test-ports"
_held: list[IO[bytes]] = []


def _ephemeral_start() -> int:
    with contextlib.suppress(OSError, ValueError, IndexError):
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text(encoding="ascii")
        return int(text.split()[0])
    return 49_152


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As redis-server binds: a port with connections in TIME_WAIT is still usable.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def owned_port() -> int:
    """A loopback port nothing listens on, kept from other runs until this one ends."""
    _LOCKS.mkdir(exist_ok=True)
    top = _ephemeral_start()
    bottom = max(top - _SPAN, 1_024)
    ports = list(range(bottom, top))
    # A random start keeps concurrent runs from queueing on the same locks.
    start = secrets.randbelow(len(ports))
    for port in ports[start:] + ports[:start]:
        lock = (_LOCKS / f"{port}.lock").open("ab")
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            continue
        if not _bindable(port):
            lock.close()
            continue
        _held.append(lock)
        return port
    raise RuntimeError(f"no loopback port free between {bottom} and {top}")
