"""Raw bytes -> one normalised, immutable message.

Two parsers give the same result. The reference is built on the same stdlib parser mail-parser
uses, with mail-parser's header, address and date decoders; we walk the MIME tree ourselves so
that attachments are never decoded and the text we keep is capped. It reads anything, however
broken. Most mail is well formed, and for it a fast path (`_parse_fast`) splits headers, MIME
parts and addresses itself, several times faster than the stdlib does; the moment a message has
anything the fast path was not written for (see `_FastPart.parse` in fastparse.py), it declines
and the reference parses the message. tests/test_parsing_fastpath.py holds the two to the same
result (defects included) on every mail we have.
`parse_message` never raises: whatever is wrong with a message ends up in `defects`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from onward.mail.fastparse import _FastPart, _simple_addresses
from onward.mail.html_text import html_to_text
from onward.mail.message import Address, ParsedMessage, synthetic_message_id
from onward.mail.quotes import split_quoted

# mail-parser's recovering decoders are imported where a broken header needs them: well-formed
# mail never does, and importing them takes longer than parsing a message

log = logging.getLogger(__name__)

DEFAULT_MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_PARTS = 200  # a hostile message can nest thousands of parts; text lives in the first few

_MSGID = re.compile(r"<[^<>\s]+>")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _raw_values(msg: Message, name: str) -> list[str]:
    """A header's values as they came, 8-bit bytes as surrogate escapes: `Message.get` would wrap
    those in an "unknown-8bit" Header whose str() turns every byte of "è" into U+FFFD (RFC 6532
    allows raw UTF-8 in headers, and mailers send it)."""
    wanted = name.lower()
    return [value for key, value in msg.raw_items() if key.lower() == wanted]


def _header(msg: Message, name: str, defects: list[str]) -> str:
    values = _raw_values(msg, name)
    if not values:
        return ""
    return _header_text(str(values[0]), name, defects)


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
        raw = text.encode("utf-8", "surrogateescape")
        try:
            return raw.decode("utf-8")  # RFC 6532: raw UTF-8
        except UnicodeDecodeError:  # an old mailer's Latin-1 / Windows-1252, else U+FFFD
            return raw.decode("cp1252", "replace").encode("utf-8", "replace").decode("utf-8")


def _addresses(msg: Message, name: str, defects: list[str], limit: int = 50) -> tuple[Address, ...]:
    return _address_tuple([str(raw) for raw in _raw_values(msg, name)], name, defects, limit, quick=False)


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


def _message_ids(value: str) -> list[str]:
    return _MSGID.findall(value)


def _date(msg: Message | _FastPart, defects: list[str]) -> datetime | None:
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


# ---- the fast path (its MIME parts and addresses: fastparse.py) -----------------------------

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
