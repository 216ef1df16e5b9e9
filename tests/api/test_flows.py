"""Every flow of the manual, walked by a single-page app through the guard's JSON answers."""

from __future__ import annotations

import pyotp

from example_app.demo_data import DEMO_PASSWORD
from tests.api.spa import Spa
from tests.support import Parts, browser

# What a Dutch user of the single-page app reads when it asks for a step out of turn,
# or for a page before logging in.
WRONG_STEP = "Deze stap is nu niet aan de orde. Ga verder op de aangegeven pagina."
LOG_IN_FIRST = "Log eerst in met uw gebruikersnaam en wachtwoord."


def test_rosa_enrolls_through_the_json_api_and_reaches_the_app(spa: Spa) -> None:
    spa.browser.login("rosa")
    assert spa.get("/").json() == {
        "error": "two_factor_required",
        "action": "enroll",
        "url": "/2fa/enroll?next=%2F",
    }
    install = spa.state("/2fa/enroll?next=/aangifte")
    assert install["page"] == "install"
    assert (install["step"], install["total"]) == (1, 4)
    assert install["next_step"] == "/2fa/enroll/scan?next=%2Faangifte"
    scan = spa.state("/2fa/enroll/scan")
    assert scan["page"] == "scan"
    assert scan["otpauth_uri"] == (
        f"otpauth://totp/Nextens:rosa?secret={scan['secret']}&issuer=Nextens"
    )
    assert scan["qr_svg"].startswith("<svg")
    code = spa.state("/2fa/enroll/code")
    assert (code["page"], code["action"]) == ("code", "/2fa/enroll/code")
    right = pyotp.TOTP(scan["secret"]).at(spa.browser.clock.now)
    done = spa.post("/2fa/enroll/code?next=/aangifte", code=right)
    assert done.status_code == 200
    assert done.json() == {"next": "/2fa/enroll/finish?next=%2Faangifte"}
    finish = spa.state("/2fa/enroll/finish")
    assert finish["page"] == "finish"
    assert len(finish["reset_code"]) == 24
    assert finish["reset_code_grouped"].replace("-", "") == finish["reset_code"]
    activated = spa.post("/2fa/enroll/finish?next=/aangifte")
    assert activated.json() == {"next": "/aangifte"}
    assert spa.browser.get("/").status_code == 200


def test_a_finished_enrollment_step_points_the_app_to_the_step_it_needs(spa: Spa) -> None:
    spa.browser.login("rosa")
    early = spa.get("/2fa/enroll/finish")
    assert early.status_code == 409
    assert early.json() == {
        "error": "wrong_step",
        "message": WRONG_STEP,
        "next": "/2fa/enroll/scan",
    }
    spa.enroll()
    again = spa.get("/2fa/enroll")
    assert again.status_code == 409
    assert again.json()["next"] == "/"


def test_rosa_verifies_with_a_code_and_a_wrong_one_says_why_in_her_language(spa: Spa) -> None:
    spa.browser.login("rosa")
    secret, _ = spa.enroll()
    spa.browser.post("/logout")
    spa.browser.login("rosa")
    prompt = spa.state("/2fa/verify")
    assert prompt == {
        "page": "verify",
        "csrf_token": prompt["csrf_token"],
        "action": "/2fa/verify",
        "recover_url": "/2fa/recover",
        # Rotterdam does not allow trusted browsers: nothing offered.
        "trust_days": None,
        # Passkeys are off for this host: nothing to offer beside the code.
        "passkey_options": None,
        "passkey_action": "/2fa/verify/passkey",
        # No office rule asks for a passkey instead of the code.
        "code_allowed": True,
    }
    wrong = spa.post("/2fa/verify", code="12345")
    assert wrong.status_code == 400
    assert wrong.json() == {
        "error": "code_malformed",
        "message": "Een verificatie code bestaat uit 6 cijfers.",
        "field": "code",
    }
    english = spa.browser.post(
        "/2fa/verify",
        json={"csrf_token": spa.token(), "code": ""},
        headers={"accept-language": "en"},
    )
    assert english.json()["message"] == "Please enter the verification code."
    done = spa.post("/2fa/verify?next=/aangifte", code=spa.browser.code(secret))
    assert done.json() == {"next": "/aangifte"}
    assert spa.browser.get("/").status_code == 200


def test_rosa_recovers_with_her_reset_code_and_sets_up_a_new_phone(spa: Spa) -> None:
    spa.browser.login("rosa")
    old_secret, reset_code = spa.enroll()
    spa.browser.post("/logout")
    spa.browser.login("rosa")
    assert spa.state("/2fa/recover")["verify_url"] == "/2fa/verify"
    wrong = spa.post("/2fa/recover", reset_code="A" * 24)
    assert (wrong.status_code, wrong.json()["error"], wrong.json()["field"]) == (
        400,
        "reset_code_wrong",
        "reset_code",
    )
    done = spa.post("/2fa/recover", reset_code=reset_code.lower())
    assert done.json() == {"next": "/2fa/enroll"}
    assert spa.state("/2fa/enroll")["page"] == "install"
    # This login began before the recovery: the new phone is bound behind the password.
    step = spa.get("/2fa/enroll/scan")
    assert (step.status_code, step.json()["next"]) == (409, "/2fa/enroll/password")
    assert spa.state("/2fa/enroll/password")["page"] == "password"
    typed = spa.post("/2fa/enroll/password", password=DEMO_PASSWORD)
    assert typed.json() == {"next": "/2fa/enroll/scan"}
    new_secret, _ = spa.enroll()
    assert new_secret != old_secret


def test_anna_activates_amsterdam_through_the_json_wizard(parts: Parts) -> None:
    app = parts.app()
    with (
        browser(app, parts.clock) as anna_browser,
        browser(app, parts.clock, beside=anna_browser) as bram_browser,
    ):
        anna, bram = Spa(anna_browser), Spa(bram_browser)
        bram.browser.login("bram")
        anna.browser.login("anna")
        office = anna.state("/2fa/office")
        assert office["active"] is False
        assert office["may_manage"] is True
        assert office["linked_offices"] == [{"id": "utrecht", "name": "Kantoor Utrecht"}]
        assert anna.state("/2fa/office/activate")["total"] == 5
        secret = anna.state("/2fa/office/activate/scan")["secret"]
        # The code step waits for the password.
        early = anna.get("/2fa/office/activate/code")
        assert early.json() == {
            "error": "wrong_step",
            "message": WRONG_STEP,
            "next": "/2fa/office/activate/password",
        }
        wrong = anna.post("/2fa/office/activate/password", password="nope")
        assert (wrong.status_code, wrong.json()["field"]) == (400, "password")
        password = anna.post("/2fa/office/activate/password", password=DEMO_PASSWORD)
        assert password.json() == {"next": "/2fa/office/activate/code"}
        code = anna.post("/2fa/office/activate/code", code=anna.browser.code(secret))
        assert code.json() == {"next": "/2fa/office/activate/finish"}
        finish = anna.state("/2fa/office/activate/finish")
        assert (finish["step"], finish["linked_offices"][0]["name"]) == (5, "Kantoor Utrecht")
        assert bram.browser.get("/").status_code == 200  # nothing counts before the last step
        done = anna.post("/2fa/office/activate/finish")
        assert done.json() == {"next": "/2fa/office?done=activated"}
        office = anna.state("/2fa/office?done=activated")
        assert office["active"] is True
        assert office["notice"] == "Twee staps verificatie is geactiveerd."
        assert "activated" in [event["event"] for event in office["events"]]
        assert bram.get("/").json()["action"] == "enroll"


def test_an_enrolled_user_sees_her_reset_code_after_her_password(spa: Spa) -> None:
    spa.browser.login("rosa")
    _, reset_code = spa.enroll()
    page = spa.state("/2fa/office/reset-code")
    assert (page["page"], page["reset_code"]) == ("reset_code", None)
    wrong = spa.post("/2fa/office/reset-code", password="wrong")
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "password_wrong"
    shown = spa.post("/2fa/office/reset-code", password=DEMO_PASSWORD)
    assert shown.status_code == 200
    assert shown.json()["reset_code"] == reset_code


def test_a_user_without_two_step_verification_has_no_reset_code_to_see(spa: Spa) -> None:
    spa.browser.login("bram")
    answer = spa.get("/2fa/office/reset-code")
    assert answer.status_code == 404
    assert answer.json()["error"] == "not_enrolled"


def test_ruben_deactivates_rotterdam_and_rosa_logs_in_with_her_password_only(
    parts: Parts,
) -> None:
    app = parts.app()
    with (
        browser(app, parts.clock) as ruben_browser,
        browser(app, parts.clock, beside=ruben_browser) as rosa_browser,
    ):
        ruben, rosa = Spa(ruben_browser), Spa(rosa_browser)
        ruben.browser.login("ruben")
        ruben.enroll()
        assert ruben.state("/2fa/office/deactivate")["linked_offices"] == []
        refused = ruben.post("/2fa/office/deactivate", password="")
        assert refused.json()["error"] == "password_missing"
        done = ruben.post("/2fa/office/deactivate", password=DEMO_PASSWORD)
        assert done.json() == {"next": "/2fa/office?done=deactivated"}
        assert ruben.state("/2fa/office")["active"] is False
        gone = ruben.get("/2fa/office/deactivate")
        assert gone.json() == {"error": "wrong_step", "message": WRONG_STEP, "next": "/2fa/office"}
        rosa.browser.login("rosa")
        assert rosa.browser.get("/").status_code == 200


def test_ruben_resets_rosa_and_she_must_enroll_again(parts: Parts) -> None:
    app = parts.app()
    with (
        browser(app, parts.clock) as ruben_browser,
        browser(app, parts.clock, beside=ruben_browser) as rosa_browser,
    ):
        ruben, rosa = Spa(ruben_browser), Spa(rosa_browser)
        ruben.browser.login("ruben")
        ruben.enroll()
        rosa.browser.login("rosa")
        rosa.enroll()
        users = ruben.state("/2fa/users")
        assert users["office"] == {"id": "rotterdam", "name": "Kantoor Rotterdam"}
        rows = {row["id"]: row for row in users["users"]}
        assert rows["rosa"]["enrolled"] is True
        assert rows["rosa"]["since"] is not None
        user = ruben.state("/2fa/users/rosa")
        assert (user["may_reset"], user["reset_url"]) == (True, "/2fa/users/rosa/reset")
        assert ruben.state("/2fa/users/rosa/reset")["user"]["username"] == "rosa"
        done = ruben.post("/2fa/users/rosa/reset")
        assert done.json() == {"next": "/2fa/users/rosa?done=reset"}
        assert ruben.state("/2fa/users/rosa")["user"]["enrolled"] is False
        assert rosa.get("/").json()["action"] == "enroll"


def test_user_management_refuses_other_offices_and_users_without_rights(spa: Spa) -> None:
    spa.browser.login("ruben")
    spa.enroll()
    other = spa.get("/2fa/users/anna")
    assert other.status_code == 404
    assert other.json()["error"] == "http_404"
    own = spa.get("/2fa/users/ruben/reset")
    assert own.status_code == 403
    spa.browser.post("/logout")
    spa.browser.login("rosa")
    spa.enroll()
    answer = spa.get("/2fa/users")
    assert answer.status_code == 403
    assert answer.json() == {
        "error": "http_403",
        "message": "U heeft geen rechten voor deze pagina.",
    }


def test_nobody_logged_in_is_sent_to_the_hosts_login(spa: Spa) -> None:
    answer = spa.get("/2fa/verify?next=/aangifte")
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "login_required",
        "message": LOG_IN_FIRST,
        "next": "/login?next=%2Faangifte",
    }


def test_an_unverified_user_asking_for_the_office_page_is_told_to_verify(spa: Spa) -> None:
    spa.browser.login("rosa")
    spa.enroll()
    spa.browser.post("/logout")
    spa.browser.login("rosa")
    answer = spa.get("/2fa/office")
    assert answer.status_code == 401
    assert answer.json() == {
        "error": "two_factor_required",
        "action": "verify",
        "url": "/2fa/verify?next=%2F2fa%2Foffice",
    }
