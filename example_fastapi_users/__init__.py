"""A second example host, on fastapi-users: JWT in a cookie for browsers and as a
bearer token for API clients, no session of its own. ``python -m example_fastapi_users``."""
