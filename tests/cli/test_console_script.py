"""The installed ``nextens-guard`` command, run as an operator runs it: a new process,
next to the example app's own database and keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from example_app.app import build_app
from example_app.secrets_file import KEY_FILE_NAME, DevSecrets
from tests.cli.config import CONFIG_ENV, describe
from tests.support import FakeClock, browser

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("nextens-guard")
EXAMPLE = "example_app.cli_config:guard"


def run(
    *argv: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "NEXTENS_GUARD_APP"}}
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(SCRIPT), *argv],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_console_script_is_installed_and_explains_itself(tmp_path: Path) -> None:
    assert SCRIPT.exists(), f"{SCRIPT} is missing: install the project (make test does)"
    shown = run("--help", cwd=tmp_path)
    assert shown.returncode == 0
    assert shown.stdout.startswith("usage: nextens-guard")


def test_the_example_apps_guard_is_looked_after_from_its_folder(tmp_path: Path) -> None:
    # Run from the project folder, as the README says, on a database of this test's own.
    database_url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    secrets, _ = DevSecrets.load_or_create(tmp_path / KEY_FILE_NAME)
    clock = FakeClock()
    app = build_app(database_url=database_url, secrets=secrets, guard_options={"clock": clock})
    with browser(app, clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()

    status = run(
        "--app", EXAMPLE, "--database-url", database_url, "user", "status", "rosa", cwd=REPO
    )
    assert status.returncode == 0, status.stderr
    assert "State: enrolled since" in status.stdout
    keys = run(
        "--app", EXAMPLE, "--database-url", database_url, "keys", "status", "--json", cwd=REPO
    )
    assert json.loads(keys.stdout)["values"] == {"dev1": 2}
    refused = run(
        "--app", EXAMPLE, "--database-url", database_url, "user", "reset", "rosa", cwd=REPO
    )
    assert refused.returncode == 2
    assert "pass --yes" in refused.stderr
    reset = run(
        "--app", EXAMPLE, "--database-url", database_url, "user", "reset", "rosa", "--yes", cwd=REPO
    )
    assert reset.returncode == 0, reset.stderr
    assert "within 30 s (cache_ttl_seconds)" in reset.stdout
    exported = run("--app", EXAMPLE, "--database-url", database_url, "audit", "export", cwd=REPO)
    assert '"reset_by_admin"' in exported.stdout


def test_out_of_the_box_it_uses_the_demo_database_in_the_current_folder(tmp_path: Path) -> None:
    shown = run(
        "--app", EXAMPLE, "--app-dir", str(REPO), "office", "status", "amsterdam", cwd=tmp_path
    )
    assert shown.returncode == 0, shown.stderr
    assert "Office amsterdam (Kantoor Amsterdam)" in shown.stdout
    assert (tmp_path / "nextens_guard_demo.sqlite3").exists()
    assert (tmp_path / KEY_FILE_NAME).exists()


def test_failures_end_the_process_with_a_sentence_and_the_right_code(tmp_path: Path) -> None:
    env = {
        CONFIG_ENV: describe(
            database_url="postgresql://postgres@127.0.0.1:1/test",
            redis_url=None,
            table_prefix="nextens_guard_",
            key_prefix="nextens_guard",
            secret_key="s" * 32,
            keys=[("k1", b"k" * 32)],
        ),
        "PYTHONPATH": str(REPO),
    }
    down = run(
        "--app", "tests.cli.config:guard", "office", "status", "amsterdam", cwd=tmp_path, env=env
    )
    assert down.returncode == 1
    assert down.stderr.startswith("nextens-guard: error: database unavailable")
    assert "Traceback" not in down.stderr
    missing = run("--app", "tests.cli.nowhere:guard", "keys", "status", cwd=tmp_path, env=env)
    assert missing.returncode == 2
    assert "no module named" in missing.stderr
    assert "Traceback" not in missing.stderr
