"""The guard factory the CLI tests hand to ``--app``: the example app's backend on the
test's own database, Redis, table and key prefixes and keys, read from one variable."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from typing import Any

from example_app.backend import DemoBackend
from example_app.demo_data import USERS, DemoUser
from example_fastapi_users.guard_backend import FastAPIUsersBackend
from example_fastapi_users.users import Login
from nextens_guard import GuardSettings, GuardUser

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


def fastapi_users_guard() -> tuple[GuardSettings, FastAPIUsersBackend]:
    """The fastapi-users host's backend: ids are UUIDs, usernames e-mail addresses."""
    raw = json.loads(os.environ[CONFIG_ENV])
    return settings_from(raw), FastAPIUsersBackend(Login(raw["secret_key"]))


class IdsOnly:
    """A backend written before ``find_users``: it knows users by their id alone."""

    def __init__(self, backend: object) -> None:
        self._backend = backend

    def __getattr__(self, name: str) -> Any:
        if name == "find_users":
            raise AttributeError(name)
        return getattr(self._backend, name)


def ids_only_guard() -> tuple[GuardSettings, IdsOnly]:
    settings, backend = fastapi_users_guard()
    return settings, IdsOnly(backend)


# Usernames unique per office only: both admins of the linked offices log in as
# "beheer", and bram's username is rosa's id.
OFFICE_USERNAMES = {"anna": "beheer", "uma": "beheer", "bram": "rosa"}


class OfficeNamesBackend(DemoBackend):
    @staticmethod
    def _guard_user(user: DemoUser) -> GuardUser:
        return GuardUser(
            id=user.id,
            username=OFFICE_USERNAMES.get(user.id, user.username),
            office_id=user.office_id,
            display_name=user.display_name,
        )

    async def find_users(self, username: str) -> Sequence[GuardUser]:
        users = [self._guard_user(user) for user in USERS]
        return [user for user in users if user.username == username]


def office_names_guard() -> tuple[GuardSettings, OfficeNamesBackend]:
    return settings_from(json.loads(os.environ[CONFIG_ENV])), OfficeNamesBackend()


class WithoutRosa(DemoBackend):
    """The demo backend after the host removed rosa."""

    async def get_user(self, user_id: str) -> GuardUser | None:
        return None if user_id == "rosa" else await super().get_user(user_id)

    async def find_users(self, username: str) -> Sequence[GuardUser]:
        return [user for user in await super().find_users(username) if user.id != "rosa"]


def without_rosa_guard() -> tuple[GuardSettings, WithoutRosa]:
    return settings_from(json.loads(os.environ[CONFIG_ENV])), WithoutRosa()


def not_a_factory() -> str:
    return "a string, not a guard"


def failing_factory() -> None:
    raise RuntimeError("GUARD_KEY_K1 is not set")


NOT_CALLABLE = 42
