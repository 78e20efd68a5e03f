"""What every fact reads and how: the caps on text anyone can send, sender addresses, the
closing block (signature) of a message, the sender inside a forwarded mail, compact keys for
comparing names, and anchor-gated rules (a pattern run only where one of its anchor words is)."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import NamedTuple

from onward.mail.headers import FORWARD_SUBJECT
from onward.mail.message import ParsedMessage

# Every pattern here runs on mail anyone can send: texts are capped before matching, and no
# pattern may start a scan that spans lines from every position (`^[ \t]*`, never `^\s*`, under re.M).
CLOSING_CHARS = 3000  # a sign-off and a signature sit at the end; what a hostile mail adds is ignored
SIGNATURE_CHARS = 1500  # a name, a title, a phone and an address come first in a signature
SUBJECT_CHARS = 300
DISPLAY_CHARS = 200

# a match starts only where a token starts: otherwise a long run of word characters is scanned
# again from every position in it (quadratic)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:best(?: regards| wishes)?|kind regards|regards|warm(?:est)? regards|many thanks|thanks(?: again)?|"
    r"thank you|cheers|all the best|sincerely|yours(?: sincerely| truly)?|respectfully|take care|"
    r"mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|herzliche grüße|liebe grüße|"
    r"cordialement|bien cordialement|bien à vous|salutations|meilleures salutations|belle journée|"
    r"saludos(?: cordiales)?|un saludo|atentamente|cordialmente|un abrazo|gracias|"
    r"with best wishes|warm wishes|warmly|speak soon|yours faithfully|with thanks|"
    r"mit besten grüßen|freundliche grüsse|viele grüsse|liebe grüsse|beste grüsse|herzliche grüsse|alles liebe|"
    r"alles gute|"
    r"sincères salutations|à bientôt|un cordial saludo|reciba un cordial saludo|muchas gracias|"
    r"met vriendelijke groet(?:en)?|vriendelijke groet(?:en)?|hartelijke groet(?:en)?|groeten|"
    r"cordiali saluti|distinti saluti|un saluto|saluti|a presto|"
    r"atenciosamente|cumprimentos|com os melhores cumprimentos|um abraço|abraço|"
    r"z poważaniem|pozdrawiam|z wyrazami szacunku)\b[ ,.!-]*$",
    re.I | re.M,
)


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower()


def _may_match(anchors: tuple[str, ...] | None, text: str) -> bool:
    """False when none of a pattern's anchor words (one of which is in every match) is in the text,
    so the pattern need not run. `str in` costs far less than a regex that starts with alternations."""
    return anchors is None or any(map(text.__contains__, anchors))  # map: no Python frame per anchor


class Rule(NamedTuple):
    """A pattern with its anchor words beside it (see `_may_match`; None: the pattern always runs).
    The name is what a match means (a stage, a reason) or, for a pattern that finds a value, a label."""

    name: str
    pattern: re.Pattern[str]
    anchors: tuple[str, ...] | None = None


def compact(text: str) -> str:
    # the same words and names are compared again and again: cached, but only short ones (a long
    # token of hostile mail must not fill memory)
    return _cached_compact(text) if len(text) <= 200 else _NOT_ALNUM.sub("", _strip_accents(text.lower()))


@functools.lru_cache(maxsize=16384)
def _cached_compact(text: str) -> str:
    return _NOT_ALNUM.sub("", _strip_accents(text.lower()))


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")


@functools.lru_cache(maxsize=16)  # the company, the signer and the recipient each read it
def closing_block(message: ParsedMessage) -> str:
    """The signature: the delimited one, else what follows the last sign-off line."""
    if message.signature.strip():
        return message.signature.strip()[:SIGNATURE_CHARS]
    return _text_closing(message.text)


# a line that is only a name ("Hannah Oduya"): the signer's own, before their title
_NAME_ONLY = re.compile(r"^[A-ZÀ-Ý][\w'’.-]*(?: [A-ZÀ-Ý][\w'’.-]*){0,3}$")


@functools.lru_cache(maxsize=16)
def signature_lines(message: ParsedMessage) -> tuple[str, ...]:
    """The lines of both closings after the signer's own name: the text's (after its last sign-off:
    a title, a department, the organisation) and the delimited signature (an ATS's footer, "Sent
    via SmartRecruiters on behalf of Acme")."""
    out: list[str] = []
    for block in (_text_closing(message.text), message.signature.strip()[:SIGNATURE_CHARS]):
        lines = [line.strip()[:120] for line in block.splitlines() if line.strip()]
        if lines and _NAME_ONLY.match(lines[0]):
            lines = lines[1:]
        out += lines[:7]
    return tuple(out)


# what a phone or a mail app adds under the signature: "Sent from my iPhone", "Sent with Proton Mail"
_APP_FOOTER = re.compile(r"\n[ \t]*(?:sent from my \w+|sent with proton ?mail[^\n]*|get outlook for \w+|"
                         r"envoyé de mon \w+|von meinem \w+ gesendet|enviado desde mi \w+|inviato da \w+|"
                         r"verzonden vanaf mijn \w+|enviado do meu \w+)[ \t.!]*$", re.I)


_NOTICE = re.compile(r"(?i:no-?reply|do not reply|don't reply|not monitored|unmonitored|automatically|automated|"
                     r"automatique|ne pas répondre|nicht (?:auf diese|direkt) |no responda|non rispondere)")


@functools.lru_cache(maxsize=16)
def _text_closing(text: str) -> str:
    text = _APP_FOOTER.sub("", text.rstrip()[-CLOSING_CHARS:]).rstrip()
    matches = list(_SIGN_OFF.finditer(text))
    if matches:
        return text[matches[-1].end():].strip()[:SIGNATURE_CHARS]
    # no sign-off line: only a short last paragraph of short lines looks like a signature; prose
    # never does, so an address mentioned in a sentence is never taken for the sender's. An ATS's
    # one-line notice after it ("This email was sent from a no-reply address.") is not one.
    paragraphs = _PARAGRAPH_BREAK.split(text.strip())
    if len(paragraphs) > 1 and "\n" not in paragraphs[-1] and _NOTICE.search(paragraphs[-1]):
        paragraphs.pop()
    last = paragraphs[-1]
    lines = last.splitlines()
    if len(lines) <= 6 and all(len(line) <= 60 for line in lines):
        return last
    return ""


_FORWARDED_FROM = re.compile(r"^[ \t]*(?:From|Von|De|Da|Van)[ \t]*:[ \t]*(?P<v>[^\n]+)", re.M)
FORWARD_HEADER_CHARS = 2000  # the forwarded block's From line comes right after its mark
# lower case, run on lower-cased text: re.I makes an alternation like this several times slower
_FORWARD_MARK = re.compile(r"(?:forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|"
                           r"begin forwarded message|messaggio inoltrato|doorgestuurd bericht|original message|"
                           r"ursprüngliche nachricht|message d'origine|mensaje original)")


def forwarded_sender(message: ParsedMessage) -> tuple[str, str] | None:
    """In a forwarded mail the rejection's sender (name, address) is in the forwarded block, not in
    From. None: not forwarded; empty strings: forwarded, sender not found."""
    # lower() keeps offsets except for a few letters in rare scripts; the From line below is still found
    mark = _FORWARD_MARK.search(message.text[:20000].lower())
    if mark:
        start = mark.end()
    # Outlook forwards with no mark: a forward prefix in the subject, then the forwarded headers
    elif FORWARD_SUBJECT.match(message.subject) and _FORWARDED_FROM.search(message.text[:FORWARD_HEADER_CHARS]):
        start = 0
    else:
        return None
    m = _FORWARDED_FROM.search(message.text[:start + FORWARD_HEADER_CHARS], start)
    if not m:
        return "", ""
    value = m.group("v")[:DISPLAY_CHARS]
    found = _EMAIL.search(value)
    name = value[:found.start()].strip(" <\"'") if found else ""
    return (name, found.group(0).lower()) if found else ("", "")
