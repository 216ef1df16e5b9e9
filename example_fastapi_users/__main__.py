"""``python -m example_fastapi_users``: the fastapi-users host on http://127.0.0.1:8000.

Log in at /docs with ``POST /auth/cookie/login`` (username ``rosa@example.nl``, password
``nextens-demo``), then open /2fa/enroll in the same browser to set up the app on your
phone; ``GET /users/me`` answers once the code was given. On plain http the cookies are
sent without ``Secure``, for this local demo only.
"""

from __future__ import annotations

import uvicorn

from example_app.__main__ import prepare, serving_options

from .app import build_app


def main(argv: list[str] | None = None) -> None:
    args = serving_options("python -m example_fastapi_users", __doc__).parse_args(argv)
    secrets = prepare(args, guarded=True)
    app = build_app(
        database_url=args.database_url,
        redis_url=args.redis_url,
        secrets=secrets,
        fresh=args.fresh,
        cookie_secure=False,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()
