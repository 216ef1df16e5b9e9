"""Key rotation while the app keeps serving: every secret sealed again under the new key,
nothing the app writes meanwhile lost, and the old key removable afterwards."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from nextens_guard.cli.keys import RotationReport, count_key_ids, rotate
from nextens_guard.crypto import Envelope, generate_key
from nextens_guard.services.enrollment import RESET_CODE_PURPOSE
from nextens_guard.services.verification import SECRET_PURPOSE
from nextens_guard.store.base import SealedValues
from nextens_guard.store.sql import SQLStore
from tests.cli.conftest import Operator
from tests.support import Parts, browser, location


def test_after_rotation_the_old_key_goes_and_enrolled_users_still_get_in(
    operator: Operator,
) -> None:
    parts = operator.parts
    old = (parts.secrets.key_id, parts.secrets.encryption_key)
    new = ("k2", generate_key())
    with browser(parts.app(), parts.clock) as rosa:
        rosa.login("rosa")
        secret, reset_code = rosa.enroll()
    with browser(parts.app(), parts.clock) as ruben:
        # An enrollment in progress holds sealed values too.
        ruben.login("ruben")
        ruben.get("/2fa/enroll")
        ruben.scan()

    # Every app process now seals with the new key and still opens the old one.
    operator.keys = [new, old]
    serving = parts.app(encryption_keys=dict(operator.keys))
    with browser(serving, parts.clock) as rosa:
        before = json.loads(operator("keys", "status", "--json").out)
        assert before["values"] == {"k2": 0, old[0]: 4}
        assert before["removable"] == []

        rotated = operator("keys", "rotate")

        assert rotated.code == 0, rotated.err
        assert "Sealed 4 values again under key k2; 0 already were." in rotated.out
        # The app kept serving throughout, on the rotated values.
        rosa.login("rosa")
        assert rosa.verify(secret).status_code == 303
        assert rosa.get("/").status_code == 200
        after = operator("keys", "status")
        assert after.code == 0
        assert f"{old[0]}       0 values  seals nothing: may be removed" in after.out
        again = json.loads(operator("keys", "rotate", "--json").out)
        assert (again["resealed"], again["already_current"], again["complete"]) == (0, 4, True)

    # Once nothing is sealed with the old key it is removed, and the codes still work.
    operator.keys = [new]
    with browser(parts.app(encryption_keys=dict(operator.keys)), parts.clock) as rosa:
        rosa.clock.advance(30)
        rosa.login("rosa")
        assert location(rosa.get("/")).startswith("/2fa/verify")
        assert rosa.verify(secret).status_code == 303
        assert rosa.get("/").status_code == 200
        rosa.post("/logout")
        rosa.login("rosa")
        assert rosa.submit("/2fa/recover", reset_code=reset_code).status_code == 303
    rotations = operator("audit", "export").out.splitlines()
    rotated_events = [json.loads(e) for e in rotations if '"keys_rotated"' in e]
    assert [e["actor_id"] for e in rotated_events] == [operator.actor, operator.actor]
    assert "resealed=4" in rotated_events[0]["detail"]


def test_values_no_configured_key_opens_are_reported_and_left_as_they_are(
    embedded_operator: Operator,
) -> None:
    parts = embedded_operator.parts
    configured = embedded_operator.keys
    with browser(parts.app(), parts.clock) as rosa:
        rosa.login("rosa")
        rosa.enroll()
    embedded_operator.keys = [("k3", generate_key())]

    status = embedded_operator("keys", "status")
    assert status.code == 1
    assert "NOT CONFIGURED" in status.out
    assert "not configured (dev1)" in status.err
    rotated = embedded_operator("keys", "rotate")
    assert rotated.code == 1
    assert "2 values open with no configured key" in rotated.err
    assert "rosa" in rotated.err

    embedded_operator.keys = configured
    untouched = json.loads(embedded_operator("keys", "status", "--json").out)
    assert untouched["values"] == {"dev1": 2}


# The race itself, on the store: the app writes a row between the rotation's read and
# its write.

K1 = ("k1", generate_key())
K2 = ("k2", generate_key())
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


class AppWritesMeanwhile(SQLStore):
    """The real store, with an app process that starts a new enrollment for ``user`` just
    before the rotation writes its first batch back."""

    meanwhile: tuple[str, bytes, bytes] | None = None

    async def replace_sealed(
        self, changes: Sequence[tuple[SealedValues, SealedValues]]
    ) -> set[str]:
        if self.meanwhile is not None:
            user_id, secret, reset_code = self.meanwhile
            self.meanwhile = None
            await self.start_pending(
                user_id, secret=secret, reset_code=reset_code, owner="app", now=NOW
            )
        return await super().replace_sealed(changes)


@pytest.mark.anyio
@pytest.mark.parametrize("app_key", [K2, K1], ids=["app-on-new-key", "app-not-restarted-yet"])
async def test_a_value_the_app_writes_while_rotation_runs_is_never_lost(
    parts: Parts, app_key: tuple[str, bytes]
) -> None:
    store = AppWritesMeanwhile.from_url(parts.database_url, table_prefix=parts.table_prefix)
    assert isinstance(store, AppWritesMeanwhile)
    try:
        await store.setup()
        old = Envelope(dict([K1]))
        for user_id in ("anna", "bram", "uma"):
            await store.start_pending(
                user_id,
                secret=old.seal(
                    f"SECRET-{user_id}".encode(), user_id=user_id, purpose=SECRET_PURPOSE
                ),
                reset_code=old.seal(b"RESET", user_id=user_id, purpose=RESET_CODE_PURPOSE),
                owner="first",
                now=NOW,
            )
        app = Envelope(dict([app_key]))
        store.meanwhile = (
            "anna",
            app.seal(b"WRITTEN-BY-THE-APP", user_id="anna", purpose=SECRET_PURPOSE),
            app.seal(b"APP-RESET", user_id="anna", purpose=RESET_CODE_PURPOSE),
        )
        envelope = Envelope(dict([K2, K1]))

        report = await rotate(store, envelope, batch_size=2)

        assert report.complete
        assert report.reread == 1
        anna = await store.get_enrollment("anna")
        assert anna is not None
        assert anna.pending_secret is not None
        assert anna.pending_owner == "app"
        opened = envelope.open(anna.pending_secret, user_id="anna", purpose=SECRET_PURPOSE)
        assert opened == b"WRITTEN-BY-THE-APP"
        assert await count_key_ids(store, envelope) == {"k2": 6}
        bram = await store.get_enrollment("bram")
        assert bram is not None
        assert bram.pending_secret is not None
        only_new = Envelope(dict([K2]))
        assert only_new.open(bram.pending_secret, user_id="bram", purpose=SECRET_PURPOSE) == (
            b"SECRET-bram"
        )
    finally:
        await store.close()


def test_rotation_running_beside_busy_enrollments_loses_nothing(operator: Operator) -> None:
    parts = operator.parts
    old = (parts.secrets.key_id, parts.secrets.encryption_key)
    new = ("k2", generate_key())
    # The demo data switches Rotterdam on only in a database without events.
    for office in ("amsterdam", "rotterdam"):
        assert operator("office", "activate", office).code == 0
    users = ["anna", "bram", "uma", "victor", "ruben", "rosa"]
    with browser(parts.app(), parts.clock) as person:
        # Everyone began enrolling while the old key was the current one.
        for user_id in users:
            person.login(user_id)
            person.get("/2fa/enroll")
            person.scan()
    operator.keys = [new, old]
    envelope = Envelope(dict(operator.keys))
    stop = threading.Event()
    rotations: list[RotationReport] = []

    def rotate_until_stopped() -> None:
        async def rotations_in_a_row() -> None:
            store = SQLStore.from_url(parts.database_url, table_prefix=parts.table_prefix)
            try:
                while not stop.is_set():
                    rotations.append(await rotate(store, envelope, batch_size=1))
            finally:
                await store.close()

        asyncio.run(rotations_in_a_row())

    rotator = threading.Thread(target=rotate_until_stopped)
    secrets: dict[str, str] = {}
    rotator.start()
    try:
        # Meanwhile they all start again and finish, on an app process with the new key.
        with browser(parts.app(encryption_keys=dict(operator.keys)), parts.clock) as person:
            for user_id in users:
                person.post("/logout")
                person.login(user_id)
                secrets[user_id], _ = person.enroll()
    finally:
        stop.set()
        rotator.join()
    assert rotations
    assert all(report.complete for report in rotations)
    final = json.loads(operator("keys", "rotate", "--json").out)
    assert final["complete"] is True
    status = json.loads(operator("keys", "status", "--json").out)
    assert status["values"] == {"k2": 12, old[0]: 0}

    operator.keys = [new]
    with browser(parts.app(encryption_keys=dict(operator.keys)), parts.clock) as person:
        for user_id in users:
            person.post("/logout")
            person.login(user_id)
            assert person.verify(secrets[user_id]).status_code == 303, user_id
            assert person.get("/").status_code == 200, user_id
