"""The smallest layer that does what a verified request requires, to measure the guard by.

Written for the bench only, as small and as fast as it can be: it asks the host who is
logged in and checks the session's marker the way the guard's must be checked (the user,
the enrollment generation against the user's floor, the age, the login the session
records, and that this login has not ended), with the same two dicts of revocations the
guard holds. Anything else goes to the code prompt. No guard page, no fail-closed path,
no catching up: the floor, not a product.
"""

from __future__ import annotations

import time
from collections.abc import Container, Mapping

from starlette.types import ASGIApp, Receive, Scope, Send

from nextens_guard.backend import AuthBackend
from nextens_guard.login import LOGIN_KEY
from nextens_guard.marker import VERIFIED_KEY

__all__ = ["MinimalLayer"]

_REDIRECT = {
    "type": "http.response.start",
    "status": 303,
    "headers": [(b"location", b"/2fa/verify")],
}


class MinimalLayer:
    def __init__(
        self,
        app: ASGIApp,
        *,
        backend: AuthBackend,
        floors: Mapping[str, int | None],
        ended: Container[str],
        max_age: float,
    ) -> None:
        self.app = app
        self.backend = backend
        self.floors = floors
        self.ended = ended
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            user_id = await self.backend.authenticated_user_id(scope)
            if user_id is not None:
                session = scope["session"]
                marker = session.get(VERIFIED_KEY)
                login = session.get(LOGIN_KEY)
                floor = self.floors.get(user_id, 0)
                if not (
                    marker
                    and login
                    and marker[0] == user_id
                    and floor is not None
                    and marker[1] >= floor
                    and time.time() - marker[2] < self.max_age
                    and marker[3] == login[1]
                    and marker[3] not in self.ended
                ):
                    await send(_REDIRECT)
                    await send({"type": "http.response.body", "body": b""})
                    return
        await self.app(scope, receive, send)
