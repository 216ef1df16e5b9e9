"""Trust this browser, in a real browser: Ruben allows it for his office, Rosa ticks the
box under the code, logs in again with her password alone, and removes the trust."""

from __future__ import annotations

from playwright.sync_api import expect

from example_app.demo_data import DEMO_PASSWORD
from tests.browser.album import Album
from tests.browser.conftest import PersonFactory
from tests.browser.people import Person


def allows_trust_for_30_days(admin: Person) -> None:
    """An administrator's first login, then the office's trust setting behind the password."""
    album, admin.album = admin.album, None
    admin.log_in()
    admin.enrolls()
    admin.album = album
    admin.opens_office_settings()
    expect(admin.page.locator("[data-trust-days]")).to_contain_text("Vertrouwde browsers staan uit")
    admin.shot("office")
    admin.page.get_by_role("link", name="Vertrouwde browsers instellen").click()
    admin.lands_on("/2fa/office/trust")
    admin.page.get_by_label("Ja, een browser mag een aantal dagen zonder code").check()
    admin.type_into("trust_days", "30")
    admin.type_into("password", DEMO_PASSWORD)
    admin.shot("office-setting")
    admin.page.get_by_role("button", name="Opslaan").click()
    admin.lands_on("/2fa/office")
    expect(admin.page.get_by_role("status")).to_have_text("Vertrouwde browsers staan aan.")
    expect(admin.page.locator("[data-trust-days]")).to_have_attribute("data-trust-days", "30")


def test_an_admin_allows_trust_and_a_user_trusts_her_browser_until_she_removes_it(
    people: PersonFactory,
) -> None:
    ruben, rosa = people("ruben"), people("rosa")
    album = Album("nl-trust")
    ruben.album = album
    allows_trust_for_30_days(ruben)

    rosa.log_in()
    rosa.enrolls()
    rosa.log_out()
    rosa.log_in()
    rosa.lands_on("/2fa/verify")
    rosa.album = album
    box = rosa.page.get_by_label("Vertrouw deze browser 30 dagen")
    expect(box).not_to_be_checked()
    box.check()
    rosa.type_into("code", rosa.phone.code())
    rosa.shot("code-prompt")
    rosa.click("check")
    rosa.sees_dashboard()

    # The password alone lets her in on this browser now.
    rosa.log_out()
    rosa.log_in()
    rosa.sees_dashboard()
    rosa.opens_office_settings()
    rosa.page.get_by_role("link", name="Mijn vertrouwde browsers").click()
    rosa.lands_on("/2fa/browsers")
    rows = rosa.page.locator("[data-trusted-browser]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Chrome")
    rosa.shot("own-list")

    # Her administrator sees it on her profile, and could remove it there.
    ruben.page.get_by_role("link", name="Gebruikers en hun twee staps verificatie").click()
    ruben.page.get_by_role("link", name="rosa", exact=True).click()
    ruben.lands_on("/2fa/users/rosa")
    expect(ruben.page.locator("[data-trusted-browser]")).to_have_count(1)
    # The whole row fits at 1000 px, its remove button too: nothing to scroll sideways for.
    table = ruben.page.locator("[data-trusted-browsers]")
    assert table.evaluate("t => t.parentElement.scrollWidth <= t.parentElement.clientWidth")
    expect(ruben.page.locator("[data-remove-browser]")).to_be_in_viewport()
    ruben.shot("admin-list")

    rosa.page.locator("[data-remove-browser]").click()
    expect(rosa.page.get_by_role("status")).to_contain_text("Verwijderd.")
    expect(rosa.page.locator("[data-no-trusted-browsers]")).to_be_visible()
    rosa.open("/")
    rosa.log_out()
    rosa.log_in()
    rosa.verifies()
    rosa.sees_dashboard()
