"""``python -m bench``: every performance goal measured on this machine, as one table.

Parts (``--only``, comma-separated; all by default):

- hot:   a verified request through the guard vs the same app without it, in-process,
         and the database, Redis and backend calls it makes (counted)
- http:  the same over HTTP: two uvicorn processes of the example app, wrk on loopback
- code:  checking a code against Redis: round trips (counted) and p99 latency
- qr:    the enrollment page with its QR code, in-process
- scale: 100,000 users (bench/scale.py)
- reach: a reset reaching a second process (bench/reach.py)
- fleet: 1, 8, 64 and 400 guards behind a balancer without affinity: calls per verified
         request, a revocation reaching every process, memory at 1M users (bench/fleet.py)
- token: a verified bearer request on the token host (fastapi-users) through the guard vs
         the API without it and the smallest token layer, and the calls it makes
         (bench/token_host.py)
- instr: a verified request in CPU instructions under valgrind, the guard beside the
         minimal layer: the same count whatever else the machine does (bench/instructions.py)

The guarded side uses PostgreSQL and Redis at ``DATABASE_URL`` / ``REDIS_URL`` (the
tests' defaults), each part in tables, keys or a database of its own that it removes
afterwards; ``--embedded`` uses a SQLite file and the in-process limiter instead where
a part allows it. ``--quick`` runs fewer and shorter rounds: a smoke test, not figures.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from .services import Services
from .table import Figure, render

PARTS = ("hot", "http", "code", "qr", "scale", "reach", "fleet", "token", "instr")
# Parts written by others live in modules of their own, each with one entry point.
EXTERNAL = {
    "scale": ("bench.scale", "measure_scale"),
    "reach": ("bench.reach", "measure_reach"),
    "fleet": ("bench.fleet", "measure_fleet"),
    "token": ("bench.token_host", "measure_token_host"),
    "instr": ("bench.instructions", "measure_instructions"),
}


def _parts(value: str) -> list[str]:
    chosen = [part.strip() for part in value.split(",") if part.strip()]
    unknown = sorted(set(chosen) - set(PARTS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown part {', '.join(unknown)}; pick from {PARTS}")
    return chosen


async def _external(part: str, *, quick: bool) -> list[Figure] | None:
    """The part's figures, or None when its module is not there."""
    module_name, function_name = EXTERNAL[part]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None
    function: Callable[..., Any] = getattr(module, function_name)
    kwargs = {"quick": quick} if "quick" in inspect.signature(function).parameters else {}
    result = function(**kwargs)
    if inspect.isawaitable(result):
        result = await result
    return list(result)


async def run(parts: list[str], services: Services, *, quick: bool) -> list[Figure]:
    from . import code_check, hot_path, http, qr

    own: dict[str, Callable[[], Awaitable[list[Figure]]]] = {
        "hot": lambda: hot_path.measure_hot_path(services, quick=quick),
        "http": lambda: http.measure_http(services, quick=quick),
        "code": lambda: code_check.measure_code_check(services, quick=quick),
        "qr": lambda: qr.measure_qr(services, quick=quick),
    }
    figures: list[Figure] = []
    for part in PARTS:
        if part not in parts:
            continue
        started = time.monotonic()
        print(f"measuring {part} ...", file=sys.stderr, flush=True)
        found = await own[part]() if part in own else await _external(part, quick=quick)
        if found is None:
            print(f"  {part}: {EXTERNAL[part][0]} is not there, skipped", file=sys.stderr)
            continue
        figures.extend(found)
        print(f"  {part}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        type=_parts,
        default=list(PARTS),
        help=f"comma-separated parts to run (default: all of {','.join(PARTS)})",
    )
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument(
        "--check", action="store_true", help="exit with status 1 when a goal is not met"
    )
    parser.add_argument(
        "--embedded",
        action="store_true",
        help="SQLite and the in-process limiter instead of PostgreSQL and Redis",
    )
    arguments = parser.parse_args(argv)
    services = Services.embedded() if arguments.embedded else Services.shared()
    figures = asyncio.run(run(arguments.only, services, quick=arguments.quick))
    print(render(figures))
    if arguments.check and not all(figure.met for figure in figures):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
