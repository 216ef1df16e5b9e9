"""The fuzz tests run on the same two set-ups as the flows: embedded and shared parts."""

from __future__ import annotations

import pytest

import example_app.backend


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo host hashes passwords with scrypt at full cost, about 0.1 s a time.

    Fuzzing re-enters passwords many times and the hash cost is not what it tests, so the
    demo host hashes cheaply here. Right and wrong passwords still differ as before.
    """
    monkeypatch.setitem(example_app.backend._SCRYPT, "n", 2**4)
