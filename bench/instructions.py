"""``python -m bench.instructions``: a verified request counted in CPU instructions.

Times on a shared machine move by more than the guard costs: a busy neighbour, a cache
another process emptied. Valgrind's callgrind counts the instructions a process runs
instead, the same count for the same work whatever else the machine does. Each side
(the bare example app, the smallest layer doing the required work, the guard) runs in
a process of its own under callgrind, which counts only while that process makes the
same verified request ``REQUESTS`` times; a second process of the smallest layer is
the A/A run. The figure is the guard's distance to the smallest layer, as ratios to
the bare app, as ``bench.hot_path`` reports it in time. The same four sides of the
token host (``bench.token_host``: fastapi-users, a bearer token, the guard's state for
the token in Redis) give the second figure.

Needs valgrind (Debian's ``valgrind`` package) and Redis at ``REDIS_URL``: the guard
decides a verified request from its proof alone only where revocations are shared.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.services import Services
from bench.table import Figure, render

__all__ = ["measure_instructions"]

REQUESTS = 1_000
QUICK_REQUESTS = 200
WARM_REQUESTS = 200
SIDES = ("bare", "minimal", "minimal again", "guard")
# The token host (fastapi-users, a bearer token), each side named as in bench.token_host.
TOKEN_SIDES = {
    "token bare": "bare",
    "token minimal": "minimal",
    "token minimal again": "minimal",
    "token guard": "guarded",
}
GOAL = 0.01
_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


async def _side(side: str, requests: int, redis_url: str, key_prefix: str) -> None:
    """Run in the process callgrind watches: set up, then count ``requests`` requests."""
    if side in TOKEN_SIDES:
        await _token_side(side, requests, redis_url, key_prefix)
        return
    from example_app.app import build_app
    from example_app.secrets_file import DevSecrets
    from nextens_guard.login import LOGIN_KEY
    from nextens_guard.marker import VERIFIED_KEY

    from .hot_path import APP_PAGE, call, enroll, minimal_app, session_cookie

    folder = tempfile.mkdtemp(prefix="nextens-guard-instructions-")
    secrets = DevSecrets.generate()
    guarded = build_app(
        database_url=f"sqlite:///{folder}/guard.sqlite3",
        redis_url=redis_url,
        secrets=secrets,
        guard_options={"key_prefix": key_prefix},
    )
    guard = guarded.guard
    assert guard is not None
    try:
        generation = await enroll(guard)
        bare = build_app(
            database_url=f"sqlite:///{folder}/bare.sqlite3", secrets=secrets, guard=False
        )
        app = {"bare": bare, "guard": guarded}.get(side) or minimal_app(guarded, guard, secrets)
        cookie = session_cookie(
            secrets.session_secret,
            {
                "user_id": "rosa",
                LOGIN_KEY: ["rosa", "a-login", generation],
                VERIFIED_KEY: ["rosa", generation, int(time.time()), "a-login"],
            },
        )
        for _ in range(WARM_REQUESTS):
            status, body = await call(app, cookie)
        assert status == 200, f"{side} answered {status}"
        assert APP_PAGE in body, f"{side} did not show the dashboard"
        _instrument("on")
        for _ in range(requests):
            await call(app, cookie)
        _instrument("off")
    finally:
        await guard.shutdown()


async def _token_side(side: str, requests: int, redis_url: str, key_prefix: str) -> None:
    from .token_host import call, token_sides

    folder = tempfile.mkdtemp(prefix="nextens-guard-instructions-")
    async with token_sides(
        database_url=f"sqlite:///{folder}/guard.sqlite3", redis_url=redis_url, key_prefix=key_prefix
    ) as made:
        app = made.sides[TOKEN_SIDES[side]]
        for _ in range(WARM_REQUESTS):
            status, _ = await call(app, made.token)
        assert status == 200, f"{side} answered {status}"
        _instrument("on")
        for _ in range(requests):
            await call(app, made.token)
        _instrument("off")


def _instrument(state: str) -> None:
    control = shutil.which("callgrind_control")
    assert control is not None, "callgrind_control is not installed"
    subprocess.run(  # noqa: S603 - a fixed program and our own arguments
        [control, "--instr=" + state, str(os.getpid())],
        check=True,
        capture_output=True,
    )


def _count(side: str, requests: int, redis_url: str, key_prefix: str) -> subprocess.Popen[str]:
    out = Path(tempfile.mkdtemp(prefix="nextens-guard-callgrind-")) / "callgrind.out"
    valgrind = shutil.which("valgrind")
    assert valgrind is not None, "valgrind is not installed"
    command = [
        valgrind,
        "--tool=callgrind",
        "--instr-atstart=no",
        f"--callgrind-out-file={out}",
        sys.executable,
        "-m",
        "bench.instructions",
        "--side",
        side,
        "--requests",
        str(requests),
        "--redis-url",
        redis_url,
        "--key-prefix",
        key_prefix,
    ]
    # The same hash seed in every process, so dicts are laid out alike on every side.
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, stderr=subprocess.PIPE, text=True, env=env
    )


def _per_request(process: subprocess.Popen[str], requests: int) -> float:
    _, err = process.communicate()
    found = _COLLECTED.findall(err)
    if process.returncode != 0 or not found:
        raise RuntimeError(f"callgrind run failed ({process.returncode}): {err[-2000:]}")
    return int(found[-1]) / requests


async def measure_instructions(
    services: Services | None = None, *, quick: bool = False
) -> list[Figure]:
    services = services or Services.shared()
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise RuntimeError("valgrind is not installed: apt-get install valgrind")
    if services.redis_url is None:
        raise RuntimeError("the instruction count needs Redis (REDIS_URL)")
    requests = QUICK_REQUESTS if quick else REQUESTS
    every = (*SIDES, *TOKEN_SIDES)
    counts: dict[str, float] = {}
    # Two at a time: one per core.
    for first in range(0, len(every), 2):
        running = {
            side: _count(side, requests, services.redis_url, services.key_prefix(f"instr{index}"))
            for index, side in enumerate(every[first : first + 2], start=first)
        }
        for side, process in running.items():
            counts[side] = await asyncio.to_thread(_per_request, process, requests)
    for index in range(len(every)):
        await services.forget_keys(services.key_prefix(f"instr{index}"))
    return [
        _figure(
            "verified request in CPU instructions: the guard's distance to the minimal layer",
            counts,
            requests,
            "",
        ),
        _figure(
            "the same on the token host (fastapi-users, a bearer token)",
            counts,
            requests,
            "token ",
        ),
    ]


def _figure(what: str, counts: dict[str, float], requests: int, host: str) -> Figure:
    bare = counts[f"{host}bare"]
    guard, minimal, again = (
        counts[f"{host}guard"] / bare,
        counts[f"{host}minimal"] / bare,
        counts[f"{host}minimal again"] / bare,
    )
    return Figure(
        what=what,
        value=guard - minimal,
        goal=GOAL,
        unit="x",
        detail=(
            f"callgrind, {requests:,} requests per side, each in a process of its own: "
            f"bare {bare:,.0f}, minimal {counts[f'{host}minimal']:,.0f} ({minimal:.4f}x), "
            f"guard {counts[f'{host}guard']:,.0f} ({guard:.4f}x) instructions per request; "
            f"A/A (a second minimal process) {again - minimal:+.4f}x"
        ),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_REQUESTS} requests a side")
    parser.add_argument("--side", choices=(*SIDES, *TOKEN_SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=REQUESTS, help=argparse.SUPPRESS)
    parser.add_argument("--redis-url", help=argparse.SUPPRESS)
    parser.add_argument("--key-prefix", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.side:
        asyncio.run(
            _side(arguments.side, arguments.requests, arguments.redis_url, arguments.key_prefix)
        )
        return
    print(render(asyncio.run(measure_instructions(quick=arguments.quick))))


if __name__ == "__main__":
    main()
