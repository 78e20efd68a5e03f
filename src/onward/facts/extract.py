"""Facts about a rejection: company, role, signer, stage, stated reason, language, reply address.

Every field carries a confidence in [0, 1]; `None` is a valid answer. A wrong company is
worse than none, so weak guesses stay weak and callers decide what to trust.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from onward.classifier.features import ATS, FREEMAIL, JOB_BOARDS, is_under
from onward.mail.message import ParsedMessage


@dataclass(frozen=True)
class Field:
    value: str | None
    confidence: float = 0.0

    @classmethod
    def unknown(cls) -> Field:
        return cls(None, 0.0)


@dataclass(frozen=True)
class Extraction:
    company: Field
    role: Field
    signer: Field
    stage: Field
    reason: Field
    lang: Field
    reply_to: Field

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def value(self, name: str, min_confidence: float = 0.0) -> str | None:
        f: Field = getattr(self, name)
        return f.value if f.confidence >= min_confidence else None


# -- reply address -------------------------------------------------------------------------
_NOREPLY_LOCAL = re.compile(
    r"(?:^|[._+-])(?:no-?reply|noreply|do-?not-?reply|donotreply|notifications?|notify|mailer(?:-daemon)?|"
    r"bounces?|automated|alerts?|system|postmaster|news(?:letter)?)(?:$|[._+-])|^no[._-]?reply", re.I)
# a match starts only where a token starts: otherwise a long run of word characters is scanned
# again from every position in it (quadratic)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:best(?: regards| wishes)?|kind regards|regards|warm(?:est)? regards|many thanks|thanks(?: again)?|"
    r"thank you|cheers|all the best|sincerely|yours(?: sincerely| truly)?|respectfully|take care|"
    r"mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|herzliche grüße|liebe grüße|"
    r"cordialement|bien cordialement|bien à vous|salutations|meilleures salutations|belle journée|"
    r"saludos(?: cordiales)?|un saludo|atentamente|cordialmente|un abrazo|gracias)\b[ ,.!-]*$",
    re.I | re.M,
)


# Every pattern here runs on mail anyone can send: texts are capped before matching, and no
# pattern may start a scan that spans lines from every position (`^[ \t]*`, never `^\s*`, under re.M).
CLOSING_CHARS = 3000  # a sign-off and a signature sit at the end; what a hostile mail adds is ignored
SIGNATURE_CHARS = 1500  # a name, a title, a phone and an address come first in a signature
SUBJECT_CHARS = 300
DISPLAY_CHARS = 200


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def _may_match(anchors: tuple[str, ...] | None, text: str) -> bool:
    """False when none of a pattern's anchor words (one of which is in every match) is in the text,
    so the pattern need not run. `str in` costs far less than a regex that starts with alternations."""
    return anchors is None or any(map(text.__contains__, anchors))  # map: no Python frame per anchor


def is_noreply(address: str) -> bool:
    """No-reply, notification and ATS relay addresses never reach a person."""
    if not address or "@" not in address:
        return True
    local = address.rpartition("@")[0]
    domain = _domain(address)
    return bool(_NOREPLY_LOCAL.search(local)) or is_under(domain, ATS) or is_under(domain, JOB_BOARDS)


_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")


def closing_block(message: ParsedMessage) -> str:
    """The signature: the delimited one, else what follows the last sign-off line."""
    if message.signature.strip():
        return message.signature.strip()[:SIGNATURE_CHARS]
    text = message.text.rstrip()[-CLOSING_CHARS:]
    matches = list(_SIGN_OFF.finditer(text))
    if matches:
        return text[matches[-1].end():].strip()[:SIGNATURE_CHARS]
    # no sign-off line: only a short last paragraph of short lines looks like a signature; prose
    # never does, so an address mentioned in a sentence is never taken for the sender's
    last = _PARAGRAPH_BREAK.split(text.strip())[-1]
    lines = last.splitlines()
    if len(lines) <= 6 and all(len(line) <= 60 for line in lines):
        return last
    return ""


_FORWARDED_FROM = re.compile(r"^[ \t]*(?:From|Von|De|Da|Van)[ \t]*:[ \t]*(?P<v>[^\n]+)", re.M)
FORWARD_HEADER_CHARS = 2000  # the forwarded block's From line comes right after its mark
# lower case, run on lower-cased text: re.I makes an alternation like this several times slower
_FORWARD_MARK = re.compile(r"(?:forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|"
                           r"begin forwarded message|messaggio inoltrato|doorgestuurd bericht)")


def forwarded_sender(message: ParsedMessage) -> tuple[str, str] | None:
    """In a forwarded mail the rejection's sender (name, address) is in the forwarded block, not in
    From. None: not forwarded; empty strings: forwarded, sender not found."""
    # lower() keeps offsets except for a few letters in rare scripts; the From line below is still found
    mark = _FORWARD_MARK.search(message.text[:20000].lower())
    if not mark:
        return None
    m = _FORWARDED_FROM.search(message.text[:mark.end() + FORWARD_HEADER_CHARS], mark.end())
    if not m:
        return "", ""
    value = m.group("v")[:DISPLAY_CHARS]
    found = _EMAIL.search(value)
    name = value[:found.start()].strip(" <\"'") if found else ""
    return (name, found.group(0).lower()) if found else ("", "")


# -- company -------------------------------------------------------------------------------
_TEAM_WORDS = (
    r"(?:hiring|recruiting|recruitment|talent(?: acquisition)?|careers?|jobs|people(?: team| ops)?|hr|human resources|"
    r"people & culture|people and culture|team|personalabteilung|recrutement|rrhh|recursos humanos|karriere|"
    r"bewerbermanagement|talent team|recruiting team)"
)
_TEAM_WORDS_RE = re.compile(_TEAM_WORDS, re.I)
_DISPLAY_TEAM = re.compile(
    r"^(?:the )?(?P<c>.+?)\s+(?:" + _TEAM_WORDS + r")(?:\s+(?:team|department))?(?:\s+via\s+.+)?$", re.I)
_DISPLAY_AT = re.compile(r"^(?:talent|careers|recruiting|jobs|people|hiring|recrutement|empleo)\s+(?:at|@|with|chez|en|bei)\s+(?P<c>.+)$", re.I)
# "Léa de Hopsy", "Daan van Studio Kwast", "Sam from Acme": a person writing for a firm
_DISPLAY_PERSON_AT = re.compile(r"^[A-ZÀ-Ý][\w'’-]+\s+(?:de|van|von|from|at|@|bei|chez|da|di|of)\s+(?P<c>[A-ZÀ-Ý].*)$")
_DISPLAY_VIA = re.compile(r"^(?P<c>.+?)\s+(?:via|through|über|via)\s+\S+", re.I)
_PORTAL_WORDS = re.compile(r"^(?:" + _TEAM_WORDS + r"|stellenportal|jobportal|karriereportal|portail carrières|"
                           r"portal de empleo|bewerbermanagement|ats|applicant tracking)$", re.I)
# reply and forward prefixes, and the "[EXT]" tag mail gateways put before outside mail
_REPLY_PREFIX = re.compile(r"^[ \t]*(?:(?:re|aw|sv|fwd?|wg|tr|rv|ref)[ \t]*:[ \t]*|\[?ext(?:ernal)?\]?:?[ \t]+)+", re.I)
_CAP_PHRASE = (r"[A-ZÀ-Ý][\w&'’+-]*(?:(?: (?:de|la|le|les|del|van|von|der|and|&|\+))? [A-ZÀ-Ý&+][\w&'’+-]*){0,4}")
_CAP_PHRASE_RE = re.compile(r"(?<![\w&'’+-])" + _CAP_PHRASE)  # from a word's start only: linear
_SUBJECT_PATTERNS = [
    # "Your application to ROLE at COMPANY", "Votre candidature : ROLE chez COMPANY": the name ends the subject
    re.compile(r"(?i:applica|candida|bewerbung|role|position|poste|puesto|stelle|intern|job).{0,120}?"
               r"\b(?:at|chez|bei|with|en|@)\s+(?P<c>" + _CAP_PHRASE + r")[ \t.]*$"),
    re.compile(r"(?i:bewerbung (?:bei|an)|candidature (?:chez|à|auprès de)|candidatura (?:en|a|para))\s+"
               r"(?i:der |die |la |l'|el )?(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"(?:your |the )?application (?:to|at|with)\s+(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"(?:for|on) .{2,60}? at (?P<c>" + _CAP_PHRASE + r")\s*$"),
    re.compile(r"(?i:interest in|applying to|applying at|for applying to|update from|message from|news from|"
               r"follow[- ]up from|note from|thank you from|thanks from)\s+"
               r"(?i:joining\s+)?(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"^(?P<c>" + _CAP_PHRASE + r") (?:te envió|sent you|hat dir|vous a envoyé|has sent|viewed|an update)"),
]
_SUBJECT_SPLIT = re.compile(r"\s+[|–—-]\s+|\s*\|\s*")
_BODY_PATTERNS = [
    re.compile(r"(?:interest in|applying to|applying for a (?:role|position|job) (?:at|with)|application to|"
               r"(?:role|position|opportunity|job|opening|vacancy) (?:at|with)|joining|career at|team at|candidacy at|"
               r"on behalf of|here at|everyone at|all of us at)\s+(?:the\s+)?(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"(?:im namen (?:von|der)|au nom de|en nombre de|bei der|bei|chez|en)\s+(?P<c>" + _CAP_PHRASE + r")\s+"
               r"(?:beworben|interessiert|postulé|candidature|postulado|postularte|postularse|bewerben)"),
    re.compile(r"(?i:interesse an|intérêt pour|interés en)\s+(?i:der |la |el |l')?(?P<c>" + _CAP_PHRASE + ")"),
]
_BODY_ANCHORS: tuple[tuple[str, ...] | None, ...] = (None, None, ("interesse an", "intérêt pour", "interés en"))
_NOT_COMPANY = re.compile(
    r"^(?:we|our|the|this|your|you|a|an|hi|hello|dear|thank|thanks|unfortunately|us|team|position|role|job|"
    r"application|hiring|recruiting|talent|careers?|jobs|linkedin|indeed|greenhouse|lever|workday|ashby|the team|"
    r"glassdoor|handshake|noreply|no-reply|human resources|hr|people|candidate|applicant|interview|update|"
    r"re|fwd?|ihre|votre|tu|su|your application|application update|following up|feedback|next steps|"
    r"regarding|status|important|news|message|stellenportal|xing|stepstone|computrabajo|infojobs|smartrecruiters|"
    r"workable|personio|teamtailor|bamboohr|icims|taleo|welcome to the jungle|otta|wellfound|apec|ziprecruiter)$", re.I)
_TRAILING_NOISE = re.compile(r"\s*(?:\b(?:team|inc|llc|ltd|gmbh|s\.?a\.?s?|se|ag|plc|co|corp|b\.?v)\.?)$", re.I)


# Words that are never part of an employer's name at either end of a candidate: a subject or a
# line whose punctuation was lost runs a name into the words around it ("Ext News on your Acme
# Application", "Acme We", "Workday @ Acme Notification").
_EDGE_WORDS = frozenset((
    "a", "an", "the", "we", "you", "our", "your", "us", "i", "it", "this", "they", "their", "thank", "thanks",
    "unfortunately", "after", "please", "hi", "hello", "dear", "best", "regards", "sincerely", "at", "as", "while",
    "although", "however", "if", "in", "on", "for", "to", "of", "and", "or", "is", "are", "was", "has", "have",
    "from", "with", "by", "re", "fwd", "fw", "ext", "external", "news", "update", "updates", "regarding", "about",
    "important", "message", "status", "follow", "following", "up", "application", "applications", "applying",
    "candidacy", "job", "jobs", "opening", "openings", "opportunity", "opportunities", "role", "roles", "position",
    "positions", "vacancy", "notification", "notifications", "notice", "team", "teams", "careers", "career",
    "recruiting", "recruitment", "hiring", "talent", "acquisition", "hr", "human", "resources", "people", "culture",
    "department", "early", "emerging", "summer", "winter", "spring", "fall", "autumn", "graduate", "graduates",
    "student", "students", "intern", "interns", "internship", "internships", "program", "programme", "programs",
    "programmes", "university", "campus", "undefined", "do-not-reply", "donotreply", "no-reply", "noreply",
    "system", "admin", "ihre", "deine", "votre", "ton", "tu", "su", "la", "le", "les", "el", "los", "das", "die",
    "der", "bewerbung", "candidature", "candidatura", "rückmeldung", "info", "information", "workday", "myworkday",
    "icims", "@", "-", "–", "—", "|", ":", "/", "via"))
# a candidate with one of these is a job title, not an employer ("Entry Level Developer")
_ROLE_NOUNS = frozenset((
    "engineer", "developer", "analyst", "manager", "intern", "designer", "scientist", "specialist", "coordinator",
    "associate", "assistant", "producer", "writer", "artist", "tester", "planner", "technician", "director",
    "officer", "representative", "administrator", "architect", "adjuster", "nurse", "teacher", "editor",
    "accountant", "executive", "operator", "apprentice", "trainee", "fellow", "researcher", "generalist",
    "navigator", "estimator", "barista", "aide", "maintainer", "lead", "chief", "consultant", "advisor",
    "programmer", "sde", "swe", "co-op", "coop", "entwickler", "entwicklerin", "ingenieur", "ingenieurin",
    "berater", "beraterin", "sachbearbeiter", "sachbearbeiterin", "praktikant", "praktikantin", "werkstudent",
    "werkstudentin", "leiter", "leiterin", "leitung", "ingénieur", "ingénieure", "développeur", "développeuse",
    "stagiaire", "alternant", "alternante", "chargé", "chargée", "chef", "responsable", "desarrollador",
    "desarrolladora", "analista", "ingeniero", "ingeniera", "becario", "becaria", "técnico", "técnica", "jefe",
    "jefa", "texter", "actuario", "actuaria", "stelle", "ausbildung", "praktikum", "working", "co-operative",
    "(m/w/d)", "(h/f)", "(f/h)", "(m/f/d)", "(w/m/d)"))
# a recruitment agency or a job board speaks for an employer: its name is not the employer's
_AGENCY_WORDS = frozenset((
    "recruitment", "recruiters", "staffing", "headhunters", "headhunting", "personalberatung",
    "personalvermittlung", "zeitarbeit", "recrutement", "intérim", "interim", "selezione", "detachering",
    "uitzendbureau"))
_AGENCY_PHRASES = ("executive search", "talent solutions", "talent partners", "search ltd", "search llc",
                   "search inc", "search pte", "search group")
# job boards, career platforms and ATS vendors, by the names they send under
_PLATFORM_NAMES = frozenset((
    "linkedin", "indeed", "glassdoor", "ziprecruiter", "handshake", "joinhandshake", "wellfound", "otta", "dice",
    "monster", "stepstone", "xing", "infojobs", "computrabajo", "bumeran", "occ", "apec", "hellowork", "jobteaser",
    "welcometothejungle", "wttj", "ripplematch", "wayup", "simplify", "builtin", "hired", "greenhouse", "lever",
    "ashby", "workday", "myworkday", "icims", "taleo", "successfactors", "smartrecruiters", "teamtailor",
    "personio", "bamboohr", "workable", "jobvite", "recruitee", "homerun", "breezy", "jazzhr", "softgarden", "rexx",
    "pinpoint", "avature", "cornerstone", "csod", "oracle", "gupy", "catho", "vagas", "pracuj", "olx", "nuworks",
    "waterlooworks", "symplicity", "12twenty", "applytojob", "newton", "nationalevacaturebank", "vacaturebank",
    "paylocity", "ultipro", "adp", "brassring", "dayforce", "phenom", "eightfold", "hirevue", "jobscore"))
# a name made of these only is a field of work ("Software Engineering"), not an employer
_FIELD_WORDS = frozenset((
    "software", "engineering", "data", "science", "machine", "learning", "product", "marketing", "sales", "design",
    "research", "finance", "operations", "it", "technology", "technical", "business", "analytics", "development",
    "web", "mobile", "cloud", "security", "ai", "ml", "infrastructure", "platform", "systems", "digital",
    "customer", "support", "quality", "hardware", "electrical", "mechanical", "civil"))
_LEGAL_FORMS = frozenset((
    "inc", "llc", "ltd", "gmbh", "ag", "plc", "corp", "corporation", "incorporated", "limited", "s.a.", "sas", "bv",
    "b.v.", "kg", "e.v.", "srl"))
_CONNECTORS = frozenset((
    "de", "la", "le", "les", "del", "van", "von", "der", "den", "und", "and", "&", "+", "of", "du", "des", "y",
    "et", "e", "für", "da", "di", "zu", "am", "an"))
_NAME_WORD = re.compile(r"[\w&'’+.-]+")


def _words(value: str) -> list[str]:
    return _NAME_WORD.findall(value)


def _trim_edges(words: list[str]) -> list[str]:
    while words and (words[0].lower() in _EDGE_WORDS or words[0].lower() in _CONNECTORS):
        words = words[1:]
    while words and (words[-1].lower() in _EDGE_WORDS or words[-1].lower() in _CONNECTORS):
        words = words[:-1]
    return words


def _clean_company(value: str) -> str | None:
    """The employer's name in a candidate, or None when the candidate is not one: a sentence
    fragment, a job title, an agency, a job board or ATS, a pronoun."""
    value = value[:DISPLAY_CHARS].strip(" .,:;!?-–|\"'’()[]")
    words = _trim_edges([w.strip(".,:;!?\"'’()[]") for w in _words(value)])
    words = [w for w in words if w]
    if not words or len(words) > 6:
        return None
    lowered = [w.lower() for w in words]
    if any(w.split(".")[0] in _PLATFORM_NAMES for w in lowered) or _compact("".join(words)) in _PLATFORM_NAMES:
        return None
    if any(w in _ROLE_NOUNS or w.rstrip("s") in _ROLE_NOUNS for w in lowered) or all(w in _FIELD_WORDS for w in lowered):
        return None
    joined = " ".join(lowered)
    if any(w in _AGENCY_WORDS for w in lowered) or any(p in joined for p in _AGENCY_PHRASES):
        return None
    # a name is capitalised words (and connectors); a lower-case word means a sentence ran on
    if any(not (w[:1].isupper() or w[:1].isdigit() or w.lower() in _CONNECTORS) for w in words):
        return None
    if any(c in value for c in "!?@") or _NOT_COMPANY.match(" ".join(words)):
        return None
    # a name ends at its legal form: "Acme Inc Springfield KS" is Acme Inc
    legal = next((i for i, w in enumerate(lowered) if w.strip(".,") in _LEGAL_FORMS), None)
    if legal is not None and legal > 0:
        words = words[:legal + 1]
    # keep the name as written, from its first word to its last
    first, last = value.find(words[0]), value.rfind(words[-1])
    name = value[first:last + len(words[-1])] if 0 <= first <= last else " ".join(words)
    return name if len(name) <= 60 else None


def _domain_core(address: str) -> str | None:
    domain = _domain(address)
    if not domain or is_under(domain, FREEMAIL) or is_under(domain, JOB_BOARDS) or is_under(domain, ATS):
        return None
    parts = domain.split(".")
    core = parts[-2] if len(parts) >= 2 else parts[0]
    if core in ("co", "com", "ac", "org", "gov", "gob") and len(parts) >= 3:
        core = parts[-3]
    if core in ("example", "mail", "email", "jobs", "careers", "hr", "recruiting"):
        return None
    return core


_TENANT_ATS = frozenset(("myworkday.com", "myworkdayjobs.com", "icims.com", "personio.de", "personio.com"))


def _ats_tenant(address: str) -> str | None:
    domain, local = _domain(address), address.rpartition("@")[0]
    local = local.partition("+")[0]  # "acme+autoreply": the tenant is before the tag
    if is_under(domain, _TENANT_ATS) \
            and not _NOREPLY_LOCAL.search(local) and len(local) > 2:
        return local
    return None


def _looks_like_person(display: str, message: ParsedMessage) -> bool:
    words = display.split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return False
    first = words[0].lower()
    local = message.from_address.rpartition("@")[0].lower()
    if first in local or first in closing_block(message).lower()[:200]:
        return True
    # a person signs with the first name alone on a line; a company name is not written that way
    return bool(re.search(rf"(?im)^[ \t]*{re.escape(words[0])}[ \t]*$", message.text.rstrip()[-CLOSING_CHARS:]))


def _compact(text: str) -> str:
    return _NOT_ALNUM.sub("", _strip_accents(text.lower()))


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_CORPORATE_WORDS = frozenset((
    "systems", "technologies", "technology", "labs", "lab", "group", "inc", "incorporated", "corporation", "corp",
    "llc", "ltd", "limited", "gmbh", "ag", "sa", "plc", "co", "company", "enterprises", "holdings", "software",
    "solutions", "bank", "capital", "partners", "health", "analytics", "international", "global", "industries",
    "studios", "studio", "games", "media", "networks", "financial", "insurance", "foods", "energy", "robotics",
    "security", "consulting", "services", "digital", "ventures", "pharmaceuticals", "therapeutics", "biosciences",
    "logistics", "aerospace", "motors"))


def _phrase_for_core(core: str, text: str) -> str | None:
    """The capitalised phrase in the text that spells the sender's domain: "Gannet Labs" for gannetlabs.com."""
    best = None
    for m in _CAP_PHRASE_RE.finditer(text):
        words = m.group(0).split()
        initial = words[0][0].lower()
        if initial.isascii() and initial != core[0]:
            continue  # cheap: the phrase's compact form would start with this letter
        # every candidate starts with the first word, so it must agree with the domain's start
        first = _compact(words[0])
        if not first or not (core.startswith(first[:len(core)]) or first.startswith(core)):
            continue
        for n in range(len(words), 0, -1):
            phrase = " ".join(words[:n])
            compact = _compact(phrase)
            spelled = next((k for k in range(1, n + 1) if _compact(" ".join(words[:k])) == core), None)
            # the domain spelled out, or spelled and followed by words a firm's name ends with only
            # ("Adobe Systems", never "Adobe Systems Incorporated Park Ave")
            if compact == core or (len(compact) >= 5 and core.startswith(compact)) or (
                    spelled is not None and all(w.lower() in _CORPORATE_WORDS for w in words[spelled:n])):
                if best is None or len(phrase) > len(best):
                    best = phrase
                break
    return best


def extract_company(message: ParsedMessage) -> Field:
    votes: list[tuple[str, float]] = []
    # a text without punctuation runs the greeting's name into the employer's ("interest in Acme Sam")
    own_names = {w.lower() for name, _ in message.to[:3] for w in _words(name)}

    def vote(value: str | None, weight: float) -> None:
        if value and (c := _clean_company(value)):
            words = c.split()
            while len(words) > 1 and words[-1].lower() in own_names:
                words.pop()
            votes.append((" ".join(words), weight))

    display = message.from_[0][:DISPLAY_CHARS].strip().strip('"')
    subject = _REPLY_PREFIX.sub("", message.subject[:SUBJECT_CHARS])
    text = message.text[:3000]
    agency = _agency_sender(message)
    if display and not agency:
        if m := _DISPLAY_PERSON_AT.match(display):
            vote(m.group("c"), 0.55)  # a surname particle reads the same: only with another clue
        elif m := _DISPLAY_TEAM.match(display) or _DISPLAY_AT.match(display):
            vote(m.group("c"), 0.85)
        elif m := _DISPLAY_VIA.match(display):
            if not _looks_like_person(m.group("c"), message):
                vote(m.group("c"), 0.8)
        else:
            parts = [p.strip() for p in _SUBJECT_SPLIT.split(display) if p.strip()]
            if len(parts) == 2 and _is_portal(parts[1]):
                vote(parts[0], 0.85)
            elif len(parts) == 2 and _is_portal(parts[0]):
                vote(parts[1], 0.85)
            elif len(parts) == 1 and not _looks_like_person(display, message) and is_noreply(message.from_address):
                # an ATS sends under the employer's name, and under a recruiter's: alone it proves nothing
                vote(display, 0.5)
    for pattern in _SUBJECT_PATTERNS:
        if (m := pattern.search(subject)) and _clean_company(m.group("c")):
            vote(m.group("c"), 0.8)
            break
    else:
        sides = _SUBJECT_SPLIT.split(subject)[:2]
        if "|" in subject and len(sides) == 2:
            vote(sides[0], 0.55)  # "Company | Role" is the common ATS subject (Lever and others)
            vote(sides[1], 0.3)
        else:
            for side in sides:
                vote(side, 0.35)
    lowered = text.lower()
    for pattern, anchors in zip(_BODY_PATTERNS, _BODY_ANCHORS, strict=True):
        if not _may_match(anchors, lowered):
            continue
        # the first match that names an employer ("interest in the Analyst role" names none)
        found = next((c for m in itertools.islice(pattern.finditer(text), 8) if (c := _clean_company(m.group("c")))),
                     None)
        if found:
            vote(found, 0.7)
            break
    addresses = [message.from_address, *(a for _, a in message.reply_to)]
    core = next((c for a in addresses if (c := _domain_core(a))), None)
    tenant = None if core else next((t for a in addresses if (t := _ats_tenant(a))), None)
    core = core or tenant
    if core and not agency:
        # not in the display name: an ATS tenant's code and the display name are one clue, not two
        haystack = f"{subject}\n{text}\n{closing_block(message)}"
        phrase = _phrase_for_core(_compact(core), haystack)
        if phrase:
            vote(phrase, 0.8)
        elif not tenant:  # a tenant's code spelled as a name is no clue: "Workday HRHPI" is not HRHPI's
            vote(core.replace("-", " ").replace("_", " ").title(), 0.35)
    if not votes:
        return Field.unknown()
    # agreement between independent clues is worth more than any one of them; two clues agree
    # when one's words begin the other's ("Acme" and "Acme Labs", never "Acme" and "Acmenbsp")
    best, best_score, best_weight = None, 0.0, 0.0
    keyed = [(c, w, _word_keys(c)) for c, w in votes]
    for candidate, weight, keys in keyed:
        agreeing = [w for _, w, other in keyed if keys and _agree(keys, other)]
        score = min(0.99, max(agreeing) + 0.1 * (len(agreeing) - 1))
        if score > best_score or (score == best_score and best is not None and _better_tied(candidate, weight, best,
                                                                                             best_weight)):
            best, best_score, best_weight = candidate, score, weight
    return Field(best, round(best_score, 2))


def _better_tied(candidate: str, weight: float, best: str, best_weight: float) -> bool:
    """Of two agreeing names, the one that ends where the name ends: "Acme Labs" over "Acme", but
    "Acme" over "Acme Sam" (a name run into the next words)."""
    a, b = _word_keys(candidate), _word_keys(best)
    if a != b and _agree(a, b):
        longer, shorter = (candidate, best) if len(a) > len(b) else (best, candidate)
        extra = longer.split()[len(shorter.split()):]
        keep = longer if extra and all(w.lower().strip(".,") in _CORPORATE_WORDS for w in extra) else shorter
        return keep == candidate
    return weight > best_weight


def _word_keys(name: str) -> list[str]:
    return [k for w in _TRAILING_NOISE.sub("", name).split() if (k := _compact(w))]


def _agree(a: list[str], b: list[str]) -> bool:
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return bool(shorter) and (longer[:len(shorter)] == shorter or "".join(a) == "".join(b))


_AGENCY_DOMAIN = re.compile(r"recruit|staffing|talent|search|headhunt|personal|interim|selezione|detacher|uitzend|"
                            r"consult|kadry|pessoas")


def _agency_sender(message: ParsedMessage) -> bool:
    """Mail from a recruitment agency: its name and domain are not the employer's."""
    core = _domain_core(message.from_address) or ""
    display = message.from_[0][:DISPLAY_CHARS].lower()
    return bool(_AGENCY_DOMAIN.search(core)) or any(w in _AGENCY_WORDS for w in display.split()) or \
        any(p in display for p in _AGENCY_PHRASES)


def _is_portal(part: str) -> bool:
    return bool(_PORTAL_WORDS.match(part)) or _compact(part) in _PLATFORM_NAMES


def _key(name: str) -> str:
    return _NOT_ALNUM.sub("", _TRAILING_NOISE.sub("", name.lower()))


# -- role ------------------------------------------------------------------------------------
_ROLE_STOP = r"(?=\s*(?:[,.;:!?()\[\]|]|\s-\s|\s–\s|\s+(?:at|with|in|bei|chez|en|en el|à|position|role|job|opening|"\
             r"team|here|has|have|was|is|and|we|our|opportunity|vacancy|req|requisition|et|pour|que|qui|nous|au sein)\b|$))"
_ROLE_PATTERNS = [
    re.compile(r"(?:for|to) (?:the|our|this)\s+(?P<r>[A-Z][\w/&+#.'’ -]{2,70}?)\s+(?:position|role|job|opening|vacancy)\b"),
    re.compile(r"(?:position|role|job|post|vacancy) (?:of|as)\s+(?:an?\s+)?(?P<r>[A-Z][\w/&+#.'’ -]{2,70}?)" + _ROLE_STOP),
    re.compile(r"(?:application|candidacy|applying|applied) (?:for|to)\s+(?:the\s+|our\s+|an?\s+)?(?:position of\s+|role of\s+)?"
               r"(?P<r>[A-Z][\w/&+#.'’ -]{2,70}?)" + _ROLE_STOP),
    re.compile(r"(?:Bewerbung als|Bewerbung auf die Position|Stelle als|Position als|Position)\s+(?:\w+\s+)?"
               r"(?P<r>[A-Z][\w/&+#.'’() -]{2,70}?)" + _ROLE_STOP),
    re.compile(r"(?:poste d[e'’]|poste de|pour le poste|au poste)\s*(?:de\s+|d['’])?(?P<r>[\w/&+#.'’ -]{3,70}?)" + _ROLE_STOP, re.I),
    re.compile(r"(?:puesto de|vacante de|posici[oó]n de|candidatura (?:al puesto de|para)|proceso de selecci[oó]n (?:de|para))\s+"
               r"(?:la |el )?(?P<r>[\w/&+#.'’ -]{3,70}?)" + _ROLE_STOP, re.I),
    re.compile(r"(?:Role|Position|Job title|Poste|Stelle|Puesto)\s*:\s*(?P<r>[^\n]{3,70})"),
]
_SUBJECT_ROLE = [
    re.compile(r"(?:application|applying|candidacy|bewerbung|candidature|candidatura)\s+(?:for|as|als|pour|para|de|au poste de|al puesto de)\s+"
               r"(?:the\s+|the position of\s+|le poste de\s+|el puesto de\s+)?(?P<r>(?:[^|\-–:(]|(?<=\w)-(?=\w)){3,70}?)(?:\s+(?:at|bei|chez|en)\s+.+)?(?:\s*[|–:(]|\s+-\s|$)", re.I),
    re.compile(r"^[A-Z][\w&.' ]{1,40}?\s*[|–-]\s*(?P<r>[^|–-]{3,70}?)\s*(?:[|–-]|$)"),
    re.compile(r"^(?:re:\s*)?(?P<r>[A-Z][\w/&+#.' ]{3,60}?)\s+(?:at|bei|chez)\s+[A-Z]"),
]
_NOT_ROLE = re.compile(r"^(?:your|votre|ihre|deine|tu|su|my|application|update|the|our|this|a|an|job|role|position|interest|"
                       r"next steps?|thank you|thanks|status|your|feedback)\b", re.I)


_ROLE_REQ_SUFFIX = re.compile(r"\s*\((?:req|r-|job|id)[^)]*\)\s*$", re.I)
_ROLE_NUMBER_SUFFIX = re.compile(r"\s*(?:#|req\.?|R-)\s*\d[\w-]*$")


# bracketed asides and tokens a title carries that a person would not write in a letter
_ROLE_ASIDE = re.compile(r"\s*[(\[][^()\[\]]{0,40}[)\]]")
_ROLE_NOISE_WORDS = frozenset((
    "ext", "external", "wfh", "remote", "hybrid", "onsite", "on-site", "location", "req", "requisition", "job",
    "id", "ref", "cdi", "cdd", "fte", "full-time", "part-time", "fulltime", "parttime", "vollzeit", "teilzeit",
    "usa", "us", "uk", "emea", "apac", "latam", "undefined"))
_TITLE_EXTRA = frozenset((
    "internship", "programme", "program", "scheme", "graduate", "student", "fellowship", "apprenticeship",
    "ambassador", "pm", "qa", "ux", "ui", "sre", "devops", "hr", "it"))
_RUN_ON_WORDS = frozenset(("program", "programme", "search", "interview", "interviews", "take", "a", "lab", "process",
                           "opportunity", "team", "application", "scheme"))
_ROLE_FUNCTION_WORDS = frozenset((
    "et", "pour", "que", "qui", "nous", "vous", "votre", "notre", "un", "une", "avec", "dans", "sur", "par", "est",
    "sont", "for", "from", "up", "with", "to", "at", "we", "you", "your", "our", "is", "are", "was", "has", "have",
    "will", "und", "wir", "sie", "ihre", "ist", "wird", "para", "con", "por", "su", "tu", "es", "son", "ha",
    "hemos", "this", "that", "it"))
_ROLE_CONNECTORS = frozenset((
    "of", "and", "for", "de", "des", "du", "d'", "en", "in", "&", "/", "-", "+", "la", "le", "el", "y", "und",
    "für", "im", "der", "die", "das", "del", "e", "et"))
_US_STATE = re.compile(r"^[A-Z]{2}$")
# words of a subject line, never of a job title ("Final Interview Outcome", "Following up")
_NOT_TITLE_WORDS = frozenset((
    "outcome", "decision", "update", "follow", "following", "interview", "feedback", "final", "round", "result",
    "results", "status", "news", "regarding", "application", "candidacy", "next", "steps", "thank", "thanks",
    "presentation", "written", "coding", "mock", "discovery", "call", "delay", "apologies", "sorry", "offer",
    "shift", "home", "year", "filled", "esta", "oferta", "rückmeldung", "kennziffer", "ihre", "bewerbung", "votre",
    "candidature", "tu", "su", "candidatura", "our", "your", "my", "you", "we"))
# a job title names a person who does something: a known title word, or a word formed like one
_TITLE_WORD = re.compile(r"(?:er|or|ist|ant|ent|ian|eur|euse|rice|ista|ero|era|ador|adora|ship|ee|erin|ente|ario|aria|"
                         r"ogue|ologist|iste|ière|ier|tion|ung)$")
_LEADING_ROLE_WORDS = re.compile(r"^(?:(?:vacante|posici[oó]n|puesto|poste|stelle|position|role)(?:\s+(?:de|d['’]|als|of|as))?"
                                 r"|the|le|la|el|die|der)\s+", re.I)
_HAS_DIGIT = re.compile(r"\d")


def _clean_role(value: str) -> str | None:
    """A job title as a person would write it in a letter, or None: no requisition numbers,
    locations, contract types or work modes; a title is capitalised words and connectors."""
    value = _ROLE_ASIDE.sub(lambda m: m.group(0) if "/" in m.group(0) and len(m.group(0)) <= 12 else "",
                            value.strip()[:120])
    value = _ROLE_REQ_SUFFIX.sub("", value)
    value = value.split("(")[0] if value.count("(") > value.count(")") else value  # a cut-off "(Req 24"
    value = _ROLE_NUMBER_SUFFIX.sub("", value).strip(" .,:;-–|\"'’")
    value = _LEADING_ROLE_WORDS.sub("", value)
    words = value.split()
    # numbers (a requisition, a year) and the noise words go; a title after them is kept
    kept = [w for w in words if not _HAS_DIGIT.search(w) and w.lower().strip(",.") not in _ROLE_NOISE_WORDS]
    # a single capital left of a stripped requisition ("R Intern ...") and a state code after a city
    while kept and len(kept[0]) == 1 and kept[0].isupper():
        kept = kept[1:]
    while kept and (_US_STATE.match(kept[-1]) or kept[-1].lower() in _ROLE_CONNECTORS):
        state = bool(_US_STATE.match(kept[-1]))
        kept = kept[:-1]
        for _ in range(2 if state else 0):  # the city before the state: "San Jose CA"
            if len(kept) > 2 and kept[-1][:1].isupper() and kept[-1].lower() not in _ROLE_NOUNS and \
                    not _TITLE_WORD.search(kept[-1].lower()):
                kept = kept[:-1]
    while kept and kept[-1].lower() in ("role", "position", "job", "opening", "poste", "stelle", "puesto", "vacancy"):
        kept = kept[:-1]
    # words a sentence runs on with after a title: "Fellow program", "Engineer interviews", "Manager a"
    while len(kept) > 1 and kept[-1] in _RUN_ON_WORDS:
        kept = kept[:-1]
    if not kept or len(kept) > 8 or _NOT_ROLE.match(" ".join(kept)):
        return None
    # a lower-case word other than a connector means a sentence ran on ("up from Acme")
    # (French and Spanish titles have lower-case words: "Ingénieur logiciel"; a sentence has these)
    if any(w.lower() in _ROLE_FUNCTION_WORDS for w in kept) or len([w for w in kept if w.islower()]) > 3:
        return None
    lowered = [w.lower().strip(",.") for w in kept]
    if any(w in _NOT_TITLE_WORDS for w in lowered):
        return None
    if not any(w in _ROLE_NOUNS or w.rstrip("s") in _ROLE_NOUNS or w in _TITLE_EXTRA or
               _TITLE_WORD.search(w.split("/")[0]) for w in lowered):
        return None
    value = " ".join(kept)
    if value.isupper() or value.islower():
        value = " ".join(w if len(w) <= 3 and value.isupper() else w[:1].upper() + w[1:].lower() for w in kept)
    return value if len(value) >= 3 else None


# anchors (see _may_match) for the case-insensitive French and Spanish patterns, on lower-cased text
_ROLE_ANCHORS: tuple[tuple[str, ...] | None, ...] = (
    None, None, None, None, ("poste",),
    ("puesto de", "vacante de", "posicion de", "posición de", "candidatura ", "proceso de selecci"), None)


def extract_role(message: ParsedMessage) -> Field:
    head = message.text[:2000]
    lowered = head.lower()
    for pattern, anchors in zip(_ROLE_PATTERNS, _ROLE_ANCHORS, strict=True):
        m = pattern.search(head) if _may_match(anchors, lowered) else None
        if m and (r := _clean_role(m.group("r"))):
            return Field(r, 0.75)
    for pattern in _SUBJECT_ROLE:
        m = pattern.search(message.subject[:SUBJECT_CHARS])
        if m and (r := _clean_role(m.group("r"))):
            return Field(r, 0.6)
    return Field.unknown()


# -- signer --------------------------------------------------------------------------------------
_NAME_LINE = re.compile(r"^(?P<first>[A-ZÀ-Ý][a-zà-ÿ'’-]+)(?:\s+[A-ZÀ-Ý][\w'’-]+){0,3}\s*$")
_NOT_NAME = re.compile(
    r"^(?:the|team|hiring|recruiting|talent|people|hr|human|careers?|jobs|your|our|ihr|ihre|das|die|le|la|el|"
    r"equipo|l'équipe|équipe|best|regards|thanks|sincerely|recruitment|department|on|sent|from)$", re.I)


def extract_signer(message: ParsedMessage, company: str | None = None) -> Field:
    block = closing_block(message)
    if not block:
        return Field.unknown()
    lines = [line.strip() for line in block.splitlines() if line.strip()][:3]
    if not lines:
        return Field.unknown()
    first_line = lines[0]
    if _TEAM_WORDS_RE.search(first_line) and len(first_line.split()) > 1:
        return Field.unknown()
    if company and _key(company) and _key(company) in _key(first_line):
        return Field.unknown()
    m = _NAME_LINE.match(first_line)
    if m and not _NOT_NAME.match(m.group("first")):
        return Field(m.group("first"), 0.8 if message.signature or _SIGN_OFF.search(message.text) else 0.5)
    return Field.unknown()


# -- stage ----------------------------------------------------------------------------------------
# The stage and reason patterns are written in lower case and run on lower-cased text: without
# re.I the regex engine is about four times faster, and these run on every rejection.
_NOT_YET_INTERVIEWED = re.compile(
    r"(?:to|for|into|an|invite you to|progress(?:ing)? to|move (?:you )?forward (?:to|with)|advance to|next)\s+"
    r"(?:an?\s+|the\s+|our\s+)?(?:next\s+|first\s+|final\s+)?(?:interview|entretien|entrevista|vorstellungsgespräch|gespräch|"
    r"round|stage)s?(?:\s+(?:stage|round|process|phase))?",
)
_STAGE_PATTERNS = [
    ("final", re.compile(
        r"final (?:round|interview|stage|panel)|onsite|on-site|last round|final conversation|superday|"
        r"finalen? (?:runde|gespräch)|letzte[nr]? (?:runde|gespräch)|(?:dernier|final) entretien|entretien final|"
        r"dernière étape|entrevista final|última (?:entrevista|fase|ronda)|ronda final")),
    ("interview", re.compile(
        r"interview|phone screen|screening call|(?:speaking|talking|meeting|chatting) with|(?:speak|talk|chat|meet) with (?:us|me|the)|"
        r"met with|took the time to (?:speak|meet|talk|chat)|our (?:call|conversation|chat)|the call|"
        r"gespräch|entretien|échange|entrevista|conversación|llamada")),
    ("assessment", re.compile(
        r"assessment|take[- ]home|coding (?:challenge|test|exercise)|technical (?:test|exercise|task)|case study|"
        r"assignment|exercise|hackerrank|codility|codesignal|test task|work sample|"
        r"testaufgabe|fallstudie|assessment-center|probearbeit|test technique|étude de cas|exercice|cas pratique|"
        r"prueba técnica|caso práctico|ejercicio|prueba")),
    ("application", re.compile(
        r"application|applied|applying|your (?:cv|resume|résumé|profile|background)|"
        r"bewerbung|unterlagen|candidature|votre (?:cv|profil)|candidatura|tu (?:cv|perfil)|su (?:cv|perfil)")),
]


# Words at least one of which is in every match of a pattern: where none is in the text, the
# pattern cannot match and is not run (str `in` is far cheaper than a regex with alternations at
# the start). tests/test_extract.py checks the gated and ungated results agree on all our mail.
_STAGE_ANCHORS: dict[str, tuple[str, ...]] = {
    "final": ("final", "onsite", "on-site", "last round", "superday", "letzte", "dernier", "dernière", "última"),
    "assessment": ("assessment", "take-home", "take home", "coding", "technical", "case study", "assignment",
                   "exercise", "hackerrank", "codility", "codesignal", "test task", "work sample", "testaufgabe",
                   "fallstudie", "probearbeit", "test technique", "étude de cas", "exercice", "cas pratique", "prueba",
                   "caso práctico", "ejercicio"),
}
_REASON_ANCHORS: dict[str, tuple[str, ...]] = {
    "position_filled": ("filled", "offered", "given", "internal", "accepted", "hired", "made a hire", "besetzt",
                        "vergeben", "interne", "pourvu", "cubiert", "ocupad", "interno"),
    "role_closed": ("cancel", "closed", "on hold", "paused", "withdrawn", "eliminated", "frozen", "no longer", "budget",
                    "decided not to", "freeze", "restructur", "reorgani", "withdrawal", "besetzt", "gestrichen",
                    "zurückgezogen", "einstellungsstopp", "supprimé", "annulé", "gelé", "suspendu", "gel des", "cerrad",
                    "suspendid", "congelación"),
    "location_visa": ("sponsor", "visa", "work authori", "work permit", "right to work", "relocat", "zone", "located ",
                      "based in", "requirement", "presence", "in-office", "commut", "arbeitserlaubnis",
                      "aufenthaltstitel", "umzug", "permis de travail", "parrainage", "déménag", "permiso de trabajo",
                      "reubica", "residencia"),
    "overqualified": ("qualified", "too senior", "more senior", "exceeds", "is beyond", "überqualifiziert",
                      "surqualifié", "cualificad", "calificad"),
    "fit": ("direction", "fit", "not a ", "alignment", "our values", "composition", "richtung", "passt",
            "ne correspond pas", "adéquation", "encaja", "ajusta"),
}


# An interview or a final round is stated only where the mail says one took place: "interview"
# in a conditional ("should your profile match, we will invite you to interviews") or an
# "On-Site" location tag says nothing about what happened.
_INTERVIEWED = re.compile(
    r"(?:thank(?:s| you)|grateful|appreciate[ds]?)[^.!?\n]{0,60}?(?:interview|speaking|meeting|talking|chatting|"
    r"conversation|the call|time with|to (?:speak|meet|talk|chat))|"
    r"(?:after|following|since|from|during|throughout|in|of) (?:your|our|the|my|these|those|all|each|both|recent)"
    r" (?:recent |final |first |second |technical |phone |video |on-?site |panel )?(?:interview|conversation|"
    r"call|discussion|meeting|chat|round|panel)s?|"
    r"(?:enjoyed|pleasure|great|nice|good|lovely) (?:to |in |of )?(?:speaking|meeting|talking|chatting|getting to know|"
    r"speak|meet|talk|chat)|"
    r"(?:met|spoke|spoken|talked|chatted|interviewed) (?:with|to)|(?:we|you|i) interviewed|interviewed you|"
    r"(?:your|the) (?:recent |final |first |second )?interviews? (?:with|last|on|yesterday|earlier|today)|"
    r"(?:time|effort) (?:you )?(?:spent|invested|took|gave|put)[^.\n]{0,30}?(?:interview|speaking|meeting|"
    r"talking|with (?:us|me|the team))|interviews? (?:went|was|were)|"
    r"gespräch(?:e|en)? (?:mit|am|vom|letzte)|(?:nach|für|in) (?:dem|das|den|unser(?:em|en|e)?|ihr(?:em|en)?)"
    r" (?:persönlichen |telefonischen |ersten |zweiten )?(?:gespräch|interview|vorstellungsgespräch|kennenlernen)|"
    r"(?:suite à|après|pour|lors de) (?:notre|nos|votre|vos|l['’]|les?) ?(?:\w+ )?(?:entretien|échange|rencontre)s?|"
    r"(?:merci|remercions?)[^.\n]{0,60}?(?:entretien|échange|rencontre)|"
    r"(?:tras|después de|durante|por) (?:la|las|nuestra|nuestras|su|tu|tus|sus|el|los) (?:\w+ )?"
    r"(?:entrevista|conversación|llamada|reunión)s?|(?:gracias|agradecemos)[^.\n]{0,60}?(?:entrevista|conversación)")
_FINAL_ROUND = re.compile(
    r"(?:after|following|through|to|in|for|reaching|at|of|from|during) (?:the |our |your )?(?:final (?:round|interview|"
    r"stage|panel|conversation)s?|last round|superday|on-?site interviews?)|final (?:round|stage|interview)s? (?:of|with)|"
    r"(?:your|the) final (?:interview|round|conversation|panel)s?|finalists?\b|"
    r"letzte[nr]? (?:runde|gespräch)|finalen? (?:runde|gespräch)|(?:dernier|final) entretien|entretien final|"
    r"dernière étape|entrevista final|última (?:entrevista|fase|ronda)|ronda final")


def extract_stage(message: ParsedMessage) -> Field:
    raw = f"{message.subject[:SUBJECT_CHARS]}\n{message.text[:3000]}".lower()
    text = _NOT_YET_INTERVIEWED.sub(" ", raw)
    # the evidence is specific enough to read in the whole text ("taking the time to interview with us")
    interviewed = _INTERVIEWED.search(raw) is not None
    for stage, pattern in _STAGE_PATTERNS:
        if stage == "final" and not (interviewed or _FINAL_ROUND.search(raw)):
            continue
        if stage == "interview" and not interviewed:
            continue
        # with evidence that an interview took place, its words count wherever they are
        searched = raw if stage in ("final", "interview") else text
        if _may_match(_STAGE_ANCHORS.get(stage), searched) and pattern.search(searched):
            if stage == "final" and not _FINAL_ROUND.search(raw):
                return Field("interview", 0.7)  # an interview took place; that it was the last is not said
            return Field(stage, 0.7 if stage != "application" else 0.6)
    return Field("unknown", 0.0)


# -- reason ----------------------------------------------------------------------------------------
_REASON_PATTERNS = [
    ("position_filled", re.compile(
        r"(?:position|role|vacancy|job|opening) (?:has|have|had) (?:now |already )?been filled|filled the (?:position|role)|"
        r"(?:offered|given) the (?:position|role|job) to|internal (?:candidate|applicant|hire|transfer)|"
        r"(?:candidate|someone) (?:has|who has) (?:already )?accepted|we(?: have|'ve|ve)? (?:hired|made a hire)|"
        r"stelle (?:wurde |ist )?(?:bereits |inzwischen )?(?:besetzt|vergeben)|intern besetzt|interne[nr]? (?:kandidat|bewerber)|"
        r"poste (?:a été |est )?(?:déjà )?pourvu|candidat interne|"
        r"(?:puesto|vacante|posición) (?:ha sido |ya ha sido |fue |ya fue |ya está )?(?:cubiert|ocupad)|candidato interno")),
    ("role_closed", re.compile(
        r"(?:position|role|vacancy|requisition|opening|search|hiring) (?:has been |was |is being |have been )?"
        r"(?:cancell?ed|closed|put on hold|paused|withdrawn|eliminated|frozen)|no longer (?:hiring|recruiting|be filling|filling)|"
        r"budget|decided not to (?:fill|proceed with (?:the|this) (?:role|position|hire))|hiring freeze|restructur|reorgani[sz]|"
        r"withdrawal of vacancy|stelle (?:wird |wurde )?(?:nicht (?:mehr )?besetzt|gestrichen|zurückgezogen)|einstellungsstopp|"
        r"poste (?:a été |est )?(?:supprimé|annulé|gelé)|recrutement (?:est )?(?:suspendu|annulé)|gel des embauches|"
        r"(?:proceso|puesto|vacante) (?:ha sido |fue )?(?:cancelad|cerrad|suspendid)|congelación")),
    ("location_visa", re.compile(
        r"sponsor|visa|work (?:authori[sz]ation|permit)|right to work|relocat|time ?zone|located (?:in|outside)|"
        r"based in|on-?site (?:requirement|presence)|in-office|commut|arbeitserlaubnis|aufenthaltstitel|umzug|"
        r"permis de travail|parrainage|déménag|permiso de trabajo|reubica|residencia")),
    ("overqualified", re.compile(
        r"over-?qualified|too senior|more senior than|(?:experience|background|level) (?:exceeds|is beyond)|"
        r"überqualifiziert|surqualifié|sobre-?cualificad|sobrecalificad")),
    ("experience", re.compile(
        r"(?:more|greater|extensive|deeper|stronger|hands-on|direct|specific|relevant|proven|broader|longer|additional|"
        r"significant|prior|specialist|practical)[\w ,'’-]{0,50}(?:experience|exposure|background|track record|expertise)|"
        r"(?:experience|skills|background|qualifications|profiles?|expertise)[^.;\n]{0,80}(?:more closely|closer|better|more directly|"
        r"more strongly|more fully|most closely|more precisely|stronger)|"
        r"closer (?:match|fit)|(?:stronger|better|closer) (?:match|alignment)|(?:lack|limited|not enough|less) (?:of )?"
        r"(?:\w+ )?(?:experience|exposure)|experience [^.;\n]{0,40}(?:lighter|less)|"
        r"(?:mehr|umfangreichere|längere|einschlägigere|spezifischere|tiefere) (?:\w+ )?(?:erfahrung|berufserfahrung|kenntnisse)|"
        r"(?:erfahrung|qualifikation|profil)[^.;\n]{0,60}(?:besser|passender|genauer|eher|stärker)|"
        r"expérience[^.;\n]{0,80}(?:plus|davantage|correspond|adéquat)|(?:plus d['’]|davantage d['’])expérience|"
        r"profils?[^.;\n]{0,40}(?:plus|davantage|correspond)|"
        r"(?:más|mayor) experiencia|experiencia[^.;\n]{0,80}(?:más|mejor|se ajusta|ajusta|encaja|adecua)|"
        r"perfiles? [^.;\n]{0,40}(?:más|mejor|se ajusta)")),
    ("fit", re.compile(
        r"different direction|(?:culture|cultural|team|values?) fit|fit (?:with|for) (?:our|the) (?:team|culture)|"
        r"(?:right|best|good) fit|not a (?:fit|match)|alignment|our values|team composition|"
        r"andere richtung|passt nicht|nicht (?:ganz )?passt|ne correspond pas|adéquation|no encaja|no se ajusta")),
]


def extract_reason(message: ParsedMessage) -> Field:
    text = f"{message.subject[:SUBJECT_CHARS]}\n{message.text[:1500]}".lower()  # the reason sits next to the decision, early on
    for reason, pattern in _REASON_PATTERNS:
        if _may_match(_REASON_ANCHORS.get(reason), text) and pattern.search(text):
            return Field(reason, 0.7)
    return Field("none", 0.5)


# -- language ----------------------------------------------------------------------------------------
# Words frequent in one language's mail and rare in the others': "de", "en", "la", "e" or "que"
# are shared, and counting them turned Spanish into Dutch and French into Portuguese.
_STOPWORDS = {
    "en": {"the", "and", "you", "your", "we", "for", "with", "thank", "our", "have", "this", "that", "not", "to", "of",
           "unfortunately", "would", "will", "position"},
    "de": {"und", "der", "die", "das", "sie", "ihre", "wir", "nicht", "mit", "für", "ihnen", "bewerbung", "leider", "uns",
           "ist", "eine", "einen", "auf", "dass", "ich"},
    "fr": {"le", "les", "vous", "votre", "nous", "pour", "avec", "pas", "une", "des", "est", "candidature", "et",
           "malheureusement", "poste", "merci", "avons", "dans", "sur", "du", "au", "aux", "qui"},
    "es": {"el", "los", "las", "usted", "tu", "su", "nosotros", "una", "gracias", "y", "lamentablemente", "puesto",
           "hemos", "por", "tus", "sus", "del", "muy", "proceso", "postulación", "hola"},
    "it": {"il", "lo", "gli", "grazie", "per", "che", "siamo", "sua", "purtroppo", "della", "di", "abbiamo",
           "posizione", "nostro", "alla", "ci"},
    "nl": {"het", "een", "je", "jij", "uw", "wij", "voor", "niet", "bedankt", "sollicitatie", "helaas", "onze", "van",
           "zijn", "hebben", "dat", "ook", "naar"},
    "pt": {"os", "você", "seu", "nós", "não", "uma", "obrigado", "obrigada", "infelizmente", "vaga", "seletivo",
           "também", "muito", "ao", "pela", "pelo", "nossa", "foi", "são", "sua"},
}


_WORDS = re.compile(r"[a-zäöüßàâçéèêëîïôûùüÿñáíóúãõœ]+")


def detect_language(message: ParsedMessage) -> Field:
    declared = (message.content_language or "").split(",")[0].strip().lower()
    words = Counter(_WORDS.findall(f"{message.subject[:SUBJECT_CHARS]} {message.text[:2000]}".lower()))
    present = words.keys()
    counts = {lang: sum(words[w] for w in stop & present) for lang, stop in _STOPWORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    if declared[:2] in _STOPWORDS and counts.get(declared[:2], 0) >= counts[best] * 0.5:
        return Field(declared[:2], 0.95)
    if counts[best] < 3:
        return Field(declared[:2] or "en", 0.3)
    total = sum(counts.values()) or 1
    return Field(best, round(min(0.95, counts[best] / total + 0.3), 2))


def _role_without_company(role: Field, company: str | None) -> Field:
    """A title that is the employer's name is none; one that starts with it loses it
    ("Acme Graduate Programme" is the Graduate Programme)."""
    if not role.value or not company:
        return role
    role_keys, company_keys = _word_keys(role.value), _word_keys(company)
    if not company_keys or not role_keys:
        return role
    if _agree(role_keys, company_keys) and len(role_keys) <= len(company_keys):
        return Field.unknown()
    if role_keys[:len(company_keys)] == company_keys:
        rest = _clean_role(" ".join(role.value.split()[len(company.split()):]))
        return Field(rest, role.confidence) if rest else Field.unknown()
    return role


def extract(message: ParsedMessage) -> Extraction:
    company = extract_company(message)
    signer = extract_signer(message, company.value)
    return Extraction(
        company=company,
        role=_role_without_company(extract_role(message), company.value),
        signer=signer,
        stage=extract_stage(message),
        reason=extract_reason(message),
        lang=detect_language(message),
        reply_to=reply_address(message, signer.value),
    )


# -- recipient -------------------------------------------------------------------------------------
# A draft goes to a person or to no one: an address needs positive evidence that a person reads it.
INVITATION_CHARS = 4000

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
_TEAM_WORD = re.compile(r"(?<!\w)" + _TEAM_WORDS + r"(?!\w)", re.I)
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


def reply_address(message: ParsedMessage, signer: str | None = None) -> Field:
    """The address a person reads, or unknown. A person's address needs their name in it (the
    signer's, the display name's, the signature's); a shared mailbox of the employer needs the text
    to invite a reply. For a forwarded rejection, the forwarded message's sender, never the forwarder."""
    found = _recipient(message, signer)
    return Field(found, 0.9) if found else Field.unknown()


def _recipient(message: ParsedMessage, signer: str | None) -> str | None:
    invited = _invites_reply(message)
    block = closing_block(message)
    forwarded = forwarded_sender(message)
    people = [*_people_in(message), block.strip().split("\n", 1)[0].strip(), *(forwarded[:1] if forwarded else ())]
    names = [n for n in (signer, *people) if n and looks_like_person(n)]

    def acceptable(address: str) -> bool:
        address = address.lower()
        if not address or is_relay(address) or (is_under(_domain(address), FREEMAIL) and not names):
            return False
        return is_personal_address(address, names) or (invited and not _is_machine(address))

    if forwarded is not None:  # the forwarder is never the one to ask
        return forwarded[1] if forwarded[1] and acceptable(forwarded[1]) else None
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
