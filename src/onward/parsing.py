"""Raw bytes -> one normalised, immutable message.

Built on the same stdlib parser mail-parser uses, with mail-parser's header, address and
date decoders; we walk the MIME tree ourselves so that attachments are never decoded
and the text we keep is capped. `parse_message` never raises: whatever is wrong with a
message ends up in `defects`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from mailparser.dates import parse_mail_date
from mailparser.utils import decode_header_part, get_addresses

from onward.html_text import html_to_text

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
    raw = str(value)
    try:
        # make_header keeps the space between an encoded word and plain text that follows it
        text = str(make_header(decode_header(raw))) if "=?" in raw else raw
    except Exception:
        try:
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
    values = msg.get_all(name) or []
    out: list[Address] = []
    for raw in values:
        raw = str(raw)
        try:
            # the stdlib parser is fast and right for well-formed headers; mail-parser's
            # recovering parser is much slower, so it only sees what the stdlib cannot read
            found = getaddresses([raw])
            if not found or any(not addr or "@" not in addr for _, addr in found):
                found = get_addresses(raw, defects=defects, decode_names=True)
        except Exception as exc:
            defects.append(f"header {name}: {exc.__class__.__name__}")
            continue
        for display, addr in found[:limit]:
            if "=?" in display:
                try:
                    display = str(make_header(decode_header(display)))
                except Exception:
                    display = decode_header_part(display)
            if addr or display:
                out.append((_CTRL.sub("", _valid_unicode(display)).strip(), _valid_unicode(addr).strip().lower()))
    return tuple(out[:limit])


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


_QUOTE_HEADER = re.compile(
    r"^(?:On .{4,200}wrote:|Am .{4,200}schrieb.{0,80}:|Le .{4,200}a écrit ?:|El .{4,200}escribió:|"
    r"-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Ursprüngliche Nachricht\s*-{2,}|"
    r"-{2,}\s*Message d'origine\s*-{2,}|-{2,}\s*Mensaje original\s*-{2,}|"
    r"From: .+\n(?:Sent|Date|Gesendet|Envoyé|Enviado): .+)",
    re.MULTILINE | re.IGNORECASE,
)
_FORWARD_HEADER = re.compile(
    r"^\s*-{3,}\s*(?:Forwarded message|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado|"
    r"Begin forwarded message)\s*-{0,}",
    re.MULTILINE | re.IGNORECASE,
)
_SIG_DELIMITER = re.compile(r"^-- ?$", re.MULTILINE)


def split_quoted(text: str) -> tuple[str, str, str]:
    """(new text, signature, quoted earlier message). A forwarded message is kept as new text:
    when someone forwards a rejection, the forwarded part is what the mail is about."""
    if _FORWARD_HEADER.search(text):
        return text.strip(), "", ""
    quoted = ""
    match = _QUOTE_HEADER.search(text)
    if match and match.start() > 0:
        quoted = text[match.start():]
        text = text[: match.start()]
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
    delimiters = list(_SIG_DELIMITER.finditer(text))
    sig = delimiters[-1] if delimiters else None  # the last delimiter wins
    if sig is not None and sig.start() > 0:
        signature = text[sig.end():].strip()
        text = text[: sig.start()]
    return text.strip(), signature, quoted.strip()


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
    if isinstance(raw, str):  # tolerate text input from careless callers
        raw = raw.encode("utf-8", "surrogateescape")
    data = raw.replace(b"\x00", b"") if b"\x00" in raw else raw
    defects: list[str] = []
    if data is not raw:
        defects.append("NUL bytes removed")
    if data.startswith(b"From ") and b"\n" in data[:1000]:
        data = data.split(b"\n", 1)[1]  # an mbox separator line saved with the message
    msg = BytesParser(policy=compat32).parsebytes(data)
    for part in msg.walk():
        for part_defect in part.defects:
            defects.append(f"MIME: {part_defect.__class__.__name__}")
    if not msg.keys():
        defects.append("no headers")

    raw_id = _message_ids(_header(msg, "Message-ID", defects))
    message_id = raw_id[0] if raw_id else synthetic_message_id(raw)
    if not raw_id:
        defects.append("no Message-ID")
    from_list = _addresses(msg, "From", defects)
    if not from_list:
        defects.append("no From")
    in_reply_to = _message_ids(_header(msg, "In-Reply-To", defects))
    body, fmt = _body(msg, max_text_bytes, defects)
    body = _CTRL.sub("", body.replace("\r\n", "\n").replace("\r", "\n"))
    text, signature, quoted = split_quoted(body)

    def optional(name: str) -> str | None:
        return _header(msg, name, defects) or None

    return ParsedMessage(
        message_id=message_id,
        synthetic_id=not raw_id,
        subject=_header(msg, "Subject", defects),
        from_=from_list[0] if from_list else ("", ""),
        reply_to=_addresses(msg, "Reply-To", defects),
        to=_addresses(msg, "To", defects),
        date=_date(msg, defects),
        in_reply_to=in_reply_to[0] if in_reply_to else None,
        references=tuple(_message_ids(_header(msg, "References", defects))),
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

