"""The limits hold for JSON as for forms: one counter, 429 with Retry-After for both."""

from __future__ import annotations

from example_app.demo_data import DEMO_PASSWORD
from nextens_guard.web.i18n import Translator
from tests.api.spa import Spa


def test_ten_wrong_codes_lock_the_user_out_with_429_and_retry_after(spa: Spa) -> None:
    spa.browser.login("rosa")
    secret, _ = spa.enroll()
    spa.browser.post("/logout")
    spa.browser.login("rosa")
    right = spa.browser.code(secret)
    wrong = "000000" if right != "000000" else "111111"
    statuses = [spa.post("/2fa/verify", code=wrong).status_code for _ in range(10)]
    assert statuses == [400] * 9 + [429]
    locked = spa.post("/2fa/verify", code=right)
    assert locked.status_code == 429
    body = locked.json()
    assert body["error"] == "locked"
    assert body["field"] == "code"
    assert body["retry_after"] == int(locked.headers["retry-after"]) > 0
    # The wait as people say it: in minutes, rounded up ("1 minuut" for 60 s).
    assert Translator("nl").wait(body["retry_after"]) in body["message"]
    # The form at the same moment is locked by the very same counter.
    form = spa.browser.submit("/2fa/verify", code=right)
    assert form.status_code == 429
    assert spa.get("/").status_code == 401


def test_json_and_form_failures_count_together(spa: Spa) -> None:
    spa.browser.login("rosa")
    secret, _ = spa.enroll()
    spa.browser.post("/logout")
    spa.browser.login("rosa")
    wrong = "000000" if spa.browser.code(secret) != "000000" else "111111"
    for _ in range(5):
        assert spa.browser.submit("/2fa/verify", code=wrong).status_code == 400
    statuses = [spa.post("/2fa/verify", code=wrong).status_code for _ in range(5)]
    assert statuses == [400] * 4 + [429]


def test_wrong_passwords_lock_the_reset_code_view(spa: Spa) -> None:
    spa.browser.login("rosa")
    spa.enroll()
    statuses = [spa.post("/2fa/office/reset-code", password="wrong").status_code for _ in range(10)]
    assert statuses[-1] == 429
    locked = spa.post("/2fa/office/reset-code", password=DEMO_PASSWORD)
    assert locked.status_code == 429
    assert "reset_code" not in locked.json()
    assert locked.json()["field"] == "password"
