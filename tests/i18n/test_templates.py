"""A host dresses the guard's pages in its own layout, or replaces any page, with its own
Jinja2 loader (``GuardSettings(template_loader=...)``), asked before the guard's own."""

from __future__ import annotations

import jinja2

from tests.i18n.html import parse
from tests.i18n.tour import people
from tests.support import Parts

HOST_BASE = """<!doctype html>
<html lang="{{ lang }}">
<head><title>Kantoorportaal</title><link rel="stylesheet" href="/static/app.css"></head>
<body data-host-layout data-guard-page="{% block page_name %}{% endblock %}">
<nav>Kantoorportaal</nav>
<main>{% block content %}{% endblock %}</main>
</body>
</html>
"""

HOST_VERIFY = """{% extends "nextens_guard/base.html" %}
{% from "nextens_guard/_macros.html" import code_field, csrf with context %}
{% block content %}
<h1 data-host-verify>Welkom terug bij het kantoorportaal</h1>
<form method="post" action="{{ form_action }}">
  {{ csrf() }}
  {{ code_field(error) }}
  <button type="submit">{{ t("submit_code") }}</button>
</form>
{% endblock %}
"""

# Keeps the guard's layout and changes one block of it.
HOST_BASE_EXTENDING = """{% extends "nextens_guard_default/base.html" %}
{% block footer %}<footer data-host-footer>Helpdesk: 020 123 45 67</footer>{% endblock %}
"""


def test_the_hosts_base_layout_wraps_every_guard_page(embedded: Parts) -> None:
    loader = jinja2.DictLoader({"nextens_guard/base.html": HOST_BASE})
    with people(embedded, "nl", template_loader=loader) as (rosa, _, _):
        rosa.login("rosa")
        for path in ("/2fa/enroll", "/2fa/enroll/scan", "/2fa/help/sync", "/2fa/nope"):
            page = parse(rosa.get(path).text)
            (body,) = page.all("body")
            assert body.has("data-host-layout"), path
            assert page.text_of("nav") == "Kantoorportaal"
            assert not page.all("header"), "the guard's own header is gone"


def test_the_host_replaces_one_page_and_keeps_the_others(embedded: Parts) -> None:
    loader = jinja2.DictLoader({"nextens_guard/verify.html": HOST_VERIFY})
    with people(embedded, "nl", template_loader=loader) as (rosa, _, _):
        rosa.login("rosa")
        secret = rosa.enroll()[0]
        rosa.post("/logout")
        rosa.login("rosa")
        rosa.clock.advance(60)
        prompt = parse(rosa.get("/2fa/verify").text)
        wrong = rosa.submit("/2fa/verify", code="12")
        recover = parse(rosa.get("/2fa/recover").text)
        assert rosa.verify(secret).status_code == 303

    assert prompt.text_of("h1") == "Welkom terug bij het kantoorportaal"
    assert prompt.all("header"), "the guard's layout around the host's page"
    (code,) = prompt.all("input", name="code")
    assert code["autocomplete"] == "one-time-code"
    assert wrong.status_code == 400
    assert "Een verificatie code bestaat uit 6 cijfers." in wrong.text
    assert recover.text_of("h1") == "Twee staps verificatie code kwijt?"


def test_a_host_layout_can_extend_the_guards_own_and_change_one_block(
    embedded: Parts,
) -> None:
    loader = jinja2.DictLoader({"nextens_guard/base.html": HOST_BASE_EXTENDING})
    with people(embedded, "en", template_loader=loader) as (rosa, _, _):
        rosa.login("rosa")
        page = parse(rosa.get("/2fa/enroll").text)

    assert page.text_of("footer") == "Helpdesk: 020 123 45 67"
    assert page.text_of("h1") == "Install the app"
    assert page.all("html", lang="en")
    assert page.all("header")


def test_a_host_loader_without_guard_templates_changes_nothing(embedded: Parts) -> None:
    loader = jinja2.DictLoader({"dashboard.html": "the host's own page"})
    with people(embedded, "nl", template_loader=loader) as (rosa, _, _):
        rosa.login("rosa")
        page = parse(rosa.get("/2fa/enroll").text)

    assert page.text_of("h1") == "Installeer de app"
