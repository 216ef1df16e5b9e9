"""A browser named the way a user recognises it, from its User-Agent header.

Shared by the trusted-browser list and the sign-ins on the security page, so both
call the same browser by the same name.
"""

from __future__ import annotations

import re

__all__ = ["MAX_SUMMARY_LENGTH", "user_agent_summary"]

_BROWSERS = (
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Windows", "Windows"),
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
_PRINTABLE = re.compile(r"[^\x20-\x7e]")
# The longest summary is "Opera · ChromeOS"; the bound keeps a stored one short whatever
# the tables above grow into.
MAX_SUMMARY_LENGTH = 60


def user_agent_summary(user_agent: str | None) -> str:
    """ "Firefox · Windows": enough for a user to tell their browsers apart, never the
    whole header (it is long and identifies more than the list needs). Empty when it
    names no browser we know."""
    if not user_agent:
        return ""
    agent = _PRINTABLE.sub("", user_agent[:512])
    browser = next((name for mark, name in _BROWSERS if mark in agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in agent), None)
    return " · ".join(part for part in (browser, system) if part)[:MAX_SUMMARY_LENGTH]
