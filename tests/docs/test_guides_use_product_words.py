"""The guides quote the screens: every button and heading they name is the product's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextens_guard.web.i18n import Translator

DOCS = Path(__file__).resolve().parents[2] / "docs"

# What each guide tells its reader to look for or click, by message key.
QUOTED = {
    "office-admin.md": (
        "office.breadcrumb",
        "office.activate_button",
        "step_of",
        "enroll.install.heading",
        "next",
        "enroll.scan.heading",
        "activate.password.heading",
        "password.button",
        "enroll.code.heading",
        "submit_code",
        "enroll.finish.heading",
        "enroll.finish.button",
        "office.activated_done",
        "office.users_link",
        "status.enrolled",
        "status.not_enrolled",
        "user.reset_button",
        "user.reset_yes",
        "user.reset_cancel",
        "verify.lost",
        "office.view_reset_code",
        "office.deactivate_button",
        "office.deactivated_done",
        "office.events_heading",
        "trust.settings_link",
        "trust.choice_on",
        "trust.choice_off",
        "trust.save",
        "trust.remove_all",
        "webauthn.list.link",
        "page.429.title",
        "page.503.title",
    ),
    "end-user.md": (
        "enroll.install.heading",
        "next",
        "enroll.scan.heading",
        "enroll.code.heading",
        "submit_code",
        "enroll.finish.heading",
        "enroll.finish.button",
        "verify.heading",
        "verify.lost",
        "recover.button",
        "office.breadcrumb",
        "office.view_reset_code",
        "password.button",
        "help_sync_link",
        "webauthn.list.link",
        "webauthn.add",
        "webauthn.new.start",
        "webauthn.verify.button",
        "webauthn.remove.yes",
        "trust.own_link",
        "trust.remove_all",
        "page.503.title",
        "security.link",
        "security.authenticators.heading",
        "security.rename",
        "security.sign_ins.heading",
        "security.outcome.passed",
        "security.outcome.failed",
        "logout_everywhere.button",
    ),
}


def words(page: str) -> str:
    return " ".join((DOCS / page).read_text(encoding="utf-8").split())


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("page", sorted(QUOTED))
def test_every_screen_text_the_guide_names_is_the_one_the_product_shows(
    page: str, language: str
) -> None:
    t = Translator(language)
    guide = words(page)
    shown = {key: t(key, step=1, total=5) if key == "step_of" else t(key) for key in QUOTED[page]}

    missing = {key: text for key, text in shown.items() if text not in guide}

    assert missing == {}
