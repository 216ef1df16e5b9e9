"""The manual: at first login every user of an active office enrolls, step by step."""

from __future__ import annotations

import io
import re

import cairosvg
import zxingcpp
from PIL import Image

from tests.support import Browser, Parts, browser, location


def test_rosa_is_sent_to_enrollment_at_first_login(user: Browser) -> None:
    assert user.login("rosa").status_code == 303
    answer = user.get("/")
    assert answer.status_code == 303
    assert location(answer) == "/2fa/enroll?next=%2F"


def test_a_user_of_an_inactive_office_passes_with_only_the_password(user: Browser) -> None:
    user.login("bram")
    page = user.get("/")
    assert page.status_code == 200
    assert 'data-app-page="dashboard"' in page.text
    assert 'data-user="bram"' in page.text


def test_enrollment_walks_through_install_scan_code_and_reset_code(user: Browser) -> None:
    user.login("rosa")
    install = user.get("/2fa/enroll")
    assert "Microsoft Authenticator" in install.text
    assert "Google Authenticator" in install.text
    scan = user.get("/2fa/enroll/scan")
    assert "<svg" in scan.text
    assert "data-totp-secret=" in scan.text
    secret, reset_code = user.enroll()
    assert len(secret) == 32
    assert len(reset_code) == 24  # 120 bits
    page = user.get("/")
    assert page.status_code == 200
    assert 'data-user="rosa"' in page.text


def test_the_qr_code_scans_as_an_otpauth_uri_with_issuer_nextens(user: Browser) -> None:
    user.login("rosa")
    page = user.get("/2fa/enroll/scan").text
    svg = re.search(r"<svg.*?</svg>", page, re.DOTALL)
    assert svg
    png = cairosvg.svg2png(
        bytestring=svg.group(0).encode(),
        output_width=400,
        output_height=400,
        background_color="white",
    )
    decoded = [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    secret = re.search(r'data-totp-secret="([A-Z2-7]+)"', page)
    assert secret
    assert decoded == [f"otpauth://totp/Nextens:rosa?secret={secret.group(1)}&issuer=Nextens"]


def test_reloading_the_scan_step_shows_the_same_qr_code(user: Browser) -> None:
    user.login("rosa")
    assert user.scan() == user.scan()


def test_nothing_is_active_until_the_final_activeren_click(parts: Parts, user: Browser) -> None:
    user.login("rosa")
    secret = user.scan()
    assert user.submit("/2fa/enroll/code", code=user.code(secret)).status_code == 303
    finish = user.get("/2fa/enroll/finish")
    assert "Activeren" in finish.text
    # She walks away before the last click: next time she is still not enrolled.
    user.post("/logout")
    user.login("rosa")
    assert location(user.get("/")).startswith("/2fa/enroll")


def test_the_finish_step_cannot_be_reached_without_a_correct_code(user: Browser) -> None:
    user.login("rosa")
    user.scan()
    answer = user.get("/2fa/enroll/finish")
    assert answer.status_code == 303
    assert location(answer).startswith("/2fa/enroll/code")
    assert "data-reset-code" not in answer.text


def test_a_wrong_code_at_enrollment_is_refused_with_a_clear_message(user: Browser) -> None:
    user.login("rosa")
    secret = user.scan()
    wrong = "000000" if user.code(secret) != "000000" else "111111"
    answer = user.submit("/2fa/enroll/code", code=wrong)
    assert answer.status_code == 400
    assert "niet juist" in answer.text


def test_an_enrolled_user_never_sees_the_secret_again(user: Browser) -> None:
    user.login("rosa")
    user.enroll()
    for path in ("/2fa/enroll", "/2fa/enroll/scan", "/2fa/enroll/finish"):
        answer = user.get(path)
        assert answer.status_code == 303
        assert "data-totp-secret" not in answer.text


def test_every_user_gets_a_personal_secret(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as rosa, browser(app, parts.clock, beside=rosa) as ruben:
        rosa.login("rosa")
        ruben.login("ruben")
        assert rosa.scan() != ruben.scan()


def test_another_login_of_the_same_user_never_sees_the_secret_in_progress(parts: Parts) -> None:
    app = parts.app()
    with browser(app, parts.clock) as phone, browser(app, parts.clock, beside=phone) as other:
        phone.login("rosa")
        other.login("rosa")
        first = phone.scan()
        second = other.scan()
        assert first != second
        # The enrollment started elsewhere is gone; the first browser starts over.
        answer = phone.get("/2fa/enroll/code")
        assert answer.status_code == 303
        assert location(answer).startswith("/2fa/enroll/scan")
        assert other.submit("/2fa/enroll/code", code=other.code(second)).status_code == 303
