"""docs/configuration.md names every GuardSettings option with its true type and default."""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from nextens_guard import GuardSettings

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
REQUIRED = "required"

_ENTRY = re.compile(
    r"^### `(?P<name>\w+)`\n\n- Type: `(?P<type>[^`]+)`\n- Default: (?P<default>`[^`]+`|\w+)$",
    re.MULTILINE,
)
_HEADING = re.compile(r"^### ", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class Documented:
    name: str
    type: str
    default: str


def documented() -> dict[str, Documented]:
    text = REFERENCE.read_text(encoding="utf-8")
    entries = [
        Documented(m["name"], m["type"], m["default"].strip("`")) for m in _ENTRY.finditer(text)
    ]
    # Every option heading must parse; a heading in another shape would be skipped silently.
    assert len(entries) == len(_HEADING.findall(text)), "an option entry is not in the format"
    names = [entry.name for entry in entries]
    assert len(names) == len(set(names)), "an option is documented twice"
    return {entry.name: entry for entry in entries}


def settings_fields() -> dict[str, dataclasses.Field[Any]]:
    return {field.name: field for field in dataclasses.fields(GuardSettings)}


def spelled(default: object) -> str:
    """How the reference writes a default: a function by its dotted name, else a literal."""
    if callable(default):
        return f"{default.__module__}.{getattr(default, '__qualname__', '')}"
    return repr(default)


def same_default(written: str, default: object) -> bool:
    if callable(default):
        return written == spelled(default)
    try:
        value = ast.literal_eval(written)
    except (ValueError, SyntaxError):
        return False
    return type(value) is type(default) and value == default


def test_every_setting_is_in_the_reference() -> None:
    missing = sorted(set(settings_fields()) - set(documented()))

    assert missing == []


def test_the_reference_names_no_setting_that_does_not_exist() -> None:
    extra = sorted(set(documented()) - set(settings_fields()))

    assert extra == []


def test_every_setting_is_shown_with_its_type_as_written_in_the_code() -> None:
    pages = documented()
    wrong = {
        name: (pages[name].type, str(field.type))
        for name, field in settings_fields().items()
        if name in pages and " ".join(pages[name].type.split()) != str(field.type)
    }

    assert wrong == {}


@pytest.mark.parametrize("name", sorted(f.name for f in dataclasses.fields(GuardSettings)))
def test_every_setting_is_shown_with_its_true_default(name: str) -> None:
    field = settings_fields()[name]
    page = documented().get(name)
    assert page is not None, f"{name} is not in docs/configuration.md"

    if field.default is not dataclasses.MISSING:
        assert same_default(page.default, field.default), (page.default, spelled(field.default))
    elif field.default_factory is not dataclasses.MISSING:
        assert page.default == spelled(field.default_factory)
    else:
        assert page.default == REQUIRED
