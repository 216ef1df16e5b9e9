"""The clock steps in docs/end-user.md are the very steps the product's help page shows."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.support import Parts, browser

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "end-user.md"
PHONES = ("android_google", "android_microsoft", "ios")

_SECTION = re.compile(r'<section[^>]*data-sync="(\w+)"[^>]*>(.*?)</section>', re.DOTALL)
_HEADING = re.compile(r"<h2[^>]*>(.*?)</h2>", re.DOTALL)
_STEP = re.compile(r"<li>(.*?)</li>", re.DOTALL)


def shown_steps(embedded: Parts, language: str) -> dict[str, list[str]]:
    """Per phone: its heading, then each step, as the help page shows them in ``language``."""
    with browser(embedded.app(), embedded.clock) as visitor:
        page = visitor.get("/2fa/help/sync", headers={"Accept-Language": language})
    assert page.status_code == 200
    sections = {}
    for phone, body in _SECTION.findall(page.text):
        heading = _HEADING.search(body)
        assert heading, phone
        texts = [heading.group(1), *_STEP.findall(body)]
        sections[phone] = [" ".join(html.unescape(text).split()) for text in texts]
    return sections


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_guide_shows_every_clock_step_of_the_help_page_word_for_word(
    embedded: Parts, language: str
) -> None:
    guide = " ".join(GUIDE.read_text(encoding="utf-8").split())
    sections = shown_steps(embedded, language)

    assert sorted(sections) == sorted(PHONES)
    missing = [text for texts in sections.values() for text in texts if text not in guide]
    assert missing == []
