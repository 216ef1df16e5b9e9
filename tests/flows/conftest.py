from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import Browser, Parts, browser


@pytest.fixture
def user(parts: Parts) -> Iterator[Browser]:
    with browser(parts.app(), parts.clock) as person:
        yield person
