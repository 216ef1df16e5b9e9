"""Redis deployments of the tests' own: a three-node cluster, and a master with a sentinel.

Each runs real ``redis-server`` processes on loopback ports the run owns (see
:mod:`tests.ports`), without persistence, in a temporary folder. A start that fails
stops whatever it had started, so no process outlives its test. A missing binary fails
the tests: a scale-out test that cannot start Redis proves nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
import redis

from tests.ports import LOOPBACK, owned_port

__all__ = ["LocalCluster", "LocalSentinel", "RedisProcess"]

# Long enough for a busy machine; a healthy start takes a fraction of it.
_START_SECONDS = 20.0


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; the cluster and sentinel tests need it")
    return path


def _wait(what: str, missing: Callable[[], str], log: Path | None = None) -> None:
    """Poll ``missing`` (what is not there yet, ``""`` once ready) until it is ready.

    On timeout the failure says what the last poll saw, and the server's log.
    """
    deadline = time.monotonic() + _START_SECONDS
    while seen := missing():
        if time.monotonic() >= deadline:
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            pytest.fail(f"{what} within {_START_SECONDS:.0f} s; last seen: {seen}\n{tail}")
        time.sleep(0.05)


class RedisProcess:
    """One ``redis-server`` (or sentinel) on a loopback port, in ``folder``."""

    def __init__(self, folder: Path, name: str, *, port: int | None = None) -> None:
        self.folder = folder
        self.name = name
        self.port = port if port is not None else owned_port()
        self.log = folder / f"{name}.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, *arguments: str) -> None:
        command = [
            _binary("redis-server"),
            *arguments,
            "--port",
            str(self.port),
            "--bind",
            LOOPBACK,
            "--dir",
            str(self.folder),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ]
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - a fixed command line
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            _wait(f"{self.name} did not answer PING on port {self.port}", self.silence, self.log)
        except BaseException:
            self.stop()
            raise

    def client(self) -> redis.Redis:
        return redis.Redis(host=LOOPBACK, port=self.port, socket_timeout=5)

    def silence(self) -> str:
        """Why a PING is not answered yet; ``""`` once it is."""
        if self._process is None or self._process.poll() is not None:
            pytest.fail(f"{self.name} exited:\n{self.log.read_text(errors='replace')[-2000:]}")
        try:
            with self.client() as client:
                return "" if client.ping() else "no PONG"
        except redis.RedisError as exc:
            return repr(exc)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
        if process is not None:
            process.wait(timeout=10)


class LocalCluster:
    """Three masters, no replicas: every slot covered, as ``redis-cli --cluster`` makes it."""

    def __init__(self, folder: Path, size: int = 3) -> None:
        self.nodes = [RedisProcess(folder, f"cluster-node-{n}") for n in range(size)]

    @property
    def url(self) -> str:
        hosts = ",".join(f"{LOOPBACK}:{node.port}" for node in self.nodes)
        return f"redis+cluster://{hosts}"

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        for node in self.nodes:
            node.start(
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                f"nodes-{node.port}.conf",
                # The bus port is picked free too: port + 10000 may not be.
                "--cluster-port",
                str(owned_port()),
                "--cluster-node-timeout",
                "2000",
            )
        created = subprocess.run(  # noqa: S603 - a fixed command line
            [
                _binary("redis-cli"),
                "--cluster",
                "create",
                *(f"{LOOPBACK}:{node.port}" for node in self.nodes),
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            capture_output=True,
            timeout=60,
            check=False,
        )
        if created.returncode != 0:
            pytest.fail(f"redis-cli --cluster create failed:\n{created.stdout.decode()}")
        _wait("the cluster did not reach cluster_state:ok", self.unready)

    def unready(self) -> str:
        """The nodes whose cluster state is not ``ok`` yet, and what they say."""
        seen = []
        for node in self.nodes:
            with node.client() as client:
                info = client.execute_command("CLUSTER", "INFO")
            text = info.decode() if isinstance(info, bytes) else str(info)
            state = next((line for line in text.splitlines() if "cluster_state" in line), "")
            if state.strip() != "cluster_state:ok":
                seen.append(f"{node.name}: {state.strip() or 'no cluster_state'}")
        return "; ".join(seen)

    def slot_of(self, key: str | bytes) -> int:
        """The slot the server itself gives ``key`` (CLUSTER KEYSLOT)."""
        with self.nodes[0].client() as client:
            return int(client.execute_command("CLUSTER", "KEYSLOT", key))

    def node_of(self, slot: int) -> int:
        """The port of the node that serves ``slot``."""
        with self.nodes[0].client() as client:
            for start, end, master, *_ in client.execute_command("CLUSTER", "SLOTS"):
                if start <= slot <= end:
                    return int(master[1])
        raise AssertionError(f"slot {slot} is not served")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


class LocalSentinel:
    """One master and one sentinel that watches it under ``service``."""

    def __init__(self, folder: Path, service: str = "guardmaster") -> None:
        self.service = service
        self.master = RedisProcess(folder, "sentinel-master")
        self.sentinel = RedisProcess(folder, "sentinel")
        self._config = folder / "sentinel.conf"

    def url(self, *, db: int = 0, hosts: Sequence[int] = ()) -> str:
        ports = hosts or [self.sentinel.port]
        listed = ",".join(f"{LOOPBACK}:{port}" for port in ports)
        return f"redis+sentinel://{listed}/{self.service}/{db}"

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        self.master.start()
        # Sentinel rewrites its configuration file, so it gets one of its own to write.
        self._config.write_text(
            f"sentinel monitor {self.service} {LOOPBACK} {self.master.port} 1\n"
            f"sentinel down-after-milliseconds {self.service} 5000\n",
            encoding="utf-8",
        )
        self.sentinel.start(str(self._config), "--sentinel")
        _wait("the sentinel did not name the master", self.unready)

    def unready(self) -> str:
        """What the sentinel names as master, until it names ours."""
        with self.sentinel.client() as client:
            answer = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", self.service)
        if answer and int(answer[1]) == self.master.port:
            return ""
        return f"master named {answer!r}, expected port {self.master.port}"

    def stop(self) -> None:
        self.sentinel.stop()
        self.master.stop()
