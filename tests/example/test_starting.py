"""What `make run` and `python -m example_app` say at start, and what git leaves alone."""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from example_app.__main__ import prepare, serving_options

ROOT = Path(__file__).resolve().parents[2]
_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:\d+")


def started(folder: Path, env: dict[str, str], *args: str) -> str:
    """The log of ``python -m example_app`` started in ``folder`` until it listens."""
    log_path = folder / "example_app.log"
    command = [sys.executable, "-m", "example_app", "--port", "0", *args]
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if _LISTENING.search(log_path.read_text(errors="replace")):
                break
            time.sleep(0.05)
        return log_path.read_text(errors="replace")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_make_run_starts_on_sqlite_and_the_in_process_limiter_and_says_so(
    tmp_path: Path,
) -> None:
    """`make run` starts the app without REDIS_URL and DATABASE_URL, whatever the shell has."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env["PYTHONPATH"] = str(ROOT)
    log = started(tmp_path, env)
    assert _LISTENING.search(log), log
    database = tmp_path / "nextens_guard_demo.sqlite3"
    assert f"database: SQLite, {database}" in log
    assert "limiter: in-process" in log
    assert database.exists()


@pytest.fixture
def log_lines(
    caplog: pytest.LogCaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> pytest.LogCaptureFixture:
    monkeypatch.chdir(tmp_path)
    caplog.set_level(logging.INFO, logger="example_app")
    return caplog


def parsed(*argv: str) -> argparse.Namespace:
    return serving_options("python -m example_app", None).parse_args(list(argv))


def test_a_redis_url_from_the_shell_is_named_as_such_without_its_password(
    log_lines: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://:hunter2@127.0.0.1:6379/5")
    args = parsed()
    prepare(args, guarded=True)
    assert args.redis_url == "redis://:hunter2@127.0.0.1:6379/5"
    assert "limiter: Redis at redis://:***@127.0.0.1:6379/5 (from $REDIS_URL)" in log_lines.text
    assert "hunter2" not in log_lines.text


def test_the_redis_url_option_wins_over_the_shell(
    log_lines: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    args = parsed("--redis-url", "redis://127.0.0.1:6379/6")
    prepare(args, guarded=True)
    assert args.redis_url == "redis://127.0.0.1:6379/6"
    assert "(from --redis-url)" in log_lines.text


def test_a_postgresql_database_is_named_without_its_password(
    log_lines: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    prepare(parsed("--database-url", "postgresql://app:hunter2@db/nextens"), guarded=True)
    assert "database: postgresql://app:***@db/nextens" in log_lines.text
    assert "limiter: in-process" in log_lines.text
    assert "hunter2" not in log_lines.text


def test_git_leaves_the_demo_database_and_its_journal_files_alone() -> None:
    names = [
        "nextens_guard_demo.sqlite3",
        "nextens_guard_demo.sqlite3-journal",
        "nextens_guard_demo.sqlite3-wal",
        "nextens_guard_demo.sqlite3-shm",
        "nextens_guard_dev.key",
    ]
    ignored = subprocess.run(  # noqa: S603 - git with our own arguments
        ["git", "check-ignore", "--no-index", *names],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ignored.stdout.split() == names
