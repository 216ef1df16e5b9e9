"""The session's proof of the second step: an opaque marker, never a secret.

The host's session cookie is signed but readable, so the marker holds only the
verified user's id, the generation of their enrollment, when they verified and the
login it was made in (see :mod:`.login`). A reset changes the generation, which voids
every session that remembers the old one; a new login has a new id, which voids the
marker of the one before.

Any process can check a marker from what it holds of the revocations alone
(:meth:`VerifiedMarker.holds`), whether it has seen the user before or not: that is
what makes a verified request cost no I/O at any number of processes.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Mapping, MutableMapping
from typing import Any, Protocol

from .login import LOGIN_KEY

__all__ = ["PASSKEY_DUE_KEY", "VERIFIED_KEY", "Session", "VerifiedMarker"]

VERIFIED_KEY = "nextens_guard.verified"
# The same marker for a user who gave the second step but whose office requires a
# passkey they do not have yet: it opens the pages that add one, and nothing else.
PASSKEY_DUE_KEY = "nextens_guard.passkey_due"
_KEYS = (VERIFIED_KEY, PASSKEY_DUE_KEY)

Session = MutableMapping[str, Any]
_NUMBER = (int, float)


class Current(Protocol):
    """What knows whether the revocations a process holds are whole."""

    current: bool


class _Always:
    current = True


_ALWAYS_CURRENT: Current = _Always()


class VerifiedMarker:
    """The session's proof of the second step:
    ``[user id, generation, verified at, login id]``.

    It counts only for the user it names, only in the login the session records now
    and only while that login has not ended, only while their enrollment keeps that
    generation, and only for ``max_age`` seconds, so a session left open on a shared
    computer asks for a code again.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        max_age: float,
        ended: Container[str] = (),
        floors: Mapping[str, int | None] | None = None,
        revocations: Current = _ALWAYS_CURRENT,
    ) -> None:
        self._clock = clock
        self._max_age = float(max_age)
        # The logins that ended (logouts): their markers count for nothing.
        self._ended = ended
        # The users whose markers below a generation count for nothing (see .revocations).
        self._floors: Mapping[str, int | None] = {} if floors is None else floors
        # Whether ``ended`` and ``floors`` hold everything revoked (see .revocations).
        self._revocations = revocations

    def holds(self, session: Session, user_id: str) -> bool:
        """Whether the marker proves the second step for ``user_id`` from what this
        process knows of the revocations alone: they are current, and no floor of the
        user's rises above the marker's generation.
        """
        # Every verified request comes here, so the shapes are checked by unpacking and
        # comparing, and anything malformed lands in the except: it costs nothing when
        # nothing is raised, where an isinstance per field costs a call each.
        if not self._revocations.current:
            return False
        try:
            uid, generation, verified_at, login_id = session[VERIFIED_KEY]
            login_user, recorded_login, _ = session[LOGIN_KEY]
            floor = self._floors.get(user_id, 0)
            return (
                uid == user_id
                and login_user == user_id
                and recorded_login == login_id
                # Exactly int: JSON gives back a bool as one, and a bool is no generation.
                and type(generation) is int
                and floor is not None
                and generation >= floor
                and 0.0 <= self._clock() - verified_at < self._max_age
                and login_id not in self._ended
            )
        except (KeyError, TypeError, ValueError):
            return False

    def valid(
        self, session: Session, user_id: str, generation: int | None, key: str = VERIFIED_KEY
    ) -> bool:
        # Every verified request comes here: a tuple rather than ``int | float`` for
        # isinstance, which would build the union anew on each call.
        marker = session.get(key)
        if generation is None or not isinstance(marker, list) or len(marker) != 4:
            return False
        uid, marked_generation, verified_at, login_id = marker
        login = session.get(LOGIN_KEY)
        return (
            uid == user_id
            and marked_generation == generation
            and isinstance(verified_at, _NUMBER)
            and 0.0 <= self._clock() - verified_at < self._max_age
            # The login record is [user id, login id, generation] (see .login).
            and isinstance(login, list)
            and len(login) == 3
            and login[1] == login_id
            and login[0] == user_id
            and login_id not in self._ended
        )

    def mark(
        self,
        session: Session,
        user_id: str,
        generation: int,
        login_id: str,
        key: str = VERIFIED_KEY,
    ) -> None:
        """Mark the session with ``key``; the other marker goes, a session holds one."""
        self.forget(session)
        # A list, because the session is JSON and tuples come back as lists.
        session[key] = [user_id, generation, int(self._clock()), login_id]

    @staticmethod
    def forget(session: Session) -> None:
        for key in _KEYS:
            session.pop(key, None)

    @staticmethod
    def forget_unless_for(session: Session, user_id: str | None) -> None:
        """Drop a marker that names anyone but the user logged in now (or nobody is)."""
        for key in _KEYS:
            marker = session.get(key)
            if marker is not None and (
                user_id is None
                or not isinstance(marker, list)
                or not marker
                or marker[0] != user_id
            ):
                del session[key]
