"""AES-GCM envelopes for secrets at rest, with key ids so keys can rotate.

A sealed value is ``<key id>:<12-byte nonce><ciphertext+tag>``. The associated
data binds it to one user and one purpose, so a ciphertext copied to another
user's row, or from the reset-code column to the secret column, fails to open.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import GuardError

__all__ = ["DecryptionError", "Envelope", "generate_key"]

_NONCE_BYTES = 12
_SEPARATOR = b":"


class DecryptionError(GuardError):
    """A stored value could not be opened: wrong key, wrong user, or tampered with."""


def generate_key() -> bytes:
    """A new random 256-bit AES key."""
    return AESGCM.generate_key(bit_length=256)


class Envelope:
    def __init__(self, keys: Mapping[str, bytes], *, current_key_id: str | None = None) -> None:
        if not keys:
            raise GuardError("at least one encryption key is needed")
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._current = current_key_id if current_key_id is not None else next(iter(keys))
        if self._current not in self._ciphers:
            raise GuardError("the current key id names no key")

    @property
    def current_key_id(self) -> str:
        return self._current

    @staticmethod
    def _associated_data(user_id: str, purpose: str) -> bytes:
        return f"nextens_guard\x00{purpose}\x00{user_id}".encode()

    def seal(self, plaintext: bytes, *, user_id: str, purpose: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self._current].encrypt(
            nonce, plaintext, self._associated_data(user_id, purpose)
        )
        return self._current.encode("ascii") + _SEPARATOR + nonce + sealed

    def open(self, token: bytes, *, user_id: str, purpose: str) -> bytes:
        key_id, separator, rest = bytes(token).partition(_SEPARATOR)
        cipher = self._ciphers.get(key_id.decode("ascii", "replace"))
        if not separator or cipher is None or len(rest) <= _NONCE_BYTES:
            raise DecryptionError("stored value has an unknown key id or is malformed")
        try:
            return cipher.decrypt(
                rest[:_NONCE_BYTES], rest[_NONCE_BYTES:], self._associated_data(user_id, purpose)
            )
        except InvalidTag:
            raise DecryptionError("stored value does not open for this user") from None

    def key_id_of(self, token: bytes) -> str:
        """Which key sealed ``token``: a rotation re-seals everything not under the current one."""
        return bytes(token).partition(_SEPARATOR)[0].decode("ascii", "replace")

    def reseal(self, token: bytes, *, user_id: str, purpose: str) -> bytes | None:
        """``token`` sealed again under the current key, or None when it already is.

        Raises DecryptionError when no configured key opens it.
        """
        if self.key_id_of(token) == self._current:
            return None
        plaintext = self.open(token, user_id=user_id, purpose=purpose)
        return self.seal(plaintext, user_id=user_id, purpose=purpose)
