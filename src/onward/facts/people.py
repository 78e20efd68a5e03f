"""The persons: no-reply and relay addresses no one reads, the signer, whether a display name
is a person's, and the address a draft goes to (a person, or no one)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from onward.facts.model import Field
from onward.facts.names import (
    _AGENCY_WORDS,
    _CORPORATE_WORDS,
    _LEGAL_FORMS,
    _TEAM_WORDS,
    EDGE_WORDS,
    PLATFORM_NAMES,
    _key,
)
from onward.facts.text import (
    _EMAIL,
    _FORWARD_MARK,
    _FORWARDED_FROM,
    _SIGN_OFF,
    CLOSING_CHARS,
    DISPLAY_CHARS,
    FORWARD_HEADER_CHARS,
    _may_match,
    _text_closing,
    closing_block,
    compact,
    domain_of,
    forwarded_sender,
)
from onward.mail.headers import FORWARD_SUBJECT
from onward.mail.message import ParsedMessage
from onward.mail.senders import ATS, JOB_BOARDS, is_freemail, is_under

# -- no-reply -------------------------------------------------------------------------------
_NOREPLY_LOCAL = re.compile(
    r"(?:^|[._+-])(?:no-?reply|noreply|do-?not-?reply|donotreply|notifications?|notify|mailer(?:-daemon)?|"
    r"bounces?|automated|alerts?|system|postmaster|news(?:letter)?)(?:$|[._+-])|^no[._-]?reply", re.I)


def is_noreply(address: str) -> bool:
    """No-reply, notification and ATS relay addresses never reach a person."""
    if not address or "@" not in address:
        return True
    local = address.rpartition("@")[0]
    domain = domain_of(address)
    return bool(_NOREPLY_LOCAL.search(local)) or is_under(domain, ATS) or is_under(domain, JOB_BOARDS)


# -- signer --------------------------------------------------------------------------------------
_NAME_LINE = re.compile(r"^(?P<first>[A-ZÀ-Ý][a-zà-ÿ'’-]+)(?:\s+[A-ZÀ-Ý][\w'’-]+){0,3}\s*$")
_NOT_NAME = re.compile(
    r"^(?:the|team|hiring|recruiting|talent|people|hr|human|careers?|jobs|your|our|ihr|ihre|das|die|le|la|el|"
    r"equipo|l'équipe|équipe|best|regards|thanks|sincerely|recruitment|department|on|sent|from|personalservice|"
    r"personalbüro|personalabteilung|personalwesen|karriere|bewerbermanagement|recrutement|rrhh|talentos|"
    r"selección|seleccion)$", re.I)
_TEAM_WORDS_RE = re.compile(_TEAM_WORDS, re.I)


# -- forwards ------------------------------------------------------------------------------------
_FORWARDED_TO = re.compile(r"^[ \t]*(?:To|An|À|A|Para|Aan)[ \t]*:[ \t]*(?P<v>[^\n]{1,300})", re.M)


@functools.lru_cache(maxsize=16)  # read by the signer's test and the recipient's, per message
def _relay_note(message: ParsedMessage) -> str | None:
    """The forwarder's own note, when someone other than the candidate forwards mail the employer wrote
    to them about the candidate (an agency recruiter passing on the client's feedback): the forwarded
    mail went to the forwarder, the forwarder is not the person it is forwarded to, and it names that
    person. The candidate then answers the forwarder. None for any other mail."""
    text = message.text[:20000]
    mark = _FORWARD_MARK.search(text.lower())
    if not message.from_address or (not mark and not FORWARD_SUBJECT.match(message.subject)):
        return None
    start = mark.end() if mark else 0
    sender = _FORWARDED_FROM.search(text[:start + FORWARD_HEADER_CHARS], start)
    note_end = (mark.start() if mark else sender.start()) if sender else len(text)
    if not sender and message.quoted and FORWARD_SUBJECT.match(message.subject):
        # Outlook's forwarded headers, which the parser takes for a quote: the new text is the note
        text = message.quoted[:20000]
        sender = _FORWARDED_FROM.search(text[:FORWARD_HEADER_CHARS])
    if not sender:
        return None
    to = _FORWARDED_TO.search(text[:sender.end() + 400], sender.end())  # among the forwarded headers
    if not to or message.from_address.lower() not in to.group("v").lower():
        return None
    forwarder = {compact(w) for w in message.from_[0][:DISPLAY_CHARS].split()} - {""}
    recipients = [name[:DISPLAY_CHARS].split() for name, _ in message.to]
    if not forwarder or any(compact(w) in forwarder for words in recipients for w in words):
        return None  # the same person forwarding from another address of theirs
    forwarded = {compact(w) for w in text[sender.end():sender.end() + CLOSING_CHARS].split()}
    if not any(len(words) >= 2 and len(compact(words[-1])) >= 3 and compact(words[-1]) in forwarded
               for words in recipients):
        return None
    return message.text[:note_end]


def _quoted_forward(message: ParsedMessage) -> tuple[str, str] | None:
    """A forward whose forwarded mail the parser took for a quote (Outlook's "-----Message
    d'origine-----" under a "TR:" subject): its sender (name, address), or None."""
    if not message.quoted or not FORWARD_SUBJECT.match(message.subject):
        return None
    m = _FORWARDED_FROM.search(message.quoted[:FORWARD_HEADER_CHARS])
    found = _EMAIL.search(m.group("v")[:DISPLAY_CHARS]) if m else None
    if not m or not found:
        return None
    return m.group("v")[:found.start()].strip(" <\"'"), found.group(0).lower()


@functools.lru_cache(maxsize=16)  # read by the signer's test and the recipient's, per message
def _signer_block(message: ParsedMessage) -> str:
    """Where the person to greet signs: the forwarder's note when they relay the employer's mail; the
    forwarded mail's closing when the parser took it for a quote; else the mail's closing."""
    if (note := _relay_note(message)) is not None:
        return _text_closing(note)
    if _quoted_forward(message):
        return _text_closing(message.quoted[:CLOSING_CHARS * 2])
    return closing_block(message)


def _given_name(line: str, message: ParsedMessage) -> str | None:
    """The given name of a name written family name first ("Tan Wei Ling"), where the sender's address
    puts it first ("weiling.tan@"): the address, not the order, says which is which."""
    words = line.split()
    if not 2 <= len(words) <= 3:
        return None
    for address in (message.from_address, *(a for _, a in message.reply_to)):
        parts = _LOCAL_SPLIT.split(address.rpartition("@")[0].lower())
        if len(parts) == 2 and parts[1] == compact(words[0]) and parts[0] == compact("".join(words[1:])):
            return " ".join(words[1:])
    return None


def _signed_short(name: str, block: str, message: ParsedMessage) -> str | None:
    """The short form a writer signs with above the full name of their signature ("Steph", then
    "Stephanie Kowalczyk"): the name they go by, and the one to greet."""
    text = message.text.rstrip()[-CLOSING_CHARS:]
    first = block.split("\n", 1)[0].strip()
    at = text.rfind(first) if first and not message.signature.strip() else len(text)
    if at <= 0:
        return None
    before = text[:at].rstrip().rpartition("\n")[2].strip()
    if 3 <= len(before) < len(name) and before.isalpha() and before[:1].isupper() and \
            name.lower().startswith(before.lower()):
        return before
    return None


def extract_signer(message: ParsedMessage, company: str | None = None) -> Field:
    block = _signer_block(message)
    if not block:
        return Field.unknown()
    lines = [line.strip() for line in block.splitlines() if line.strip()][:3]
    if not lines:
        return Field.unknown()
    first_line = lines[0]
    if _TEAM_WORDS_RE.search(first_line) and len(first_line.split()) > 1:
        return Field.unknown()
    if company and len(_key(company)) >= 3 and _key(company) in _key(first_line):
        return Field.unknown()
    m = _NAME_LINE.match(first_line)
    if m and _firm_line(first_line, message):
        return Field.unknown()
    if m and not _NOT_NAME.match(m.group("first")):
        name = _given_name(first_line, message) or _signed_short(m.group("first"), block, message) or m.group("first")
        return Field(name, 0.8 if message.signature or _SIGN_OFF.search(message.text) else 0.5)
    return Field.unknown()


_HOST = re.compile(r"(?<![\w.-])(?:https?://)?((?:[\w-]+\.)+[a-z]{2,})", re.I)


def _firm_line(line: str, message: ParsedMessage) -> bool:
    """A sign-off line that is a firm's name, not a person's: "Marlinspike Security", "Acme GmbH", or a
    name the mail's own links spell ("Perla Negra Cosmética" beside perlanegra.teamtailor.com)."""
    words = [w.lower().strip(".,") for w in line.split()]
    if any(w in _CORPORATE_WORDS or w in _LEGAL_FORMS for w in words[1:]):
        return True
    spelled = compact(" ".join(line.split()[:2]))
    if len(words) < 2 or len(spelled) < 6:
        return False
    tail = f"{message.text[-CLOSING_CHARS:]}\n{message.signature[:CLOSING_CHARS]}"
    if spelled not in tail.lower().replace("-", ""):
        return False  # no host can spell it
    tail = _EMAIL.sub(" ", tail)  # "dana.ruiz@" is a person's address, not a firm's host
    return any(spelled in compact(host) for host in _HOST.findall(tail))


# -- recipient -------------------------------------------------------------------------------------
# A draft goes to a person or to no one: an address needs positive evidence that a person reads it.
INVITATION_CHARS = 4000

# The text asks for a reply, so a shared mailbox (jobs@, recruiting@) that sent it is read by people.
_INVITES_REPLY = re.compile(
    r"reply to this (?:e-?mail|message|note)|"
    r"(?:feel free|you are welcome|you're welcome) to (?:reply|reach out|contact|"
    r"get in touch|write|respond)|(?:do not|don't) hesitate to (?:reply|reach out|contact|get in touch)|"
    r"(?:happy|glad) to (?:share|give|provide) (?:some |more )?feedback|(?:reach out|write) to me|contact me|"
    r"n['’]hésitez pas à (?:me |nous )?(?:contacter|répondre|écrire)|zögern sie nicht|melden sie sich gerne|"
    r"no dudes en (?:contactar|escribir|responder)|if you have (?:any )?(?:further |other )?questions|"
    r"(?:questions|fragen|preguntas|dudas)[^.\n]{0,40}?(?:contact|reply|write|kontakt|antworten|escrib|respond)|"
    r"bei (?:weiteren |allen )?(?:fragen|rückfragen)|pour toute question|"
    r"si (?:vous avez|tienes|tiene) (?:des |alguna |cualquier )?"
    r"(?:questions?|preguntas?|dudas?)")
_NO_REPLY_TEXT = re.compile(
    r"(?:do not|don't|please don't|please do not) (?:reply|respond)|not (?:monitored|read)|no-?reply|"
    r"(?:cannot|can't|unable to) (?:receive|respond|reply|answer)|automated (?:message|e-?mail|notification)|"
    r"ne pas répondre|nicht (?:auf diese|antworten)|no responda|no conteste")
# Relays a person never reads, beyond the ATS and job-board domains extraction knows.
_RELAY_DOMAINS = frozenset((
    "csod.com", "cornerstoneondemand.com", "avature.net", "avature.com", "rippling.com", "applytojob.com",
    "newtonsoftware.com", "invalidemail.com", "cloud.oracle.com", "ripplematch.com", "wayup.com",
    "paycomonline.net", "dayforcehcm.com", "hirevue.com", "phenompeople.com", "myworkdaysite.com",
    "recruiterbox.com", "freshteam.com", "zohorecruit.com", "trakstar.com", "clearcompany.com", "hrmdirect.com",
    "isolvedhire.com", "applicantpro.com", "beamery.com", "symplicity.com", "12twenty.com", "simplify.jobs",
    "taleo.net", "jobvite.com", "successfactors.com", "greenhouse-mail.io", "hire.lever.co", "ashbyhq.com",
    "talent-soft.com", "talentsoft.com", "flatchr.io", "beetween.com", "jobaffinity.fr", "werecruit.io",
))
_MACHINE_LOCAL = re.compile(r"(?:sender|workflow|notif|bounce|mailer|daemon|system|ats|alert|auto)|[0-9a-f]{8}|\d{5}")
_LOCAL_SPLIT = re.compile(r"[._+-]+")
_NAME_TOKEN = re.compile(r"[^\W\d_]{2,}")
TEAM_WORD = re.compile(r"(?<!\w)" + _TEAM_WORDS + r"(?!\w)", re.I)


def is_relay(address: str) -> bool:
    """An address no person reads: no-reply, an ATS or job board, a notification relay, a machine token."""
    if is_noreply(address):
        return True
    local, domain = address.rpartition("@")[0].lower(), domain_of(address)
    # a careers platform's own mailbox at a university ("waterlooworks@uwaterloo.ca")
    return is_under(domain, _RELAY_DOMAINS) or bool(_MACHINE_LOCAL.search(local)) or local in PLATFORM_NAMES


def _name_tokens(names: Iterable[str]) -> set[str]:
    """Names as an address spells them: lower case, no accents ("Lucía" is lucia@)."""
    return {compact(t) for name in names for t in _NAME_TOKEN.findall(name) if len(t) >= 3}


def looks_like_person(display: str) -> bool:
    """"Dana Ruiz" is a person; "Acme Hiring Team", "Careers" and "Workday @ Acme" are not."""
    words = display.split()
    if not 1 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return False
    lowered = {w.lower().strip(".,") for w in words}
    return not (lowered & (EDGE_WORDS | PLATFORM_NAMES | _AGENCY_WORDS)) and not TEAM_WORD.search(display)


def is_personal_address(address: str, names: Iterable[str]) -> bool:
    """The address carries one of the names ("dana.ruiz@", "druiz@" for Dana Ruiz)."""
    if is_relay(address):
        return False
    local = address.rpartition("@")[0].lower()
    parts = set(_LOCAL_SPLIT.split(local))
    names = list(names)
    tokens = _name_tokens(names)
    # ... or one part of it does: "robhaines.exec@", "dana.okafor.recruits@"
    if (tokens & parts or local in {compact(t) for n in names for t in _NAME_TOKEN.findall(n)}
            or any(part.startswith(t) or part.endswith(t) for part in parts | {local} for t in tokens if len(t) >= 4)):
        return True
    for name in names:
        words = [compact(w) for w in _NAME_TOKEN.findall(name) if compact(w)]
        if len(words) >= 2 and local in (words[0][0] + words[-1], words[0] + words[-1][0],
                                         words[0][0] + "." + words[-1], "".join(w[0] for w in words)):
            return True
    return False


# a word of every match of _INVITES_REPLY: where none is in the text, the pattern need not run
_INVITES_REPLY_ANCHORS = ("reply to this", "feel free", "welcome to", "hesitate", "feedback", "to me", "contact me",
                          "hésitez", "zögern", "melden sie", "no dudes", "question", "fragen", "pregunta", "duda")


def _invites_reply(message: ParsedMessage) -> bool:
    text = f"{message.text[:INVITATION_CHARS]}\n{closing_block(message)}".lower()
    return (_may_match(_INVITES_REPLY_ANCHORS, text) and bool(_INVITES_REPLY.search(text))
            and not _NO_REPLY_TEXT.search(text))


def reply_address(message: ParsedMessage, signer: str | None = None) -> Field:
    """The address a person reads, or unknown. A person's address needs their name in it (the
    signer's, the display name's, the signature's); a shared mailbox of the employer needs the text
    to invite a reply. For a forwarded rejection, the forwarded message's sender, never the forwarder."""
    found = _recipient(message, signer)
    return Field(found, 0.9) if found else Field.unknown()


def _recipient(message: ParsedMessage, signer: str | None) -> str | None:
    invitation: list[bool] = []  # whether the text invites a reply, read once and only if an address needs it

    def invited() -> bool:
        if not invitation:
            invitation.append(_invites_reply(message))
        return invitation[0]

    block = _signer_block(message)
    # a forwarder who relays the employer's mail to the candidate is the one to answer (not forwarded);
    # a forward the parser took for a quote is still a forward
    relayed = _relay_note(message) is not None
    forwarded = None if relayed else (forwarded_sender(message) or _quoted_forward(message))
    people = [*people_in(message), block.strip().split("\n", 1)[0].strip(), *(forwarded[:1] if forwarded else ())]
    names = [n for n in (signer, *people) if n and looks_like_person(n)]
    # A person who writes from their own address and sets a Reply-To at the same (not free) domain
    # asks for replies there ("graduate.recruitment@", "hr@"): that mailbox is read, as they chose it.
    from_address = message.from_address.lower()
    chosen = {a.lower() for _, a in message.reply_to} if (
        from_address and not is_freemail(domain_of(from_address))
        and is_personal_address(from_address, names)) else set()

    def acceptable(address: str) -> bool:
        address = address.lower()
        if not address or is_relay(address) or (is_freemail(domain_of(address)) and not names):
            return False
        if address in chosen and domain_of(address) == domain_of(from_address) and not _is_machine(address) \
                and not _NO_REPLY_TEXT.search(message.text[:INVITATION_CHARS].lower()):
            return True
        return is_personal_address(address, names) or (invited() and not _is_machine(address))

    if forwarded is not None:  # the forwarder is never the one to ask
        return forwarded[1] if forwarded[1] and acceptable(forwarded[1]) else None
    candidates = [a for _, a in message.reply_to] + [message.from_address]
    candidates += [a.rstrip(".") for a in _EMAIL.findall(block)]
    if found := next((a.lower() for a in candidates if a and acceptable(a)), None):
        return found
    # in the text, only the writer's own address: one that carries their name ("write to me at
    # dana.ruiz@..."), never a privacy office or a switchboard
    if not names:
        return None
    in_text = (a.rstrip(".") for a in _EMAIL.findall(message.text[:INVITATION_CHARS]))
    return next((a.lower() for a in in_text if is_personal_address(a, names)), None)


_DISPLAY_WRITER = re.compile(r"^(?P<p>.+?)\s+(?:via|at|from|@|de|van|von|bei|chez|-|–|\|)\s+\S.*$")


def people_in(message: ParsedMessage) -> list[str]:
    """The persons named in From and Reply-To: "Aisha Bello via Ashby" and "Tom at Acme" name one."""
    people = []
    for display, _ in (message.from_, *message.reply_to):
        display = display[:DISPLAY_CHARS].strip().strip('"')
        m = _DISPLAY_WRITER.match(display)
        people.append(m.group("p") if m and looks_like_person(m.group("p")) else display)
    return people


def _is_machine(address: str) -> bool:
    return bool(_MACHINE_LOCAL.search(address.rpartition("@")[0].lower()))
