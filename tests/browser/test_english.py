"""The same flows for a browser that asks for English (Accept-Language: en-US)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.album import Album
from tests.browser.conftest import PersonFactory


def test_an_english_speaking_user_enrolls_and_logs_in_with_a_code(
    people: PersonFactory,
) -> None:
    rosa = people("rosa", language="en")
    rosa.album = Album("en-enroll")
    rosa.log_in()
    rosa.lands_on("/2fa/enroll")
    expect(rosa.page.locator("html")).to_have_attribute("lang", "en")
    expect(rosa.page.get_by_role("heading", level=1)).to_have_text("Install the app")
    expect(rosa.page.locator("main")).to_contain_text("Your office has switched on")
    rosa.enrolls()
    rosa.sees_dashboard()

    rosa.album = Album("en-login")
    rosa.log_out()
    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    expect(rosa.page.get_by_role("heading", level=1)).to_have_text("Enter your verification code")
    rosa.type_into("code", rosa.phone.wrong_code())
    rosa.click("check")
    rosa.error_says("This code is not right")
    rosa.shot("wrong-code")
    rosa.click("lost", role="link")
    rosa.lands_on("/2fa/recover")
    expect(rosa.page.get_by_role("heading", level=1)).to_have_text(
        "Lost your two-step verification code?"
    )
    rosa.shot("recover")
    rosa.click("back_to_code", role="link")
    rosa.verifies()
    rosa.sees_dashboard()

    rosa.album = Album("en-reset-code")
    rosa.opens_office_settings()
    expect(rosa.page.get_by_role("heading", level=1)).to_contain_text("Two-step verification")
    rosa.click("view_reset_code", role="link")
    rosa.type_into("password", "nextens-demo")
    rosa.click("confirm")
    assert rosa.notes_the_reset_code() == rosa.reset_code
    expect(rosa.page.get_by_role("heading", level=1)).to_have_text("Your reset code")
    rosa.shot("shown")


def test_an_english_speaking_admin_activates_the_office_group(people: PersonFactory) -> None:
    uma = people("uma", language="en")
    uma.album = Album("en-activate")
    uma.log_in()
    uma.opens_office_settings()
    expect(uma.page.locator("[data-linked-offices]")).to_contain_text(
        "applies to every linked office: Kantoor Amsterdam"
    )
    uma.shot("office")
    uma.activates_the_office()
    expect(uma.page.get_by_role("status")).to_have_text("Two-step verification is switched on.")
    uma.shot("office-active")
    anna = people("anna", language="en")
    anna.log_in()
    anna.lands_on("/2fa/enroll")


def test_the_clock_help_page_speaks_english(people: PersonFactory) -> None:
    visitor = people("visitor", language="en")
    visitor.album = Album("en-help")
    visitor.open("/2fa/help/sync")
    expect(visitor.page.get_by_role("heading", level=1)).to_have_text(
        "Setting your phone's clock right"
    )
    for heading in (
        "Android with Google Authenticator",
        "Android with Microsoft Authenticator",
        "iPhone (iOS), with Microsoft or Google Authenticator",
    ):
        expect(visitor.page.get_by_role("heading", name=heading)).to_be_visible()
    visitor.shot("sync")
