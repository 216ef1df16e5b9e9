"""Who must use two-step verification.

A user must when any office of their office group has it switched on: an office that
is active never becomes inactive by being linked, until someone deactivates. The
answer for one user, together with the generation of their enrollment, is a
:class:`~nextens_guard.state.UserState`.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..backend import AuthBackend, GuardUser, Office
from ..state import UserState
from ..store.base import Store

__all__ = ["PolicyService"]


class PolicyService:
    def __init__(self, backend: AuthBackend, store: Store) -> None:
        self._backend = backend
        self._store = store

    async def office_group(self, office_id: str) -> Sequence[Office]:
        """The offices of this office's group as the host reports them now, itself included."""
        offices = list(await self._backend.linked_offices(office_id))
        if not any(office.id == office_id for office in offices):
            own = await self._backend.get_office(office_id)
            if own is not None:
                offices.insert(0, own)
        return offices

    async def required_for_office(self, office_id: str) -> bool:
        group = await self.office_group(office_id)
        ids = {office.id for office in group} | {office_id}
        return bool(await self._store.active_offices(ids))

    async def state_of(self, user_id: str) -> UserState:
        user = await self._backend.get_user(user_id)
        if user is None:
            # A session naming a user the host no longer knows: send it to the guard's
            # pages, which refuse it, rather than to the app.
            return UserState(required=True, generation=None)
        return await self.state_of_user(user)

    async def state_of_user(self, user: GuardUser) -> UserState:
        required = await self.required_for_office(user.office_id)
        generations = await self._store.get_generations([user.id])
        return UserState(required=required, generation=generations.get(user.id))
