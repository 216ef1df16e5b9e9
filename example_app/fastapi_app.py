"""The example host as a FastAPI app: ``python -m example_app.fastapi_app``.

The same demo offices, users and login as ``python -m example_app``, with a JSON route
that gets the user the guard let through from ``nextens_guard.fastapi``. Open
http://127.0.0.1:8000, log in as rosa (password ``nextens-demo``), set up the app on
your phone, then visit /api/me and /docs.
"""

from collections.abc import Mapping
from typing import Annotated, Any

import uvicorn
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from starlette.middleware.sessions import SessionMiddleware

from nextens_guard import Guard, GuardUser, TwoFactorMiddleware
from nextens_guard.fastapi import verified_user

from .__main__ import prepare, serving_options
from .app import ExampleApp, demo_lifespan, guard_settings, host_routes, host_state
from .backend import DemoBackend
from .notifications import Notifications
from .secrets_file import DevSecrets


class Me(BaseModel):
    """Who is asking, as the host app knows them."""

    username: str
    display_name: str
    office_id: str


def build_app(
    *,
    database_url: str,
    redis_url: str | None = None,
    secrets: DevSecrets,
    fresh: bool = False,
    guard_options: Mapping[str, Any] | None = None,
) -> ExampleApp:
    backend = DemoBackend()
    # One guard for the middleware, the route dependency and the demo data alike.
    notifications = Notifications()
    guard = Guard(
        backend=backend,
        settings=guard_settings(secrets, database_url, redis_url, guard_options, notifications),
    )

    api = FastAPI(title="Nextens example (FastAPI)", lifespan=demo_lifespan(guard, fresh=fresh))
    host_state(api.state, backend, guard, secrets, notifications)
    # The host's own login, logout and dashboard: the very pages of the Starlette example.
    api.router.routes.extend(host_routes())

    current_user = verified_user(guard)

    @api.get("/api/me")
    async def me(user: Annotated[GuardUser, Depends(current_user)]) -> Me:
        return Me(username=user.username, display_name=user.label, office_id=user.office_id)

    # The guard wraps the FastAPI app like any ASGI app, inside the session middleware.
    two_factor = TwoFactorMiddleware(api, guard=guard)
    outer = SessionMiddleware(two_factor, secret_key=secrets.session_secret, same_site="lax")
    return ExampleApp(outer, guard)


def main(argv: list[str] | None = None) -> None:
    args = serving_options("python -m example_app.fastapi_app", __doc__).parse_args(argv)
    secrets = prepare(args, guarded=True)
    app = build_app(
        database_url=args.database_url,
        redis_url=args.redis_url,
        secrets=secrets,
        fresh=args.fresh,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
