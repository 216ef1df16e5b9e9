"""On a phone: the office page reads on a 360 px wide screen without scrolling sideways."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import PersonFactory

PHONE_WIDTH = 360


def test_the_office_events_read_on_a_phone_without_scrolling_sideways(
    people: PersonFactory,
) -> None:
    anna = people("anna")
    anna.log_in()
    anna.opens_office_settings()
    anna.activates_the_office()

    anna.page.set_viewport_size({"width": PHONE_WIDTH, "height": 740})
    anna.open("/2fa/office")
    expect(anna.page.locator("[data-audit]")).to_be_visible()

    page_width = anna.page.evaluate("document.documentElement.scrollWidth")
    table = anna.page.locator("[data-audit]").bounding_box()
    assert page_width <= PHONE_WIDTH
    assert table is not None
    assert table["x"] >= 0
    assert table["x"] + table["width"] <= PHONE_WIDTH
    scroller = anna.page.locator(".ng-scroll").first
    assert scroller.evaluate("box => box.scrollWidth <= box.clientWidth")
    # One card per event: its values one under another, each at the card's left edge.
    cells = anna.page.locator("[data-audit] tbody tr").first.locator("td:not(:empty)")
    boxes = [cells.nth(n).bounding_box() for n in range(cells.count())]
    assert len(boxes) >= 2
    assert all(box is not None for box in boxes)
    assert len({round(box["x"]) for box in boxes if box}) == 1
    assert [box["y"] for box in boxes if box] == sorted(box["y"] for box in boxes if box)
    # Each value still says which column it is.
    first_when = anna.page.locator("[data-audit] td.ng-when").first
    label = first_when.evaluate("cell => getComputedStyle(cell, '::before').content")
    assert "Tijdstip" in label
