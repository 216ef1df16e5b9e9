"""The example app as a real server process, started the way `make run` starts it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# uvicorn names the port it bound; asking for port 0 leaves no race over a free port.
_LISTENING = re.compile(r"Uvicorn running on (http://127\.0\.0\.1:\d+)")


@dataclass(frozen=True)
class RunningApp:
    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _wait_until_listening(process: subprocess.Popen[bytes], log_path: Path, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = log_path.read_text(encoding="utf-8", errors="replace")
        found = _LISTENING.search(log)
        if found:
            return found.group(1)
        if process.poll() is not None:
            raise AssertionError(f"the example app stopped at start:\n{log}")
        time.sleep(0.05)
    raise AssertionError(
        f"the example app did not listen within {timeout:.0f} s:\n{log_path.read_text()}"
    )


@contextmanager
def example_app(
    folder: Path, *, start_timeout: float = 60.0, port: int = 0, options: Sequence[str] = ()
) -> Iterator[RunningApp]:
    """`python -m example_app --fresh` on its own SQLite file in ``folder``.

    Without a Redis URL the app keeps its limits and used codes in its own process:
    one process is all a browser needs, and no test run shares that state with another.
    """
    env = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    log_path = folder / "example_app.log"
    command = [
        sys.executable,
        "-m",
        "example_app",
        "--port",
        str(port),
        "--database-url",
        f"sqlite:///{folder / 'demo.sqlite3'}",
        "--fresh",
        *options,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        url = _wait_until_listening(process, log_path, start_timeout)
        yield RunningApp(url=url, log_path=log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
