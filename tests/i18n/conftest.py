from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.i18n.tour import Tour, walk
from tests.support import make_parts


@pytest.fixture(scope="package", params=["nl", "en"])
def tour(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Tour]:
    """Every guard page once per language, on the embedded parts: what the pages say
    does not depend on where the state lives."""
    parts = make_parts(
        "embedded",
        run_id="tour",
        tmp_path=Path(tmp_path_factory.mktemp(f"tour-{request.param}")),
        database_url="",
        redis_url="",
    )
    yield walk(parts, request.param)
    parts.cleanup()
