"""Simulated people for the soak test, and the client-side truth they keep.

Every browser has its own cookie jar and sends each request to a randomly chosen app
process, as a load balancer without sticky sessions would. What the guard should hold
is tracked here, from the answers the browsers saw: each user's current secret and
reset code, the last TOTP step the guard accepted for them, and an ``epoch`` that
grows with every change of their enrollment (confirm, recovery, admin reset), so a
session knows whether its verification still stands.

Per user, the requests that change the enrollment or spend a code run one at a time
(``UserTruth.state_lock``): two such requests never overlap in time, so the order in
which the answers arrive is the order in which the database saw them, and the truth
kept here is exact. While such a request is in flight the server may already have
made the change the browser has not heard of yet, so a page seen meanwhile is not held
against the truth. Everything else (browsing, page views, the admin's pages) runs
concurrently on both processes.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import secrets
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx2 as httpx
import pyotp

from bench.processes import CLIENT_LIMITS
from example_app.demo_data import DEMO_PASSWORD, USERS
from tests.support import BROWSER_ACCEPT

STEP_SECONDS = 30
# How long another process may take to hear of a change (Redis pub/sub; milliseconds
# in practice) before a session that the change voided must no longer get through.
GRACE_SECONDS = 2.0
# A session stays logged in this long before its user logs out.
SESSION_SECONDS = (8.0, 25.0)
# Chances per browsing action, and per visit of the code prompt.
P_WRONG_CODE = 0.15
P_WRONG_RESET_CODE = 0.35
P_LOST_PHONE = 0.4
P_REPLAY_PROBE = 0.5
P_ADMIN_RESET = 0.05
ADMIN_RESET_PAUSE_SECONDS = 20.0
# An admin resets a colleague who has been enrolled at least this long.
ENROLLED_BEFORE_RESET_SECONDS = 5.0
# No admin resets and no lost phones in the soak's last seconds, so that most users
# who lose their enrollment get a fresh TOTP step to enroll again before the end.
QUIET_SECONDS = 25.0
# This user never loses the phone and no admin resets them, so the checks afterwards
# always log at least one enrolled user in on both processes.
STEADY_USER = "ruben"
REQUEST_TIMEOUT_SECONDS = 20.0
FREEZE_AT_MOST_SECONDS = STEP_SECONDS / 2

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'data-totp-secret="([A-Z2-7]+)"')
_RESET_CODE = re.compile(r'data-reset-code="([0-9A-Z]+)"')
_DATA_USER = re.compile(r'data-user="([^"]+)"')
_DATA_ENROLLED = re.compile(r'data-enrolled="(yes|no)"')
_WRONG = re.compile(r"niet juist|not right")
_REPLAYED = re.compile(r"al gebruikt|used already")
_USER_PATH = re.compile(r"^/2fa/users/[^/]+")
_RESET_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Every status a request of each kind may get during the soak; anything else, and any
# 5xx, fails the test. With the per-user lock a fresh, right code is never refused, no
# form token is ever refused (403) and nobody is ever locked out (429).
EXPECTED: Mapping[str, frozenset[int]] = {
    label: frozenset(statuses)
    for label, statuses in {
        "GET /login": {200},
        "POST /login": {303},
        "POST /logout": {303},
        "GET /": {200, 303},
        "GET / [json]": {200, 401},
        "GET /static/app.css": {200},
        "GET /2fa/help/sync": {200},
        "GET /2fa/office": {200, 303},
        "GET /2fa/enroll": {200, 303},
        "GET /2fa/enroll/password": {200, 303},
        "POST /2fa/enroll/password": {303},
        "GET /2fa/enroll/scan": {200, 303},
        "GET /2fa/enroll/code": {200, 303},
        "POST /2fa/enroll/code": {303},
        "GET /2fa/enroll/finish": {200, 303},
        "POST /2fa/enroll/finish": {303, 409},
        "GET /2fa/verify": {200, 303},
        "POST /2fa/verify": {303, 400},
        "GET /2fa/recover": {200, 303},
        "POST /2fa/recover": {303, 400},
        "GET /2fa/users": {200, 303},
        "GET /2fa/users/{id}": {200, 303},
        "GET /2fa/users/{id}/reset": {200, 303},
        "POST /2fa/users/{id}/reset": {303},
        "GET /2fa/office/activate": {200},
        "GET /2fa/office/activate/scan": {200},
        "GET /2fa/office/activate/password": {200},
        "POST /2fa/office/activate/password": {303},
        "GET /2fa/office/activate/code": {200},
        "POST /2fa/office/activate/code": {303},
        "GET /2fa/office/activate/finish": {200},
        "POST /2fa/office/activate/finish": {303},
    }.items()
}

# Who resets whom: each admin resets the one colleague of their own office.
ADMIN_TARGETS = {"ruben": "rosa", "anna": "bram", "uma": "victor"}


class SoakFailure(AssertionError):
    """A page did not look as the guard's pages must: the run cannot go on sensibly."""


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def totp(secret: str, step: int) -> str:
    return str(pyotp.TOTP(secret).at(step * STEP_SECONDS))


def wrong_code(secret: str, step: int) -> str:
    """A code no step near ``step`` has, so the guard counts it wrong and burns nothing."""
    near = {totp(secret, s) for s in range(step - 12, step + 13)}
    while True:
        code = f"{secrets.randbelow(10**6):06d}"
        if code not in near:
            return code


def wrong_reset_code(right: str) -> str:
    while True:
        code = "".join(secrets.choice(_RESET_ALPHABET) for _ in range(24))
        if code != right:
            return code


def typed_reset_code(code: str, rng: random.Random) -> str:
    """The reset code as a person might type it: grouped, lower case or plain."""
    grouped = "-".join(code[i : i + 5] for i in range(0, len(code), 5))
    return rng.choice([code, grouped, grouped.lower(), " ".join(grouped.split("-"))])


def location_path(response: httpx.Response) -> str:
    return urlsplit(response.headers.get("location", "")).path


def location(response: httpx.Response) -> str:
    return response.headers.get("location", "")


def label_for(method: str, path: str, suffix: str = "") -> str:
    route = _USER_PATH.sub("/2fa/users/{id}", urlsplit(path).path)
    return f"{method} {route}{suffix}"


def find(pattern: re.Pattern[str], response: httpx.Response, what: str) -> str:
    match = pattern.search(response.text)
    if match is None:
        raise SoakFailure(
            f"no {what} on {response.request.method} {response.request.url} "
            f"({response.status_code}): {response.text[:300]!r}"
        )
    return match.group(1)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(0, math.ceil(fraction * len(ordered)) - 1)
    return ordered[rank]


@dataclass
class UserTruth:
    """What the guard should hold for one user, as the browsers saw it happen."""

    username: str
    office: str
    enrolled: bool = False
    secret: str | None = None
    reset_code: str | None = None
    # The last TOTP step the guard accepted for this user (a code is good once).
    last_step: int = -1
    # Consecutive wrong or replayed codes, and wrong reset codes, as the guard counts them.
    strikes: int = 0
    reset_strikes: int = 0
    epoch: int = 0
    changed_at: float = 0.0
    last_admin_reset: float = -math.inf
    # What happened to this user, for the summary.
    counts: Counter[str] = field(default_factory=Counter)
    state_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Held by the browser walking this user through recovery and enrollment, so one
    # person enrolls on one device at a time.
    flow_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def just_changed(self) -> bool:
        """Whether another process may not have heard of the last change yet."""
        return time.monotonic() - self.changed_at < GRACE_SECONDS

    def changed(self, what: str) -> None:
        self.epoch += 1
        self.changed_at = time.monotonic()
        self.counts[what] += 1

    def enrolled_with(self, secret: str, reset_code: str) -> None:
        self.enrolled, self.secret, self.reset_code = True, secret, reset_code
        self.changed("enrolled")

    def voided(self, why: str) -> None:
        self.enrolled, self.secret, self.reset_code = False, None, None
        self.changed(why)


@dataclass
class Tally:
    """Events the browsers saw happen, to compare with the audit trail."""

    enrolled: int = 0
    verified: int = 0
    recovered: int = 0
    admin_resets: int = 0
    code_failed: int = 0
    reset_code_failed: int = 0
    activated_offices: int = 0
    replay_probes: int = 0
    stale_checks: int = 0
    secrets_seen: set[str] = field(default_factory=set)


@dataclass
class Sample:
    label: str
    status: int | str
    seconds: float
    process: int
    phase: str


class Stats:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.unexpected: list[str] = []

    def add(self, sample: Sample, detail: str) -> None:
        self.samples.append(sample)
        allowed = EXPECTED.get(sample.label, frozenset())
        if sample.status not in allowed:
            self.unexpected.append(
                f"[{sample.phase}] {sample.label} -> {sample.status} on app{sample.process}: "
                f"{detail}"
            )

    def server_errors(self) -> int:
        return sum(1 for s in self.samples if isinstance(s.status, int) and s.status >= 500)

    def table(self, phases: Iterable[str] | None = None) -> str:
        wanted = set(phases) if phases is not None else None
        chosen = [s for s in self.samples if wanted is None or s.phase in wanted]
        by_label: dict[str, list[Sample]] = defaultdict(list)
        for sample in chosen:
            by_label[sample.label].append(sample)
        head = f"{'request':<36} {'count':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  statuses"
        lines = [head, "-" * len(head)]
        rows = [*sorted(by_label.items()), ("ALL", chosen)]
        for label, samples in rows:
            times = [s.seconds * 1000 for s in samples]
            statuses = Counter(str(s.status) for s in samples)
            spread = " ".join(f"{code}:{n}" for code, n in sorted(statuses.items()))
            lines.append(
                f"{label:<36} {len(samples):>6} {percentile(times, 0.5):>8.1f} "
                f"{percentile(times, 0.99):>8.1f} {max(times, default=math.nan):>8.1f}  {spread}"
            )
        per_process = Counter(s.process for s in chosen)
        lines.append(
            "per process: " + ", ".join(f"app{i}: {n}" for i, n in sorted(per_process.items()))
        )
        return "\n".join(lines)


def user_summary(users: Mapping[str, UserTruth]) -> str:
    lines = []
    for name, user in users.items():
        counts = ", ".join(f"{n} {what}" for what, n in sorted(user.counts.items()))
        state = "enrolled" if user.enrolled else "not enrolled"
        lines.append(f"  {name:<7} {state:<13} {counts}")
    return "\n".join(lines)


class World:
    """Everything the browsers share: the processes, the truth, the findings."""

    def __init__(self, base_urls: list[str], *, seed: int, deadline: float) -> None:
        self.base_urls = base_urls
        self.rng = random.Random(seed)
        self.deadline = deadline
        self.code_freeze = math.inf
        self.phase = "setup"
        self.stats = Stats()
        self.tally = Tally()
        self.violations: list[str] = []
        self.started = time.monotonic()
        # Key moments, for the summary: (seconds since set-up began, who, what).
        self.timeline: list[tuple[float, str, str]] = []
        self.users = {
            user.username: UserTruth(username=user.username, office=user.office_id)
            for user in USERS
        }

    def over(self) -> bool:
        return time.monotonic() >= self.deadline

    def codes_frozen(self) -> bool:
        return time.monotonic() >= self.code_freeze

    def disruptions_allowed(self) -> bool:
        return time.monotonic() < self.deadline - QUIET_SECONDS

    def start_soak(self, seconds: float) -> None:
        """Let the browsers work for ``seconds``, spending no code in the soak's last step
        when it began at most ``FREEZE_AT_MOST_SECONDS`` before the end.

        Afterwards every user verifies on both processes with two codes no one used yet;
        without the freeze, a user who verified in the last step would have to wait for
        the next one. The freeze or that wait, whichever is shorter, costs at most 15 s.
        """
        now = time.monotonic()
        self.phase = "soak"
        self.deadline = now + seconds
        end_wall = time.time() + seconds
        last_boundary = end_wall // STEP_SECONDS * STEP_SECONDS
        self.note("soak", f"starts {time.time() % STEP_SECONDS:.1f} s into a TOTP step")
        if end_wall - last_boundary < FREEZE_AT_MOST_SECONDS:
            # Codes computed before the boundary; a moment's margin for the request.
            self.code_freeze = now + (last_boundary - end_wall) + seconds - 0.5
            self.note("soak", f"no codes after {self.code_freeze - self.started:.1f} s")

    def violation(self, message: str) -> None:
        self.violations.append(f"[{self.phase}] {message}")

    def note(self, who: str, what: str) -> None:
        self.timeline.append((time.monotonic() - self.started, who, what))

    def timeline_text(self) -> str:
        return "\n".join(f"  {at:6.1f} s  {who:<14} {what}" for at, who, what in self.timeline)


class Browser:
    """One person's browser: its own cookie jar, any process per request."""

    def __init__(self, world: World, username: str, name: str) -> None:
        self.world = world
        self.user = world.users[username]
        self.name = name
        self.rng = random.Random(world.rng.random())
        language = self.rng.choice(["nl-NL,nl;q=0.9", "en-GB,en;q=0.8"])
        self.client = httpx.AsyncClient(
            timeout=REQUEST_TIMEOUT_SECONDS,
            limits=CLIENT_LIMITS,
            follow_redirects=False,
            trust_env=False,
            headers={"Accept-Language": language, "Accept": BROWSER_ACCEPT},
        )
        self.logged_in = False
        # The user's epoch this session was verified at; None while it is not.
        self.verified_epoch: int | None = None
        self.lost_phone = False
        self.logout_at = math.inf
        self.last_process = 0

    async def aclose(self) -> None:
        await self.client.aclose()

    # Requests

    async def request(
        self,
        method: str,
        path: str,
        *,
        data: Mapping[str, str] | None = None,
        process: int | None = None,
        json: bool = False,
    ) -> httpx.Response:
        world = self.world
        index = world.rng.randrange(len(world.base_urls)) if process is None else process
        self.last_process = index
        label = label_for(method, path, " [json]" if json else "")
        headers = {"Accept": "application/json"} if json else None
        started = time.perf_counter()
        try:
            response = await self.client.request(
                method, world.base_urls[index] + path, data=data, headers=headers
            )
        except httpx.HTTPError as exc:
            elapsed = time.perf_counter() - started
            world.stats.add(
                Sample(label, type(exc).__name__, elapsed, index, world.phase),
                f"{self.name}: {exc!r}",
            )
            raise
        elapsed = time.perf_counter() - started
        detail = f"{self.name} {path} -> {location(response)} {response.text[:200]!r}"
        world.stats.add(Sample(label, response.status_code, elapsed, index, world.phase), detail)
        return response

    async def get(
        self, path: str, *, process: int | None = None, json: bool = False
    ) -> httpx.Response:
        return await self.request("GET", path, process=process, json=json)

    async def post(
        self, path: str, data: Mapping[str, str], *, process: int | None = None
    ) -> httpx.Response:
        return await self.request("POST", path, data=data, process=process)

    async def form_token(self, path: str, *, process: int | None = None) -> str | None:
        """The form token of the page at ``path``; None when the page sends us elsewhere."""
        page = await self.get(path, process=process)
        if page.status_code != 200:
            return None
        return find(_CSRF, page, "form token")

    # Login and logout

    async def login(self, *, process: int | None = None) -> None:
        # The login form carries a token of its own, as a browser's would.
        token = await self.form_token("/login", process=process)
        if token is None:
            raise SoakFailure(f"{self.name}: the login page did not show its form")
        answer = await self.post(
            "/login",
            {"csrf_token": token, "username": self.user.username, "password": DEMO_PASSWORD},
            process=process,
        )
        if answer.status_code != 303 or location(answer) != "/":
            raise SoakFailure(f"{self.name}: login answered {answer.status_code} {answer.text!r}")
        self.logged_in = True
        self.verified_epoch = None
        self.logout_at = math.inf

    async def logout(self) -> None:
        answer = await self.post("/logout", {})
        if location_path(answer) != "/login":
            self.world.violation(f"{self.name}: logout sent to {location(answer)!r}")
        self.world.note(self.name, "logged out")
        self.logged_in = False
        self.verified_epoch = None
        self.lost_phone = (
            self.user.enrolled
            and self.user.username != STEADY_USER
            and self.world.disruptions_allowed()
            and self.rng.random() < P_LOST_PHONE
        )

    # The protected app

    async def dashboard(self) -> str:
        """Open the app's home page; "app", "verify" or "enroll" for where it led."""
        user, world = self.user, self.world
        epoch, changed_at, started = user.epoch, user.changed_at, time.monotonic()
        # A change of the enrollment is in flight while the state lock is held: the
        # server may have made it before this browser heard the answer.
        quiet_at_start = not user.state_lock.locked()
        page = await self.get("/")
        settled = started - changed_at > GRACE_SECONDS
        if page.status_code == 200:
            shown = find(_DATA_USER, page, "username")
            if shown != user.username:
                world.violation(f"{self.name}: the dashboard showed {shown!r}")
            if self.verified_epoch is None:
                world.violation(f"{self.name}: an unverified session reached the app")
            elif self.verified_epoch != epoch and settled:
                world.violation(
                    f"{self.name}: a session verified at epoch {self.verified_epoch} reached the "
                    f"app {started - changed_at:.1f} s after epoch {epoch} voided it"
                )
            return "app"
        target = location_path(page)
        if target not in ("/2fa/verify", "/2fa/enroll"):
            raise SoakFailure(f"{self.name}: the home page sent to {location(page)!r}")
        stable = settled and quiet_at_start and not user.state_lock.locked() and user.epoch == epoch
        if stable and self.verified_epoch == epoch:
            world.violation(f"{self.name}: a verified session was sent to {target}")
        if stable:
            world.tally.stale_checks += 1
            expected = "/2fa/verify" if user.enrolled else "/2fa/enroll"
            if target != expected:
                world.violation(
                    f"{self.name}: sent to {target}, but {user.username} "
                    f"{'is' if user.enrolled else 'is not'} enrolled"
                )
        self.verified_epoch = None
        return target.removeprefix("/2fa/")

    async def browse(self) -> None:
        """One thing a verified person does besides reloading the home page."""
        roll = self.rng.random()
        if roll < 0.15:
            await self.get("/2fa/office")
        elif roll < 0.25:
            await self.get("/static/app.css")
        elif roll < 0.30:
            await self.get("/2fa/help/sync")
        elif roll < 0.35 and self.user.username in ADMIN_TARGETS:
            await self.get("/2fa/users")
        elif roll < 0.35 + P_ADMIN_RESET and self.user.username in ADMIN_TARGETS:
            await self.admin_reset(ADMIN_TARGETS[self.user.username])

    # Codes

    async def wait_for_fresh_step(self, page: str) -> bool:
        """Wait, reloading now and then, until a step the guard has not accepted yet begins.

        False when the soak ends first.
        """
        world = self.world
        while not world.over():
            fresh = current_step() > self.user.last_step
            if fresh and not world.codes_frozen():
                return True
            pause = self.rng.uniform(0.5, 1.5)
            if not fresh and not world.codes_frozen():
                next_step_at = (self.user.last_step + 1) * STEP_SECONDS
                pause = min(pause, next_step_at - time.time() + 0.05)
            pause = min(pause, world.deadline - time.monotonic())
            await asyncio.sleep(max(pause, 0.0))
            if world.over():
                break
            if self.rng.random() < 0.3:
                await self.get("/", json=True)
            else:
                await self.get(page)
        return False

    @asynccontextmanager
    async def fresh_step(self, page: str) -> AsyncIterator[int | None]:
        """Hold the user's state lock on a step no code was accepted in yet; None at the end."""
        while await self.wait_for_fresh_step(page):
            async with self.user.state_lock:
                step = current_step()
                if step > self.user.last_step and not self.world.codes_frozen():
                    yield step
                    return
        yield None

    def passed_the_guard(self) -> None:
        """This session is verified now; its user browses a while, then logs out."""
        self.verified_epoch = self.user.epoch
        self.logout_at = time.monotonic() + self.rng.uniform(*SESSION_SECONDS)

    def accepted(self, step: int) -> None:
        self.user.last_step = max(self.user.last_step, step)
        self.user.strikes = 0
        self.user.counts["codes accepted"] += 1
        self.world.note(self.name, f"code of step {step} accepted on app{self.last_process}")

    async def verify(self) -> None:
        """The code prompt: now and then a wrong code first, then the phone's current code."""
        user, world = self.user, self.world
        if self.lost_phone:
            await self.recover()
            return
        token = await self.form_token("/2fa/verify?next=%2F")
        if token is None:
            return
        if self.rng.random() < P_WRONG_CODE:
            async with user.state_lock:
                if user.enrolled and user.secret and user.strikes == 0:
                    answer = await self.post(
                        "/2fa/verify?next=%2F",
                        {"csrf_token": token, "code": wrong_code(user.secret, current_step())},
                    )
                    if answer.status_code == 400 and _WRONG.search(answer.text):
                        user.strikes += 1
                        world.tally.code_failed += 1
                    elif not user.just_changed():
                        world.violation(
                            f"{self.name}: a wrong code got {answer.status_code} "
                            f"{location(answer)!r}"
                        )
        async with self.fresh_step("/2fa/verify?next=%2F") as step:
            if step is None or not user.enrolled or user.secret is None:
                return
            answer = await self.post(
                "/2fa/verify?next=%2F", {"csrf_token": token, "code": totp(user.secret, step)}
            )
            if answer.status_code == 303 and location(answer) == "/":
                self.accepted(step)
                world.tally.verified += 1
                self.passed_the_guard()
                if user.strikes == 0 and self.rng.random() < P_REPLAY_PROBE:
                    await self.replay_probe(totp(user.secret, step), other=1 - self.last_process)
            elif not user.just_changed():
                world.violation(
                    f"{self.name}: a fresh right code got {answer.status_code} "
                    f"{location(answer)!r} {answer.text[:200]!r}"
                )

    async def replay_probe(self, code: str, *, other: int) -> None:
        """Someone else types the code just accepted, at the other process: refused.

        Runs under the user's state lock, right after the code was accepted.
        """
        world = self.world
        world.tally.replay_probes += 1
        probe = Browser(world, self.user.username, f"{self.name}/replay")
        try:
            await probe.login(process=other)
            token = await probe.form_token("/2fa/verify?next=%2F", process=other)
            if token is None:
                world.violation(f"{self.name}: the replay probe never saw the code prompt")
                return
            answer = await probe.post(
                "/2fa/verify?next=%2F", {"csrf_token": token, "code": code}, process=other
            )
            if answer.status_code == 400 and _REPLAYED.search(answer.text):
                self.user.strikes += 1
                world.tally.code_failed += 1
            else:
                world.violation(
                    f"{self.name}: a replayed code got {answer.status_code} {location(answer)!r}"
                )
        finally:
            await probe.aclose()

    # Recovery and enrollment

    async def recover(self) -> None:
        """The phone is lost: the reset code, then a fresh enrollment on the new phone."""
        user, world = self.user, self.world
        async with user.flow_lock:
            token = await self.form_token("/2fa/recover?next=%2F")
            if token is None:
                self.lost_phone = False  # nothing left to recover: enrollment comes next
                return
            if self.rng.random() < P_WRONG_RESET_CODE:
                async with user.state_lock:
                    if user.enrolled and user.reset_code and user.reset_strikes == 0:
                        answer = await self.post(
                            "/2fa/recover?next=%2F",
                            {"csrf_token": token, "reset_code": wrong_reset_code(user.reset_code)},
                        )
                        if answer.status_code == 400 and _WRONG.search(answer.text):
                            user.reset_strikes += 1
                            world.tally.reset_code_failed += 1
                        else:
                            world.violation(
                                f"{self.name}: a wrong reset code got {answer.status_code}"
                            )
            async with user.state_lock:
                if not user.enrolled or user.reset_code is None:
                    self.lost_phone = False
                    return
                answer = await self.post(
                    "/2fa/recover?next=%2F",
                    {
                        "csrf_token": token,
                        "reset_code": typed_reset_code(user.reset_code, self.rng),
                    },
                )
                if answer.status_code == 303 and location_path(answer) == "/2fa/enroll":
                    user.voided("recovered")
                    world.note(self.name, "recovered with the reset code")
                    user.reset_strikes = 0
                    world.tally.recovered += 1
                    self.lost_phone = False
                else:
                    if not user.just_changed():
                        world.violation(
                            f"{self.name}: the right reset code got {answer.status_code} "
                            f"{location(answer)!r}"
                        )
                    return
            await self._enroll_steps()

    async def enroll(self) -> None:
        async with self.user.flow_lock:
            await self._enroll_steps()

    async def _enroll_steps(self) -> None:
        """The four steps of enrollment, started over when an admin reset voids them."""
        for _ in range(3):
            if self.world.over():
                return
            if (await self.get("/2fa/enroll?next=%2F")).status_code != 200:
                return  # enrolled meanwhile, or nothing to enroll for
            scan = await self.get("/2fa/enroll/scan?next=%2F")
            if location_path(scan) == "/2fa/enroll/password":
                # This login began before the last reset or recovery: the password first.
                token = await self.form_token("/2fa/enroll/password?next=%2F")
                if token is None:
                    continue
                await self.post(
                    "/2fa/enroll/password?next=%2F",
                    {"csrf_token": token, "password": DEMO_PASSWORD},
                )
                scan = await self.get("/2fa/enroll/scan?next=%2F")
            if scan.status_code != 200:
                return
            secret = find(_SECRET, scan, "secret")
            self.world.tally.secrets_seen.add(secret)
            outcome = await self._enroll_code(secret)
            if outcome == "next":
                outcome = await self._enroll_finish(secret)
            if outcome != "again":
                return

    def _elsewhere(self, answer: httpx.Response, what: str) -> str:
        """Where an enrollment step that did not go on leaves the flow: "again" or "stop"."""
        if answer.status_code == 409 or location_path(answer) in (
            "/2fa/enroll/scan",
            "/2fa/enroll/password",
        ):
            return "again"  # an admin reset voided the enrollment in progress
        if not (location_path(answer) == "/2fa/verify" and self.user.enrolled) and not (
            self.user.just_changed()
        ):
            self.world.violation(
                f"{self.name}: {what} got {answer.status_code} {location(answer)!r}"
            )
        # Else another browser of this user enrolled a moment ago.
        return "stop"

    async def _enroll_code(self, secret: str) -> str:
        """Step 3, the first code: "next", "again" or "stop"."""
        token = await self.form_token("/2fa/enroll/code?next=%2F")
        if token is None:
            return "again"
        async with self.fresh_step("/2fa/enroll/code?next=%2F") as step:
            if step is None:
                return "stop"
            answer = await self.post(
                "/2fa/enroll/code?next=%2F", {"csrf_token": token, "code": totp(secret, step)}
            )
            if location_path(answer) == "/2fa/enroll/finish":
                self.accepted(step)
                return "next"
            return self._elsewhere(answer, "the enrollment code")

    async def _enroll_finish(self, secret: str) -> str:
        """Step 4, note the reset code and click: "done", "again" or "stop"."""
        user = self.user
        finish = await self.get("/2fa/enroll/finish?next=%2F")
        if finish.status_code != 200:
            return "again"
        reset_code = find(_RESET_CODE, finish, "reset code")
        token = find(_CSRF, finish, "form token")
        async with user.state_lock:
            done = await self.post("/2fa/enroll/finish?next=%2F", {"csrf_token": token})
            # A browser passes the confirmation page on its way back to "/".
            if done.status_code == 303 and location(done) in ("/", "/2fa/done?next=%2F"):
                user.enrolled_with(secret, reset_code)
                self.world.tally.enrolled += 1
                self.world.note(self.name, "enrolled")
                self.passed_the_guard()
                return "done"
            return self._elsewhere(done, "finishing the enrollment")

    # The office admin

    async def admin_reset(self, target_name: str) -> None:
        """Reset a colleague's two-step verification, and see it gone on the user page."""
        target, world = self.world.users[target_name], self.world
        now = time.monotonic()
        if (
            not target.enrolled
            or not world.disruptions_allowed()
            or now - target.changed_at < ENROLLED_BEFORE_RESET_SECONDS
            or now - target.last_admin_reset < ADMIN_RESET_PAUSE_SECONDS
        ):
            return
        user_page = f"/2fa/users/{target_name}"
        async with target.state_lock:
            page = await self.get(user_page)
            if page.status_code != 200:
                return  # this session's own verification was voided meanwhile
            shown = find(_DATA_ENROLLED, page, "enrollment status")
            if shown != ("yes" if target.enrolled else "no"):
                world.violation(
                    f"{self.name}: the user page says enrolled={shown} for {target_name}, "
                    f"truth {target.enrolled}"
                )
            if not target.enrolled:
                return
            token = await self.form_token(f"{user_page}/reset")
            if token is None:
                return
            answer = await self.post(f"{user_page}/reset", {"csrf_token": token})
            if location(answer) != f"{user_page}?done=reset":
                if location_path(answer) not in ("/2fa/verify", "/2fa/enroll"):
                    world.violation(f"{self.name}: the reset answered {location(answer)!r}")
                return
            target.voided("reset by admin")
            world.note(self.name, f"reset {target_name}")
            # The reset clears the user's counters in Redis too.
            target.strikes = target.reset_strikes = 0
            target.last_admin_reset = time.monotonic()
            world.tally.admin_resets += 1
            after = await self.get(f"{user_page}?done=reset")
            if after.status_code == 200 and find(_DATA_ENROLLED, after, "status") != "no":
                world.violation(f"{self.name}: {target_name} still shows enrolled after a reset")

    # The person's day

    async def step(self) -> None:
        if not self.logged_in:
            await self.login()
            return
        if self.verified_epoch is not None and time.monotonic() >= self.logout_at:
            await self.logout()
            return
        where = await self.dashboard()
        if where == "app":
            await self.browse()
        elif where == "enroll":
            await self.enroll()
        else:
            await self.verify()

    async def run(self) -> None:
        """Work until the soak's deadline; the client is closed at the end."""
        try:
            while not self.world.over():
                await self.step()
                await asyncio.sleep(self.rng.uniform(0.0, 0.02))
        finally:
            await self.aclose()


async def activate_office(world: World, admin: str) -> Browser:
    """The admin switches two-step verification on with the five-step wizard.

    Returns the admin's browser, verified.
    """
    browser = Browser(world, admin, f"{admin}#wizard")
    try:
        await _walk_wizard(world, browser)
    except BaseException:
        await browser.aclose()
        raise
    return browser


async def _walk_wizard(world: World, browser: Browser) -> None:
    admin = browser.user.username
    user = browser.user
    await browser.login()
    if (await browser.get("/")).status_code != 200:
        raise SoakFailure(f"{admin}'s office is under two-step verification already")
    await browser.get("/2fa/office/activate")
    scan = await browser.get("/2fa/office/activate/scan")
    secret = find(_SECRET, scan, "secret")
    world.tally.secrets_seen.add(secret)
    token = await browser.form_token("/2fa/office/activate/password")
    if token is None:
        raise SoakFailure("the wizard's password step is missing")
    confirmed = await browser.post(
        "/2fa/office/activate/password", {"csrf_token": token, "password": DEMO_PASSWORD}
    )
    if location_path(confirmed) != "/2fa/office/activate/code":
        raise SoakFailure(f"the wizard's password step led to {location(confirmed)!r}")
    token = await browser.form_token("/2fa/office/activate/code")
    if token is None:
        raise SoakFailure("the wizard's code step is missing")
    step = current_step()
    answer = await browser.post(
        "/2fa/office/activate/code", {"csrf_token": token, "code": totp(secret, step)}
    )
    if location_path(answer) != "/2fa/office/activate/finish":
        raise SoakFailure(f"the wizard's code step led to {location(answer)!r}")
    browser.accepted(step)
    finish = await browser.get("/2fa/office/activate/finish")
    reset_code = find(_RESET_CODE, finish, "reset code")
    done = await browser.post(
        "/2fa/office/activate/finish", {"csrf_token": find(_CSRF, finish, "form token")}
    )
    if location(done) != "/2fa/office?done=activated":
        raise SoakFailure(f"the wizard's last step led to {location(done)!r}")
    user.enrolled_with(secret, reset_code)
    world.tally.enrolled += 1
    world.tally.activated_offices += 2  # amsterdam and its linked office utrecht
    browser.passed_the_guard()
    browser.logged_in = True
