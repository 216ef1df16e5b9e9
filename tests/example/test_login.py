"""The example's login: it keeps ``next``, asks for its form token and is rate limited."""

from __future__ import annotations

from urllib.parse import quote

from example_app.app import build_app
from example_app.fastapi_app import build_app as build_fastapi_app
from tests.example.conftest import ENGLISH, log_in
from tests.support import Browser, Parts, browser, location

WRONG = "not-the-password"


def test_the_login_form_carries_next_and_lands_there_after_the_password_and_the_code(
    person: Browser,
) -> None:
    assert log_in(person, "ruben").status_code == 303
    secret, _ = person.enroll()
    person.post("/logout")

    page = person.get("/login?next=/2fa/office")
    assert 'action="/login?next=/2fa/office"' in page.text
    answer = log_in(person, "ruben", next_url="/2fa/office")
    assert answer.status_code == 303
    assert location(answer) == "/2fa/office"
    step = person.get("/2fa/office")
    assert location(step) == "/2fa/verify?next=" + quote("/2fa/office", safe="")
    done = person.submit(location(step), code=person.code(secret))
    assert location(done) == "/2fa/office"
    assert person.get("/2fa/office").status_code == 200


def test_opening_the_office_page_logged_out_comes_back_to_it_after_the_login(
    person: Browser,
) -> None:
    to_login = person.get("/2fa/office")
    assert location(to_login) == "/login?next=" + quote("/2fa/office", safe="")
    answer = log_in(person, "bram", next_url="/2fa/office")
    assert location(answer) == "/2fa/office"
    assert person.get("/2fa/office").status_code == 200


def test_a_login_posted_without_its_form_token_logs_nobody_in(person: Browser) -> None:
    answer = person.post("/login", data={"username": "bram", "password": "nextens-demo"})
    assert answer.status_code == 400
    assert "verlopen" in answer.text
    assert location(person.get("/")).startswith("/login")


def test_a_form_token_of_another_browser_logs_nobody_in(embedded: Parts) -> None:
    app = embedded.app()
    with (
        browser(app, embedded.clock) as attacker,
        browser(app, embedded.clock, beside=attacker) as victim,
    ):
        token = attacker.csrf_token("/login")
        forged = victim.post(
            "/login", data={"csrf_token": token, "username": "bram", "password": "nextens-demo"}
        )
        assert forged.status_code == 400
        assert location(victim.get("/")).startswith("/login")


def test_ten_wrong_passwords_lock_the_login_even_for_the_right_one(parts: Parts) -> None:
    with browser(parts.app(), parts.clock) as guesser:
        answers = [log_in(guesser, "bram", WRONG).status_code for _ in range(10)]
        assert answers[:9] == [400] * 9
        assert answers[9] == 429
        right = log_in(guesser, "bram")
        assert right.status_code == 429
        assert 0 < int(right.headers["retry-after"]) <= 60
        assert "Te veel mislukte pogingen om in te loggen" in right.text
        assert location(guesser.get("/")).startswith("/login")


def test_a_locked_out_english_speaker_reads_why_in_english(person: Browser) -> None:
    person.client.headers["Accept-Language"] = ENGLISH
    for _ in range(10):
        log_in(person, "bram", WRONG)
    answer = log_in(person, "bram")
    assert answer.status_code == 429
    assert "Too many failed attempts to log in. Please try again in" in answer.text


def test_names_nobody_has_are_limited_like_real_ones(person: Browser) -> None:
    answers = [log_in(person, "nobody", WRONG).status_code for _ in range(11)]
    assert answers[-1] == 429


def test_the_fastapi_example_has_the_same_login_with_its_token_and_limit(parts: Parts) -> None:
    app = build_fastapi_app(
        database_url=parts.database_url,
        redis_url=parts.redis_url,
        secrets=parts.secrets,
        guard_options={"table_prefix": parts.table_prefix, "key_prefix": parts.key_prefix},
    )
    with browser(app, parts.clock) as guesser:
        no_token = guesser.post("/login", data={"username": "bram", "password": "nextens-demo"})
        assert no_token.status_code == 400
        assert log_in(guesser, "bram").status_code == 303
        guesser.post("/logout")
        answers = [log_in(guesser, "uma", WRONG).status_code for _ in range(10)]
        assert answers[-1] == 429


def test_without_the_guard_the_login_still_asks_for_its_form_token(embedded: Parts) -> None:
    app = build_app(database_url=embedded.database_url, secrets=embedded.secrets, guard=False)
    with browser(app, embedded.clock) as person:
        no_token = person.post("/login", data={"username": "rosa", "password": "nextens-demo"})
        assert no_token.status_code == 400
        answer = log_in(person, "rosa")
        assert location(answer) == "/"
        assert 'data-user="rosa"' in person.get("/").text
