"""Development keys, generated once and kept in a file next to the demo database."""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from nextens_guard.crypto import generate_key

KEY_FILE_NAME = "nextens_guard_dev.key"


@dataclass(frozen=True, slots=True)
class DevSecrets:
    session_secret: str
    guard_secret: str
    key_id: str
    encryption_key: bytes

    @classmethod
    def generate(cls) -> DevSecrets:
        return cls(
            session_secret=secrets.token_urlsafe(32),
            guard_secret=secrets.token_urlsafe(32),
            key_id="dev1",
            encryption_key=generate_key(),
        )

    @classmethod
    def load_or_create(cls, path: Path) -> tuple[DevSecrets, bool]:
        """The keys in ``path``, created (readable by the owner only) when missing."""
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            return (
                cls(
                    session_secret=data["session_secret"],
                    guard_secret=data["guard_secret"],
                    key_id=data["key_id"],
                    encryption_key=base64.b64decode(data["encryption_key"]),
                ),
                False,
            )
        fresh = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "session_secret": fresh.session_secret,
                    "guard_secret": fresh.guard_secret,
                    "key_id": fresh.key_id,
                    "encryption_key": base64.b64encode(fresh.encryption_key).decode("ascii"),
                },
                handle,
            )
        return fresh, True
