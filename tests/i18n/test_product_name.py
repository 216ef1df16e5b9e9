"""The guard names the host's product, or none: it is Nextens only where the host says so."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from nextens_guard.web.i18n import LANGUAGES, read_catalog
from tests.support import Browser, Parts, browser

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "nextens_guard"
_URI = re.compile(r'href="(otpauth://[^"]+)"')


def scanned_uri(person: Browser) -> str:
    person.login("rosa")
    page = person.get("/2fa/enroll/scan")
    match = _URI.search(page.text)
    assert match, page.status_code
    return match.group(1).replace("&amp;", "&")


def test_no_text_or_page_the_package_ships_names_nextens() -> None:
    shipped = [
        *(PACKAGE / "templates").rglob("*.html"),
        *(PACKAGE / "static").iterdir(),
        *(PACKAGE / "locale").rglob("*.po"),
    ]

    assert [str(path) for path in shipped if "Nextens" in path.read_text("utf-8")] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_that_names_the_product_names_it_with_the_placeholder(language: str) -> None:
    texts = {str(m.id): str(m.string) for m in read_catalog(language) if m.id}

    assert "{product}" in texts["back_to_app"]
    assert "{product}" in texts["done.continue"]
    assert "{product}" in texts["page.503.body"]


@pytest.mark.parametrize(
    ("accept_language", "back", "asks"),
    [
        ("nl", "Terug naar de applicatie", "vraagt de applicatie voortaan ook om een code"),
        ("en", "Back to the application", "the application will also ask for a 6-digit code"),
    ],
)
def test_without_a_product_name_the_pages_say_the_application_in_their_language(
    embedded: Parts, accept_language: str, back: str, asks: str
) -> None:
    with browser(embedded.app(product_name=None), embedded.clock) as person:
        person.login("rosa")
        page = person.get("/2fa/enroll", headers={"Accept-Language": accept_language}).text

    assert back in page
    assert asks in page
    assert "Nextens" not in page
    assert 'class="ng-product"' not in page
    assert re.search(r"<title>[^<·]+</title>", page)


def test_the_pages_name_the_product_the_host_names(embedded: Parts) -> None:
    with browser(embedded.app(product_name="Acme Boekhouding"), embedded.clock) as person:
        person.login("rosa")
        page = person.get("/2fa/enroll").text

    assert '<span class="ng-product">Acme Boekhouding</span>' in page
    assert "· Acme Boekhouding</title>" in page
    assert "Terug naar Acme Boekhouding" in page
    assert "wachtwoord vraagt Acme Boekhouding voortaan ook om een code" in page


def test_a_product_name_is_shown_as_text_never_as_markup(embedded: Parts) -> None:
    with browser(embedded.app(product_name="<b>Acme</b>"), embedded.clock) as person:
        person.login("rosa")
        page = person.get("/2fa/enroll").text

    assert "<b>Acme</b>" not in page
    assert "Terug naar &lt;b&gt;Acme&lt;/b&gt;" in page


def test_the_authenticator_app_shows_the_product_name(embedded: Parts) -> None:
    with browser(embedded.app(product_name="Acme Boekhouding"), embedded.clock) as person:
        uri = urlsplit(scanned_uri(person))

    assert unquote(uri.path) == "/Acme Boekhouding:rosa"
    assert parse_qs(uri.query)["issuer"] == ["Acme Boekhouding"]


def test_the_authenticator_app_shows_an_issuer_of_the_hosts_own(embedded: Parts) -> None:
    app = embedded.app(product_name="Acme Boekhouding", issuer="Acme")
    with browser(app, embedded.clock) as person:
        uri = urlsplit(scanned_uri(person))

    assert parse_qs(uri.query)["issuer"] == ["Acme"]


def test_without_a_product_name_or_issuer_the_authenticator_app_shows_2fa(
    embedded: Parts,
) -> None:
    with browser(embedded.app(product_name=None), embedded.clock) as person:
        uri = urlsplit(scanned_uri(person))

    assert unquote(uri.path) == "/2FA:rosa"
    assert parse_qs(uri.query)["issuer"] == ["2FA"]


def test_the_example_app_is_nextens(embedded: Parts) -> None:
    with browser(embedded.app(), embedded.clock) as person:
        uri = urlsplit(scanned_uri(person))
        page = person.get("/2fa/enroll").text

    assert parse_qs(uri.query)["issuer"] == ["Nextens"]
    assert "Terug naar Nextens" in page
