"""The guard's own session, for a host without one: kept in the shared state, per login.

A host whose login is a token (a JWT in a cookie, a bearer token in the Authorization
header) has no session for the guard's proof and steps. Its backend names the token
(``credential``, see :mod:`.backend`), and the guard keeps one session per token in the
shared state (Redis), under a keyed hash of it: the token itself is never stored, and a
key read out of Redis opens nothing. The proof then belongs to that token: a token from
a password alone has a session of its own, with no proof in it, whatever else the client
sends along.

A verified request reads nothing: each process keeps the sessions it saw carry a proof
(at most ``bound`` of them), and the proof is checked against the revocations on every
request, as a cookie session's is (see :mod:`.marker`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.types import Scope

from .ephemeral.base import Ephemeral
from .login import LOGIN_KEY
from .marker import VERIFIED_KEY, Session

__all__ = ["OwnSession", "OwnSessions"]

# A process keeps this many proven sessions: 100,000 at 556 bytes each (measured with
# tracemalloc by bench/token_host.py) is 56 MB
# at worst, and a session it no longer keeps costs one read when it comes back.
DEFAULT_BOUND = 100_000
_KEY_BYTES = 16


class OwnSession(dict[str, Any]):
    """A session as the guard's pages use one, that knows whether it changed."""

    def __init__(self, key: str | None, data: dict[str, Any] | None = None) -> None:
        super().__init__(data or {})
        #: The keyed hash of the credential; None for a request that carries none.
        self.key = key
        self._saved = _dump(self) if data else b""

    @property
    def changed(self) -> bool:
        return (_dump(self) if self else b"") != self._saved

    def saved(self) -> None:
        self._saved = _dump(self) if self else b""


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":"), sort_keys=True).encode()


class OwnSessions:
    """Every login's session, in the shared state; the proven ones also in this process."""

    def __init__(
        self,
        ephemeral: Ephemeral,
        credential: Callable[[Scope], Awaitable[str | None]],
        *,
        secret_key: str,
        seconds: int,
        bound: int = DEFAULT_BOUND,
    ) -> None:
        self._ephemeral = ephemeral
        # Public, so the middleware awaits it without a coroutine of ours around it.
        self.credential = credential
        # A key of its own, derived from the secret key, so no other use of the secret
        # key ever yields a session's name.
        self._hash_key = hashlib.blake2b(
            secret_key.encode(), digest_size=32, person=b"ng.session"
        ).digest()
        self._seconds = seconds
        self._bound = bound
        self._proven: dict[str, Session] = {}

    async def key_for(self, scope: Scope) -> str | None:
        """The name the session of the request's credential is kept under, or None."""
        return self.key_of(await self.credential(scope))

    def key_of(self, credential: str | None) -> str | None:
        """The name the session of ``credential`` is kept under; None for no credential."""
        if not credential:
            return None
        # blake2b's keyed mode is a MAC by design (RFC 7693 2.5), and cheaper than HMAC:
        # every request computes one.
        return hashlib.blake2b(
            credential.encode("utf-8", "surrogatepass"), key=self._hash_key, digest_size=_KEY_BYTES
        ).hexdigest()

    def proven(self, key: str) -> Session | None:
        """The session under ``key`` as this process last saw it carry a proof."""
        return self._proven.get(key)

    async def load(self, key: str | None) -> OwnSession:
        """The session under ``key``; empty when there is none, or ``key`` is None."""
        if key is None:
            return OwnSession(None)
        value = await self._ephemeral.load_session(key)
        data: Any = None
        if value is not None:
            try:
                data = json.loads(value)
            except ValueError:
                data = None
        return OwnSession(key, data if isinstance(data, dict) else None)

    async def save(self, session: OwnSession) -> None:
        """Keep ``session`` when it changed; remember it here when it carries a proof."""
        key = session.key
        if key is None:
            return
        if session.changed:
            await self._ephemeral.save_session(key, _dump(session), seconds=self._seconds)
            session.saved()
        if VERIFIED_KEY in session:
            if key not in self._proven and len(self._proven) >= self._bound:
                # The oldest out first: a dict keeps insertion order, and the cost per
                # request stays one lookup, where a true LRU moves an entry on every hit.
                del self._proven[next(iter(self._proven))]
            # The proof and the login it names are all a verified request reads: kept
            # alone, a proven session costs a third of the whole one.
            self._proven[key] = {
                VERIFIED_KEY: session[VERIFIED_KEY],
                LOGIN_KEY: session.get(LOGIN_KEY),
            }
        else:
            self._proven.pop(key, None)

    def __len__(self) -> int:
        return len(self._proven)
