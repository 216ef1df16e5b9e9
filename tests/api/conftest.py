"""The JSON API tests run on the same two set-ups as the flows: embedded and shared parts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.spa import Spa
from tests.support import Parts, browser


@pytest.fixture
def spa(parts: Parts) -> Iterator[Spa]:
    """A single-page app in a browser, speaking JSON to the guard."""
    with browser(parts.app(), parts.clock) as person:
        yield Spa(person)
