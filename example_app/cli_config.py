"""The example app's guard, for the operator command line::

    nextens-guard --app example_app.cli_config:guard office status amsterdam

It reads what ``python -m example_app`` started in the same folder uses: the SQLite file
in the current folder (or ``--database-url``), the development keys next to it (created
when missing, as the app would), and Redis at ``--redis-url`` or ``$REDIS_URL``. Like the
app, it sets up the demo offices' policy in a database that has none yet, so the command
line and the app tell the same story whichever runs first.
"""

from __future__ import annotations

import os

from nextens_guard import Guard

from .__main__ import DEFAULT_DATABASE, key_file_for
from .app import guard_settings, seed_demo_policy
from .backend import DemoBackend
from .secrets_file import DevSecrets

__all__ = ["guard"]


async def guard(database_url: str | None = None, redis_url: str | None = None) -> Guard:
    database_url = database_url or f"sqlite:///{DEFAULT_DATABASE}"
    secrets, _created = DevSecrets.load_or_create(key_file_for(database_url))
    settings = guard_settings(secrets, database_url, redis_url or os.environ.get("REDIS_URL"))
    made = Guard(backend=DemoBackend(), settings=settings)
    await made.startup()
    await seed_demo_policy(made, fresh=False)
    return made
