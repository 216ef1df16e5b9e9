"""Many processes behind a balancer without affinity: a verified request asks nobody,
wherever it lands, and every revocation reaches every process (``bench.fleet``)."""

from __future__ import annotations

import pytest

from bench.fleet import GOAL_REACH_SECONDS, run_fleet
from bench.services import Services

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("processes", [1, 16])
async def test_a_verified_request_asks_nobody_at_any_process_of_the_fleet(
    processes: int, postgres_url: str, redis_url: str, run_id: str
) -> None:
    services = Services(database_url=postgres_url, redis_url=redis_url, run_id=run_id)

    run = await run_fleet(services, processes, proof=True, requests=1_500)

    assert run.verified_requests > 500
    assert run.verified_calls == 0
    # Logouts, resets, log out everywhere and a deactivation happened meanwhile, and
    # each copy or session they ended was refused afterwards wherever it landed.
    assert len(run.reach) >= 50
    assert max(run.reach) < GOAL_REACH_SECONDS
