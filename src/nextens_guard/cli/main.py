"""``nextens-guard``: what an office's administrator does on the guard's pages, and what
only an operator does (key rotation, audit export), from the command line.

argparse from the standard library is enough for a handful of subcommands; the rest of
this package is the commands themselves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Sequence

from sqlalchemy.engine import make_url

from ..__about__ import __version__
from ..backend import BackendError
from ..errors import GuardError, ServiceUnavailable
from ..guard import Guard
from .app_loader import APP_ENV, EXAMPLE_APP, build_guard, load_factory
from .commands import COMMANDS, keys_generate, parse_since
from .console import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CliError, operator_id
from .keys import DEFAULT_BATCH_SIZE

__all__ = ["build_parser", "main"]

PROG = "nextens-guard"
EXIT_INTERRUPTED = 130

_DESCRIPTION = """\
Look after the two-step verification of an app guarded by nextens_guard: the status of
offices and users, switching an office group on or off, resetting a user, rotating the
encryption key and exporting the audit trail. Changes are recorded in the audit trail
with the actor cli:<your user name>, like the admin pages record theirs.
"""

_EPILOG = f"""\
The guard's configuration comes from the host app: --app MODULE:CALLABLE (or ${APP_ENV})
names a function that returns the Guard, or its (GuardSettings, AuthBackend). For the
example app, run in the folder you started it from:

  {PROG} --app {EXAMPLE_APP} office status amsterdam

exit codes: 0 done, 1 a part is down or the work is incomplete, 2 a usage error, an
unknown office or user, or a refused confirmation.
"""


def _common_options() -> argparse.ArgumentParser:
    # SUPPRESS, so the options may stand before or after the command without the
    # subcommand's defaults overwriting what was given before it.
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("configuration")
    group.add_argument(
        "--app",
        metavar="MODULE:CALLABLE",
        default=argparse.SUPPRESS,
        help=f"the host's guard factory (default: ${APP_ENV})",
    )
    group.add_argument(
        "--app-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="the folder MODULE is imported from (default: the current folder)",
    )
    group.add_argument(
        "--database-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="use this database instead of the one the factory configures",
    )
    group.add_argument(
        "--redis-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="use this Redis instead of the one the factory configures",
    )
    return common


def _json_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--json", action="store_true", help="print JSON for machines")
    return parent


def _yes_option() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        "-y", "--yes", action="store_true", help="do not ask for confirmation; you are sure"
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    common, as_json, yes = _common_options(), _json_option(), _yes_option()
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=formatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    topics = parser.add_subparsers(dest="topic", metavar="COMMAND", required=True)

    def leaf(
        group: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        summary: str,
        details: str,
        parents: Sequence[argparse.ArgumentParser] = (),
    ) -> argparse.ArgumentParser:
        return group.add_parser(
            name,
            help=summary,
            description=f"{summary}\n\n{details}" if details else summary,
            formatter_class=formatter,
            parents=[common, *parents],
        )

    office = topics.add_parser(
        "office",
        help="an office's two-step verification",
        description="Status of an office; switch two-step verification on or off for its group.",
        parents=[common],
    )
    office_commands = office.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = leaf(
        office_commands,
        "status",
        "whether the office has it on, its office group and its users' state",
        "",
        [as_json],
    )
    status.add_argument("office", metavar="OFFICE", help="the office's id")
    activate = leaf(
        office_commands,
        "activate",
        "switch two-step verification on for the office's whole group",
        "Every office linked to OFFICE is switched on too. Their users set it up at their "
        "next login; nobody is enrolled by this command.",
        [as_json],
    )
    activate.add_argument("office", metavar="OFFICE", help="the office's id")
    deactivate = leaf(
        office_commands,
        "deactivate",
        "switch two-step verification off for the office's whole group",
        "Every office linked to OFFICE is switched off too, and the two-step verification "
        "of every user of the group is destroyed, so a later activation starts clean. "
        "Asks for confirmation unless --yes is given; without a terminal to ask, --yes "
        "is required.",
        [as_json, yes],
    )
    deactivate.add_argument("office", metavar="OFFICE", help="the office's id")

    user = topics.add_parser(
        "user",
        help="a user's two-step verification",
        description="Status of a user; reset a user who lost their phone and reset code; "
        "log a user out everywhere.",
        parents=[common],
    )
    user_commands = user.add_subparsers(dest="action", metavar="ACTION", required=True)
    user_status = leaf(
        user_commands,
        "status",
        "whether the user must use two-step verification and has set it up",
        "",
        [as_json],
    )
    user_status.add_argument("user", metavar="USER", help="the user's username or id")
    reset = leaf(
        user_commands,
        "reset",
        "destroy a user's two-step verification; they set it up again at next login",
        "Their codes and reset code stop working and their verified sessions end on every "
        "app process (with Redis; without it within cache_ttl_seconds). Asks for "
        "confirmation unless --yes is given; without a terminal to ask, --yes is required.",
        [as_json, yes],
    )
    reset.add_argument("user", metavar="USER", help="the user's username or id")
    everywhere = leaf(
        user_commands,
        "logout-everywhere",
        "end every verified session of a user; their phone and reset code stay",
        "Each browser the user is logged in on asks for the code again, on every app "
        "process (with Redis; without it within cache_ttl_seconds). Asks for "
        "confirmation unless --yes is given; without a terminal to ask, --yes is required.",
        [as_json, yes],
    )
    everywhere.add_argument("user", metavar="USER", help="the user's username or id")

    keys = topics.add_parser(
        "keys",
        help="the encryption keys of stored secrets",
        description="Which keys seal the stored secrets; seal them all under the current key.",
        parents=[common],
    )
    key_commands = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    leaf(
        key_commands,
        "status",
        "how many stored values each key seals, and which keys may be removed",
        "The first key of encryption_keys is the current one. Exits 1 when values are "
        "sealed with a key that is not configured.",
        [as_json],
    )
    rotate = leaf(
        key_commands,
        "rotate",
        "seal every stored secret again under the current key",
        "TOTP secrets and reset codes, confirmed and in progress, are opened with the key "
        "that sealed them and sealed again with the current (first) key, in batches, while "
        "the app keeps running. A row the app changes meanwhile keeps the app's values and "
        "is read again. Safe to run again.\n\n"
        "The order: (1) put the new key first in encryption_keys of every app process, "
        "the old key after it, and restart them; (2) run this command; (3) when "
        "'keys status' shows no value under the old key, remove the old key.",
        [as_json],
    )
    rotate.add_argument(
        "--batch-size",
        type=_positive,
        default=DEFAULT_BATCH_SIZE,
        metavar="N",
        help=f"rows per batch (default: {DEFAULT_BATCH_SIZE})",
    )
    key_commands.add_parser(
        "generate",
        help="print a new random 256-bit key, base64 encoded",
        description="Print a new random 256-bit key, base64 encoded, for encryption_keys. "
        "Needs no app and no database.",
    )

    audit = topics.add_parser(
        "audit",
        help="the audit trail of security events",
        description="Export the stored security events.",
        parents=[common],
    )
    audit_commands = audit.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = leaf(
        audit_commands,
        "export",
        "write the security events as JSON lines to standard output",
        "One JSON object per line, oldest first, with the fields of the audit table: id, at, "
        "event, outcome, actor_id, subject_id, office_id, address, detail. Never a secret.",
    )
    export.add_argument(
        "--since",
        type=parse_since,
        metavar="ISO",
        help="only events at or after this date or time (no zone given: UTC)",
    )
    export.add_argument("--office", metavar="OFFICE", help="only events of this office")
    export.add_argument(
        "--user",
        metavar="USER",
        help="only events about this user or done by them (username or id; the id of a "
        "user the app no longer knows)",
    )
    return parser


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def _where(guard: Guard) -> str:
    # The URL may hold a password; the operator still needs to know which one failed.
    try:
        return make_url(guard.settings.database_url).render_as_string(hide_password=True)
    except Exception:
        return "the configured database"


async def _run(args: argparse.Namespace) -> int:
    spec = getattr(args, "app", None) or os.environ.get(APP_ENV)
    if not spec:
        raise CliError(
            f"no app given: pass --app MODULE:CALLABLE or set {APP_ENV} "
            f"(for the example app: --app {EXAMPLE_APP})",
            EXIT_USAGE,
        )
    factory = load_factory(spec, getattr(args, "app_dir", None))
    guard = await build_guard(
        spec,
        factory,
        database_url=getattr(args, "database_url", None),
        redis_url=getattr(args, "redis_url", None),
    )
    try:
        try:
            # Creates the tables in a database the app never used, as the app would.
            await guard.store.setup()
        except ServiceUnavailable as exc:
            raise CliError(f"{exc} ({_where(guard)})") from None
        return await COMMANDS[(args.topic, args.action)](guard, args, operator_id())
    finally:
        with contextlib.suppress(GuardError):
            await guard.shutdown()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (the console script exits with it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # argparse exits by itself for --help, --version and usage errors.
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if (args.topic, getattr(args, "action", None)) == ("keys", "generate"):
        return keys_generate()
    try:
        return asyncio.run(_run(args))
    except CliError as exc:
        print(f"{PROG}: error: {exc.message}", file=sys.stderr)
        return exc.code
    except BackendError as exc:
        print(f"{PROG}: error: the host's backend failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ServiceUnavailable as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except GuardError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of the output went away (`... | head`): nothing more to say, and
        # nothing left to flush into the closed pipe at exit either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
