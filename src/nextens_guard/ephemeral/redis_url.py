"""Redis connections by URL: one server, a Redis Cluster, or a master that Sentinel names.

- ``redis://``, ``rediss://`` and ``unix://`` reach one server, as redis-py reads them.
- ``redis+cluster://[user:password@]host:port[,host:port...][?option=value]`` reaches a
  Redis Cluster (``rediss+cluster://`` over TLS). The nodes listed are where discovery
  starts; the client learns the others, and who holds which slot, from the cluster.
- ``redis+sentinel://[user:password@]host:port[,host:port...]/service[/db][?option=value]``
  asks the sentinels listed where the master of ``service`` is, and follows it through a
  failover. The user and password are the master's; a sentinel that wants a password of
  its own gets it as ``?sentinel_password=...``.

Options in the query string (``?socket_timeout=5``) are redis-py's connection options and
win over the defaults the caller passes. Errors never repeat the URL: it may hold a
password.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.connection import parse_url
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.exceptions import RedisClusterException

from ..errors import GuardError

__all__ = ["CLUSTER_SCHEMES", "SENTINEL_SCHEME", "Connected", "connect"]

# The scheme of a cluster URL, and the scheme of one of its nodes.
CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}
SENTINEL_SCHEME = "redis+sentinel"
_SENTINEL_PASSWORD = "sentinel_password"  # noqa: S105 - an option name, not a password


@dataclass(frozen=True, slots=True)
class Connected:
    """A client, and the clients it depends on, which are closed with it."""

    client: Redis | RedisCluster
    # The connections to the sentinels, which outlive every master connection.
    helpers: tuple[Redis, ...] = ()


def connect(
    url: str,
    *,
    socket_timeout: float,
    max_connections: int,
    pool_wait: float,
    retry: Retry,
) -> Connected:
    """A client for ``url``; nothing is connected until the first command.

    ``max_connections`` bounds the connections per server; on one server a request waits
    up to ``pool_wait`` for a free one.
    """
    scheme = url.partition("://")[0].lower()
    defaults: dict[str, Any] = {
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": socket_timeout,
        "retry": retry,
    }
    try:
        if scheme in CLUSTER_SCHEMES:
            return Connected(_cluster(url, CLUSTER_SCHEMES[scheme], defaults, max_connections))
        if scheme == SENTINEL_SCHEME:
            return _sentinel(url, defaults, max_connections, pool_wait)
        pool = BlockingConnectionPool.from_url(
            url, max_connections=max_connections, timeout=pool_wait, **defaults
        )
    except (ValueError, TypeError, RedisClusterException) as exc:
        # ValueError from redis-py can quote the URL; ours names only what is wrong.
        raise GuardError(f"redis_url is not a Redis URL this guard reads ({scheme}://)") from exc
    return Connected(Redis.from_pool(pool))


def _hosts(netloc: str) -> tuple[str, list[tuple[str, int]]]:
    """The user info (``''`` when none) and the ``host:port`` pairs of a netloc."""
    userinfo, _, hostlist = netloc.rpartition("@")
    hosts: list[tuple[str, int]] = []
    for entry in hostlist.split(","):
        host, _, port = entry.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError("every host needs a port")
        hosts.append((unquote(host.strip("[]")), int(port)))
    return userinfo, hosts


def _options(scheme: str, userinfo: str, path: str, query: str) -> dict[str, Any]:
    """redis-py's own reading of credentials, database and query options."""
    at = f"{userinfo}@" if userinfo else ""
    options: dict[str, Any] = dict(parse_url(f"{scheme}://{at}localhost{path}?{query}"))
    options.pop("host", None)
    options.pop("port", None)
    return options


def _cluster(
    url: str, node_scheme: str, defaults: dict[str, Any], max_connections: int
) -> RedisCluster:
    parts = urlsplit(url)
    userinfo, hosts = _hosts(parts.netloc)
    options = _options(node_scheme, userinfo, parts.path, parts.query)
    if options.pop("db", 0):
        raise ValueError("a cluster has only database 0")
    if options.pop("connection_class", None) is not None:
        options["ssl"] = True
    settings = {**defaults, "max_connections": max_connections, **options}
    nodes = [ClusterNode(host, port) for host, port in hosts]
    return RedisCluster(startup_nodes=nodes, **settings)


class _BlockingSentinelPool(SentinelConnectionPool, BlockingConnectionPool):
    """The master's pool, which makes a burst wait for a free connection, as on one server.

    redis-py's own Sentinel pool fails at once when every connection is busy.
    """


def _sentinel(
    url: str, defaults: dict[str, Any], max_connections: int, pool_wait: float
) -> Connected:
    parts = urlsplit(url)
    userinfo, hosts = _hosts(parts.netloc)
    service, _, db = parts.path.strip("/").partition("/")
    if not service or (db and not db.isdigit()):
        raise ValueError("a sentinel URL names its service, and optionally a database")
    query = parse_qsl(parts.query, keep_blank_values=True)
    sentinel_password = [value for name, value in query if name == _SENTINEL_PASSWORD]
    rest = urlencode([(name, value) for name, value in query if name != _SENTINEL_PASSWORD])
    options = _options("redis", userinfo, f"/{db or 0}", rest)
    options.pop("connection_class", None)
    settings = {**defaults, **options}
    # The sentinels answer quickly or not at all, like the master; the driver's own
    # retries would keep a user waiting seconds for a sentinel that is down.
    sentinel_settings: dict[str, Any] = {
        name: value
        for name, value in settings.items()
        if name.startswith("socket_") or name == "retry"
    }
    if sentinel_password:
        sentinel_settings["password"] = sentinel_password[-1]
    # Some redis-py releases annotate Sentinel's constructor and some do not; called
    # through a typed name it passes mypy --strict on both, with no type: ignore to go stale.
    new_sentinel: Callable[..., Sentinel] = Sentinel
    sentinel = new_sentinel(hosts, sentinel_kwargs=sentinel_settings, **settings)
    client: Redis = sentinel.master_for(
        unquote(service),
        connection_pool_class=_BlockingSentinelPool,
        max_connections=max_connections,
        timeout=pool_wait,
    )
    return Connected(client, tuple(sentinel.sentinels))
