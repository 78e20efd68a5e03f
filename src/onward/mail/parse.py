"""Raw bytes -> one normalised, immutable message.

Two parsers give the same result. The reference is built on the same stdlib parser mail-parser
uses, with mail-parser's header, address and date decoders; we walk the MIME tree ourselves so
that attachments are never decoded and the text we keep is capped. It reads anything, however
broken. Most mail is well formed, and for it a fast path (`_parse_fast`) splits headers, MIME
parts and addresses itself, several times faster than the stdlib does; the moment a message has
anything the fast path was not written for (see `_FastPart.parse`), it declines and the reference
parses the message. tests/test_parsing_fastpath.py holds the two to the same result (defects
included) on every mail we have.
`parse_message` never raises: whatever is wrong with a message ends up in `defects`.
"""

from __future__ import annotations

import binascii
import hashlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from onward.mail.html_text import html_to_text

# mail-parser's recovering decoders are imported where a broken header needs them: well-formed
# mail never does, and importing them takes longer than parsing a message

log = logging.getLogger(__name__)

DEFAULT_MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_PARTS = 200  # a hostile message can nest thousands of parts; text lives in the first few

Address = tuple[str, str]


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str
    synthetic_id: bool
    subject: str
    from_: Address
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    date: datetime | None
    in_reply_to: str | None
    references: tuple[str, ...]
    list_id: str | None
    list_unsubscribe: str | None
    auto_submitted: str | None
    precedence: str | None
    content_language: str | None
    body_format: str  # "plain" | "html" | "none"
    text: str  # the new text, without the quoted earlier message and signature
    quoted: str
    signature: str
    defects: tuple[str, ...] = field(default=())
    size: int = 0

    @property
    def from_address(self) -> str:
        return self.from_[1]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["from"] = data.pop("from_")
        data["date"] = self.date.isoformat() if self.date else None
        return data


def synthetic_message_id(raw: bytes) -> str:
    """A stable id for a message without Message-ID: the same bytes always give the same id."""
    return f"<{hashlib.sha256(raw).hexdigest()[:32]}@onward.invalid>"


_MSGID = re.compile(r"<[^<>\s]+>")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _header(msg: Message, name: str, defects: list[str]) -> str:
    value = msg.get(name)
    if value is None:
        return ""
    return _header_text(str(value), name, defects)


def _header_text(raw: str, name: str, defects: list[str]) -> str:
    try:
        # make_header keeps the space between an encoded word and plain text that follows it
        text = str(make_header(decode_header(raw))) if "=?" in raw else raw
    except Exception:
        try:
            from mailparser.utils import decode_header_part

            text = decode_header_part(raw, defects=defects)
        except Exception as exc:  # keep the raw value rather than lose the header
            defects.append(f"header {name}: {exc.__class__.__name__}")
            text = raw
    return _CTRL.sub("", " ".join(_valid_unicode(text).split()))


def _valid_unicode(text: str) -> str:
    """Raw 8-bit header bytes arrive as surrogate escapes; make them real characters or U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace").encode(
            "utf-8", "replace").decode("utf-8")


def _addresses(msg: Message, name: str, defects: list[str], limit: int = 50) -> tuple[Address, ...]:
    return _address_tuple([str(raw) for raw in msg.get_all(name) or []], name, defects, limit, quick=False)


def _address_tuple(values: list[str], name: str, defects: list[str], limit: int, quick: bool) -> tuple[Address, ...]:
    out: list[Address] = []
    for raw in values:
        found = _simple_addresses(raw) if quick else None
        if found is not None:
            for display, addr in found[:limit]:
                # ASCII without control characters: only an encoded word needs more than a trim
                if "=?" in display:
                    display = _CTRL.sub("", _valid_unicode(_decode_words(display)))
                out.append((display.strip(), addr.lower()))
            continue
        try:
            # the stdlib parser is fast and right for well-formed headers; mail-parser's
            # recovering parser is much slower, so it only sees what the stdlib cannot read
            found = getaddresses([raw])
            if not found or any(not addr or "@" not in addr for _, addr in found):
                from mailparser.utils import get_addresses

                found = get_addresses(raw, defects=defects, decode_names=True)
        except Exception as exc:
            defects.append(f"header {name}: {exc.__class__.__name__}")
            continue
        for display, addr in found[:limit]:
            if "=?" in display:
                display = _decode_words(display)
            if addr or display:
                out.append((_CTRL.sub("", _valid_unicode(display)).strip(), _valid_unicode(addr).strip().lower()))
    return tuple(out[:limit])


def _decode_words(display: str) -> str:
    try:
        return str(make_header(decode_header(display)))
    except Exception:
        from mailparser.utils import decode_header_part

        return decode_header_part(display)


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


def _message_ids(value: str) -> list[str]:
    return _MSGID.findall(value)


def _date(msg: Message, defects: list[str]) -> datetime | None:
    raw = msg.get("Date")
    if raw is None:
        defects.append("no Date header")
        return None
    try:
        quick = parsedate_to_datetime(str(raw))
        if quick.tzinfo is not None:
            return quick
    except (TypeError, ValueError, IndexError):
        pass
    try:
        from mailparser.dates import parse_mail_date

        result = parse_mail_date(str(raw))  # mail-parser recovers obsolete and broken forms
    except Exception:
        result = None
    if result is None or result.value is None:
        defects.append("unparseable Date header")
        return None
    value: datetime = result.value
    if value.tzinfo is None:
        offset = result.timezone if isinstance(result.timezone, (int, float)) else 0
        value = value.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=float(offset))))
    return value


def _decode_part(part: Message, budget: int, defects: list[str]) -> str:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        defects.append(f"undecodable part: {exc.__class__.__name__}")
        return ""
    if not isinstance(payload, bytes):
        return ""
    if len(payload) > budget:
        defects.append(f"text part truncated to {budget} bytes")
        payload = payload[:budget]
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except LookupError:
        defects.append(f"unknown charset {charset!r}")
    except UnicodeDecodeError:
        defects.append(f"bytes invalid in charset {charset!r}")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("cp1252", errors="replace")


def _body(msg: Message, max_bytes: int, defects: list[str]) -> tuple[str, str]:
    """The best text body and its format; HTML only when there is no usable plain text."""
    plain: list[str] = []
    html: list[str] = []
    budget = max_bytes
    for count, part in enumerate(msg.walk()):
        if count >= MAX_PARTS:
            defects.append(f"more than {MAX_PARTS} MIME parts; the rest ignored")
            break
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html"):
            continue  # attachments and other media are never decoded
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        if disposition == "attachment":
            continue
        if budget <= 0:
            defects.append("text budget exhausted; remaining text parts ignored")
            break
        text = _decode_part(part, budget, defects)
        budget -= len(text.encode("utf-8", "replace"))
        (plain if ctype == "text/plain" else html).append(text)
    plain_text = "\n".join(t for t in plain if t.strip())
    if plain_text.strip() and not _looks_like_stub(plain_text, html):
        return plain_text, "plain"
    if html:
        return html_to_text("\n".join(html)), "html"
    return plain_text, "plain" if plain_text else "none"


def _looks_like_stub(plain: str, html: list[str]) -> bool:
    """Some senders put 'view this email in a browser' in text/plain and the real mail in HTML."""
    return bool(html) and len(plain.strip()) < 120 and sum(len(h) for h in html) > 2000


_QUOTE_HEADERS = (
    r"On .{4,200}wrote:|Am .{4,200}schrieb.{0,80}:|Le .{4,200}a écrit ?:|El .{4,200}escribió:|"
    r"-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Ursprüngliche Nachricht\s*-{2,}|"
    r"-{2,}\s*Message d'origine\s*-{2,}|-{2,}\s*Mensaje original\s*-{2,}|"
    r"From: .+\n(?:Sent|Date|Gesendet|Envoyé|Enviado): .+"
)
_QUOTE_HEADER = re.compile(rf"^(?:{_QUOTE_HEADERS})", re.MULTILINE | re.IGNORECASE)
# The same after a line end: a pattern that starts with a literal lets the regex engine jump from
# line end to line end instead of trying every position for "^".
_QUOTE_HEADER_AFTER_NEWLINE = re.compile(rf"\n(?:{_QUOTE_HEADERS})", re.MULTILINE | re.IGNORECASE)
_FORWARD_HEADER = re.compile(
    r"^\s*-{3,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado|"
    r"Begin forwarded message)\s*-{0,}",
    re.MULTILINE | re.IGNORECASE,
)
_SIG_DELIMITER = re.compile(r"^-- ?$", re.MULTILINE)


def split_quoted(text: str) -> tuple[str, str, str]:
    """(new text, signature, quoted earlier message). A forwarded message is kept as new text:
    when someone forwards a rejection, the forwarded part is what the mail is about."""
    # The substring tests skip a regex scan of the whole text when it cannot match.
    if "---" in text and _FORWARD_HEADER.search(text):
        return text.strip(), "", ""
    quoted = ""
    start = _quote_header_start(text)
    if start > 0:
        quoted = text[start:]
        text = text[:start]
    lines = text.splitlines()
    # Trailing '>' lines are a quote even without an attribution line.
    end = len(lines)
    while end > 0 and (lines[end - 1].startswith(">") or not lines[end - 1].strip()):
        end -= 1
    if end < len(lines) and any(line.startswith(">") for line in lines[end:]):
        quoted = "\n".join(lines[end:]) + ("\n" + quoted if quoted else "")
        lines = lines[:end]
    text = "\n".join(lines)
    signature = ""
    delimiters = list(_SIG_DELIMITER.finditer(text)) if "--" in text else []
    sig = delimiters[-1] if delimiters else None  # the last delimiter wins
    if sig is not None and sig.start() > 0:
        signature = text[sig.end():].strip()
        text = text[: sig.start()]
    return text.strip(), signature, quoted.strip()


def _quote_header_start(text: str) -> int:
    """Where `_QUOTE_HEADER.search(text)` would match, or -1."""
    if _QUOTE_HEADER.match(text):
        return 0
    match = _QUOTE_HEADER_AFTER_NEWLINE.search(text)
    return match.start() + 1 if match else -1


def _empty(raw: bytes, reason: str) -> ParsedMessage:
    return ParsedMessage(
        message_id=synthetic_message_id(raw), synthetic_id=True, subject="", from_=("", ""), reply_to=(),
        to=(), date=None, in_reply_to=None, references=(), list_id=None, list_unsubscribe=None,
        auto_submitted=None, precedence=None, content_language=None, body_format="none", text="",
        quoted="", signature="", defects=(reason,), size=len(raw),
    )


def parse_message(raw: bytes, max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES) -> ParsedMessage:
    try:
        return _parse(raw, max_text_bytes)
    except (RecursionError, MemoryError) as exc:
        return _empty(raw, f"unparseable: {exc.__class__.__name__}")
    except Exception as exc:  # the promise is: never raise on mail; log for us, record for the user
        log.debug("parse failed", exc_info=True)
        return _empty(raw, f"unparseable: {exc.__class__.__name__}: {str(exc)[:200]}")


def _parse(raw: bytes, max_text_bytes: int) -> ParsedMessage:
    try:
        fast = _parse_fast(raw, max_text_bytes)
    except Exception:  # a bug in the fast path must cost speed, never a message
        log.debug("fast parse failed; using the reference parser", exc_info=True)
        fast = None
    return fast if fast is not None else _parse_reference(raw, max_text_bytes)


def _prepare(raw: bytes) -> tuple[bytes, bytes, list[str]]:
    """(raw as bytes, the bytes to parse, defects so far): what both parsers start from."""
    if isinstance(raw, str):  # tolerate text input from careless callers
        raw = raw.encode("utf-8", "surrogateescape")
    data = raw.replace(b"\x00", b"") if b"\x00" in raw else raw
    defects: list[str] = []
    if data is not raw:
        defects.append("NUL bytes removed")
    if data.startswith(b"From ") and b"\n" in data[:1000]:
        data = data.split(b"\n", 1)[1]  # an mbox separator line saved with the message
    return raw, data, defects


def _parse_reference(raw: bytes, max_text_bytes: int) -> ParsedMessage:
    """The stdlib parser: slower, but reads anything and reports what is wrong."""
    raw, data, defects = _prepare(raw)
    msg = BytesParser(policy=compat32).parsebytes(data)
    for part in msg.walk():
        for part_defect in part.defects:
            defects.append(f"MIME: {part_defect.__class__.__name__}")
    if not msg.keys():
        defects.append("no headers")
    return _build(raw, msg, defects, max_text_bytes, _header, _addresses, _date)


def _parse_fast(raw: bytes, max_text_bytes: int) -> ParsedMessage | None:
    """The same result as `_parse_reference` for well-formed mail; None when it declines."""
    raw, data, defects = _prepare(raw)
    msg = _FastPart.parse(data, 0, [0])
    if msg is None or not msg.headers:
        return None
    return _build(raw, msg, defects, max_text_bytes, _fast_header, _fast_addresses, _fast_date)


def _build(raw: bytes, msg: Any, defects: list[str], max_text_bytes: int,
           header: Callable[[Any, str, list[str]], str],
           addresses: Callable[[Any, str, list[str]], tuple[Address, ...]],
           date: Callable[[Any, list[str]], datetime | None]) -> ParsedMessage:
    # Calls that may add defects run in a fixed order, so both parsers list them alike.
    raw_id = _message_ids(header(msg, "Message-ID", defects))
    message_id = raw_id[0] if raw_id else synthetic_message_id(raw)
    if not raw_id:
        defects.append("no Message-ID")
    from_list = addresses(msg, "From", defects)
    if not from_list:
        defects.append("no From")
    in_reply_to = _message_ids(header(msg, "In-Reply-To", defects))
    body, fmt = _body(msg, max_text_bytes, defects)
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if _CTRL.search(body):
        body = _CTRL.sub("", body)
    text, signature, quoted = split_quoted(body)

    def optional(name: str) -> str | None:
        return header(msg, name, defects) or None

    return ParsedMessage(
        message_id=message_id,
        synthetic_id=not raw_id,
        subject=header(msg, "Subject", defects),
        from_=from_list[0] if from_list else ("", ""),
        reply_to=addresses(msg, "Reply-To", defects),
        to=addresses(msg, "To", defects),
        date=date(msg, defects),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=tuple(_message_ids(header(msg, "References", defects))),
        list_id=optional("List-Id"),
        list_unsubscribe=optional("List-Unsubscribe"),
        auto_submitted=optional("Auto-Submitted"),
        precedence=optional("Precedence"),
        content_language=optional("Content-Language"),
        body_format=fmt,
        text=text,
        quoted=quoted,
        signature=signature,
        defects=tuple(dict.fromkeys(str(d) for d in defects)),
        size=len(raw),
    )


# ---- the fast path -------------------------------------------------------------------------

def _fast_header(msg: _FastPart, name: str, defects: list[str]) -> str:
    values = msg.headers.get(name.lower())
    if not values:
        return ""
    raw = values[0]
    if "=?" in raw:
        return _header_text(raw, name, defects)
    return " ".join(raw.split())  # printable ASCII: nothing to decode or clean


def _fast_addresses(msg: _FastPart, name: str, defects: list[str]) -> tuple[Address, ...]:
    values = msg.headers.get(name.lower())
    if not values:
        return ()
    return _address_tuple(values, name, defects, 50, quick=True)


# The RFC 5322 date nearly all mail has; parsedate_to_datetime reads it as this code does.
_DATE = re.compile(r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                   r"([1-9]\d{3}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)")
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


def _fast_date(msg: _FastPart, defects: list[str]) -> datetime | None:
    raw = msg.get("Date")
    match = _DATE.fullmatch(raw) if raw is not None else None
    if match is None:
        return _date(msg, defects)
    day, month, year, hour, minute, second, sign, tz_hours, tz_minutes = match.groups()
    offset = int(tz_hours) * 3600 + int(tz_minutes) * 60
    if sign == "-":
        if not offset:
            return _date(msg, defects)  # -0000 means "zone unknown": a naive time, read elsewhere
        offset = -offset
    try:
        return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second),
                        tzinfo=timezone(timedelta(seconds=offset)))
    except ValueError:  # out of range: the general reader decides what it means
        return _date(msg, defects)


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
_MAX_FAST_PARTS = 100  # below MAX_PARTS, so the fast path never has to report that defect


class _FastPart:
    """A MIME part with the few methods of email.message.Message (compat32) that `_body`,
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
