"""The host can replace any of the guard's templates with its own."""

from __future__ import annotations

import jinja2

from tests.middleware.host import build_host
from tests.support import Parts, browser


def test_the_host_overrides_a_guard_template_with_its_own_loader(parts: Parts) -> None:
    loader = jinja2.DictLoader(
        {
            "nextens_guard/enroll_install.html": (
                '{% extends "nextens_guard/base.html" %}'
                "{% block content %}<p data-host-template>Eigen huisstijl</p>{% endblock %}"
            )
        }
    )
    host = build_host(parts, template_loader=loader)
    with browser(host.app, parts.clock) as rosa:
        rosa.login("rosa")
        page = rosa.get("/2fa/enroll")
        assert page.status_code == 200
        assert "data-host-template" in page.text
        # Templates the host does not replace stay the guard's own.
        assert "data-totp-secret" in rosa.get("/2fa/enroll/scan").text
