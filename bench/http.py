"""The same comparison over HTTP: two uvicorn processes of the example app, wrk on loopback.

One process is ``python -m example_app --no-guard``, the other the guarded example app
on PostgreSQL and Redis: the setup of an app that runs several processes, so the figure
is the one a deployment that scales out will see (a verified request touches neither;
the in-process part counts that). Both start from the same folder, so they read the
same development keys and one session cookie is valid on both: it is made by a real
login and enrollment on the guarded process, and both sides get it on every request.

wrk runs alternately against each side in rounds of equal length; a Lua script counts
every answer that is not a 200, so a session that stopped being verified (a redirect is
cheaper than the page) cannot pass for speed. The figure is the median over rounds of
each round's requests/s ratio.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
import pyotp

from example_app.demo_data import DEMO_PASSWORD

from .hot_path import APP_PAGE, USER
from .processes import BROWSER_HEADERS
from .services import Services
from .table import Figure

__all__ = ["measure_http"]

PROJECT = Path(__file__).resolve().parent.parent
WRK = shutil.which("wrk")
CONNECTIONS = 16
# Counts the answers that are not 200 across every wrk thread and prints the total.
STATUS_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body)
  if status ~= 200 then not_ok = not_ok + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("not_ok") end
  io.write(string.format("not_ok %d\\n", total))
end
"""
_REQUESTS_PER_SECOND = re.compile(r"Requests/sec:\s+([0-9.]+)")
_NOT_OK = re.compile(r"^not_ok (\d+)$", re.MULTILINE)
_SOCKET_ERRORS = re.compile(r"Socket errors: (.*)")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SECRET = re.compile(r'data-totp-secret="([A-Z2-7]+)"')


# The app servers on one core and wrk on another, where the machine has two: otherwise
# the scheduler moves them about, and a round measures where they landed as much as
# the app. Both sides get the same core, so the pinning favours neither.
_PINNED = hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2
_SERVER_CPUS, _WRK_CPUS = (
    ({min(os.sched_getaffinity(0))}, set(sorted(os.sched_getaffinity(0))[1:]))
    if _PINNED
    else (set(), set())
)


# uvicorn names the port it bound when asked for port 0.
_LISTENING = re.compile(r"Uvicorn running on http://127\.0\.0\.1:(\d+)")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]


@contextlib.contextmanager
def _serving(
    name: str, folder: Path, database_url: str, redis_url: str | None, *, guard: bool
) -> Iterator[Server]:
    # Port 0: the app names the port it bound in its log; one picked free beforehand
    # can be taken before the app binds it.
    command = [sys.executable, "-m", "example_app", "--port", "0"]
    command += ["--database-url", database_url]
    if not guard:
        command.append("--no-guard")
    elif redis_url:
        command += ["--redis-url", redis_url]
    environment = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
    # The example app is not installed: it is found next to the bench, in the project.
    environment["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(PROJECT), os.environ.get("PYTHONPATH")])
    )
    log = folder / f"{name}.log"
    with log.open("wb") as stderr:
        # uvicorn writes its access log to stdout: a line per request, the same on both sides.
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command, cwd=folder, env=environment, stdout=subprocess.DEVNULL, stderr=stderr
        )
    if _PINNED:
        os.sched_setaffinity(process.pid, _SERVER_CPUS)
    server = Server(name, 0, process, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: Server) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the {server.name} app exited:\n{server.tail()}")
        if not server.port:
            found = _LISTENING.search(server.log.read_text(errors="replace"))
            server.port = int(found.group(1)) if found else 0
        if server.port:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{server.url}/login", timeout=1).status_code == 200:
                    return
        time.sleep(0.1)
    raise RuntimeError(f"the {server.name} app did not answer within 30 s:\n{server.tail()}")


def _verified_cookie(server: Server) -> str:
    """Log in and enroll the bench user like a person at a browser; the session cookie."""
    with httpx.Client(
        base_url=server.url, follow_redirects=False, timeout=10, headers=BROWSER_HEADERS
    ) as browser:

        def token(path: str) -> str:
            page = browser.get(path)
            match = _CSRF.search(page.text)
            assert match, f"no form token on {path} ({page.status_code})"
            return match.group(1)

        login = browser.post(
            "/login",
            data={"csrf_token": token("/login"), "username": USER, "password": DEMO_PASSWORD},
        )
        assert login.status_code == 303, login.text
        assert browser.get("/").headers["location"].startswith("/2fa/enroll")
        secret = _SECRET.search(browser.get("/2fa/enroll/scan").text)
        assert secret, "no key on the scan page"
        code = pyotp.TOTP(secret.group(1)).now()
        answer = browser.post(
            "/2fa/enroll/code", data={"csrf_token": token("/2fa/enroll/code"), "code": code}
        )
        assert answer.status_code == 303, answer.text
        done = browser.post("/2fa/enroll/finish", data={"csrf_token": token("/2fa/enroll/finish")})
        assert done.status_code == 303, done.text
        cookie = browser.cookies.get("session")
        assert cookie, "no session cookie"
        return cookie


def _assert_verified(server: Server, cookie: str) -> None:
    page = httpx.get(f"{server.url}/", headers={"cookie": f"session={cookie}"}, timeout=10)
    assert page.status_code == 200, f"{server.name} answered {page.status_code}"
    assert APP_PAGE.decode() in page.text, f"{server.name} did not show the dashboard"


@dataclass(frozen=True)
class WrkRun:
    requests_per_second: float
    not_ok: int


def _wrk(server: Server, cookie: str, script: Path, seconds: int) -> WrkRun:
    assert WRK is not None
    # wrk takes whole seconds only.
    command = [WRK, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "-s", str(script)]
    command += ["-H", f"Cookie: session={cookie}", f"{server.url}/"]
    done = subprocess.run(  # noqa: S603 - a fixed program and our own arguments
        command,
        capture_output=True,
        text=True,
        check=False,
        timeout=seconds + 30,
        preexec_fn=(lambda: os.sched_setaffinity(0, _WRK_CPUS)) if _PINNED else None,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk against {server.name} failed: {done.stderr.strip()}")
    output = done.stdout
    rate = _REQUESTS_PER_SECOND.search(output)
    not_ok = _NOT_OK.search(output)
    errors = _SOCKET_ERRORS.search(output)
    if rate is None or not_ok is None:
        raise RuntimeError(f"wrk said:\n{output}")
    if errors:
        raise RuntimeError(f"wrk against {server.name}: socket errors {errors.group(1)}")
    return WrkRun(float(rate.group(1)), int(not_ok.group(1)))


@contextlib.asynccontextmanager
async def _servers(services: Services) -> AsyncIterator[tuple[Server, Server]]:
    async with services.scratch_database("http") as database_url:
        folder = Path(tempfile.mkdtemp(prefix="nextens-guard-bench-http-"))
        # The guarded app first: it writes the development keys the other one reads.
        with (
            _serving("guarded", folder, database_url, services.redis_url, guard=True) as guarded,
            _serving("bare", folder, database_url, None, guard=False) as bare,
        ):
            yield bare, guarded


def _compare(
    bare: Server, guarded: Server, *, rounds: int, seconds: int, setup: str
) -> list[Figure]:
    cookie = _verified_cookie(guarded)
    for server in (bare, guarded):
        _assert_verified(server, cookie)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(STATUS_SCRIPT)
        script = Path(handle.name)
    try:
        for server in (bare, guarded):  # warm both alike
            _wrk(server, cookie, script, max(1, seconds // 2))
        rates: dict[str, list[float]] = {"bare": [], "guarded": []}
        ratios: list[float] = []
        not_ok = 0
        for index in range(rounds):
            order = (bare, guarded) if index % 2 == 0 else (guarded, bare)
            for server in order:
                run = _wrk(server, cookie, script, seconds)
                rates[server.name].append(run.requests_per_second)
                not_ok += run.not_ok
            ratios.append(rates["guarded"][-1] / rates["bare"][-1])
    finally:
        script.unlink()
    for server in (bare, guarded):
        _assert_verified(server, cookie)
    if not_ok:
        raise RuntimeError(f"{not_ok} answers were not 200: the comparison does not hold")
    bare_rate = statistics.median(rates["bare"])
    guarded_rate = statistics.median(rates["guarded"])
    return [
        Figure(
            what="throughput through the guard vs bare app, uvicorn + wrk on loopback",
            value=statistics.median(ratios),
            goal=0.97,
            unit="x",
            higher_is_better=True,
            detail=(
                f"median of {rounds} alternating {seconds} s wrk rounds, {CONNECTIONS} "
                f"connections, same verified session, every answer a 200: bare "
                f"{bare_rate:,.0f} req/s, guarded {guarded_rate:,.0f} req/s "
                f"(guarded on {setup})"
            ),
        )
    ]


async def measure_http(services: Services, *, quick: bool) -> list[Figure]:
    if WRK is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    rounds, seconds = (2, 2) if quick else (6, 5)
    async with _servers(services) as (bare, guarded):
        return await asyncio.to_thread(
            _compare, bare, guarded, rounds=rounds, seconds=seconds, setup=services.describe()
        )
