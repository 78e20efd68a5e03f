"""The fast path of the parser: `_FastPart` splits the headers and MIME parts of well-formed mail
itself, several times faster than the stdlib, and answers the few `email.message.Message` calls
the parser makes; `_simple_addresses` reads the plain address lists nearly all mail has. Each
declines (returns None) whatever it was not written for, and `parse.py` then reads the message or
the header with the stdlib-based reference; tests/test_parsing_fastpath.py holds the two to the
same result.
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Iterator
from typing import Any

from onward.mail.message import Address

_HEAD_END = re.compile(rb"\n\r?\n")
# Header bytes the fast path reads: printable ASCII, tab and line ends. Anything else (8-bit
# bytes, control characters) goes to the reference, which has the rules for it.
_HEADER_JUNK = re.compile(rb"[^\t\r\n\x20-\x7e]")
_UNFOLD = re.compile(r"\n(?![ \t])")  # a line end not followed by a continuation line
_FIELD_NAME = re.compile(r"[!-9;-~]+")  # what the stdlib's header pattern allows before the colon
_BOUNDARY_END = re.compile(rb"(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$")  # as email.feedparser
# A parameter whose value needs no unquoting rules: no escapes, no RFC 2231, no <...>.
_PARAM = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"([^"\\<>\r\n]*)"|([^\s"\\<>]*))\s*')
_UUENCODE = ("x-uuencode", "uuencode", "uue", "x-uue")
_MAX_FAST_DEPTH = 4  # deeper nesting is rare and goes to the reference
_MAX_FAST_PARTS = 100  # below parse.MAX_PARTS, so the fast path never has to report that defect


class _FastPart:
    """A MIME part with the few methods of email.message.Message (compat32) that parse.py's `_body`,
    `_decode_part` and `_date` call, giving the same answers for the mail `parse` accepts."""

    __slots__ = ("headers", "content_type", "charset", "payload", "parts")

    def __init__(self, headers: dict[str, list[str]], content_type: str) -> None:
        self.headers = headers
        self.content_type = content_type
        self.charset: str | None = None
        self.payload = b""
        self.parts: list[_FastPart] | None = None

    @classmethod
    def parse(cls, data: bytes, depth: int, count: list[int]) -> _FastPart | None:
        """The part in `data`, or None for anything the stdlib reads by rules we do not repeat or
        reports a defect for: a header line that is not `Name: value` (a "From " line, a leading
        continuation, no colon), 8-bit or control bytes in headers, a lone CR in headers or in a
        multipart body, message/* parts, multipart/digest, parameters that need RFC 2231 or
        escapes, uuencode, a missing, doubled or unclosed boundary, nesting deeper than
        _MAX_FAST_DEPTH or more than _MAX_FAST_PARTS parts (`count` holds the parts read so far
        in the whole message)."""
        count[0] += 1
        if count[0] > _MAX_FAST_PARTS or depth > _MAX_FAST_DEPTH:
            return None
        split = _split_head(data)
        if split is None:
            return None
        headers, body = split
        content_type = _content_type(headers)
        if content_type.startswith("message/") or content_type == "multipart/digest":
            return None
        part = cls(headers, content_type)
        if content_type.startswith("multipart/"):
            part.parts = _subparts(headers, body, depth, count)
            return part if part.parts else None
        if content_type in ("text/plain", "text/html"):
            if _transfer_encoding(headers) in _UUENCODE:
                return None
            params = _simple_params(headers["content-type"][0]) if "content-type" in headers else {}
            if params is None:
                return None
            part.charset = params.get("charset")
        part.payload = body
        return part

    def walk(self) -> Iterator[_FastPart]:
        yield self
        for part in self.parts or ():
            yield from part.walk()

    def is_multipart(self) -> bool:
        return self.parts is not None

    def get_content_type(self) -> str:
        return self.content_type

    def get(self, name: str, failobj: Any = None) -> Any:
        values = self.headers.get(name.lower())
        return values[0] if values else failobj

    def get_content_charset(self) -> str | None:
        return None if self.charset is None else self.charset.lower()

    def get_payload(self, decode: bool = True) -> bytes | None:
        """The decoded payload (the only form `_decode_part` asks for), as compat32 decodes it."""
        if self.parts is not None:
            return None
        encoding = _transfer_encoding(self.headers)
        if encoding == "quoted-printable":
            return binascii.a2b_qp(self.payload)
        if encoding == "base64":
            return _decode_base64(b"".join(self.payload.splitlines()))
        return self.payload


def _split_head(data: bytes) -> tuple[dict[str, list[str]], bytes] | None:
    """(lower-case header name -> values in order, body), split as email.feedparser does."""
    if data[:1] == b"\n" or data[:2] == b"\r\n":  # no headers at all
        return {}, data[1:] if data[:1] == b"\n" else data[2:]
    end = _HEAD_END.search(data)
    head, body = (data[: end.start() + 1], data[end.end():]) if end else (data, b"")
    if _HEADER_JUNK.search(head) or head.count(b"\r") != head.count(b"\r\n"):
        return None
    fields = _UNFOLD.split(head.decode("ascii"))
    if not fields[-1]:
        fields.pop()  # after the line end of the last field
    headers: dict[str, list[str]] = {}
    for entry in fields:
        name, colon, value = entry.partition(":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            return None  # no colon, an empty name, a leading continuation line or a "From " line
        # compat32 keeps folded line ends inside the value and strips the blanks after the colon
        value = value.lstrip(" \t").rstrip("\r\n")
        key = name.lower()
        if key in headers:
            headers[key].append(value)
        else:
            headers[key] = [value]
    return headers, body


def _content_type(headers: dict[str, list[str]]) -> str:
    """Message.get_content_type for a part that is not inside a multipart/digest."""
    values = headers.get("content-type")
    if not values:
        return "text/plain"
    content_type = values[0].partition(";")[0].strip().lower()
    return content_type if content_type.count("/") == 1 else "text/plain"


def _transfer_encoding(headers: dict[str, list[str]]) -> str:
    values = headers.get("content-transfer-encoding")
    return values[0].lower() if values else ""


def _simple_params(value: str) -> dict[str, str] | None:
    """The parameters of a Content-Type value as Message.get_param reads them (first one of a name
    wins), or None when reading them needs more rules than plain `name=value` and `name="value"`."""
    first, *pieces = value.split(";")
    if "=" in first or '"' in first or "\\" in first:
        return None
    params: dict[str, str] = {}
    for piece in pieces:
        match = _PARAM.fullmatch(piece)
        if match is None:
            if piece.strip():
                return None
            continue  # an empty parameter, as after a trailing semicolon, is ignored
        quoted, plain = match.group(2, 3)
        params.setdefault(match[1].lower(), plain if quoted is None else quoted)
    return params


def _subparts(headers: dict[str, list[str]], body: bytes, depth: int, count: list[int]) -> list[_FastPart] | None:
    """The parts of a multipart body, split where email.feedparser splits them."""
    encoding = headers.get("content-transfer-encoding")
    if encoding and encoding[0].lower() not in ("7bit", "8bit", "binary"):
        return None  # the stdlib reports a defect for this
    params = _simple_params(headers["content-type"][0])
    boundary = params.get("boundary", "").rstrip() if params is not None else ""
    if not boundary or body.count(b"\r") != body.count(b"\r\n"):
        return None  # a lone CR is a line end to the stdlib; leave that to it
    lines = _boundary_lines(body, b"--" + boundary.encode("ascii"))
    if lines is None:
        return None
    parts: list[_FastPart] = []
    for (_, start, _), (end, _, _) in zip(lines, lines[1:], strict=False):
        if start == end:
            return None  # two boundaries in a row: the stdlib skips the second one
        part = _FastPart.parse(body[start:end], depth + 1, count)
        if part is None:
            return None
        if part.parts is None:  # the line end before a boundary belongs to the boundary
            part.payload = _without_line_end(part.payload)
        parts.append(part)
    return parts


def _without_line_end(payload: bytes) -> bytes:
    if payload.endswith(b"\r\n"):
        return payload[:-2]
    return payload[:-1] if payload.endswith(b"\n") else payload


def _boundary_lines(body: bytes, separator: bytes) -> list[tuple[int, int, bool]] | None:
    """(start, end, is_close) of each boundary line up to the closing one, or None when the
    opening or the closing boundary is missing."""
    lines: list[tuple[int, int, bool]] = []
    pos = 0
    while True:
        start = body.find(separator, pos)
        if start < 0:
            return None  # no closing boundary
        if start and body[start - 1] != 0x0A:  # not at the start of a line
            pos = start + 1
            continue
        newline = body.find(b"\n", start)  # only for line starts: a hostile line is read once
        end = len(body) if newline < 0 else newline + 1
        match = _BOUNDARY_END.match(body, start + len(separator), end)
        if match is None:
            pos = start + 1
            continue
        closing = match["end"] is not None
        if closing and not lines:
            return None  # closed before it opened
        lines.append((start, end, closing))
        if closing:
            return lines
        pos = end


def _decode_base64(data: bytes) -> bytes:
    """What Message.get_payload(decode=True) returns for base64: email._encoded_words.decode_b's
    value (its defects are added after we collect them, so they never show)."""
    pad_err = len(data) % 4
    try:
        return binascii.a2b_base64(data + b"==="[: 4 - pad_err] if pad_err else data, strict_mode=True)
    except binascii.Error:
        pass
    try:
        return binascii.a2b_base64(data)
    except binascii.Error:
        pass
    try:
        return binascii.a2b_base64(data + b"==")
    except binascii.Error:
        return data


# What getaddresses reads as one mailbox, in the forms nearly all mail uses. A display name is a
# run of atoms and quoted strings (getaddresses joins them with one space). Possessive
# quantifiers keep a long hostile header linear.
_WORD = r'(?:"[^"\\\r\n]*+"|[^()<>@,:;"\[\]\\\s]++)'
_PHRASE_WORD = re.compile(r'"([^"\\\r\n]*)"|([^()<>@,:;"\[\]\\\s]+)')
_ADDR_SPEC = (r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]++(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]++)*+"
              r"@[A-Za-z0-9-]++(?:\.[A-Za-z0-9-]++)*+")
_MAILBOX = re.compile(
    rf"[ \t\r\n]*+(?:(?:(?P<phrase>(?>{_WORD}(?:[ \t\r\n]*+{_WORD})*+))[ \t\r\n]*+)?<(?P<angle>{_ADDR_SPEC})>"
    rf"|(?P<bare>{_ADDR_SPEC}))[ \t\r\n]*+"
)


def _simple_addresses(value: str) -> list[Address] | None:
    """What getaddresses([value]) gives, for a plain list of `Name <a@b.c>`, `"Name, X" <a@b.c>`
    and `a@b.c`; None for anything else (comments, groups, odd spacing, escapes...)."""
    found: list[Address] = []
    pos, end = 0, len(value)
    while True:
        match = _MAILBOX.match(value, pos)
        if match is None:
            return None
        angle = match["angle"]
        if angle is None:
            found.append(("", match["bare"]))
        else:
            phrase = match["phrase"]
            if phrase is None:
                display = ""
            elif '"' in phrase:
                display = " ".join(m[2] if m[1] is None else m[1] for m in _PHRASE_WORD.finditer(phrase))
            else:  # atoms hold no blanks, so splitting on them gives the atoms
                display = " ".join(phrase.split())
            found.append((display, angle))
        pos = match.end()
        if pos == end:
            return found
        if value[pos] != ",":
            return None
        pos += 1
