"""What the fuzz tests type and send: odd text, near misses of the right value, odd bodies.

Values that depend on the running app (the right code, this session's form token) are
drawn as descriptions and filled in at the moment of sending, so every example prints
as plain data and can be pinned with ``@example``.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote_plus

import pyotp
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

__all__ = [
    "BODY_LIMIT",
    "CHARSETS",
    "FUZZ",
    "LOOKALIKE_DIGITS",
    "Body",
    "Dressed",
    "FormEncoding",
    "Huge",
    "Json",
    "LookAlike",
    "Multipart",
    "NearMiss",
    "OtherStep",
    "Pair",
    "Raw",
    "Right",
    "Text",
    "Token",
    "Tokens",
    "Typed",
    "Urlencoded",
    "bodies",
    "form",
    "form_encodings",
    "form_tokens",
    "next_targets",
    "odd_texts",
    "typed_codes",
    "typed_in",
    "typed_values",
    "unicode_text",
    "user_ids",
    "with_surrogates",
]

# The guard's default max_body_bytes: a larger body is answered with 413.
BODY_LIMIT = 16 * 1024

# Few examples per property, so the whole folder runs in well under a minute on both
# set-ups; each test builds one app and fuzzes one person's session in it. A wrong input
# that is accepted changes that session, so only the first failure is worth reporting.
FUZZ = settings(
    max_examples=12,
    deadline=None,
    report_multiple_bugs=False,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
        HealthCheck.filter_too_much,
    ],
)

ASCII_DIGITS = "0123456789"
# Digits of other scripts. int() reads the Arabic-Indic, Persian and full-width ones and
# str.isdigit() every one of them; no authenticator ever shows any of them.
LOOKALIKE_DIGITS = {
    "arabic-indic": "".join(chr(0x0660 + d) for d in range(10)),
    "persian": "".join(chr(0x06F0 + d) for d in range(10)),
    "full-width": "".join(chr(0xFF10 + d) for d in range(10)),
    "superscript": "\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079",
    "mathematical-bold": "".join(chr(0x1D7CE + d) for d in range(10)),
}
# Cyrillic letters drawn like Latin ones.
_CYRILLIC = dict(
    zip(
        "ABCEHKMOPTXYaceopxy",
        "\u0410\u0412\u0421\u0415\u041d\u041a\u041c\u041e\u0420\u0422\u0425\u0423"
        "\u0430\u0441\u0435\u043e\u0440\u0445\u0443",
        strict=True,
    )
)
Script = Literal[
    "arabic-indic", "persian", "full-width", "superscript", "mathematical-bold", "cyrillic"
]
SCRIPTS: tuple[Script, ...] = (
    "arabic-indic",
    "persian",
    "full-width",
    "superscript",
    "mathematical-bold",
    "cyrillic",
)
WHITESPACE = " \t\n\r\x0b\x0c\x1c\x85\u00a0\u1680\u2007\u200b\u2028\u202f\u3000\ufeff"
DIGIT_SOUP = ASCII_DIGITS + "".join(LOOKALIKE_DIGITS.values()) + " -\u00a0"


# Any character a browser can send: lone surrogates cannot be UTF-8.
SENDABLE_CHARS = st.characters(exclude_categories=["Cs"])


def unicode_text(*, min_size: int = 0, max_size: int = 40) -> st.SearchStrategy[str]:
    """Any text a browser can send (``with_surrogates`` below has the rest)."""
    return st.text(SENDABLE_CHARS, min_size=min_size, max_size=max_size)


def _repeated(piece: str, times: int) -> str:
    return piece * times


odd_texts: st.SearchStrategy[str] = st.one_of(
    st.just(""),
    unicode_text(),
    st.text(st.sampled_from(WHITESPACE), min_size=1, max_size=12),
    st.text(st.characters(categories=("Cc", "Cf", "Zl", "Zp")), min_size=1, max_size=12),
    st.text(st.sampled_from(DIGIT_SOUP), min_size=1, max_size=12),
    st.text(st.sampled_from(ASCII_DIGITS), max_size=12),
    # Long values: past a field's 2 KiB, up to the body limit and far beyond it.
    st.builds(
        _repeated,
        unicode_text(min_size=1, max_size=3),
        st.integers(min_value=100, max_value=30_000),
    ),
)


# Text with lone surrogates: no browser sends them, but a character set such as UTF-7
# carries them in a multipart body, and percent-escapes carry the invalid UTF-8 of them.
with_surrogates: st.SearchStrategy[str] = (
    st.lists(st.one_of(st.characters(categories=["Cs"]), st.characters()), max_size=12)
    .filter(bool)
    .map("".join)
)


def look_alike(char: str, script: Script) -> str:
    """``char`` written in another script, or in full width where that script has none."""
    digits = LOOKALIKE_DIGITS.get(script)
    if digits is not None and char in ASCII_DIGITS:
        return digits[int(char)]
    if script == "cyrillic" and char in _CYRILLIC:
        return _CYRILLIC[char]
    if script == "mathematical-bold" and char.isascii() and char.isalpha():
        first = 0x1D400 if char.isupper() else 0x1D41A
        return chr(first + ord(char.upper()) - ord("A"))
    if "!" <= char <= "~":
        return chr(ord(char) + 0xFEE0)
    return char


@dataclass(frozen=True)
class Right:
    """What the person should type now; for a code, also the secret behind it."""

    value: str
    secret: str | None = None
    now: float = 0.0

    def code_at(self, offset: int) -> str:
        """The code ``offset`` time steps from now."""
        assert self.secret is not None
        return str(pyotp.TOTP(self.secret).at(self.now + 30 * offset))


@dataclass(frozen=True)
class Text:
    """Typed as it is."""

    value: str

    def text_for(self, right: Right) -> str:
        return self.value


@dataclass(frozen=True)
class NearMiss:
    """The right value with one character replaced, added or dropped."""

    change: Literal["replace", "insert", "drop"]
    at: int
    char: str = "0"

    def text_for(self, right: Right) -> str:
        value = right.value
        if self.change == "insert":
            i = self.at % (len(value) + 1)
            return value[:i] + self.char + value[i:]
        i = self.at % len(value)
        if self.change == "replace":
            return value[:i] + self.char + value[i + 1 :]
        return value[:i] + value[i + 1 :]


@dataclass(frozen=True)
class LookAlike:
    """The right value with one character, or every one (``at`` -1), in another script."""

    script: Script
    at: int = -1

    def text_for(self, right: Right) -> str:
        value = right.value
        if self.at < 0:
            return "".join(look_alike(c, self.script) for c in value)
        i = self.at % len(value)
        return value[:i] + look_alike(value[i], self.script) + value[i + 1 :]


@dataclass(frozen=True)
class Dressed:
    """The right value with something before and after it."""

    before: str
    after: str

    def text_for(self, right: Right) -> str:
        return self.before + right.value + self.after


@dataclass(frozen=True)
class OtherStep:
    """The code of another time step: too old or too new to count."""

    offset: int

    def text_for(self, right: Right) -> str:
        return right.code_at(self.offset)


Typed = Text | NearMiss | LookAlike | Dressed | OtherStep


def typed_values(*, chars: st.SearchStrategy[str] = SENDABLE_CHARS) -> st.SearchStrategy[Typed]:
    """Odd text, or the right value changed a little."""
    # What sticks to a value copied or typed in a hurry: blanks, control characters.
    short = st.one_of(
        st.text(st.sampled_from("\x00" + WHITESPACE), max_size=3),
        st.text(st.characters(categories=("Cc", "Cf")), max_size=3),
        unicode_text(max_size=3),
    )
    return st.one_of(
        odd_texts.map(Text),
        with_surrogates.map(Text),
        st.builds(
            NearMiss,
            change=st.sampled_from(("replace", "insert", "drop")),
            at=st.integers(min_value=0, max_value=40),
            char=chars,
        ),
        st.builds(
            LookAlike, script=st.sampled_from(SCRIPTS), at=st.integers(min_value=-1, max_value=40)
        ),
        st.builds(Dressed, before=short, after=short),
        # One stray character after the value, as a copy and paste leaves it.
        st.builds(Dressed, before=st.just(""), after=st.sampled_from("\x00" + WHITESPACE)),
    )


typed_codes: st.SearchStrategy[Typed] = st.one_of(
    typed_values(chars=st.one_of(st.sampled_from(DIGIT_SOUP), SENDABLE_CHARS)),
    st.builds(
        OtherStep,
        offset=st.one_of(
            st.integers(min_value=-12, max_value=-2), st.integers(min_value=2, max_value=12)
        ),
    ),
)


# Bodies


class Token(enum.Enum):
    """A form token, filled in when the body is sent."""

    OWN = "this session's form token"
    FOREIGN = "a token of another session, signed with the right key"
    FORGED = "a token signed with another key"
    OWN_PREFIXED = "this session's token after another character"
    OWN_CUT = "this session's token without its last character"
    OWN_UPPER = "this session's token in capitals"


@dataclass(frozen=True)
class Tokens:
    own: str
    foreign: str
    forged: str

    def text(self, value: str | Token) -> str:
        if value is Token.OWN:
            return self.own
        if value is Token.FOREIGN:
            return self.foreign
        if value is Token.FORGED:
            return self.forged
        if value is Token.OWN_PREFIXED:
            return "0" + self.own
        if value is Token.OWN_CUT:
            return self.own[:-1]
        if value is Token.OWN_UPPER:
            return self.own.upper()
        return value


@dataclass(frozen=True)
class Pair:
    name: str
    value: str | Token


@dataclass(frozen=True)
class Request:
    content: bytes
    headers: dict[str, str]
    chunked: bool = False


@dataclass(frozen=True)
class Urlencoded:
    """A form body with well-formed pairs and raw pieces (broken escapes, raw bytes)."""

    pieces: tuple[Pair | bytes, ...]
    content_type: str = "application/x-www-form-urlencoded"

    def render(self, tokens: Tokens) -> Request:
        parts = [
            piece
            if isinstance(piece, bytes)
            else f"{_quoted(piece.name)}={_quoted(tokens.text(piece.value))}".encode()
            for piece in self.pieces
        ]
        return Request(b"&".join(parts), {"content-type": self.content_type})


def _quoted(text: str) -> str:
    """Percent-encoded UTF-8; a lone surrogate becomes the invalid UTF-8 it stands for."""
    return quote_plus(text.encode("utf-8", "surrogatepass"))


def _encoded(text: str, charset: str | None) -> bytes:
    try:
        return text.encode(charset or "utf-8", "surrogatepass")
    except (LookupError, UnicodeError):
        return text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Multipart:
    """A multipart body; ``charset`` is named in the content type and used for values."""

    pairs: tuple[Pair, ...]
    boundary: str = "fuzz"
    charset: str | None = None
    files: frozenset[int] = frozenset()

    def render(self, tokens: Tokens) -> Request:
        boundary = self.boundary.encode("ascii")
        chunks = []
        for index, pair in enumerate(self.pairs):
            disposition = f'form-data; name="{pair.name}"'
            if index in self.files:
                disposition += '; filename="upload.txt"'
            chunks.append(
                b"--"
                + boundary
                + b"\r\nContent-Disposition: "
                + _encoded(disposition, None)
                + b"\r\n\r\n"
                + _encoded(tokens.text(pair.value), self.charset)
                + b"\r\n"
            )
        chunks.append(b"--" + boundary + b"--\r\n")
        content_type = f"multipart/form-data; boundary={self.boundary}"
        if self.charset:
            content_type += f"; charset={self.charset}"
        return Request(b"".join(chunks), {"content-type": content_type})


@dataclass(frozen=True)
class Json:
    pairs: tuple[Pair, ...]

    def render(self, tokens: Tokens) -> Request:
        document = {pair.name: tokens.text(pair.value) for pair in self.pairs}
        content = json.dumps(document).encode()
        return Request(content, {"content-type": "application/json"})


@dataclass(frozen=True)
class Raw:
    content: bytes
    content_type: str | None

    def render(self, tokens: Tokens) -> Request:
        headers = {"content-type": self.content_type} if self.content_type else {}
        return Request(self.content, headers)


@dataclass(frozen=True)
class Huge:
    """A form around a long run of digits, sent whole or in chunks without a length."""

    field: str
    size: int
    token: Token | None
    chunked: bool = False

    def render(self, tokens: Tokens) -> Request:
        start = f"csrf_token={tokens.text(self.token)}&" if self.token else ""
        content = f"{start}{self.field}=".encode() + b"1" * self.size
        return Request(content, {"content-type": "application/x-www-form-urlencoded"}, self.chunked)


Body = Urlencoded | Multipart | Json | Raw | Huge

# How a browser sends a form: url-encoded, or multipart in a character set that keeps
# ASCII field names as they are.
FormEncoding = Literal["url-encoded", "utf-8", "latin-1", "utf-7"]
form_encodings: st.SearchStrategy[FormEncoding] = st.sampled_from(
    ["url-encoded", "utf-8", "latin-1", "utf-7"]
)


def form(encoding: FormEncoding, *pairs: Pair) -> Body:
    if encoding == "url-encoded":
        return Urlencoded(pairs)
    return Multipart(pairs, charset=encoding)


def typed_in(body: Body) -> list[str]:
    """The field values of ``body`` that are typed text rather than a form token."""
    if isinstance(body, Urlencoded):
        pieces: tuple[Pair | bytes, ...] = body.pieces
    elif isinstance(body, Multipart | Json):
        pieces = body.pairs
    else:
        pieces = ()
    return [
        piece.value for piece in pieces if isinstance(piece, Pair) and isinstance(piece.value, str)
    ]


_BROKEN = st.one_of(
    st.sampled_from(
        [
            b"%",
            b"%%",
            b"%zz",
            b"%C3",
            b"%FF%FE",
            b"%00",
            b"%u0031",
            b"\xff\xfe\x00",
            b"\xc3\x28",
            b"==",
            b"=",
            b"&",
            b";",
            b"+",
            b"csrf_token",
            b"code",
        ]
    ),
    st.binary(max_size=40),
)
CHARSETS = ["utf-8", "latin-1", "utf-16", "utf-7", "idna", "ascii", "rot13", "no-such-charset"]
_CONTENT_TYPES = [
    None,
    "text/plain",
    "application/json",
    "application/xml",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=utf-16",
    "multipart/form-data",
    "multipart/form-data; boundary=",
    "multipart/form-data; boundary=x",
    "multipart/mixed; boundary=x",
]
_RAW_CONTENT = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [
            b"--x\r\nbroken",
            b'--x\r\nContent-Disposition: form-data; name="code"\r\n\r\n123456',
            b"--x\r\nContent-Disposition: form-data\r\n\r\nvalue\r\n--x--\r\n",
            b'--x\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: form-data; name="a"'
            b"\r\n\r\n!!!\r\n--x--\r\n",
            b"{not json",
            b'{"code": 123456}',
            b"[]",
            b"\x00" * 64,
        ]
    ),
)


form_tokens: st.SearchStrategy[str | Token] = st.one_of(
    st.sampled_from([token for token in Token if token is not Token.OWN]),
    odd_texts,
    with_surrogates,
)


def bodies(
    fields: tuple[str, ...], *, needs_only_the_token: bool = False
) -> st.SearchStrategy[Body]:
    """Any body a client might post to a form with ``fields``.

    Most bodies start like a form: a ``csrf_token`` (often this session's own) and one of
    ``fields``, both odd, then anything else. For a form that ``needs_only_the_token``
    its own token would be a proper submission, so there it appears twice or not at all.
    """
    tokens = [token for token in Token if token is not Token.OWN or not needs_only_the_token]
    fields = fields or ("extra",)
    names = st.one_of(
        st.sampled_from(("csrf_token", *fields, "next", "code", "reset_code", "password")),
        unicode_text(max_size=20),
    )
    values: st.SearchStrategy[str | Token] = st.one_of(st.sampled_from(tokens), odd_texts)
    odd_values: st.SearchStrategy[str | Token] = st.one_of(values, with_surrogates)

    def heads(values: st.SearchStrategy[str | Token]) -> st.SearchStrategy[tuple[Pair, ...]]:
        token = st.one_of(st.just(Token.OWN), values) if not needs_only_the_token else values
        usual = st.builds(_token_and_field, token, st.sampled_from(fields), values)
        if needs_only_the_token:
            own_twice = (Pair("csrf_token", Token.OWN), Pair("csrf_token", Token.OWN))
            return st.one_of(st.just(()), usual, st.just(own_twice))
        return st.one_of(st.just(()), usual)

    def rest(values: st.SearchStrategy[str | Token]) -> st.SearchStrategy[tuple[Pair, ...]]:
        return st.lists(st.builds(Pair, names, values), max_size=8).map(tuple)

    return st.one_of(
        st.builds(
            Urlencoded,
            st.builds(
                _pieces,
                heads(values),
                st.lists(st.one_of(st.builds(Pair, names, values), _BROKEN), max_size=10),
            ),
        ),
        st.builds(
            Multipart,
            st.builds(_pairs, heads(odd_values), rest(odd_values)),
            boundary=st.text(st.sampled_from("abcxyzABC0123456789-_"), min_size=1, max_size=70),
            charset=st.sampled_from([None, *CHARSETS]),
            files=st.frozensets(st.integers(min_value=0, max_value=3), max_size=2),
        ),
        st.builds(Json, st.builds(_pairs, heads(values), rest(values))),
        st.builds(Raw, _RAW_CONTENT, st.sampled_from(_CONTENT_TYPES)),
        st.builds(
            Huge,
            st.sampled_from(fields),
            st.one_of(
                st.integers(min_value=BODY_LIMIT - 100, max_value=BODY_LIMIT + 100),
                st.integers(min_value=BODY_LIMIT, max_value=1_000_000),
            ),
            st.sampled_from([None, *tokens]),
            st.booleans(),
        ),
    )


def _token_and_field(token: str | Token, field: str, value: str | Token) -> tuple[Pair, ...]:
    return (Pair("csrf_token", token), Pair(field, value))


def _pairs(head: tuple[Pair, ...], rest: Sequence[Pair]) -> tuple[Pair, ...]:
    return (*head, *rest)


def _pieces(head: tuple[Pair, ...], rest: Sequence[Pair | bytes]) -> tuple[Pair | bytes, ...]:
    return (*head, *rest)


# Paths and targets

user_ids: st.SearchStrategy[str] = st.one_of(
    unicode_text(min_size=1, max_size=30),
    st.sampled_from(
        [
            "..",
            ".",
            "%2F",
            "%2f..%2f",
            "%2e%2e",
            "../rosa",
            "rosa/../ruben",
            "%00",
            "%FF",
            "%C0%AE%C0%AE",
            "ROSA",
            "Rosa",
            " rosa",
            "rosa ",
            "rosa\x00",
            "rosa/",
            "\uff52\uff4f\uff53\uff41",  # "rosa" in full width
            "r\u043esa",  # a Cyrillic o
            "rosa%00",
            "anna",
            "uma",
            "nobody",
        ]
    ),
    # Long ones, up to what a client sends in one URL once every byte is percent-encoded.
    st.builds(_repeated, unicode_text(min_size=1, max_size=3), st.integers(200, 1_500)),
)

next_targets: st.SearchStrategy[str] = st.one_of(
    unicode_text(max_size=60),
    st.sampled_from(
        [
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "http:evil.example",
            "javascript:alert(1)",
            "/\t/evil.example",
            "/\r\n//evil.example",
            " //evil.example",
            "/%2F%2Fevil.example",
            "/\x00//evil.example",
            "/" + "a" * 5_000,
        ]
    ),
    st.builds(
        lambda start, rest: start + rest,
        st.sampled_from(["/", "//", "/\\", "\\", "http:", "https://", " ", "/%09/", "/.."]),
        unicode_text(max_size=30),
    ),
)
