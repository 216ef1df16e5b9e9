"""FastAPI tests run the FastAPI example on both stacks, through the shared `parts` fixture."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from example_app.app import ExampleApp
from example_app.fastapi_app import build_app
from tests.support import Browser, Parts, browser


def fastapi_example(parts: Parts, **options: Any) -> ExampleApp:
    """``python -m example_app.fastapi_app`` on this test's parts and clock."""
    return build_app(
        database_url=parts.database_url,
        redis_url=parts.redis_url,
        secrets=parts.secrets,
        guard_options=parts.guard_options(**options),
    )


@pytest.fixture
def person(parts: Parts) -> Iterator[Browser]:
    with browser(fastapi_example(parts), parts.clock) as someone:
        yield someone
