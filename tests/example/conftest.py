"""The example app's own pages as a person at a browser meets them."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import httpx2 as httpx
import pytest

from example_app.demo_data import DEMO_PASSWORD
from tests.support import Browser, Parts, browser

ENGLISH = "en-US,en;q=0.9,nl;q=0.5"
DUTCH = "nl-NL,nl;q=0.9,en;q=0.5"


def log_in(
    person: Browser, username: str, password: str = DEMO_PASSWORD, next_url: str = "/"
) -> httpx.Response:
    """Open the login page (with ``next``, as the guard sends people there) and submit it."""
    return person.submit(
        f"/login?{urlencode({'next': next_url})}", username=username, password=password
    )


@pytest.fixture
def person(embedded: Parts) -> Iterator[Browser]:
    """Someone at a browser on the example app, on its embedded defaults."""
    with browser(embedded.app(), embedded.clock) as someone:
        yield someone
