"""A software authenticator: a P-256 key that answers WebAuthn challenges as a passkey does.

It builds authenticatorData, clientDataJSON and the attestation object byte by byte, as
the WebAuthn spec lays them out, so the guard's checks (and the fido2 library's) meet
real signatures, and a test can play a phishing page (another origin), another site
(another RP ID), a replay or a cloned key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from copy import deepcopy
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.cose import ES256

# Flags of authenticatorData: user present, user verified, attested credential data.
_UP, _UV, _AT = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class SoftAuthenticator:
    """One passkey; ``counter`` moves by one at each use, as a security key's does
    (``keeps_counter=False``: always 0, as most synced passkeys)."""

    def __init__(self, *, keeps_counter: bool = True) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.keeps_counter = keeps_counter
        self.counter = 0

    def clone(self) -> SoftAuthenticator:
        """A copy of this key, counter and all, as a cloned security key would be."""
        return deepcopy(self)

    def _next_counter(self) -> int:
        if self.keeps_counter:
            self.counter += 1
        return self.counter

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def create(self, options: dict[str, Any], *, origin: str, rp_id: str | None = None) -> str:
        """The JSON a browser posts after ``navigator.credentials.create(options)``."""
        public_key = options["publicKey"]
        rp_id = rp_id or public_key["rp"]["id"]
        public = ES256.from_cryptography_key(self.key.public_key())  # type: ignore[no-untyped-call]
        cose_key = cbor.encode(dict(public))
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([_UP | _UV | _AT])
            + struct.pack(">I", self._next_counter())
            + bytes(16)  # the AAGUID of an authenticator that tells nothing of its maker
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + cose_key
        )
        client_data = self._client_data("webauthn.create", public_key["challenge"], origin)
        attestation = cbor.encode({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "attestationObject": b64url(attestation),
                },
            }
        )

    def get(self, options: dict[str, Any], *, origin: str, rp_id: str | None = None) -> str:
        """The JSON a browser posts after ``navigator.credentials.get(options)``."""
        public_key = options["publicKey"]
        rp_id = rp_id or public_key["rpId"]
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([_UP | _UV])
            + struct.pack(">I", self._next_counter())
        )
        client_data = self._client_data("webauthn.get", public_key["challenge"], origin)
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "authenticatorData": b64url(auth_data),
                    "signature": b64url(signature),
                },
            }
        )
