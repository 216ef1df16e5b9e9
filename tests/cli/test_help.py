"""Every command explains itself; a wrong command line says what is wrong and exits 2."""

from __future__ import annotations

import base64

import pytest

from nextens_guard import __version__
from nextens_guard.cli import main

COMMANDS = [
    ([], "office"),
    (["office"], "status"),
    (["office", "status"], "OFFICE"),
    (["office", "activate"], "whole group"),
    (["office", "deactivate"], "--yes"),
    (["user"], "reset"),
    (["user", "status"], "USER"),
    (["user", "reset"], "--yes"),
    (["keys"], "rotate"),
    (["keys", "status"], "removed"),
    (["keys", "rotate"], "--batch-size"),
    (["keys", "generate"], "base64"),
    (["audit"], "export"),
    (["audit", "export"], "--since"),
]


@pytest.mark.parametrize(("command", "mentions"), COMMANDS, ids=lambda c: " ".join(c) or "-")
def test_every_command_explains_itself_with_help(
    command: list[str], mentions: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: nextens-guard {' '.join(command)}".rstrip())
    assert mentions in out


def test_the_main_help_shows_how_to_point_it_at_the_example_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "--app example_app.cli_config:guard office status amsterdam" in out
    assert "NEXTENS_GUARD_APP" in out


def test_version_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"nextens-guard {__version__}"


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["office"],
        ["office", "status"],
        ["office", "explode", "amsterdam"],
        ["user", "reset"],
        ["audit", "export", "--since", "yesterday"],
        ["keys", "rotate", "--batch-size", "0"],
    ],
    ids=lambda c: " ".join(c) or "-",
)
def test_a_wrong_command_line_says_what_is_wrong_and_exits_2(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(command) == 2
    err = capsys.readouterr().err
    assert "usage: nextens-guard" in err
    assert "error:" in err


def test_without_an_app_the_operator_is_told_how_to_name_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEXTENS_GUARD_APP", raising=False)
    assert main(["office", "status", "amsterdam"]) == 2
    err = capsys.readouterr().err
    assert "--app MODULE:CALLABLE" in err
    assert "NEXTENS_GUARD_APP" in err


def test_keys_generate_prints_a_fresh_256_bit_key_without_any_app(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["keys", "generate"]) == 0
    first = capsys.readouterr().out.strip()
    assert main(["keys", "generate"]) == 0
    second = capsys.readouterr().out.strip()
    assert len(base64.b64decode(first, validate=True)) == 32
    assert first != second
