from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.i18n.tour import Tour, walk
from tests.support import Parts, make_parts


class Tours:
    """Each language's tour, walked the first time a test asks for it and kept for the
    run: the suite runs in a shuffled order, which mixes the two languages' tests."""

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._folders = tmp_path_factory
        self._walked: dict[str, Tour] = {}
        self._parts: list[Parts] = []

    def of(self, language: str) -> Tour:
        if language not in self._walked:
            parts = make_parts(
                "embedded",
                run_id="tour",
                tmp_path=Path(self._folders.mktemp(f"tour-{language}")),
                database_url="",
                redis_url="",
            )
            self._parts.append(parts)
            self._walked[language] = walk(parts, language)
        return self._walked[language]

    def close(self) -> None:
        for parts in self._parts:
            parts.cleanup()


@pytest.fixture(scope="session")
def tours(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tours]:
    made = Tours(tmp_path_factory)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(params=["nl", "en"])
def tour(request: pytest.FixtureRequest, tours: Tours) -> Tour:
    """Every guard page once per language, on the embedded parts: what the pages say
    does not depend on where the state lives."""
    language: str = request.param
    return tours.of(language)
