"""What the guard keeps in the host's session: a CSRF nonce and an opaque verified marker."""

from __future__ import annotations

import json
import secrets
from typing import Any

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from nextens_guard import csrf as guard_csrf
from nextens_guard import login
from nextens_guard import marker as guard_marker
from nextens_guard.csrf import CsrfTokens
from nextens_guard.marker import VerifiedMarker

SECRET_KEY = "a-signing-secret-of-at-least-32-characters"
OTHER_SECRET_KEY = "another-signing-secret-of-32-characters-or-more"
T0 = 1_750_000_000

Session = dict[str, Any]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The signer's clock, in whole seconds as itsdangerous counts them; move it by assigning."""
    now = [T0]

    def get_timestamp(self: TimestampSigner) -> int:
        return now[0]

    monkeypatch.setattr(TimestampSigner, "get_timestamp", get_timestamp)
    return now


@pytest.fixture
def csrf() -> CsrfTokens:
    return CsrfTokens(SECRET_KEY, max_age=3600)


# CSRF tokens


def test_a_form_token_checks_for_the_session_it_was_issued_for(csrf: CsrfTokens) -> None:
    session: Session = {}
    token = csrf.issue(session)

    assert csrf.check(session, token)


def test_a_session_keeps_one_nonce_across_forms(csrf: CsrfTokens) -> None:
    session: Session = {}
    first = csrf.issue(session)
    second = csrf.issue(session)

    assert csrf.check(session, first)
    assert csrf.check(session, second)


def test_the_session_holds_a_nonce_and_not_the_token(csrf: CsrfTokens) -> None:
    session: Session = {}
    token = csrf.issue(session)

    assert token not in json.dumps(session)
    assert SECRET_KEY not in json.dumps(session)


def test_a_form_token_survives_the_json_session_cookie(csrf: CsrfTokens) -> None:
    session: Session = {}
    token = csrf.issue(session)

    assert csrf.check(json.loads(json.dumps(session)), token)


def test_a_form_token_from_another_session_is_foreign(csrf: CsrfTokens) -> None:
    mine: Session = {}
    theirs: Session = {}
    csrf.issue(mine)
    their_token = csrf.issue(theirs)

    assert not csrf.check(mine, their_token)


def test_a_form_token_does_not_check_for_a_session_without_a_nonce(csrf: CsrfTokens) -> None:
    token = csrf.issue({})

    assert not csrf.check({}, token)


@pytest.mark.parametrize(
    "token",
    [None, "", "garbage", "a.b.c", "eyJ9.e30.AAAA", "\x00", "x" * 600, "x" * 100_000],
)
def test_a_missing_empty_or_garbage_form_token_is_refused(
    csrf: CsrfTokens, token: str | None
) -> None:
    session: Session = {}
    csrf.issue(session)

    assert not csrf.check(session, token)


def test_a_very_long_form_token_is_refused_even_when_well_signed(csrf: CsrfTokens) -> None:
    # A random nonce, so the signed token cannot compress below the limit.
    session: Session = {guard_csrf.CSRF_KEY: secrets.token_urlsafe(450)}
    token = csrf.issue(session)
    assert len(token) > 512

    assert not csrf.check(session, token)


def test_a_form_token_signed_with_another_secret_key_is_refused(csrf: CsrfTokens) -> None:
    session: Session = {}
    csrf.issue(session)
    forged = CsrfTokens(OTHER_SECRET_KEY, max_age=3600).issue(session)

    assert not csrf.check(session, forged)


def test_a_value_signed_for_another_purpose_is_not_a_form_token(csrf: CsrfTokens) -> None:
    session: Session = {}
    csrf.issue(session)
    nonce = session[guard_csrf.CSRF_KEY]
    other_purpose = URLSafeTimedSerializer(SECRET_KEY, salt="something-else").dumps(nonce)
    no_salt = URLSafeTimedSerializer(SECRET_KEY).dumps(nonce)

    assert not csrf.check(session, other_purpose)
    assert not csrf.check(session, no_salt)


def test_a_bare_nonce_is_not_a_form_token(csrf: CsrfTokens) -> None:
    session: Session = {}
    csrf.issue(session)

    assert not csrf.check(session, session[guard_csrf.CSRF_KEY])


def test_a_form_token_expires_after_max_age(clock: list[int]) -> None:
    csrf = CsrfTokens(SECRET_KEY, max_age=60)
    session: Session = {}
    token = csrf.issue(session)

    clock[0] = T0 + 60
    assert csrf.check(session, token)
    clock[0] = T0 + 61
    assert not csrf.check(session, token)


def test_a_form_token_with_max_age_zero_is_stale_one_second_later(clock: list[int]) -> None:
    csrf = CsrfTokens(SECRET_KEY, max_age=0)
    session: Session = {}
    token = csrf.issue(session)

    clock[0] = T0 + 1
    assert not csrf.check(session, token)


def test_a_form_token_from_the_future_is_refused(clock: list[int]) -> None:
    csrf = CsrfTokens(SECRET_KEY, max_age=3600)
    session: Session = {}
    token = csrf.issue(session)

    clock[0] = T0 - 10
    assert not csrf.check(session, token)


def test_the_form_field_is_named_csrf_token() -> None:
    assert guard_csrf.CSRF_FIELD == "csrf_token"


def test_the_session_keys_are_namespaced() -> None:
    assert guard_csrf.CSRF_KEY.startswith("nextens_guard.")
    assert guard_marker.VERIFIED_KEY.startswith("nextens_guard.")


# The verified marker

NOW = 1_700_000_000.0
DAY = 12 * 60 * 60


def markers(now: float = NOW) -> VerifiedMarker:
    return VerifiedMarker(clock=lambda: now, max_age=DAY)


def mark(session: Session, user_id: str, generation: int) -> str:
    """Mark ``session`` verified in its login (begun when it has none); the login id."""
    login_id = login.current(session, user_id)
    markers().mark(session, user_id, generation, login_id)
    return login_id


def test_a_marked_session_is_verified_for_that_user_and_generation() -> None:
    session: Session = {}
    mark(session, "anna", 1)

    assert markers().valid(session, "anna", 1)


def test_a_new_session_is_not_verified() -> None:
    assert not markers().valid({}, "anna", 1)


def test_the_marker_for_one_user_never_counts_for_another() -> None:
    session: Session = {}
    mark(session, "anna", 1)

    assert not markers().valid(session, "bram", 1)


def test_the_marker_for_one_generation_never_counts_for_another() -> None:
    session: Session = {}
    mark(session, "anna", 1)

    assert not markers().valid(session, "anna", 2)
    assert not markers().valid(session, "anna", 0)


def test_a_user_without_an_enrollment_is_never_verified() -> None:
    session: Session = {}
    mark(session, "anna", 1)

    assert not markers().valid(session, "anna", None)


def test_the_marker_survives_the_json_session_cookie() -> None:
    session: Session = {}
    mark(session, "anna", 3)

    assert markers().valid(json.loads(json.dumps(session)), "anna", 3)


def test_the_marker_holds_only_the_user_id_generation_time_and_login() -> None:
    session: Session = {}
    login_id = mark(session, "anna", 3)

    assert session[guard_marker.VERIFIED_KEY] == ["anna", 3, int(NOW), login_id]
    assert session[login.LOGIN_KEY] == ["anna", login_id, None]


def test_a_marker_from_an_earlier_login_never_counts_in_a_new_one() -> None:
    session: Session = {}
    mark(session, "anna", 1)

    login.begin(session, "anna", 1)

    assert not markers().valid(session, "anna", 1)


def test_a_marker_without_the_login_it_names_never_counts() -> None:
    session: Session = {}
    mark(session, "anna", 1)

    login.end(session)

    assert not markers().valid(session, "anna", 1)


def test_every_login_has_an_id_of_its_own() -> None:
    ids = {login.begin({}, "anna", 1) for _ in range(1000)}

    assert len(ids) == 1000
    assert all(len(login_id) >= 22 for login_id in ids)


def test_a_login_seen_before_a_reset_may_not_enroll_a_phone_without_the_password() -> None:
    session: Session = {}
    login.begin(session, "anna", 4)

    assert login.may_enroll(session, "anna", 4)
    assert not login.may_enroll(session, "anna", 5)
    assert not login.may_enroll(session, "bram", 4)

    login.renew(session, "anna", 5)
    assert login.may_enroll(session, "anna", 5)


def test_a_login_the_guard_did_not_see_being_made_may_not_enroll_without_the_password() -> None:
    session: Session = {}
    login.current(session, "anna")

    assert not login.may_enroll(session, "anna", 0)


def test_the_marker_lasts_a_working_day() -> None:
    session: Session = {}
    mark(session, "anna", 1)

    assert markers(NOW + DAY - 1).valid(session, "anna", 1)
    assert not markers(NOW + DAY).valid(session, "anna", 1)
    assert not markers(NOW - 60).valid(session, "anna", 1)


@pytest.mark.parametrize(
    "marker",
    [
        "anna",
        ["anna"],
        ["anna", 1],
        ["anna", 1, "x"],
        ["anna", 1, NOW],
        ["anna", 1, NOW, "another-login"],
        ("anna", 1, NOW),
        {"anna": 1},
        ["anna", "1", NOW],
        None,
    ],
)
def test_a_malformed_marker_never_counts(marker: object) -> None:
    session: Session = {guard_marker.VERIFIED_KEY: marker}

    assert not markers().valid(session, "anna", 1)


def test_forgetting_the_marker_ends_verification() -> None:
    session: Session = {"host": "value"}
    mark(session, "anna", 1)

    VerifiedMarker.forget(session)

    assert not markers().valid(session, "anna", 1)
    assert guard_marker.VERIFIED_KEY not in session
    assert session["host"] == "value"


def test_a_marker_for_someone_else_is_dropped_and_the_own_one_kept() -> None:
    session: Session = {}
    mark(session, "anna", 1)
    VerifiedMarker.forget_unless_for(session, "anna")
    assert markers().valid(session, "anna", 1)
    VerifiedMarker.forget_unless_for(session, "bram")
    assert guard_marker.VERIFIED_KEY not in session
    mark(session, "anna", 1)
    VerifiedMarker.forget_unless_for(session, None)
    assert guard_marker.VERIFIED_KEY not in session


def test_forgetting_an_unverified_session_is_harmless() -> None:
    session: Session = {}

    VerifiedMarker.forget(session)

    assert session == {}


# The marker checked from the revocations alone (any process, no store)


def proof_for(user_id: str, generation: int, login_id: str = "login-1") -> Session:
    return {
        login.LOGIN_KEY: [user_id, login_id, generation],
        guard_marker.VERIFIED_KEY: [user_id, generation, T0, login_id],
    }


def markers_with(floors: dict[str, int | None], ended: set[str] | None = None) -> VerifiedMarker:
    return VerifiedMarker(clock=lambda: T0 + 60, max_age=3600, ended=ended or set(), floors=floors)


def test_a_proof_holds_on_a_process_that_knows_nothing_of_the_user() -> None:
    assert markers_with({}).holds(proof_for("rosa", 3), "rosa")


def test_a_proof_below_the_users_raised_floor_holds_no_more() -> None:
    markers = markers_with({"rosa": 4, "ruben": 2})

    assert not markers.holds(proof_for("rosa", 3), "rosa")
    assert markers.holds(proof_for("rosa", 4), "rosa")
    assert markers.holds(proof_for("ruben", 3), "ruben")


def test_a_proof_of_a_user_whose_floor_is_unknown_never_holds_alone() -> None:
    assert not markers_with({"rosa": None}).holds(proof_for("rosa", 9), "rosa")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda s: s[guard_marker.VERIFIED_KEY].__setitem__(1, True),
        lambda s: s[guard_marker.VERIFIED_KEY].__setitem__(1, "3"),
        lambda s: s[guard_marker.VERIFIED_KEY].__setitem__(0, "ruben"),
        lambda s: s[guard_marker.VERIFIED_KEY].__setitem__(2, T0 - 4000),
        lambda s: s[guard_marker.VERIFIED_KEY].__setitem__(3, "login-2"),
        lambda s: s.pop(login.LOGIN_KEY),
        lambda s: s[guard_marker.VERIFIED_KEY].pop(),
    ],
    ids=["bool", "text", "other-user", "too-old", "other-login", "no-login", "short"],
)
def test_a_proof_that_is_not_exactly_right_never_holds(tamper: Any) -> None:
    session = proof_for("rosa", 3)
    tamper(session)

    assert not markers_with({}).holds(session, "rosa")


def test_a_proof_of_an_ended_login_never_holds() -> None:
    assert not markers_with({}, ended={"login-1"}).holds(proof_for("rosa", 3), "rosa")
