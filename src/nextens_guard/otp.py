"""RFC 6238 arithmetic, the provisioning URI and the QR code, with no I/O.

pyotp does the HMAC and truncation (RFC 4226); this module adds what pyotp leaves
to the caller: which time step matched (for replay protection), a strict check of
what the user typed, and a wider look that only ever explains a failure.
"""

from __future__ import annotations

import hmac
import io
from dataclasses import dataclass

import pyotp
import qrcode
import qrcode.image.svg

__all__ = [
    "DIGITS",
    "INTERVAL",
    "CodeCheck",
    "check_code",
    "clean_code",
    "new_secret",
    "provisioning_uri",
    "qr_svg",
    "time_step",
]

DIGITS = 6
INTERVAL = 30
SECRET_BYTES = 20  # 160 bits, RFC 4226's recommendation; 32 base32 characters
# Only ASCII digits: str.isdigit() and int() also accept Arabic-Indic and full-width
# digits, which no authenticator shows and which must never match.
_ASCII_DIGITS = frozenset("0123456789")


def new_secret() -> str:
    return pyotp.random_base32(length=SECRET_BYTES * 8 // 5)


def time_step(now: float) -> int:
    return int(now // INTERVAL)


def clean_code(raw: str) -> str | None:
    """The six ASCII digits the user meant, or None.

    Spaces and hyphens are dropped, since people copy codes as ``123 456``.
    """
    code = raw.replace(" ", "").replace("-", "").replace("\u00a0", "")
    if len(code) != DIGITS or not set(code) <= _ASCII_DIGITS:
        return None
    return code


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """What a typed code means for one secret.

    ``step`` is the time step that matched within the accepted window, or None.
    ``drift_steps`` is set when the code matched only outside that window: the phone's
    clock is off by that many steps. Such a code is never accepted.
    """

    step: int | None
    drift_steps: int | None = None

    @property
    def correct(self) -> bool:
        return self.step is not None


def check_code(
    secret: str, code: str, *, now: float, window: int = 1, drift_hint_steps: int = 0
) -> CodeCheck:
    """Compare ``code`` with every step in the window, in constant time, and say which matched.

    Every candidate is compared (no early exit), so the time taken does not tell which
    step matched.
    """
    if clean_code(code) != code:
        return CodeCheck(step=None)
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL)
    current = time_step(now)
    typed = code.encode("ascii")
    matched: int | None = None
    # Steps before the epoch do not exist (pyotp refuses them).
    for offset in range(-window, window + 1):
        if current + offset < 0:
            continue
        candidate = totp.generate_otp(current + offset).encode("ascii")
        if hmac.compare_digest(candidate, typed) and matched is None:
            matched = current + offset
    if matched is not None:
        return CodeCheck(step=matched)
    for distance in range(window + 1, drift_hint_steps + 1):
        for step in (current - distance, current + distance):
            if step >= 0 and hmac.compare_digest(totp.generate_otp(step).encode("ascii"), typed):
                return CodeCheck(step=None, drift_steps=step - current)
    return CodeCheck(step=None)


def provisioning_uri(secret: str, *, username: str, issuer: str) -> str:
    """The ``otpauth://totp/Issuer:user?secret=...&issuer=Issuer`` URI both apps read."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=INTERVAL).provisioning_uri(
        name=username, issuer_name=issuer
    )


def qr_svg(data: str) -> str:
    """The QR code of ``data`` as an inline SVG element, drawn on the server."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    # Drop the XML declaration: the SVG sits inside an HTML page.
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2 :].lstrip()
    return svg
