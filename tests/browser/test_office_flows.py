"""The manual for administrators, in a real browser: switching two-step verification on
for an office group with the wizard, and off again with the password."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.album import Album
from tests.browser.conftest import PersonFactory


def test_an_admin_activates_the_office_group_with_the_five_step_wizard(
    people: PersonFactory,
) -> None:
    anna = people("anna")
    anna.album = Album("nl-activate")
    # Amsterdam starts without two-step verification: the password is enough.
    anna.log_in()
    anna.opens_office_settings()
    assert anna.office_status() == "inactive"
    # Amsterdam is linked to Utrecht: the page says the switch holds for both.
    expect(anna.page.locator("[data-linked-offices]")).to_contain_text("Kantoor Utrecht")
    anna.shot("office")
    anna.activates_the_office()
    expect(anna.page.get_by_role("status")).to_have_text("Twee staps verificatie is geactiveerd.")
    assert anna.office_status() == "active"
    anna.shot("office-active")
    anna.open("/")
    anna.sees_dashboard()

    # Her colleague and the users of the linked office enroll at their next login.
    bram, victor = people("bram"), people("victor")
    bram.album = anna.album
    bram.log_in()
    bram.lands_on("/2fa/enroll")
    bram.shot("colleague-enrolls")
    victor.log_in()
    victor.lands_on("/2fa/enroll")


def test_the_wizard_asks_for_the_password_before_the_code(people: PersonFactory) -> None:
    uma = people("uma")
    uma.log_in()
    uma.opens_office_settings()
    uma.click("switch_on", role="link")
    uma.click("next", role="link")
    uma.lands_on("/2fa/office/activate/scan")
    uma.scans_the_qr_code()
    # Skipping ahead to the code lands on the password step.
    uma.open("/2fa/office/activate/code")
    uma.lands_on("/2fa/office/activate/password")
    uma.type_into("password", "not-her-password")
    uma.click("next")
    uma.error_says("Dit wachtwoord is niet juist")
    uma.lands_on("/2fa/office/activate/password")
    # Walking away before "Activeren" switches nothing on.
    uma.open("/2fa/office")
    assert uma.office_status() == "inactive"


def test_deactivation_with_the_password_switches_the_whole_group_off(
    people: PersonFactory,
) -> None:
    anna = people("anna")
    anna.log_in()
    anna.opens_office_settings()
    anna.activates_the_office()
    bram = people("bram")
    bram.log_in()
    bram.enrolls()
    bram.sees_dashboard()

    anna.album = Album("nl-deactivate")
    anna.click("deactivate", role="link")
    anna.lands_on("/2fa/office/deactivate")
    expect(anna.page.locator("[data-linked-offices]")).to_contain_text("Kantoor Utrecht")
    anna.shot("confirm")
    anna.type_into("password", "not-her-password")
    anna.click("deactivate")
    anna.error_says("Dit wachtwoord is niet juist")
    anna.shot("wrong-password")
    assert anna.page.locator("[data-office-status]").count() == 0
    anna.type_into("password", "nextens-demo")
    anna.click("deactivate")
    anna.lands_on("/2fa/office")
    expect(anna.page.get_by_role("status")).to_have_text("Twee staps verificatie is gedeactiveerd.")
    assert anna.office_status() == "inactive"
    anna.shot("office-inactive")

    # Off for the whole group: the password is enough again, in both offices.
    for name in ("bram", "victor"):
        person = people(name)
        person.log_in()
        person.sees_dashboard()
