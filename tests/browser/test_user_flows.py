"""The manual for users, in a real browser: enrolling, logging in, a lost phone, the reset
code, and setting the phone's clock right."""

from __future__ import annotations

from playwright.sync_api import expect

from example_app.demo_data import DEMO_PASSWORD
from tests.browser.album import Album
from tests.browser.conftest import PersonFactory


def test_a_new_user_enrolls_by_scanning_the_qr_code_and_logs_in_with_a_code(
    people: PersonFactory,
) -> None:
    rosa = people("rosa")
    rosa.album = Album("nl-enroll")
    rosa.log_in(shot=True)
    # Rotterdam has two-step verification on: her first login goes to enrollment.
    rosa.lands_on("/2fa/enroll")
    expect(rosa.page.locator("html")).to_have_attribute("lang", "nl")
    expect(rosa.page.get_by_role("heading", level=1)).to_have_text("Installeer de app")
    rosa.enrolls()
    rosa.sees_dashboard()
    rosa.shot("dashboard")

    rosa.album = Album("nl-login")
    rosa.log_out()
    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    rosa.shot("verify")
    rosa.type_into("code", rosa.phone.wrong_code())
    rosa.click("check")
    rosa.error_says("Deze code is niet juist")
    rosa.shot("wrong-code")
    rosa.verifies()
    rosa.sees_dashboard()


def test_a_user_who_lost_the_phone_enrolls_again_with_the_reset_code(
    people: PersonFactory,
) -> None:
    rosa = people("rosa")
    rosa.log_in()
    reset_code = rosa.enrolls()
    old_secret = rosa.phone.secret
    assert old_secret is not None
    rosa.sees_dashboard()
    rosa.log_out()

    # A new phone: the app on it knows nothing yet.
    rosa.album = Album("nl-recover")
    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    rosa.click("lost", role="link")
    rosa.lands_on("/2fa/recover")
    rosa.shot("reset-code")
    # People type what they noted, in any case, with the dashes or without.
    grouped = "-".join(reset_code[i : i + 5] for i in range(0, len(reset_code), 5))
    rosa.type_into("reset_code", grouped.lower())
    rosa.click("set_up_again")
    rosa.lands_on("/2fa/enroll")
    rosa.shot("enroll-again")
    rosa.click("next", role="link")
    # The recovery came after this login: the new phone is bound behind her password.
    rosa.lands_on("/2fa/enroll/password")
    rosa.type_into("password", DEMO_PASSWORD)
    rosa.click("next")
    rosa.lands_on("/2fa/enroll/scan")
    assert rosa.scans_the_qr_code() != old_secret
    rosa.click("next", role="link")
    rosa.lands_on("/2fa/enroll/code")
    # The old phone's codes are worth nothing now.
    rosa.type_into("code", rosa.phone.code_of(old_secret))
    rosa.click("next")
    rosa.error_says("Deze code is niet juist")
    rosa.shot("old-phone-code-refused")
    rosa.type_into("code", rosa.phone.code())
    rosa.click("next")
    rosa.lands_on("/2fa/enroll/finish")
    assert rosa.notes_the_reset_code() != reset_code
    rosa.click("activate")
    rosa.lands_on("/2fa/done")
    rosa.click("continue", role="link")
    rosa.sees_dashboard()

    rosa.log_out()
    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    rosa.type_into("code", rosa.phone.code_of(old_secret))
    rosa.click("check")
    rosa.error_says("Deze code is niet juist")
    # The old reset code is used up as well.
    rosa.click("lost", role="link")
    rosa.type_into("reset_code", reset_code)
    rosa.click("set_up_again")
    rosa.error_says("Deze resetcode is niet juist")
    rosa.shot("old-reset-code-refused")


def test_a_user_sees_the_own_reset_code_again_after_entering_the_password(
    people: PersonFactory,
) -> None:
    rosa = people("rosa")
    rosa.log_in()
    noted = rosa.enrolls()
    rosa.album = Album("nl-reset-code")
    rosa.opens_office_settings()
    assert rosa.office_status() == "active"
    rosa.shot("office")
    rosa.click("view_reset_code", role="link")
    rosa.lands_on("/2fa/office/reset-code")
    expect(rosa.page.locator("[data-reset-code]")).to_have_count(0)
    rosa.shot("password")
    rosa.type_into("password", "not-her-password")
    rosa.click("confirm")
    rosa.error_says("Dit wachtwoord is niet juist")
    expect(rosa.page.locator("[data-reset-code]")).to_have_count(0)
    rosa.type_into("password", "nextens-demo")
    rosa.click("confirm")
    assert rosa.notes_the_reset_code() == noted
    rosa.shot("shown")


def test_an_admin_resets_a_user_after_confirming_and_the_user_enrolls_again(
    people: PersonFactory,
) -> None:
    rosa, ruben = people("rosa"), people("ruben")
    rosa.log_in()
    rosa.enrolls()
    first_secret = rosa.phone.secret
    rosa.sees_dashboard()
    ruben.log_in()
    ruben.enrolls()

    ruben.album = Album("nl-users")
    ruben.opens_office_settings()
    ruben.shot("office")
    ruben.click("users", role="link")
    ruben.lands_on("/2fa/users")
    expect(ruben.page.locator('[data-user-row="rosa"]')).to_have_attribute("data-enrolled", "yes")
    ruben.shot("list")
    ruben.page.get_by_role("link", name="rosa", exact=True).click()
    ruben.lands_on("/2fa/users/rosa")
    ruben.shot("user")
    ruben.click("reset_user", role="link")
    ruben.lands_on("/2fa/users/rosa/reset")
    ruben.shot("confirm")
    ruben.click("reset_yes")
    ruben.lands_on("/2fa/users/rosa")
    expect(ruben.page.get_by_role("status")).to_contain_text("is gereset")
    expect(ruben.page.locator("[data-enrolled]")).to_have_attribute("data-enrolled", "no")
    ruben.shot("done")

    # Her open session does not get past the guard any more, and her next login
    # starts a new enrollment.
    rosa.album = ruben.album
    rosa.open("/")
    rosa.lands_on("/2fa/enroll")
    rosa.shot("user-sent-to-enroll")
    rosa.album = None
    rosa.log_in()
    rosa.lands_on("/2fa/enroll")
    rosa.enrolls()
    assert rosa.phone.secret != first_secret
    rosa.sees_dashboard()


def test_the_clock_help_page_shows_the_steps_for_android_and_ios(people: PersonFactory) -> None:
    rosa = people("rosa")
    rosa.album = Album("nl-help")
    rosa.log_in()
    rosa.lands_on("/2fa/enroll")
    rosa.click("help_sync", role="link")
    rosa.lands_on("/2fa/help/sync")
    for combination, heading in [
        ("android_google", "Android met Google Authenticator"),
        ("android_microsoft", "Android met Microsoft Authenticator"),
        ("ios", "iPhone (iOS)"),
    ]:
        section = rosa.page.locator(f'[data-sync="{combination}"]')
        expect(section.get_by_role("heading")).to_contain_text(heading)
        expect(section.locator("li").first).to_be_visible()
        assert section.locator("li").count() >= 3
    rosa.shot("sync")
