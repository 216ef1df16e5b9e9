"""Personal reset codes: generate, format for reading, normalise, compare.

120 random bits in Crockford's base32 alphabet (no I, L, O, U): 24 characters shown as
six groups of four, e.g. ``K7QF-2M9X-DA3H-V8TP-Z4NE-6RWB``. Typed codes are accepted in
any case, with or without separators, and with the letters people confuse read as the
digits meant.

Codes made by 0.1 carried 100 bits in 20 characters (four groups of five). They keep
working until the user's next enrollment replaces them: a typed code of either length is
normalised, and a code of one length never matches a stored code of the other.
"""

from __future__ import annotations

import hmac
import secrets

__all__ = ["format_reset_code", "new_reset_code", "normalise_reset_code", "reset_codes_match"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# 24 x 5 = 120 bits. The code is kept encrypted, not hashed, because the user may look at
# it again (office page); OWASP ASVS 5.0 V6.5.2 asks a lookup secret stored that way to
# carry at least 112 bits.
_LENGTH = 24
# Groups of four: short enough to hold in mind while reading one aloud or typing it off
# paper, the way Dutch IBANs and the manual key on the enrollment page are printed, so
# the two codes a user copies at enrollment look alike. Six groups of four beat four of
# six: a six-character group is where people start to lose their place.
_GROUP = 4
# What the guard made before: kept readable as it was written down, groups of five.
_OLD_LENGTH = 20
_OLD_GROUP = 5
_LENGTHS = frozenset({_LENGTH, _OLD_LENGTH})
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", " -_.\u00a0\t")


def new_reset_code() -> str:
    """A new reset code in its canonical form (no separators)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))


def format_reset_code(code: str) -> str:
    """The code grouped for reading; an old code in the groups its owner wrote down."""
    group = _OLD_GROUP if len(code) == _OLD_LENGTH else _GROUP
    return "-".join(code[i : i + group] for i in range(0, len(code), group))


def normalise_reset_code(raw: str) -> str | None:
    """The canonical form of what the user typed, or None when it cannot be a reset code."""
    if len(raw) > 4 * _LENGTH:
        return None
    code = raw.translate(_SEPARATORS)
    # ASCII before upper-casing: Unicode turns some letters into ASCII ones (a long s into "S").
    if not code.isascii():
        return None
    code = code.upper().translate(_CONFUSABLE)
    if len(code) not in _LENGTHS or not all(c in _ALPHABET for c in code):
        return None
    return code


def reset_codes_match(stored: str, typed: str) -> bool:
    """Compare canonical codes in constant time.

    An old code and a new one differ in length, which ``compare_digest`` may reveal by
    its timing; that says only which kind of code the user holds, never a character.
    """
    if not (stored.isascii() and typed.isascii()):
        return False
    return hmac.compare_digest(stored.encode("ascii"), typed.encode("ascii"))
