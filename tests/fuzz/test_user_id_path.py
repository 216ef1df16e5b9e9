"""Whatever stands in the user id of a reset path, only that user of the own office is reset."""

from __future__ import annotations

from urllib.parse import unquote

from hypothesis import assume, example, given

from tests.fuzz.inputs import FUZZ, user_ids
from tests.fuzz.people import assert_clean_answer, enrolled_mark, ruben_and_rosa
from tests.support import Parts, location


def in_path(user_id: str) -> str:
    """``user_id`` as one path segment: every byte percent-encoded, so none is lost."""
    return "".join(f"%{byte:02X}" for byte in user_id.encode())


def test_an_odd_user_id_in_the_reset_path_resets_no_one(parts: Parts) -> None:
    with ruben_and_rosa(parts) as (ruben, rosa):
        admin = ruben.browser
        token = admin.csrf_token("/2fa/users/rosa/reset")

        @FUZZ
        @given(user_id=user_ids)
        @example(user_id="..")
        @example(user_id="%2F")
        @example(user_id="%2e%2e")
        @example(user_id="ROSA")
        @example(user_id="rosa\x00")
        @example(user_id="anna")
        @example(user_id="ruben")
        @example(user_id="x" * 15_000)
        def another_user_id_resets_no_one(user_id: str) -> None:
            # The test client decodes the path once more than a server would.
            seen = unquote(user_id)
            assume(seen != "rosa")
            path = f"/2fa/users/{in_path(user_id)}/reset"

            confirm = admin.get(path)
            answer = admin.post(path, data={"csrf_token": token})

            # Ruben may not reset himself; anyone else is no user of his office.
            expected = 403 if seen == "ruben" else 404
            assert_clean_answer(confirm, {expected})
            assert_clean_answer(answer, {expected})
            assert enrolled_mark(admin, "rosa") == "yes"

        another_user_id_resets_no_one()

        answer = admin.submit("/2fa/users/rosa/reset")
        assert location(answer) == "/2fa/users/rosa?done=reset"
        assert enrolled_mark(admin, "rosa") == "no"
        assert location(rosa.browser.get("/")).startswith("/2fa/enroll")
