"""The public names of nextens_guard, guarded like httpx guards its own."""

from __future__ import annotations

import types

import nextens_guard


def test_all_is_sorted_without_duplicates() -> None:
    assert nextens_guard.__all__ == sorted(set(nextens_guard.__all__))


def test_every_name_in_all_exists() -> None:
    missing = [name for name in nextens_guard.__all__ if not hasattr(nextens_guard, name)]

    assert missing == []


def test_every_public_name_is_in_all() -> None:
    public = {
        name
        for name, value in vars(nextens_guard).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }

    assert public - set(nextens_guard.__all__) == set()


def test_the_version_is_exported() -> None:
    assert "__version__" in nextens_guard.__all__
    assert isinstance(nextens_guard.__version__, str)
    assert nextens_guard.__version__
