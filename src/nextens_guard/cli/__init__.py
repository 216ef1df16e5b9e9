"""``nextens-guard``: the operator's command line for the guard of a running app."""

from .main import main

__all__ = ["main"]
