"""``python -m example_app``: serve the example app on http://127.0.0.1:8000."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from sqlalchemy.engine import make_url

from .app import build_app
from .secrets_file import KEY_FILE_NAME, DevSecrets

DEFAULT_DATABASE = "nextens_guard_demo.sqlite3"


def key_file_for(database_url: str) -> Path:
    """Next to a SQLite database file; in the current folder for a database server."""
    if database_url.startswith("sqlite") and ":///" in database_url:
        path = database_url.split(":///", 1)[1]
        if path and path != ":memory:":
            return Path(path).resolve().parent / KEY_FILE_NAME
    return Path(KEY_FILE_NAME).resolve()


def serving_options(prog: str, description: str | None) -> argparse.ArgumentParser:
    """The options both example apps take on the command line."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--database-url",
        default=f"sqlite:///{DEFAULT_DATABASE}",
        help="SQLite or PostgreSQL URL (default: a SQLite file in the current folder)",
    )
    parser.add_argument(
        "--redis-url",
        help="Redis URL (default: $REDIS_URL; without either, the in-process limiter)",
    )
    parser.add_argument("--fresh", action="store_true", help="recreate the demo data")
    return parser


def described(url: str) -> str:
    """A database or Redis URL as the start-up log shows it: the file, or no password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        where = parsed.database
        shown = str(Path(where).resolve()) if where and where != ":memory:" else "in memory"
        return f"SQLite, {shown}"
    return parsed.render_as_string(hide_password=True)


def prepare(args: argparse.Namespace, *, guarded: bool) -> DevSecrets:
    """Logging, the Redis URL (``--redis-url``, else ``$REDIS_URL``) and the development
    keys next to the database; says at start which database and limiter it uses."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("example_app")
    source = "--redis-url"
    if args.redis_url is None:
        args.redis_url, source = os.environ.get("REDIS_URL") or None, "$REDIS_URL"
    key_file = key_file_for(args.database_url)
    secrets, created = DevSecrets.load_or_create(key_file)
    log.info(
        "development keys %s %s: for this demo only, never for production",
        "generated in" if created else "read from",
        key_file,
    )
    log.info("database: %s", described(args.database_url))
    if not guarded:
        log.info("limiter: none (--no-guard: no two-step verification, no login limits)")
    elif args.redis_url:
        log.info(
            "limiter: Redis at %s (from %s), shared by every process",
            described(args.redis_url),
            source,
        )
    else:
        log.info(
            "limiter: in-process, as no --redis-url or $REDIS_URL is set (fine for one process)"
        )
    return secrets


def main(argv: list[str] | None = None) -> None:
    parser = serving_options("python -m example_app", __doc__)
    parser.add_argument(
        "--no-guard", action="store_true", help="the same app without two-step verification"
    )
    parser.add_argument(
        "--passkeys-origin",
        help="offer passkeys for pages served at this origin, e.g. http://localhost:8000"
        " (a browser takes passkeys on a host name, never on 127.0.0.1)",
    )
    args = parser.parse_args(argv)
    secrets = prepare(args, guarded=not args.no_guard)
    options: dict[str, Any] = {}
    if args.passkeys_origin:
        options = {
            "webauthn_rp_id": urlsplit(args.passkeys_origin).hostname,
            "webauthn_origins": [args.passkeys_origin],
        }
    app = build_app(
        database_url=args.database_url,
        redis_url=args.redis_url,
        secrets=secrets,
        guard=not args.no_guard,
        fresh=args.fresh,
        guard_options=options,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
