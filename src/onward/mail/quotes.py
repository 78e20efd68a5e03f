"""Where the new text of a mail ends: `split_quoted` cuts a body into the new text, the signature
and the quoted earlier message (attribution lines and `>` quotes in English, German, French and
Spanish), and keeps a forwarded message as new text.
"""

from __future__ import annotations

import re

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
