"""The operator at the command line, next to the example app on the same parts."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

import pytest

from nextens_guard.cli import main
from nextens_guard.cli.console import operator_id
from tests.cli.config import CONFIG_ENV, describe
from tests.support import Parts

APP = "tests.cli.config:guard"


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@dataclass
class Operator:
    """Runs ``nextens-guard`` in this process, configured like the test's app."""

    parts: Parts
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]
    # The app's keys, the current one first; tests rotate by changing them.
    keys: list[tuple[str, bytes]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.keys:
            self.keys = [(self.parts.secrets.key_id, self.parts.secrets.encryption_key)]

    @property
    def actor(self) -> str:
        return operator_id()

    def config(self) -> str:
        return describe(
            database_url=self.parts.database_url,
            redis_url=self.parts.redis_url,
            table_prefix=self.parts.table_prefix,
            key_prefix=self.parts.key_prefix,
            secret_key=self.parts.secrets.guard_secret,
            keys=self.keys,
        )

    def __call__(self, *argv: str, app: str | None = APP) -> Outcome:
        self.monkeypatch.setenv(CONFIG_ENV, self.config())
        self.capsys.readouterr()
        code = main([*(["--app", app] if app else []), *argv])
        out, err = self.capsys.readouterr()
        # Whatever went wrong, the operator reads a sentence, never a traceback.
        assert "Traceback" not in err, err
        return Outcome(code, out, err)


@pytest.fixture
def operator(
    parts: Parts, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Operator:
    return Operator(parts, monkeypatch, capsys)


@pytest.fixture
def embedded_operator(
    embedded: Parts, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Operator:
    return Operator(embedded, monkeypatch, capsys)


@pytest.fixture
def closed_port() -> int:
    """A port on this machine where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
