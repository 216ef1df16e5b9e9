"""Every page can be used with a keyboard, a screen reader or a password manager, and
without JavaScript: labelled fields, the right input hints, errors tied to their field."""

from __future__ import annotations

import itertools

import pytest

from tests.i18n.html import Element, Page, parse
from tests.i18n.tour import PAGES, Tour

FIELD_TYPES = {"text", "password", "email", "number", "tel", ""}
ERROR_PAGES = [name for name in PAGES if name.endswith("_error")]


def fields(page: Page) -> list[Element]:
    return (
        [element for element in page.all("input") if element.attrs.get("type", "") in FIELD_TYPES]
        + page.all("select")
        + page.all("textarea")
    )


def words(element: Element) -> str:
    return " ".join(element.text.split()) or element.attrs.get("aria-label", "")


@pytest.mark.parametrize("name", PAGES)
def test_every_field_has_a_label(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)
    for field in fields(page):
        labels = [label for label in page.all("label") if label.attrs.get("for") == field["id"]]
        assert len(labels) == 1, f"{field['name']} has {len(labels)} labels"
        assert words(labels[0])


@pytest.mark.parametrize("name", PAGES)
def test_headings_start_at_one_h1_and_skip_no_level(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)
    levels = [
        int(element.tag[1])
        for element in page.elements
        if element.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}
    ]

    assert levels[:1] == [1]
    assert levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))


@pytest.mark.parametrize("name", PAGES)
def test_every_button_and_link_says_what_it_does(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)
    for element in page.all("button") + page.all("a"):
        assert words(element), element.attrs


@pytest.mark.parametrize("name", PAGES)
def test_one_field_at_most_has_the_focus(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)
    focused = page.with_attr("autofocus")

    assert len(focused) <= 1
    if fields(page):
        assert focused == fields(page)[:1], "the first field gets the focus"


@pytest.mark.parametrize(
    "name", ["enroll_code", "enroll_code_error", "verify", "verify_error", "activate_code"]
)
def test_the_code_field_asks_phones_and_password_managers_for_a_one_time_code(
    tour: Tour, name: str
) -> None:
    (code,) = parse(tour.pages[name].text).all("input", name="code")

    assert code["autocomplete"] == "one-time-code"
    assert code["inputmode"] == "numeric"
    assert code["pattern"]
    assert code["maxlength"] == "7"  # six digits, with room for "123 456"
    assert code.has("autofocus")
    assert code.has("required")


@pytest.mark.parametrize(
    ("name", "field", "autocomplete"),
    [
        ("recover", "reset_code", "off"),
        ("reset_code_ask", "password", "current-password"),
        ("deactivate", "password", "current-password"),
        ("activate_password", "password", "current-password"),
    ],
)
def test_the_other_fields_say_what_they_hold(
    tour: Tour, name: str, field: str, autocomplete: str
) -> None:
    (element,) = parse(tour.pages[name].text).all("input", name=field)

    assert element["autocomplete"] == autocomplete
    assert element["maxlength"]
    assert element.has("autofocus")


@pytest.mark.parametrize("name", ERROR_PAGES)
def test_an_error_is_shown_next_to_its_field_and_tied_to_it(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)
    (invalid,) = [field for field in fields(page) if field.attrs.get("aria-invalid") == "true"]
    (error,) = [page.by_id(ref) for ref in invalid["aria-describedby"].split()]

    assert error is not None
    assert words(error), "the error says what is wrong"
    assert error.attrs.get("role") == "alert"
    between = page.elements[page.elements.index(invalid) + 1 : page.elements.index(error)]
    assert not [element for element in between if element in fields(page)], "right after it"


@pytest.mark.parametrize("name", [name for name in PAGES if name not in ERROR_PAGES])
def test_a_fresh_form_marks_no_field_as_wrong(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)

    assert not page.with_attr("aria-invalid")
    assert not page.all(role="alert") or name in {"not_found", "forbidden"}


@pytest.mark.parametrize("name", PAGES)
def test_pages_work_without_javascript(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)
    for element in page.elements:
        assert not [attr for attr in element.attrs if attr.startswith("on")], element.attrs
        assert "style" not in element.attrs or element.tag == "svg"
        if element.tag == "a":
            assert not element["href"].startswith("javascript:")
    for form in page.all("form"):
        assert form["method"] == "post"
        assert form["action"]
        assert page.all("button", type="submit"), "a form is sent with a plain button"
    for script in page.all("script"):
        assert script["src"].endswith(("/static/guard.js", "/static/passkeys.js")), (
            "no inline script"
        )
        assert not script.text.strip()


@pytest.mark.parametrize("name", ["enroll_scan", "activate_scan"])
def test_the_qr_code_has_a_text_alternative_and_a_key_to_type(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)
    (qr,) = page.with_attr("data-qr")
    (key,) = page.with_attr("data-totp-secret")

    assert qr["role"] == "img"
    assert qr["aria-label"]
    assert words(key).replace(" ", "") == key["data-totp-secret"]


@pytest.mark.parametrize("name", ["users", "office_admin"])
def test_table_headers_say_they_head_a_column(tour: Tour, name: str) -> None:
    page = parse(tour.pages[name].text)

    assert page.all("th")
    assert all(th.attrs.get("scope") == "col" for th in page.all("th"))
