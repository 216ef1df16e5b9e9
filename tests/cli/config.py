"""The guard factory the CLI tests hand to ``--app``: the example app's backend on the
test's own database, Redis, table and key prefixes and keys, read from one variable."""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from example_app.backend import DemoBackend
from nextens_guard import GuardSettings

CONFIG_ENV = "NEXTENS_GUARD_TEST_CLI"


def describe(
    *,
    database_url: str,
    redis_url: str | None,
    table_prefix: str,
    key_prefix: str,
    secret_key: str,
    keys: list[tuple[str, bytes]],
) -> str:
    return json.dumps(
        {
            "database_url": database_url,
            "redis_url": redis_url,
            "table_prefix": table_prefix,
            "key_prefix": key_prefix,
            "secret_key": secret_key,
            "keys": [[key_id, base64.b64encode(key).decode("ascii")] for key_id, key in keys],
        }
    )


def settings_from(raw: dict[str, Any]) -> GuardSettings:
    return GuardSettings(
        secret_key=raw["secret_key"],
        encryption_keys={key_id: base64.b64decode(key) for key_id, key in raw["keys"]},
        database_url=raw["database_url"],
        redis_url=raw["redis_url"],
        table_prefix=raw["table_prefix"],
        key_prefix=raw["key_prefix"],
    )


def guard() -> tuple[GuardSettings, DemoBackend]:
    return settings_from(json.loads(os.environ[CONFIG_ENV])), DemoBackend()


def not_a_factory() -> str:
    return "a string, not a guard"


def failing_factory() -> None:
    raise RuntimeError("GUARD_KEY_K1 is not set")


NOT_CALLABLE = 42
