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

from onward.facts.company import COMPANY_CONFIDENCE
from onward.facts.company_clues import is_agency_domain
from onward.facts.company_names import domain_core
from onward.facts.model import Extraction
from onward.facts.names import EDGE_WORDS, PLATFORM_NAMES, word_keys
from onward.facts.people import TEAM_WORD, is_personal_address, is_relay, looks_like_person, people_in
from onward.facts.text import compact, domain_of
from onward.mail.message import ParsedMessage
from onward.mail.senders import is_freemail
from onward.vocab import Stage

MIN_CONFIDENCE = 0.5
# titles and office words that stand where a name would ("Dr", "Personalwesen", "Ufficio personale")
_NOT_A_NAME = frozenset((
    "dr", "prof", "mr", "mrs", "ms", "mme", "mlle", "herr", "frau", "im", "in", "am", "personalwesen", "personal",
    "personalabteilung", "ufficio", "servizio", "service", "services", "equipo", "equipe", "équipe", "departamento",
    "department", "abteilung", "recursos", "rh", "rrhh", "kundenservice",
    # an office signing in Dutch, Polish, Portuguese: "Afdeling P&O", "Referat Organizacyjny", "Equipa de RH"
    "afdeling", "referat", "dział", "zespół", "biuro", "equipa", "direção", "direccion", "dirección", "secretaria",
    "secrétariat", "sekretariat", "gemeente", "urząd"))
# one given name, hyphenated or of two words ("Wei Ling", found where the address says so)
_SIGNER_NAME = re.compile(r"^[A-ZÀ-Ý][a-zà-ÿ]+(?:[- ][A-ZÀ-Ý][a-zà-ÿ]+)?$")


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


def vet_signer(signer: str | None, company: str | None, message: ParsedMessage) -> str | None:
    """A first name to greet, or None ("Hi Carvana," and "Bonjour L'équipe," greet no one)."""
    if not signer or not _SIGNER_NAME.match(signer):
        return None
    lowered = signer.lower()
    if lowered in _NOT_A_NAME or lowered in EDGE_WORDS or lowered in PLATFORM_NAMES or TEAM_WORD.fullmatch(signer):
        return None
    if company and compact(signer) in {*word_keys(company), compact(company)}:
        return None
    display = people_in(message)[0]
    if display and not looks_like_person(display) and lowered in {w.lower() for w in display.split()}:
        return None  # the sender's display name is a firm's, and the "signer" is a word of it
    return signer


# a letter names a firm without its legal form: "the work Acme is doing", not "Acme Inc"
_LEGAL_SUFFIX = re.compile(r"(?:,?\s+(?:&\s+)?(?:inc|llc|llp|ltd|limited|g?gmbh|eg|ohg|ug|corp|corporation|co|plc|"
                           r"s\.?a\.?[sca]?|ag|b\.?v|pte|incorporated|s\.?r\.?l|s\.?p\.?a|s\.?l\.?u?|sarl|"
                           r"s\.?a\.? de c\.?v|ltda|pty)\.?)+$", re.I)


def vet_company(company: str | None, role: str | None) -> str | None:
    if not company:
        return None
    if role and compact(company) in compact(role):
        return None  # the "company" is part of the job title
    return _as_written(_LEGAL_SUFFIX.sub("", company) or company)


_PREPOSITIONS = frozenset(("de", "del", "of", "and", "y", "et", "du", "des", "van", "von", "da", "di", "do", "und"))
_ARTICLES = frozenset(("el", "la", "los", "las", "le", "les", "the", "der", "die", "das", "het"))


def _as_written(name: str) -> str:
    """A name a board printed in capitals ("CAMARONERA EL ORO") as a letter writes it ("Camaronera El
    Oro"); two-letter words that are not connectors stay capitals ("SA", "AB"), and so does a name
    of one word or of short words only ("IBM", "DISH")."""
    words = name.split()
    if not name.isupper() or len(words) < 2 or not any(len(w) >= 4 for w in words):
        return name  # one word in capitals is a brand or an acronym as the firm writes it: DISH, GDMS
    out: list[str] = []
    for i, word in enumerate(words):
        lowered = word.lower()
        after_preposition = i > 0 and out[-1] in _PREPOSITIONS
        if i > 0 and (lowered in _PREPOSITIONS or (lowered in _ARTICLES and after_preposition)):
            out.append(lowered)
        elif len(word) >= 3 or lowered in _ARTICLES or lowered in _PREPOSITIONS:
            out.append(word[:1] + word[1:].lower())
        else:
            out.append(word)
    return " ".join(out)


def vet(message: ParsedMessage, facts: Extraction, stage: str | None = None,
        earlier_person: Person | None = None) -> DraftFacts:
    role = facts.value("role", MIN_CONFIDENCE)
    company = vet_company(facts.value("company", COMPANY_CONFIDENCE), role)
    # the signer is checked against the company even when that is too unsure to print
    signer = vet_signer(facts.value("signer", MIN_CONFIDENCE), company or facts.company.value, message)
    recipient = facts.value("reply_to")  # chosen where the whole message was read (a scan's worker)
    from_history = None
    if recipient is None and earlier_person is not None:
        recipient, from_history = earlier_person.address, earlier_person
    return DraftFacts(company=company, role=role, stage=stage or facts.value("stage") or Stage.UNKNOWN, signer=signer,
                      recipient=recipient, recipient_from_history=from_history, lang=facts.value("lang"))


# Words around a firm's own name that its domain often leaves out: "Nordlicht Software AG" writes
# from nordlicht., "Groupe Solvane" from solvane., "Bergmann Werke AG" from bergmann-werke.
# Only these come off, and only at the ends, so "Apple" is never "Apple Bank" and "Blue" never
# "Blue Origin".
_LEADING_FIRM_WORDS = frozenset(("the", "group", "groupe", "grupo", "gruppe"))
_TRAILING_FIRM_WORDS = frozenset((
    "inc", "llc", "llp", "ltd", "limited", "gmbh", "ag", "kg", "se", "sa", "sas", "sarl", "sl", "srl", "spa", "bv",
    "nv", "plc", "corp", "corporation", "co", "company", "pty", "ab", "oy", "group", "groupe", "grupo", "gruppe",
    "holding", "holdings", "international", "global", "software", "technologies", "technology", "tech", "systems",
    "labs", "lab", "fintech", "digital", "media", "medien", "energy", "energies", "foods", "freight", "logistics",
    "logistik", "engineering", "interactive", "studios", "studio", "analytics", "health", "healthcare", "medical",
    "center", "centre", "consulting", "solutions", "services", "werke"))


def firm_keys(company: str) -> set[str]:
    """The compact spellings of a firm's name a domain or another mail may use: the whole name, and
    the name without legal, sector and group words at its ends (4 letters at least)."""
    words = [w for w in (compact(w) for w in re.split(r"[\s&+/,]+", company)) if w]
    if not words:
        return set()
    starts, ends = [0], [len(words)]
    while starts[-1] < len(words) - 1 and words[starts[-1]] in _LEADING_FIRM_WORDS:
        starts.append(starts[-1] + 1)
    while ends[-1] > 1 and words[ends[-1] - 1] in _TRAILING_FIRM_WORDS:
        ends.append(ends[-1] - 1)
    whole = "".join(words)
    return {whole} | {key for s in starts for e in ends if s < e and len(key := "".join(words[s:e])) >= 4}


def _same_firm(core: str, row_company: str | None, company: str) -> bool:
    """A domain core (hyphens gone) or an earlier mail's company naming the rejection's firm: one
    name is the other, or the other without its legal or sector words ("Halvorsen" and
    "Halvorsen Freight"; never "Apple Bank" and "Apple Inc")."""
    keys = firm_keys(company)
    if len(core) >= 4 and core in keys:
        return True
    if not row_company:
        return False
    row_keys = firm_keys(row_company)
    return compact(company) in row_keys or compact(row_company) in keys


# "Anke de Vries", "Jan van der Berg", "María del Mar Soto": lower-case particles inside a name
_NAME_PARTICLES = frozenset(("de", "van", "der", "den", "von", "zu", "da", "das", "do", "dos", "del", "della", "di",
                             "du", "le", "la", "ten", "ter", "y"))


def _person_name(display: str) -> bool:
    words = display.split()
    inner = [w for w in words[1:-1] if w not in _NAME_PARTICLES]
    return looks_like_person(" ".join([*words[:1], *inner, *words[-1:]]) if len(words) > 2 else display)


def find_person(rows: Iterable[dict[str, str | None]], rejection: ParsedMessage, company: str | None,
                unsure_company: str | None = None) -> Person | None:
    """The newest earlier mail from a person at the employer: the recruiter who scheduled the
    interview, the hiring manager who wrote. `rows`: earlier messages (from_addr, from_name,
    received_at, subject, company), newest first. `unsure_company`: a name the rejection gives
    too unsurely to print; a person counts only when their own domain spells it."""
    own_domain = "" if is_relay(rejection.from_address) else domain_of(rejection.from_address)
    unsure_keys = firm_keys(unsure_company) if unsure_company and not company else set()
    for row in rows:
        address, name = (row.get("from_addr") or "").lower(), (row.get("from_name") or "").strip()
        if not address or not _person_name(name) or not is_personal_address(address, [name]):
            continue
        domain = domain_of(address)
        core = (domain_core(address) or "").replace("-", "")
        # an agency's recruiter writes of the employer too ("Tidewater want to meet you"): not one of its people
        same_firm = (own_domain and domain == own_domain) or (
            company and compact(company) and not is_agency_domain(core)
            and _same_firm(core, row.get("company"), company)) or (len(core) >= 4 and core in unsure_keys)
        if same_firm and not is_freemail(domain):
            return Person(address, name, (row.get("received_at") or "")[:10], (row.get("subject") or "")[:80])
    return None
