"""Personal reset codes: generate, format for reading, normalise, compare.

100 random bits in Crockford's base32 alphabet (no I, L, O, U), shown as four groups
of five, e.g. ``K7QF2-M9XDA-3HV8T-PZ4NE``. Typed codes are accepted in any case, with
or without separators, and with the letters people confuse read as the digits meant.
"""

from __future__ import annotations

import hmac
import secrets

__all__ = ["format_reset_code", "new_reset_code", "normalise_reset_code", "reset_codes_match"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LENGTH = 20  # 20 characters x 5 bits = 100 bits
_GROUP = 5
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_.\u00a0\t")


def new_reset_code() -> str:
    """A new reset code in its canonical form (no separators)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


def format_reset_code(code: str) -> str:
    return "-".join(code[i : i + _GROUP] for i in range(0, len(code), _GROUP))


def normalise_reset_code(raw: str) -> str | None:
    """The canonical form of what the user typed, or None when it cannot be a reset code."""
    if len(raw) > 4 * _LENGTH:
        return None
    code = raw.translate(_SEPARATORS)
    # ASCII before upper-casing: Unicode turns some letters into ASCII ones (a long s into "S").
    if not code.isascii():
        return None
    code = code.upper().translate(_CONFUSABLE)
    if len(code) != _LENGTH or not all(c in _ALPHABET for c in code):
        return None
    return code


def reset_codes_match(stored: str, typed: str) -> bool:
    """Compare canonical codes in constant time."""
    if not (stored.isascii() and typed.isascii()):
        return False
    return hmac.compare_digest(stored.encode("ascii"), typed.encode("ascii"))
