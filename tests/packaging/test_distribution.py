"""What `pip install nextens-guard` gets: a wheel and an sdist that carry the whole product.

The distributions are built as a release would build them (`python -m build`, in an
isolated environment that fetches hatchling), then the wheel is installed into a
fresh virtual environment with nothing else in it.
"""

from __future__ import annotations

import configparser
import email.parser
import os
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from nextens_guard.__about__ import __version__

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "nextens_guard"
BUILD_SECONDS = 600
INSTALL_SECONDS = 900
COMMAND = "nextens-guard"


@dataclass(frozen=True)
class Distributions:
    wheel: Path
    sdist: Path

    def wheel_names(self) -> set[str]:
        with zipfile.ZipFile(self.wheel) as archive:
            return set(archive.namelist())

    def wheel_text(self, suffix: str) -> str:
        with zipfile.ZipFile(self.wheel) as archive:
            (name,) = [n for n in archive.namelist() if n.endswith(suffix)]
            return archive.read(name).decode("utf-8")

    def sdist_names(self) -> set[str]:
        with tarfile.open(self.sdist) as archive:
            # Every member sits under one top folder, nextens_guard-<version>/.
            return {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}

    def sdist_pkg_info(self) -> str:
        with tarfile.open(self.sdist) as archive:
            (member,) = [
                m
                for m in archive.getmembers()
                if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO")
            ]
            handle = archive.extractfile(member)
            assert handle is not None
            return handle.read().decode("utf-8")


def run(command: list[str], *, seconds: float, cwd: Path = ROOT) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and tools, fixed arguments
        command, cwd=cwd, capture_output=True, text=True, timeout=seconds, check=False
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Distributions:
    out = tmp_path_factory.mktemp("dist")
    run(
        [sys.executable, "-m", "build", "--sdist", "--wheel", "--outdir", str(out), str(ROOT)],
        seconds=BUILD_SECONDS,
    )
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Distributions(wheel=wheel, sdist=sdist)


def package_files() -> list[str]:
    """Every file of the package as it sits in the source tree, relative to src/."""
    return sorted(
        path.relative_to(PACKAGE.parent).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def metadata_version(text: str) -> str:
    return str(email.parser.Parser().parsestr(text)["Version"])


def test_the_wheel_carries_templates_static_files_catalogs_and_py_typed(
    built: Distributions,
) -> None:
    names = built.wheel_names()

    assert "nextens_guard/py.typed" in names
    assert "nextens_guard/templates/nextens_guard/base.html" in names
    assert "nextens_guard/templates/nextens_guard/help_sync.html" in names
    assert "nextens_guard/static/guard.css" in names
    assert "nextens_guard/ephemeral/settle.lua" in names
    for language in ("nl", "en"):
        assert any(n.startswith(f"nextens_guard/locale/{language}/LC_MESSAGES/") for n in names)


def test_the_wheel_carries_every_file_of_the_package_and_nothing_of_the_project_around_it(
    built: Distributions,
) -> None:
    names = built.wheel_names()
    payload = {n for n in names if ".dist-info/" not in n}

    assert [f for f in package_files() if f not in names] == []
    assert sorted(n for n in payload if not n.startswith("nextens_guard/")) == []


def test_the_wheel_declares_the_nextens_guard_command(built: Distributions) -> None:
    entry_points = configparser.ConfigParser()
    entry_points.read_string(built.wheel_text(".dist-info/entry_points.txt"))

    assert entry_points["console_scripts"][COMMAND] == "nextens_guard.cli:main"


def test_both_distributions_carry_the_version_of_about_py(built: Distributions) -> None:
    assert metadata_version(built.wheel_text(".dist-info/METADATA")) == __version__
    assert metadata_version(built.sdist_pkg_info()) == __version__
    assert built.wheel.name.startswith(f"nextens_guard-{__version__}-")
    assert built.sdist.name == f"nextens_guard-{__version__}.tar.gz"


def test_the_sdist_carries_the_sources_docs_and_tests(built: Distributions) -> None:
    names = built.sdist_names()

    for needed in (
        "pyproject.toml",
        "README.md",
        "Makefile",
        "uv.lock",
        "scripts/test-services",
        "docs/security.md",
        "example_app/app.py",
        "tests/conftest.py",
    ):
        assert needed in names, needed
    assert [f for f in package_files() if f"src/{f}" not in names] == []


def test_the_sdist_carries_no_virtualenv_caches_keys_or_databases(built: Distributions) -> None:
    names = built.sdist_names()
    local_state = (
        ".venv/",
        ".venv-newest/",
        ".hypothesis/",
        ".pytest_cache/",
        ".mypy_cache/",
        ".ruff_cache/",
    )

    assert [n for n in names if n.startswith(local_state)] == []
    assert [n for n in names if "__pycache__" in n or n.endswith(".pyc")] == []
    assert [n for n in names if n.endswith((".key", ".sqlite3"))] == []


def test_the_wheel_installs_into_a_fresh_environment_and_its_command_answers(
    built: Distributions, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], seconds=120)
    python = venv / "bin" / "python"
    run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"{built.wheel}[fastapi]",
        ],
        seconds=INSTALL_SECONDS,
        cwd=tmp_path,
    )

    # From tmp_path, so the interpreter cannot pick up the source tree instead.
    check = (
        "import importlib.resources as r, nextens_guard, nextens_guard.fastapi\n"
        "root = r.files('nextens_guard')\n"
        "assert (root / 'templates/nextens_guard/verify.html').is_file()\n"
        "assert (root / 'static/guard.css').is_file()\n"
        "assert (root / 'locale/nl/LC_MESSAGES').is_dir()\n"
        "print(nextens_guard.__file__, nextens_guard.__version__)\n"
    )
    where, version = run([str(python), "-c", check], seconds=120, cwd=tmp_path).split()
    assert Path(where).is_relative_to(venv)
    assert version == __version__

    command = venv / "bin" / COMMAND
    assert os.access(command, os.X_OK)
    usage = run([str(command), "--help"], seconds=120, cwd=tmp_path)
    assert COMMAND in usage
