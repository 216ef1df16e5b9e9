"""The guard's own sessions for hosts whose login is a token: kept per token, never the
token itself, and a bounded set of proven ones in each process."""

from __future__ import annotations

import pytest
from starlette.types import Scope

from nextens_guard.ephemeral.memory import MemoryEphemeral
from nextens_guard.marker import VERIFIED_KEY
from nextens_guard.own_sessions import OwnSessions
from tests.ephemeral.harness import LIMITS

pytestmark = pytest.mark.anyio

TOKEN = "eyJhbGciOiJIUzI1NiJ9.the-token.signature"


async def no_credential(scope: Scope) -> str | None:
    return None


def sessions_on(state: MemoryEphemeral, *, secret: str = "s" * 32, bound: int = 10) -> OwnSessions:
    return OwnSessions(state, no_credential, secret_key=secret, seconds=60, bound=bound)


async def test_the_token_itself_is_never_kept_only_a_keyed_hash_of_it() -> None:
    state = MemoryEphemeral(LIMITS)
    sessions = sessions_on(state)
    key = sessions.key_of(TOKEN)
    assert key is not None
    assert TOKEN not in key
    # Another secret key names another session: a key read out of the store opens nothing.
    assert sessions_on(state, secret="t" * 32).key_of(TOKEN) != key

    session = await sessions.load(key)
    session["nextens_guard.csrf"] = "nonce"
    await sessions.save(session)

    assert (await sessions.load(key))["nextens_guard.csrf"] == "nonce"
    assert all(
        TOKEN not in name and TOKEN.encode() not in value[1]
        for name, value in state._sessions.items()
    )


async def test_no_token_means_no_session_and_nothing_kept() -> None:
    state = MemoryEphemeral(LIMITS)
    sessions = sessions_on(state)
    assert sessions.key_of(None) is None
    assert sessions.key_of("") is None
    session = await sessions.load(None)
    session["anything"] = 1
    await sessions.save(session)
    assert len(state) == 0


async def test_a_damaged_session_reads_as_an_empty_one() -> None:
    state = MemoryEphemeral(LIMITS)
    sessions = sessions_on(state)
    await state.save_session("damaged", b"{not json", seconds=60)
    await state.save_session("a-list", b"[1, 2]", seconds=60)
    assert dict(await sessions.load("damaged")) == {}
    assert dict(await sessions.load("a-list")) == {}


async def test_an_unchanged_session_is_not_written_again() -> None:
    state = MemoryEphemeral(LIMITS)
    sessions = sessions_on(state)
    session = await sessions.load("key")
    session["a"] = 1
    await sessions.save(session)
    await state.save_session("key", b'{"a":2}', seconds=60)

    await sessions.save(session)

    assert await state.load_session("key") == b'{"a":2}'


async def test_a_process_keeps_at_most_its_bound_of_proven_sessions() -> None:
    sessions = sessions_on(MemoryEphemeral(LIMITS), bound=3)
    for n in range(5):
        session = await sessions.load(f"key-{n}")
        session[VERIFIED_KEY] = ["rosa", 1, 0, f"login-{n}"]
        await sessions.save(session)

    assert len(sessions) == 3
    assert sessions.proven("key-0") is None
    assert sessions.proven("key-4") is not None

    # A session whose proof was dropped is no longer kept as proven.
    session = await sessions.load("key-4")
    del session[VERIFIED_KEY]
    await sessions.save(session)
    assert sessions.proven("key-4") is None
