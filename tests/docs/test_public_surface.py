"""What the docs tell an integrator to import is what the package exports, and no more.

Every ``from nextens_guard... import ...`` in the README and the guides must import,
top-level names must be in ``nextens_guard.__all__``, and every name in ``__all__`` is
described in the integrator's guide under "Public API". No module of ours or of the
examples imports another package's private module.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

import nextens_guard

ROOT = Path(__file__).resolve().parents[2]
GUIDES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
INTEGRATOR = ROOT / "docs" / "integrator.md"
IMPORT = re.compile(r"^\s*from (nextens_guard(?:\.[a-z_]+)*) import \(?([\w ,]+)\)?", re.MULTILINE)
# The submodules the guides may name beside the top level, each for a stated reason.
DOCUMENTED_SUBMODULES = {"nextens_guard.fastapi"}


def documented_imports() -> list[tuple[str, str, str]]:
    """(guide, module, name) for every import the guides show."""
    found = []
    for guide in GUIDES:
        for module, names in IMPORT.findall(guide.read_text(encoding="utf-8")):
            found += [(guide.name, module, n.strip()) for n in names.split(",") if n.strip()]
    return found


def public_api_section() -> str:
    text = INTEGRATOR.read_text(encoding="utf-8")
    return text.split("\n## Public API\n", 1)[1].split("\n## ", 1)[0]


def test_the_guides_show_imports_at_all() -> None:
    assert len(documented_imports()) >= 5


@pytest.mark.parametrize(("guide", "module", "name"), documented_imports())
def test_every_name_a_guide_imports_is_importable_from_a_documented_module(
    guide: str, module: str, name: str
) -> None:
    assert module == "nextens_guard" or module in DOCUMENTED_SUBMODULES, (
        f"{guide} imports from {module}, which is not part of the public surface"
    )
    assert hasattr(importlib.import_module(module), name)
    if module == "nextens_guard":
        assert name in nextens_guard.__all__


@pytest.mark.parametrize("name", nextens_guard.__all__)
def test_every_exported_name_is_described_in_the_public_api_section(name: str) -> None:
    assert f"`{name}`" in public_api_section()


def test_the_public_api_section_names_nothing_that_is_not_exported() -> None:
    listed = set(re.findall(r"^- `(\w+)`", public_api_section(), re.MULTILINE))

    assert listed == set(nextens_guard.__all__)


def private_imports(path: Path) -> list[str]:
    """Imports of another package's private module (a dotted part starting with ``_``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.append(node.module)
        elif isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
    return [
        m
        for m in modules
        if not m.startswith("nextens_guard")
        and any(part.startswith("_") and not part.startswith("__") for part in m.split("."))
    ]


def test_no_module_imports_a_private_module_of_another_package() -> None:
    sources = [*(ROOT / "src").rglob("*.py"), *(ROOT / "example_app").rglob("*.py")]
    offenders = {str(p.relative_to(ROOT)): private_imports(p) for p in sources}

    assert {path: mods for path, mods in offenders.items() if mods} == {}
