"""Decoding input bytes as text: byte-order marks, UTF-16/32, legacy code pages, binaries told apart.

In order: a known binary signature (PNG, PDF, zip, ELF, ...) skips the file;
a byte-order mark picks UTF-32, UTF-8 or UTF-16 (UTF-32's marks are checked
first: they begin with UTF-16's); UTF-16 and UTF-32 without a mark are
recognised by where their NUL bytes fall; then strict UTF-8, cp1252 (a
superset of printable Latin-1) and charset-normalizer's best guess.  Text
that is mostly control characters is not text.  A few NUL characters in
otherwise good text are dropped by :func:`drop_nuls` (the caller says so).
Newlines are normalised to ``\\n``.
"""

from __future__ import annotations

import codecs
import html
import re

__all__ = ["Undecodable", "decode_bytes", "decode_references", "drop_nuls", "normalise_newlines"]

# Control characters that never occur in real text (tab, newline, CR, form feed excluded).
_CONTROL = frozenset(chr(c) for c in (*range(0, 9), 11, *range(14, 32), 127))

#: Signatures of common binary files (checked before any decoding).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip archive"),
    (b"PK\x05\x06", "a zip archive"),
    (b"\x7fELF", "an ELF executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"),
)

#: Byte-order marks, UTF-32 first (its little-endian mark starts with UTF-16's).
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)


class Undecodable(Exception):
    """The bytes are binary or cannot be decoded as text; ``str(exc)`` is the reason."""


#: An HTML character reference a scraper left in a table cell: "&#163;", "&#xE9;", "&eacute;", "&amp;".
_CHAR_REF = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def decode_references(text: str) -> str:
    """``text`` with the HTML character references left in it decoded (by :func:`html.unescape`).

    Only complete references (with their ``;``) are read: "AT&T" and "R&D"
    stay as they are, and so does a name no HTML entity has ("&foo;").

    Examples
    --------
    >>> decode_references("Fees rise to &#163;1.8m at Caf&eacute; Nero &amp; AT&T")
    'Fees rise to £1.8m at Café Nero & AT&T'
    >>> decode_references("R&D spending; &foo; stays")
    'R&D spending; &foo; stays'
    """
    if "&" not in text:
        return text
    return _CHAR_REF.sub(lambda m: html.unescape(m.group(0)), text)


def normalise_newlines(text: str) -> str:
    """Turn CRLF and lone CR into ``\\n``.

    Examples
    --------
    >>> normalise_newlines("a\\r\\nb\\rc")
    'a\\nb\\nc'
    """
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def drop_nuls(text: str) -> tuple[str, int]:
    """``text`` without NUL characters, and how many there were.

    Examples
    --------
    >>> drop_nuls("a\\x00b\\x00")
    ('ab', 2)
    """
    n = text.count("\x00")
    return (text.replace("\x00", ""), n) if n else (text, 0)


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    return sum(ch in _CONTROL or "\x80" <= ch <= "\x9f" for ch in sample) / len(sample)


def _nul_layout(data: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte-order mark, told by where the NUL bytes of mostly-Latin text fall."""
    size = min(len(data), 8192) // 4 * 4
    if size < 8:
        return None
    sample = data[:size]
    share = [sample[i::4].count(0) / (size // 4) for i in range(4)]
    high, low = 0.6, 0.1
    if len(data) % 4 == 0:
        if share[0] < low and min(share[1:]) > high:
            return "utf-32-le"
        if share[3] < low and min(share[:3]) > high:
            return "utf-32-be"
    if len(data) % 2 == 0:
        even, odd = (share[0] + share[2]) / 2, (share[1] + share[3]) / 2
        if odd > high and even < low:
            return "utf-16-le"
        if even > high and odd < low:
            return "utf-16-be"
    return None


def _by_signature(data: bytes) -> tuple[str, str] | None:
    """The text and codec when a byte-order mark or the NUL layout names the encoding."""
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), name
            except UnicodeDecodeError:
                if codec == "utf-8":
                    return None  # a stray UTF-8 mark: try the other decoders on the whole file
                raise Undecodable(f"starts with a {name.upper()} byte-order mark but is not valid {name.upper()}") from None
    codec = _nul_layout(data)
    if codec is not None:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            return None
    return None


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data`` as text and normalise its newlines.

    ``encoding`` forces one codec; otherwise see the module's docstring.  NUL
    characters are kept (see :func:`drop_nuls`).

    Returns
    -------
    (text, encoding)

    Raises
    ------
    Undecodable
        The bytes are binary or cannot be decoded as text.

    Examples
    --------
    >>> decode_bytes("café “quoted”".encode("cp1252"))
    ('café “quoted”', 'cp1252')
    >>> decode_bytes(b"\\xef\\xbb\\xbfa\\r\\nb")
    ('a\\nb', 'utf-8-sig')
    >>> decode_bytes("Zürich\\n".encode("utf-16"))
    ('Zürich\\n', 'utf-16-le')
    """
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise Undecodable(f"cannot be decoded as {encoding} ({exc.__class__.__name__})") from None
        return normalise_newlines(text.lstrip("\ufeff")), encoding
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise Undecodable(f"looks like a binary file ({what}), not text")
    found = _by_signature(data)
    if found is None:
        found = _decode_plain(data)
    text, used = found
    if _control_ratio(text) > 0.05:
        raise Undecodable(f"decodes as {used} but is mostly control characters, so it looks like a binary file, not text")
    return normalise_newlines(text), used


def _decode_plain(data: bytes) -> tuple[str, str]:
    """Strict UTF-8, then cp1252, then charset-normalizer's best guess."""
    for codec in ("utf-8", "cp1252"):
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise Undecodable("cannot be decoded as text (tried UTF-8, cp1252 and charset detection)")
    return str(best), best.encoding
