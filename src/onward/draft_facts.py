"""The facts a draft states, vetted: what extraction found, kept only when it can be trusted.

A wrong fact is worse than none: a draft that thanks "Ripplematch Notifications", greets "Hi
Carvana," or is addressed to an ATS relay embarrasses the person who sends it, while "your team"
and "the role" never do. So each fact passes a check here and falls back to the neutral wording
when it does not; a recipient needs positive evidence that a person reads the address.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from onward.classifier.features import FREEMAIL, is_under
from onward.extract import (
    _AGENCY_WORDS,
    _EDGE_WORDS,
    _EMAIL,
    _PLATFORM_NAMES,
    _TEAM_WORDS,
    Extraction,
    _compact,
    _domain,
    _domain_core,
    _word_keys,
    closing_block,
    forwarded_sender,
    is_noreply,
)
from onward.parsing import ParsedMessage

MIN_CONFIDENCE = 0.5
COMPANY_CONFIDENCE = 0.6  # one clue alone (a display name that may be a recruiter's) is not enough
INVITATION_CHARS = 4000
DISPLAY_CHARS = 200

# The text asks for a reply, so a shared mailbox (jobs@, recruiting@) that sent it is read by people.
_INVITES_REPLY = re.compile(
    r"reply to this (?:e-?mail|message|note)|(?:feel free|you are welcome|you're welcome) to (?:reply|reach out|contact|"
    r"get in touch|write|respond)|(?:do not|don't) hesitate to (?:reply|reach out|contact|get in touch)|"
    r"(?:happy|glad) to (?:share|give|provide) (?:some |more )?feedback|(?:reach out|write) to me|contact me|"
    r"n['’]hésitez pas à (?:me |nous )?(?:contacter|répondre|écrire)|zögern sie nicht|melden sie sich gerne|"
    r"no dudes en (?:contactar|escribir|responder)|if you have (?:any )?(?:further |other )?questions|"
    r"(?:questions|fragen|preguntas|dudas)[^.\n]{0,40}?(?:contact|reply|write|kontakt|antworten|escrib|respond)|"
    r"bei (?:weiteren |allen )?(?:fragen|rückfragen)|pour toute question|si (?:vous avez|tienes|tiene) (?:des |alguna |cualquier )?"
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
))
_MACHINE_LOCAL = re.compile(r"(?:sender|workflow|notif|bounce|mailer|daemon|system|ats|alert|auto)|[0-9a-f]{8}|\d{5}")
_LOCAL_SPLIT = re.compile(r"[._+-]+")
_NAME_TOKEN = re.compile(r"[^\W\d_]{2,}")
_ROLE_MAILBOXES = frozenset(("jobs", "job", "careers", "career", "recruiting", "recruitment", "talent", "hr", "people",
                             "hiring", "karriere", "bewerbung", "jobs-de", "recrutement", "rh", "empleo", "rrhh",
                             "info", "contact", "team", "hello", "office"))
_TEAM_WORD = re.compile(r"(?<!\w)" + _TEAM_WORDS + r"(?!\w)", re.I)
# titles and office words that stand where a name would ("Dr", "Personalwesen", "Ufficio personale")
_NOT_A_NAME = frozenset((
    "dr", "prof", "mr", "mrs", "ms", "mme", "mlle", "herr", "frau", "im", "in", "am", "personalwesen", "personal",
    "personalabteilung", "ufficio", "servizio", "service", "services", "equipo", "equipe", "équipe", "departamento",
    "department", "abteilung", "recursos", "rh", "rrhh", "kundenservice"))
_SIGNER_NAME = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)?$")


@dataclass(frozen=True)
class Person:
    """Someone at the employer who wrote earlier, found in what onward has already seen."""

    address: str
    name: str
    seen: str  # the date of their mail, YYYY-MM-DD
    subject: str


@dataclass(frozen=True)
class DraftFacts:
    company: str | None
    role: str | None
    stage: str
    signer: str | None
    recipient: str | None
    recipient_from_history: Person | None  # the recipient was found in earlier mail, not in this one
    lang: str | None


def is_relay(address: str) -> bool:
    """An address no person reads: no-reply, an ATS or job board, a notification relay, a machine token."""
    if is_noreply(address):
        return True
    local, domain = address.rpartition("@")[0].lower(), _domain(address)
    return is_under(domain, _RELAY_DOMAINS) or bool(_MACHINE_LOCAL.search(local))


def _name_tokens(names: Iterable[str]) -> set[str]:
    """Names as an address spells them: lower case, no accents ("Lucía" is lucia@)."""
    return {_compact(t) for name in names for t in _NAME_TOKEN.findall(name) if len(t) >= 3}


def looks_like_person(display: str) -> bool:
    """"Dana Ruiz" is a person; "Acme Hiring Team", "Careers" and "Workday @ Acme" are not."""
    words = display.split()
    if not 1 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return False
    lowered = {w.lower().strip(".,") for w in words}
    return not (lowered & (_EDGE_WORDS | _PLATFORM_NAMES | _AGENCY_WORDS)) and not _TEAM_WORD.search(display)


def is_personal_address(address: str, names: Iterable[str]) -> bool:
    """The address carries one of the names ("dana.ruiz@", "druiz@" for Dana Ruiz)."""
    if is_relay(address):
        return False
    local = address.rpartition("@")[0].lower()
    parts = set(_LOCAL_SPLIT.split(local))
    names = list(names)
    tokens = _name_tokens(names)
    if tokens & parts or local in {_compact(t) for n in names for t in _NAME_TOKEN.findall(n)} or any(local.startswith(t) or local.endswith(t) for t in tokens if len(t) >= 4):
        return True
    for name in names:
        words = [_compact(w) for w in _NAME_TOKEN.findall(name) if _compact(w)]
        if len(words) >= 2 and local in (words[0][0] + words[-1], words[0] + words[-1][0], words[0][0] + "." + words[-1],
                                         "".join(w[0] for w in words)):
            return True
    return False


def _invites_reply(message: ParsedMessage) -> bool:
    text = f"{message.text[:INVITATION_CHARS]}\n{closing_block(message)}".lower()
    return bool(_INVITES_REPLY.search(text)) and not _NO_REPLY_TEXT.search(text)


def choose_recipient(message: ParsedMessage, signer: str | None) -> str | None:
    """The address a person reads, or None. A person's address needs their name in it (the signer's,
    or the display name next to it); a shared mailbox of the employer needs the text to invite a reply."""
    invited = _invites_reply(message)
    block = closing_block(message)
    names = [n for n in (signer, *_people_in(message), block.strip().split("\n", 1)[0].strip()) if n and
             looks_like_person(n)]

    def acceptable(address: str) -> bool:
        address = address.lower()
        if not address or is_relay(address) or (is_under(_domain(address), FREEMAIL) and not names):
            return False
        return is_personal_address(address, names) or (invited and not _is_machine(address))

    forwarded = forwarded_sender(message)
    if forwarded is not None:  # the forwarder is never the one to ask
        return forwarded if forwarded and acceptable(forwarded) else None
    candidates = [a for _, a in message.reply_to] + [message.from_address]
    candidates += [a.rstrip(".") for a in _EMAIL.findall(block)]
    if found := next((a.lower() for a in candidates if a and acceptable(a)), None):
        return found
    # in the text, only the writer's own address: one that carries their name ("write to me at
    # dana.ruiz@..."), never a privacy office or a switchboard
    in_text = (a.rstrip(".") for a in _EMAIL.findall(message.text[:INVITATION_CHARS]))
    return next((a.lower() for a in in_text if names and is_personal_address(a, names)), None)


_DISPLAY_WRITER = re.compile(r"^(?P<p>.+?)\s+(?:via|at|from|@|de|van|von|bei|chez|-|–|\|)\s+\S.*$")


def _people_in(message: ParsedMessage) -> list[str]:
    """The persons named in From and Reply-To: "Aisha Bello via Ashby" and "Tom at Acme" name one."""
    people = []
    for display, _ in (message.from_, *message.reply_to):
        display = display[:DISPLAY_CHARS].strip().strip('"')
        m = _DISPLAY_WRITER.match(display)
        people.append(m.group("p") if m and looks_like_person(m.group("p")) else display)
    return people


def _is_machine(address: str) -> bool:
    return bool(_MACHINE_LOCAL.search(address.rpartition("@")[0].lower()))


def vet_signer(signer: str | None, company: str | None, message: ParsedMessage) -> str | None:
    """A first name to greet, or None ("Hi Carvana," and "Bonjour L'équipe," greet no one)."""
    if not signer or not _SIGNER_NAME.match(signer):
        return None
    lowered = signer.lower()
    if lowered in _NOT_A_NAME or lowered in _EDGE_WORDS or lowered in _PLATFORM_NAMES or _TEAM_WORD.fullmatch(signer):
        return None
    if company and _compact(signer) in {*_word_keys(company), _compact(company)}:
        return None
    display = _people_in(message)[0]
    if display and not looks_like_person(display) and lowered in {w.lower() for w in display.split()}:
        return None  # the sender's display name is a firm's, and the "signer" is a word of it
    return signer


def vet_company(company: str | None, role: str | None) -> str | None:
    if not company:
        return None
    if role and _compact(company) in _compact(role):
        return None  # the "company" is part of the job title
    return company


def vet(message: ParsedMessage, facts: Extraction, stage: str | None = None,
        earlier_person: Person | None = None) -> DraftFacts:
    role = facts.value("role", MIN_CONFIDENCE)
    company = vet_company(facts.value("company", COMPANY_CONFIDENCE), role)
    # the signer is checked against the company even when that is too unsure to print
    signer = vet_signer(facts.value("signer", MIN_CONFIDENCE), company or facts.company.value, message)
    recipient = choose_recipient(message, signer)
    from_history = None
    if recipient is None and earlier_person is not None:
        recipient, from_history = earlier_person.address, earlier_person
    return DraftFacts(company=company, role=role, stage=stage or facts.value("stage") or "unknown", signer=signer,
                      recipient=recipient, recipient_from_history=from_history, lang=facts.value("lang"))


def find_person(rows: Iterable[dict[str, str | None]], rejection: ParsedMessage, company: str | None) -> Person | None:
    """The newest earlier mail from a person at the employer: the recruiter who scheduled the
    interview, the hiring manager who wrote. `rows`: earlier messages (from_addr, from_name,
    received_at, subject, company), newest first."""
    own_domain = "" if is_relay(rejection.from_address) else _domain(rejection.from_address)
    company_key = _compact(company or "")
    for row in rows:
        address, name = (row.get("from_addr") or "").lower(), (row.get("from_name") or "").strip()
        if not address or not looks_like_person(name) or not is_personal_address(address, [name]):
            continue
        domain = _domain(address)
        core = _domain_core(address) or ""
        same_firm = (own_domain and domain == own_domain) or (company_key and (
            _compact(row.get("company") or "") == company_key or
            (len(core) >= 4 and (company_key.startswith(core) or core.startswith(company_key)))))
        if same_firm and not is_under(domain, FREEMAIL):
            return Person(address, name, (row.get("received_at") or "")[:10], (row.get("subject") or "")[:80])
    return None
