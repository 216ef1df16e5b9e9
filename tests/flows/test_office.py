"""The manual's administrator side: Instellingen > Gebruikersbeheer > Twee staps verificatie."""

from __future__ import annotations

import re

import pytest

from tests.support import Browser, Parts, browser, location, sent_within

_RESET_CODE = re.compile(r'data-reset-code="([0-9A-Z]+)"')


def activate_office(admin: Browser, name: str = "anna") -> tuple[str, str]:
    """Walk the five steps of the activation wizard; the admin's secret and reset code."""
    admin.login(name)
    install = admin.get("/2fa/office/activate")
    assert install.status_code == 200
    assert 'data-step="1"' in install.text
    scan = admin.get("/2fa/office/activate/scan")
    secret = re.search(r'data-totp-secret="([A-Z2-7]+)"', scan.text)
    assert secret
    password = admin.submit("/2fa/office/activate/password", password="nextens-demo")
    assert password.status_code == 303, password.text
    code = admin.submit("/2fa/office/activate/code", code=admin.code(secret.group(1)))
    assert code.status_code == 303, code.text
    finish = admin.get("/2fa/office/activate/finish")
    assert 'data-step="5"' in finish.text
    reset_code = _RESET_CODE.search(finish.text)
    assert reset_code
    done = admin.submit("/2fa/office/activate/finish")
    assert done.status_code == 303
    assert location(done) == "/2fa/office?done=activated"
    admin.clock.advance(30)
    return secret.group(1), reset_code.group(1)


def status_of(person: Browser) -> str:
    page = person.get("/2fa/office")
    match = re.search(r'data-office-status="(\w+)"', page.text)
    assert match, page.status_code
    return match.group(1)


def test_the_office_page_says_two_step_verification_is_off_in_the_manuals_words(
    user: Browser,
) -> None:
    user.login("anna")
    page = user.get("/2fa/office")
    assert page.status_code == 200
    assert "alleen gebruikersnaam en wachtwoord" in page.text
    assert 'href="/2fa/office/activate"' in page.text


def test_the_office_page_warns_that_linked_offices_change_too_and_names_them(
    user: Browser,
) -> None:
    user.login("anna")
    page = user.get("/2fa/office")
    assert "data-linked-offices" in page.text
    assert "Kantoor Utrecht" in page.text


def test_an_office_without_links_shows_no_group_warning(user: Browser) -> None:
    user.login("ruben")
    user.enroll()
    page = user.get("/2fa/office")
    assert "data-linked-offices" not in page.text
    assert "Op dit moment is twee staps verificatie geactiveerd" in page.text


def test_anna_activates_amsterdam_and_bram_and_victor_must_enroll(parts: Parts) -> None:
    app = parts.app()
    with (
        browser(app, parts.clock) as anna,
        browser(app, parts.clock, beside=anna) as bram,
        browser(app, parts.clock, beside=anna) as victor,
    ):
        # Logged in with only the password before the activation...
        bram.login("bram")
        victor.login("victor")
        assert bram.get("/").status_code == 200
        assert victor.get("/").status_code == 200
        activate_office(anna)
        # ...and sent to enrollment at their very next request.
        assert location(bram.get("/")).startswith("/2fa/enroll")
        assert location(victor.get("/")).startswith("/2fa/enroll")
        # The activating admin is enrolled and verified.
        assert anna.get("/").status_code == 200
        assert status_of(anna) == "active"


def test_rotterdam_is_untouched_by_the_amsterdam_group(user: Browser) -> None:
    activate_office(user)
    user.post("/logout")
    user.login("rosa")
    user.enroll()
    # Uma switches the group off; Rotterdam still asks for codes.
    user.post("/logout")
    user.login("uma")
    user.enroll()
    assert user.submit("/2fa/office/deactivate", password="nextens-demo").status_code == 303
    user.post("/logout")
    user.login("rosa")
    assert location(user.get("/")).startswith("/2fa/verify")


def test_activation_only_counts_after_the_final_activeren_click(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as bram:
        bram.login("bram")
        anna.login("anna")
        anna.get("/2fa/office/activate")
        secret = anna.scan_at("/2fa/office/activate/scan")
        anna.submit("/2fa/office/activate/password", password="nextens-demo")
        anna.submit("/2fa/office/activate/code", code=anna.code(secret))
        assert "Activeren" in anna.get("/2fa/office/activate/finish").text
        # She stops here: nothing is active, nobody is enrolled.
        assert bram.get("/").status_code == 200
        assert status_of(anna) == "inactive"
        assert anna.get("/").status_code == 200


def test_the_password_step_cannot_be_skipped(user: Browser) -> None:
    user.login("anna")
    user.get("/2fa/office/activate")
    secret = user.scan_at("/2fa/office/activate/scan")
    for path in ("/2fa/office/activate/code", "/2fa/office/activate/finish"):
        answer = user.get(path)
        assert answer.status_code == 303
        assert location(answer).startswith("/2fa/office/activate/password")
    token = user.csrf_token("/2fa/office/activate/password")
    answer = user.post(
        "/2fa/office/activate/code", data={"csrf_token": token, "code": user.code(secret)}
    )
    assert location(answer).startswith("/2fa/office/activate/password")
    assert status_of(user) == "inactive"


def test_the_wizards_password_step_holds_for_fifteen_minutes_by_the_guards_clock(
    user: Browser,
) -> None:
    user.login("anna")
    user.get("/2fa/office/activate")
    user.scan_at("/2fa/office/activate/scan")
    assert user.submit("/2fa/office/activate/password", password="nextens-demo").status_code == 303
    user.clock.advance(14 * 60)
    assert user.get("/2fa/office/activate/code").status_code == 200

    user.clock.advance(2 * 60)

    answer = user.get("/2fa/office/activate/code")
    assert answer.status_code == 303
    assert location(answer).startswith("/2fa/office/activate/password")


def test_a_wrong_password_in_the_wizard_is_refused_and_counts_toward_the_lockout(
    user: Browser,
) -> None:
    user.login("anna")
    user.get("/2fa/office/activate/scan")
    statuses = [
        user.submit("/2fa/office/activate/password", password="wrong").status_code
        for _ in range(10)
    ]
    assert statuses == [400] * 9 + [429]
    answer = user.submit("/2fa/office/activate/password", password="nextens-demo")
    assert answer.status_code == 429
    assert int(answer.headers["retry-after"]) > 0


def test_only_users_with_user_management_rights_may_activate(user: Browser) -> None:
    user.login("bram")
    for path in ("/2fa/office/activate", "/2fa/office/activate/scan", "/2fa/office/deactivate"):
        assert user.get(path).status_code == 403, path
    page = user.get("/2fa/office")
    assert page.status_code == 200
    assert 'href="/2fa/office/activate"' not in page.text


def test_anna_sees_her_reset_code_again_after_her_password(user: Browser) -> None:
    _, reset_code = activate_office(user)
    page = user.get("/2fa/office/reset-code")
    assert "data-reset-code" not in page.text
    wrong = user.submit("/2fa/office/reset-code", password="not-it")
    assert wrong.status_code == 400
    assert "data-reset-code" not in wrong.text
    shown = user.submit("/2fa/office/reset-code", password="nextens-demo")
    assert shown.status_code == 200
    assert f'data-reset-code="{reset_code}"' in shown.text
    assert shown.headers["cache-control"] == "no-store"


def test_any_enrolled_user_sees_their_own_reset_code(user: Browser) -> None:
    user.login("rosa")
    _, reset_code = user.enroll()
    shown = user.submit("/2fa/office/reset-code", password="nextens-demo")
    assert f'data-reset-code="{reset_code}"' in shown.text


def test_uma_deactivates_and_both_offices_are_back_to_password_only(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as anna, browser(app, parts.clock, beside=anna) as uma:
        activate_office(anna)
        uma.login("uma")
        uma.enroll()
        page = uma.get("/2fa/office/deactivate")
        assert "Kantoor Amsterdam" in page.text
        assert "data-linked-offices" in page.text
        assert uma.submit("/2fa/office/deactivate", password="wrong").status_code == 400
        assert status_of(uma) == "active"
        done = uma.submit("/2fa/office/deactivate", password="nextens-demo")
        assert location(done) == "/2fa/office?done=deactivated"
        assert status_of(uma) == "inactive"
        assert status_of(anna) == "inactive"
        anna.post("/logout")
        anna.login("anna")
        assert anna.get("/").status_code == 200


def test_deactivation_destroys_enrollments_so_a_new_activation_starts_clean(
    user: Browser,
) -> None:
    old_secret, _ = activate_office(user)
    user.submit("/2fa/office/deactivate", password="nextens-demo")
    new_secret, _ = activate_office(user)
    assert new_secret != old_secret
    user.post("/logout")
    user.login("anna")
    assert user.submit("/2fa/verify", code=user.code(old_secret)).status_code == 400
    assert user.submit("/2fa/verify", code=user.code(new_secret)).status_code == 303


def test_activation_in_utrecht_makes_amsterdam_require_it(user: Browser) -> None:
    activate_office(user, "uma")
    user.post("/logout")
    user.login("bram")
    assert location(user.get("/")).startswith("/2fa/enroll")


def test_an_activation_reaches_a_password_only_session_on_another_process(shared: Parts) -> None:
    with (
        browser(shared.app(), shared.clock) as anna,
        browser(shared.app(), shared.clock) as victor,
    ):
        victor.login("victor")
        # Process B answers victor from its cache of "not required".
        for _ in range(3):
            assert victor.get("/").status_code == 200
        activate_office(anna)
        assert sent_within(victor, "/2fa/enroll", seconds=1.0)


BAD_PASSWORDS = ["", "   ", "x" * 5000, "wachtwoord\u00e9\u4e2d", "\u0000", "nextens-demo "]


@pytest.mark.parametrize("password", BAD_PASSWORDS)
@pytest.mark.parametrize(
    "path", ["/2fa/office/activate/password", "/2fa/office/reset-code", "/2fa/office/deactivate"]
)
def test_a_bad_password_is_refused_clearly_and_changes_nothing(
    user: Browser, path: str, password: str
) -> None:
    if path.endswith("/password"):
        user.login("anna")
        user.get("/2fa/office/activate/scan")
    else:
        activate_office(user)
    answer = user.submit(path, password=password)
    assert answer.status_code in {400, 413}
    assert "Traceback" not in answer.text
    assert "data-reset-code" not in answer.text
    expected = "inactive" if path.endswith("/password") else "active"
    assert status_of(user) == expected
