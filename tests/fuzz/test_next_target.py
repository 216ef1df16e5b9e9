"""Whatever ``next`` a guard form carries, where it sends the person stays on this site."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import httpx2 as httpx
from hypothesis import example, given

from tests.fuzz.inputs import FUZZ, next_targets
from tests.fuzz.people import assert_clean_answer, rosa_at_the_code_prompt
from tests.support import Parts

HERE = "http://testserver/2fa/verify"


def stays_here(answer: httpx.Response) -> bool:
    target = urlsplit(urljoin(HERE, answer.headers["location"]))
    return (target.scheme, target.netloc) == ("http", "testserver")


def test_no_next_target_leads_off_the_site(parts: Parts) -> None:
    with rosa_at_the_code_prompt(parts) as rosa:
        person = rosa.browser
        token = person.csrf_token("/2fa/verify")
        # Once verified, the code prompt only sends her on to where ``next`` points.
        assert person.verify(rosa.secret).status_code == 303

        @FUZZ
        @given(target=next_targets)
        @example(target="//evil.example")
        @example(target="/\\evil.example")
        @example(target="/\t/evil.example")
        @example(target="https://evil.example/")
        def the_target_is_on_this_site(target: str) -> None:
            for answer in (
                person.get("/2fa/verify", params={"next": target}),
                person.post("/2fa/verify", params={"next": target}, data={"csrf_token": token}),
                person.get("/2fa/enroll", params={"next": target}),
            ):
                assert_clean_answer(answer, {303})
                assert stays_here(answer), answer.headers["location"]

        the_target_is_on_this_site()
