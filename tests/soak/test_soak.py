"""A bounded soak test: two app processes, one PostgreSQL, one Redis, a dozen browsers.

For ``SOAK_SECONDS`` (45 s by default) twelve browsers, two for each demo user, log in,
enroll, verify, browse, type wrong codes now and then, lose their phone and recover
with the reset code, while the admins reset a colleague now and then. Each request
goes to either process at random. Afterwards every user is checked on both processes,
and the audit trail and the enrollment rows are held against what the browsers saw.
``SOAK_SEED`` replays the same choices (the timing of course differs).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import time
from dataclasses import dataclass

import httpx2 as httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from example_app.demo_data import USERS
from example_app.secrets_file import DevSecrets
from nextens_guard.crypto import Envelope
from nextens_guard.services.enrollment import RESET_CODE_PURPOSE
from nextens_guard.services.verification import SECRET_PURPOSE
from nextens_guard.store.sql import DEFAULT_TABLE_PREFIX

from .conftest import AppPair
from .simulation import (
    GRACE_SECONDS,
    STEADY_USER,
    STEP_SECONDS,
    Browser,
    World,
    activate_office,
    current_step,
    find,
    location,
    location_path,
    totp,
    user_summary,
)

# Setup, start-up of the checks and the wait for fresh TOTP steps, on top of the soak.
OVERALL_MARGIN_SECONDS = 60.0
# The demo data switches rotterdam on at the first start.
DEMO_ACTIVATIONS = 1
_DATA_USER = re.compile(r'data-user="([^"]+)"')
_REPLAYED = re.compile(r"al gebruikt|used already")
_SERVER_ERROR_LINE = re.compile(r'HTTP/1\.1" 5\d\d')


@dataclass(frozen=True, slots=True)
class Row:
    user_id: str
    secret: bytes | None
    reset_code: bytes | None
    confirmed_at: object
    pending_secret: bytes | None


async def read_database(database_url: str) -> tuple[dict[str, int], list[Row]]:
    """Audit events per kind, and every enrollment row."""
    url = make_url(database_url).set(drivername="postgresql+asyncpg")
    engine = create_async_engine(url, poolclass=NullPool)
    events_table = f"{DEFAULT_TABLE_PREFIX}audit_events"
    enrollments_table = f"{DEFAULT_TABLE_PREFIX}enrollments"
    try:
        async with engine.connect() as connection:
            counted = await connection.execute(
                text(f"SELECT event, detail FROM {events_table}")  # noqa: S608
            )
            # A row that folded repeats of itself says so: its detail ends in ``repeated=N``
            # (after the sign-in's method, when it names one).
            events: dict[str, int] = {}
            for event, detail in counted.all():
                last = str(detail or "").rpartition("; ")[2]
                times = last.removeprefix("repeated=")
                events[str(event)] = events.get(str(event), 0) + (
                    int(times) if times.isdigit() and times != last else 1
                )
            result = await connection.execute(
                text(
                    "SELECT user_id, secret, reset_code, confirmed_at, pending_secret "  # noqa: S608
                    f"FROM {enrollments_table} ORDER BY user_id"
                )
            )
            rows = [
                Row(
                    user_id=str(row.user_id),
                    secret=None if row.secret is None else bytes(row.secret),
                    reset_code=None if row.reset_code is None else bytes(row.reset_code),
                    confirmed_at=row.confirmed_at,
                    pending_secret=(
                        None if row.pending_secret is None else bytes(row.pending_secret)
                    ),
                )
                for row in result.all()
            ]
    finally:
        await engine.dispose()
    return events, rows


async def check_user_afterwards(world: World, name: str) -> None:
    """An enrolled user logs in and verifies on both processes, and a replay is refused.

    A user who is not enrolled is sent to enrollment.
    """
    user = world.users[name]
    browsers: list[Browser] = []
    try:
        if not user.enrolled or user.secret is None:
            browser = Browser(world, name, f"{name}#check")
            browsers.append(browser)
            await browser.login(process=0)
            page = await browser.get("/", process=1)
            if location_path(page) != "/2fa/enroll":
                world.violation(f"{name} is not enrolled, yet / led to {location(page)!r}")
            return
        if current_step() <= user.last_step:
            # Both codes must come from steps the guard has not accepted yet.
            await asyncio.sleep((user.last_step + 1) * STEP_SECONDS - time.time() + 0.2)
        first = current_step()
        # The current step and the next one are both inside the guard's window.
        for process, step in ((0, first), (1, first + 1)):
            browser = Browser(world, name, f"{name}#check{process}")
            browsers.append(browser)
            if not await verify_on(browser, user.secret, process, step):
                return
        replay = Browser(world, name, f"{name}#replay")
        browsers.append(replay)
        await replay.login(process=0)
        answer = await submit_code(replay, totp(user.secret, first + 1), process=0)
        if answer is not None and answer.status_code == 400 and _REPLAYED.search(answer.text):
            world.tally.code_failed += 1
        else:
            world.violation(f"{name}: the code accepted on app1 was not refused on app0")
    finally:
        for browser in browsers:
            await browser.aclose()


async def submit_code(browser: Browser, code: str, *, process: int) -> httpx.Response | None:
    token = await browser.form_token("/2fa/verify?next=%2F", process=process)
    if token is None:
        browser.world.violation(f"{browser.name}: no code prompt on app{process}")
        return None
    return await browser.post(
        "/2fa/verify?next=%2F", {"csrf_token": token, "code": code}, process=process
    )


async def verify_on(browser: Browser, secret: str, process: int, step: int) -> bool:
    """Log in on ``process``, verify with the code of ``step``, open the app on both."""
    world, name = browser.world, browser.user.username
    await browser.login(process=process)
    prompt = await browser.get("/", process=process)
    if location_path(prompt) != "/2fa/verify":
        world.violation(f"{name} on app{process}: / led to {location(prompt)!r}")
        return False
    answer = await submit_code(browser, totp(secret, step), process=process)
    if answer is None or answer.status_code != 303 or location(answer) != "/":
        status = None if answer is None else answer.status_code
        world.violation(f"{name} on app{process}: the remembered secret's code got {status}")
        return False
    browser.accepted(step)
    world.tally.verified += 1
    for where in (process, 1 - process):
        page = await browser.get("/", process=where)
        if page.status_code != 200 or find(_DATA_USER, page, "username") != name:
            world.violation(f"{name}: verified on app{process}, app{where} refused")
    return True


def check_database(
    world: World, pair: AppPair, events: dict[str, int], rows: list[Row]
) -> list[str]:
    problems: list[str] = []
    tally = world.tally
    expected_events = {
        "enrolled": tally.enrolled,
        "verified": tally.verified,
        "recovered": tally.recovered,
        "reset_by_admin": tally.admin_resets,
        "code_failed": tally.code_failed,
        "reset_code_failed": tally.reset_code_failed,
        "activated": DEMO_ACTIVATIONS + tally.activated_offices,
        "enrollment_started": len(tally.secrets_seen),
        "locked_out": 0,
        "password_failed": 0,
        "deactivated": 0,
    }
    for kind, count in expected_events.items():
        if events.get(kind, 0) != count:
            problems.append(
                f"audit: {events.get(kind, 0)} {kind!r} events, the browsers saw {count}"
            )

    for row in rows:
        if row.confirmed_at is not None and (row.secret is None or row.reset_code is None):
            problems.append(f"{row.user_id} is half-enrolled: confirmed without secret or code")
        if row.confirmed_at is None and (row.secret is not None or row.reset_code is not None):
            problems.append(f"{row.user_id} has a secret or reset code but no confirmation")

    dev = DevSecrets.load_or_create(pair.key_file)[0]
    envelope = Envelope({dev.key_id: dev.encryption_key})
    by_user = {row.user_id: row for row in rows}
    for user in USERS:
        truth = world.users[user.username]
        stored = by_user.get(user.id)
        stored_enrolled = stored is not None and stored.confirmed_at is not None
        if stored_enrolled != truth.enrolled:
            problems.append(
                f"{user.username}: enrolled={stored_enrolled} in the database, {truth.enrolled} "
                "as the browsers saw it"
            )
        if stored is None or stored.secret is None or stored.reset_code is None:
            continue
        secret = envelope.open(stored.secret, user_id=user.id, purpose=SECRET_PURPOSE).decode()
        reset_code = envelope.open(
            stored.reset_code, user_id=user.id, purpose=RESET_CODE_PURPOSE
        ).decode()
        if secret != truth.secret or reset_code != truth.reset_code:
            problems.append(
                f"{user.username}: the stored secret or reset code is not the last seen"
            )
    return problems


def check_logs(pair: AppPair) -> list[str]:
    problems = []
    for app in pair.processes:
        log = app.log_text()
        for needle in ("Traceback", "ERROR"):
            if needle in log:
                problems.append(f"app{app.index}'s log has {needle!r}:\n{log[-3000:]}")
        if _SERVER_ERROR_LINE.search(log):
            problems.append(f"app{app.index}'s access log shows a 5xx")
    return problems


def summary(
    world: World,
    *,
    seed: int,
    soak_seconds: float,
    soak_took: float,
    took: float,
    events: dict[str, int],
) -> str:
    tally = world.tally
    soak_requests = sum(1 for s in world.stats.samples if s.phase == "soak")
    other = len(world.stats.samples) - soak_requests
    return "\n".join(
        [
            "",
            f"soak seed {seed}: {soak_seconds:.0f} s asked, {soak_took:.1f} s of load, "
            f"{took:.1f} s with the wizard and the checks afterwards",
            f"soak: {soak_requests} requests, {soak_requests / soak_took:.0f} per second "
            f"(wizard and checks: {other} more)",
            world.stats.table(["soak"]),
            f"seen: {tally.enrolled} enrollments, {tally.verified} verifications, "
            f"{tally.recovered} recoveries, {tally.admin_resets} admin resets, "
            f"{tally.code_failed} refused codes ({tally.replay_probes} replay probes), "
            f"{tally.reset_code_failed} wrong reset codes, {len(tally.secrets_seen)} secrets, "
            f"{tally.stale_checks} redirects held against the truth",
            f"audit trail: {dict(sorted(events.items()))}",
            "per user, final state and what happened:",
            user_summary(world.users),
            "timeline:",
            world.timeline_text(),
        ]
    )


@pytest.mark.anyio
async def test_two_processes_hold_up_under_a_mixed_load(
    app_pair: AppPair, soak_seconds: float, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = int(os.environ.get("SOAK_SEED") or secrets.randbelow(2**31))
    world = World(app_pair.base_urls, seed=seed, deadline=time.monotonic() + 3600)
    browsers: list[Browser] = []
    started = time.monotonic()
    try:
        async with asyncio.timeout(soak_seconds + OVERALL_MARGIN_SECONDS):
            # amsterdam switches on (and with it utrecht, its linked office) through
            # anna's wizard; rotterdam is on from the start.
            wizard = await activate_office(world, "anna")
            browsers.append(wizard)
            for user in USERS:
                for n in (1, 2):
                    if user.username == "anna" and n == 1:
                        continue  # the wizard's browser is anna's first
                    browsers.append(Browser(world, user.username, f"{user.username}#{n}"))
            soak_start = time.monotonic()
            world.start_soak(soak_seconds)
            async with asyncio.TaskGroup() as group:
                for browser in browsers:
                    group.create_task(browser.run())
            soak_took = time.monotonic() - soak_start

            world.phase = "check"
            # Let both processes hear of the last change before anyone is checked.
            last_change = max(user.changed_at for user in world.users.values())
            await asyncio.sleep(max(0.0, last_change + GRACE_SECONDS - time.monotonic()))
            async with asyncio.TaskGroup() as group:
                for user in USERS:
                    group.create_task(check_user_afterwards(world, user.username))
    finally:
        for browser in browsers:
            await browser.aclose()

    events, rows = await read_database(app_pair.database_url)
    problems = check_database(world, app_pair, events, rows)
    problems += check_logs(app_pair)

    with capsys.disabled():
        # Shown with every run, not only a failing one: the numbers are the point.
        print(
            summary(
                world,
                seed=seed,
                soak_seconds=soak_seconds,
                soak_took=soak_took,
                took=time.monotonic() - started,
                events=events,
            )
        )

    assert world.stats.server_errors() == 0, "\n".join(world.stats.unexpected)
    assert not world.stats.unexpected, "\n".join(world.stats.unexpected[:50])
    assert not world.violations, "\n".join(world.violations[:50])
    assert not problems, "\n".join(problems)
    # The soak did what it is for: every user enrolled, both processes served.
    never = [name for name, user in world.users.items() if not user.counts["enrolled"]]
    assert not never, f"never enrolled during the run: {never}"
    assert world.users[STEADY_USER].enrolled
    assert world.tally.verified >= 2  # at least the steady user, once on each process
    assert {s.process for s in world.stats.samples if s.phase == "soak"} == {0, 1}
