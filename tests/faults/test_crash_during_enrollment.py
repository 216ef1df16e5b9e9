"""A crash at the final click of enrollment ("Activeren"): the database stores the whole
enrollment or none of it, the user sees a 503, and clicking again gets them in.

The store in front of the real one fails its next ``confirm_pending`` once: either before
the statement reaches the database, or after it committed and before the answer came back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest

from nextens_guard.errors import ServiceUnavailable
from nextens_guard.store.sql import SQLStore
from tests.middleware.host import APP_PAGE, build_host, real_store
from tests.support import Browser, Parts, browser, location

from .harness import assert_unavailable, enrollment_of

_RESET_CODE = re.compile(r'data-reset-code="([0-9A-Z]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class CrashingStore:
    """The real store, except that the next ``confirm_pending`` fails like a crash."""

    def __init__(self, target: SQLStore, *, after_commit: bool) -> None:
        self._target = target
        self._after_commit = after_commit
        self.crashes_left = 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._target, name)

    async def confirm_pending(self, user_id: str, **options: Any) -> int | None:
        if self.crashes_left == 0:
            return await self._target.confirm_pending(user_id, **options)
        self.crashes_left -= 1
        if self._after_commit:
            await self._target.confirm_pending(user_id, **options)
        raise ServiceUnavailable("database unavailable: confirm_pending failed (crash)")


@dataclass(frozen=True)
class FinalStep:
    """What the user has at the last step: the phone's secret, the reset code on the
    screen and the form with the "Activeren" button."""

    secret: str
    reset_code: str
    csrf_token: str

    def click(self, rosa: Browser) -> httpx.Response:
        """The "Activeren" button; clicking it again sends the very same form."""
        return rosa.post("/2fa/enroll/finish", data={"csrf_token": self.csrf_token})


def up_to_the_final_click(rosa: Browser) -> FinalStep:
    rosa.login("rosa")
    assert location(rosa.get("/")).startswith("/2fa/enroll")
    secret = rosa.scan()
    assert rosa.submit("/2fa/enroll/code", code=rosa.code(secret)).status_code == 303
    page = rosa.get("/2fa/enroll/finish").text
    shown = _RESET_CODE.search(page)
    token = _CSRF.search(page)
    assert shown, "no reset code on the finish page"
    assert token, "no form on the finish page"
    return FinalStep(secret, shown.group(1), token.group(1))


@pytest.mark.parametrize("after_commit", [False, True], ids=["before-commit", "after-commit"])
def test_a_crash_at_the_final_click_stores_the_whole_enrollment_or_none_and_a_retry_works(
    parts: Parts, after_commit: bool
) -> None:
    store = CrashingStore(real_store(parts), after_commit=after_commit)
    host = build_host(parts, store=store)
    with browser(host.app, parts.clock) as rosa:
        step = up_to_the_final_click(rosa)

        click = step.click(rosa)
        assert_unavailable(click)
        assert APP_PAGE not in click.text
        assert store.crashes_left == 0

        record = enrollment_of(parts, "rosa")
        assert record is not None
        if record.enrolled:
            # Never enrolled with half of it: the secret and its reset code go together.
            assert record.reset_code is not None
            assert record.pending_secret is None
            assert record.pending_reset_code is None
        else:
            assert record.secret is None
            assert record.reset_code is None
            assert record.pending_secret is not None
            assert record.pending_reset_code is not None
            assert record.pending_code_ok_at is not None
        assert record.enrolled is after_commit
        # Whatever was stored, the app stays out of reach until the user has finished.
        home = rosa.get("/")
        assert home.status_code == 303
        assert APP_PAGE not in home.text

        retry = step.click(rosa)
        assert retry.status_code == 303, retry.text
        if after_commit:
            # It did count: the user is asked for a code from the phone they just set up.
            assert location(retry).startswith("/2fa/verify"), (
                f"the enrollment is stored, yet the retry was sent to {location(retry)}: "
                "the guard still trusts the state it cached before the failed write"
            )
            parts.clock.advance(30)
            assert rosa.verify(step.secret).status_code == 303
        page = rosa.get("/")
        assert page.status_code == 200
        assert APP_PAGE in page.text

        stored = enrollment_of(parts, "rosa")
        assert stored is not None
        assert stored.enrolled
        assert stored.reset_code is not None
        assert stored.generation == 1

        # The reset code shown before the crash is the one that was stored.
        with browser(host.app, parts.clock, beside=rosa) as again:
            again.login("rosa")
            recovered = again.submit("/2fa/recover", reset_code=step.reset_code)
            assert recovered.status_code == 303, recovered.text
            assert location(recovered).startswith("/2fa/enroll")
