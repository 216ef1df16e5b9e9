"""Middleware tests use the shared `parts`, `embedded` and `shared` fixtures of tests/."""
