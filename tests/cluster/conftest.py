"""A Redis Cluster and a Sentinel deployment of the tests' own, one of each per run.

Both start once for the whole run and are killed at its end, whatever happened in
between. Every test keeps to a key prefix of its own, as on the shared Redis.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .servers import LocalCluster, LocalSentinel


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    """Three ``redis-server --cluster-enabled yes`` on loopback, joined by ``redis-cli``."""
    made = LocalCluster(tmp_path_factory.mktemp("redis-cluster"))
    try:
        made.start()
        yield made
    finally:
        made.stop()


@pytest.fixture(scope="session")
def sentinel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSentinel]:
    """A ``redis-server`` and a ``redis-server --sentinel`` that names it as master."""
    made = LocalSentinel(tmp_path_factory.mktemp("redis-sentinel"))
    try:
        made.start()
        yield made
    finally:
        made.stop()
