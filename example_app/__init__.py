"""A small Nextens-like host app: password login, a dashboard, a websocket echo, demo offices."""

from .app import build_app

__all__ = ["build_app"]
