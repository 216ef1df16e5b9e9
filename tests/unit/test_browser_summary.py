"""What a trusted browser is called in the lists: a browser and a system, never the header."""

from __future__ import annotations

import pytest

from nextens_guard.services.trust import user_agent_summary


@pytest.mark.parametrize(
    ("header", "summary"),
    [
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Firefox · Windows",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge · Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like "
            "Gecko) Version/18.1 Safari/605.1.15",
            "Safari · macOS",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Safari · iOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome · Android",
        ),
        ("curl/8.5.0", ""),
        ("", ""),
        (None, ""),
    ],
)
def test_a_browser_is_named_by_its_kind_and_system(header: str | None, summary: str) -> None:
    assert user_agent_summary(header) == summary


def test_a_huge_or_strange_header_gives_a_short_plain_name() -> None:
    summary = user_agent_summary("\x00\n<script>" + "Firefox/1 " * 10_000 + "Windows")
    assert summary == "Firefox"
    assert len(summary) < 40
