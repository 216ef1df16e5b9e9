"""What every command shares: exit codes, the one error type, confirmations, who acts."""

from __future__ import annotations

import getpass
import json
import os
import sys
from typing import Any

__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliError",
    "confirm",
    "emit_json",
    "operator_id",
    "say",
]

EXIT_OK = 0
# Something the operator cannot fix on the command line: a database or Redis that is
# down, a host backend that fails, values no configured key opens.
EXIT_FAILED = 1
# Something the operator can fix on the command line: a wrong option, an unknown
# office or user, a refused confirmation. argparse uses 2 for its errors too.
EXIT_USAGE = 2

_YES = frozenset({"y", "yes", "j", "ja"})


class CliError(Exception):
    """A clear message for the operator and the exit code that goes with it; no traceback."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def say(text: str = "") -> None:
    print(text, file=sys.stdout)


def emit_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, sort_keys=True), file=sys.stdout)


def operator_id() -> str:
    """The actor of the audit events this command records: ``cli:<os user>``."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError, ImportError):
        # A container may run under a uid without a name.
        name = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"cli:{name}"


def confirm(what: str, *, yes: bool) -> None:
    """Go on only when ``--yes`` was given or the operator at the terminal says so."""
    if yes:
        return
    print(what, file=sys.stderr)
    if not sys.stdin.isatty():
        raise CliError(
            "not confirmed: pass --yes to confirm (there is no terminal to ask); nothing changed",
            EXIT_USAGE,
        )
    print("Continue? [y/N] ", end="", file=sys.stderr, flush=True)
    if sys.stdin.readline().strip().lower() not in _YES:
        raise CliError("not confirmed; nothing changed", EXIT_USAGE)
