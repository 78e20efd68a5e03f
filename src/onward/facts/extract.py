"""Facts about a rejection: company, role, signer, stage, stated reason, language, reply address.

Every field carries a confidence in [0, 1]; `None` is a valid answer. A wrong company is
worse than none, so weak guesses stay weak and callers decide what to trust.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any

from onward.classifier.features import ATS, FREEMAIL, JOB_BOARDS, is_under
from onward.mail.parse import ParsedMessage


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
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SIGN_OFF = re.compile(
    r"^\s*(?:best(?: regards| wishes)?|kind regards|regards|warm(?:est)? regards|many thanks|thanks(?: again)?|"
    r"thank you|cheers|all the best|sincerely|yours(?: sincerely| truly)?|respectfully|take care|"
    r"mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|herzliche grüße|liebe grüße|"
    r"cordialement|bien cordialement|bien à vous|salutations|meilleures salutations|belle journée|"
    r"saludos(?: cordiales)?|un saludo|atentamente|cordialmente|un abrazo|gracias)\b[ ,.!-]*$",
    re.I | re.M,
)


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


_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def closing_block(message: ParsedMessage) -> str:
    """The signature: the delimited one, else what follows the last sign-off line."""
    if message.signature:
        return message.signature
    text = message.text
    matches = list(_SIGN_OFF.finditer(text))
    if matches:
        return text[matches[-1].end():].strip()
    # no sign-off line: only a short last paragraph of short lines looks like a signature; prose
    # never does, so an address mentioned in a sentence is never taken for the sender's
    last = _PARAGRAPH_BREAK.split(text.strip())[-1]
    lines = last.splitlines()
    if len(lines) <= 6 and all(len(line) <= 60 for line in lines):
        return last
    return ""


_FORWARDED_FROM = re.compile(r"^\s*(?:From|Von|De|Da|Van)\s*:\s*(?P<v>.+)$", re.M)
# lower case, run on lower-cased text: re.I makes an alternation like this several times slower
_FORWARD_MARK = re.compile(r"(?:forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|"
                           r"begin forwarded message|messaggio inoltrato|doorgestuurd bericht)")


def forwarded_sender(message: ParsedMessage) -> str | None:
    """In a forwarded mail the rejection's sender is in the forwarded block, not in From."""
    # lower() keeps offsets except for a few letters in rare scripts; the From line below is still found
    mark = _FORWARD_MARK.search(message.text.lower())
    if not mark:
        return None
    m = _FORWARDED_FROM.search(message.text, mark.end())
    if not m:
        return ""
    found = _EMAIL.search(m.group("v"))
    return found.group(0).lower() if found else ""


def reply_address(message: ParsedMessage) -> Field:
    """Reply-To, else From, unless they are no-reply or relay addresses; else an address in the signature.
    For a forwarded rejection, the forwarded message's sender (never the person who forwarded it)."""
    original = forwarded_sender(message)
    if original is not None:
        return Field(original, 0.8) if original and not is_noreply(original) else Field.unknown()
    for _, address in message.reply_to:
        if not is_noreply(address):
            return Field(address, 0.95)
    if message.from_address and not is_noreply(message.from_address):
        return Field(message.from_address, 0.9)
    for address in _EMAIL.findall(closing_block(message)):
        address = address.lower().rstrip(".")
        if not is_noreply(address) and _domain(address) not in FREEMAIL:
            return Field(address, 0.7)
    return Field.unknown()


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
_DISPLAY_VIA = re.compile(r"^(?P<c>.+?)\s+(?:via|through|über|via)\s+\S+", re.I)
_PORTAL_WORDS = re.compile(r"^(?:" + _TEAM_WORDS + r"|stellenportal|jobportal|karriereportal|portail carrières|"
                           r"portal de empleo|bewerbermanagement|ats|applicant tracking)$", re.I)
_REPLY_PREFIX = re.compile(r"^\s*(?:(?:re|aw|sv|fwd?|wg|tr|rv|ref)\s*:\s*)+", re.I)
_CAP_PHRASE = (r"[A-ZÀ-Ý][\w&'’+-]*(?:(?: (?:de|la|le|les|del|van|von|der|and|&|\+))? [A-ZÀ-Ý&+][\w&'’+-]*){0,4}")
_CAP_PHRASE_RE = re.compile(_CAP_PHRASE)
_SUBJECT_PATTERNS = [
    re.compile(r"(?i:bewerbung (?:bei|an)|candidature (?:chez|à|auprès de)|candidatura (?:en|a|para))\s+"
               r"(?i:der |die |la |l'|el )?(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"(?:your |the )?application (?:to|at|with)\s+(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"(?:for|on) .{2,60}? at (?P<c>" + _CAP_PHRASE + r")\s*$"),
    re.compile(r"(?i:interest in|applying to|applying at|for applying to|update from|message from|news from)\s+"
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


_LEADING_THE = re.compile(r"^(?:the)\s+", re.I)
_TRAILING_TEAM_WORDS = re.compile(r"\s+(?:application|update|careers|jobs|recruiting|hiring|team|talent)(?:\s+.*)?$",
                                  re.I)


def _clean_company(value: str) -> str | None:
    value = value.strip(" .,:;!-–|\"'’")
    value = _LEADING_THE.sub("", value)
    value = _TRAILING_TEAM_WORDS.sub("", value)
    if not value or len(value) > 60 or _NOT_COMPANY.match(value) or len(value.split()) > 5:
        return None
    return value


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
    return bool(re.search(rf"(?im)^\s*{re.escape(words[0])}\s*$", message.text))


def _compact(text: str) -> str:
    return _NOT_ALNUM.sub("", _strip_accents(text.lower()))


_NOT_ALNUM = re.compile(r"[^a-z0-9]")


def _strip_accents(text: str) -> str:
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


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
            if compact == core or (len(compact) >= 5 and core.startswith(compact)) or \
                    (len(core) >= 5 and compact.startswith(core)):
                if best is None or len(phrase) > len(best):
                    best = phrase
                break
    return best


def extract_company(message: ParsedMessage) -> Field:
    votes: list[tuple[str, float]] = []

    def vote(value: str | None, weight: float) -> None:
        if value and (c := _clean_company(value)):
            votes.append((c, weight))

    display = message.from_[0].strip().strip('"')
    subject = _REPLY_PREFIX.sub("", message.subject)
    text = message.text[:3000]
    if display:
        if m := _DISPLAY_TEAM.match(display) or _DISPLAY_AT.match(display):
            vote(m.group("c"), 0.85)
        elif m := _DISPLAY_VIA.match(display):
            if not _looks_like_person(m.group("c"), message):
                vote(m.group("c"), 0.8)
        else:
            parts = [p.strip() for p in _SUBJECT_SPLIT.split(display) if p.strip()]
            if len(parts) == 2 and _PORTAL_WORDS.match(parts[1]):
                vote(parts[0], 0.85)
            elif len(parts) == 2 and _PORTAL_WORDS.match(parts[0]):
                vote(parts[1], 0.85)
            elif len(parts) == 1 and not _looks_like_person(display, message) and is_noreply(message.from_address):
                vote(display, 0.75)  # an ATS sends under the employer's name
    for pattern in _SUBJECT_PATTERNS:
        if m := pattern.search(subject):
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
        if _may_match(anchors, lowered) and (m := pattern.search(text)):
            vote(m.group("c"), 0.7)
            break
    addresses = [message.from_address, *(a for _, a in message.reply_to)]
    core = next((c for a in addresses if (c := _domain_core(a) or _ats_tenant(a))), None)
    if core:
        haystack = f"{display}\n{subject}\n{text}\n{closing_block(message)}"
        phrase = _phrase_for_core(_compact(core), haystack)
        vote(phrase, 0.8) if phrase else vote(core.replace("-", " ").replace("_", " ").title(), 0.35)
    if not votes:
        return Field.unknown()
    # agreement between independent clues is worth more than any one of them
    best, best_score = None, 0.0
    keyed = [(c, w, _key(c)) for c, w in votes]
    for candidate, _weight, key in keyed:
        agreeing = [w for _, w, other in keyed if key and (other == key or other in key or key in other)]
        score = min(0.99, max(agreeing) + 0.1 * (len(agreeing) - 1))
        if score > best_score or (score == best_score and best is not None and len(candidate) > len(best)):
            best, best_score = candidate, score
    return Field(best, round(best_score, 2))


def _key(name: str) -> str:
    return _NOT_ALNUM.sub("", _TRAILING_NOISE.sub("", name.lower()))


# -- role ------------------------------------------------------------------------------------
_ROLE_STOP = r"(?=\s*(?:[,.;:!?()\[\]|]|\s-\s|\s–\s|\s+(?:at|with|in|bei|chez|en|en el|à|position|role|job|opening|"\
             r"team|here|has|have|was|is|and|we|our|opportunity|vacancy|req|requisition)\b|$))"
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


def _clean_role(value: str) -> str | None:
    value = _ROLE_REQ_SUFFIX.sub("", value.strip())
    value = _ROLE_NUMBER_SUFFIX.sub("", value).strip(" .,:;-–|\"'’")
    if not value or len(value) < 3 or len(value.split()) > 9 or _NOT_ROLE.match(value):
        return None
    return value


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
        m = pattern.search(message.subject)
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


def extract_stage(message: ParsedMessage) -> Field:
    text = _NOT_YET_INTERVIEWED.sub(" ", f"{message.subject}\n{message.text[:3000]}".lower())
    for stage, pattern in _STAGE_PATTERNS:
        if _may_match(_STAGE_ANCHORS.get(stage), text) and pattern.search(text):
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
    text = f"{message.subject}\n{message.text[:1500]}".lower()  # the reason sits next to the decision, early on
    for reason, pattern in _REASON_PATTERNS:
        if _may_match(_REASON_ANCHORS.get(reason), text) and pattern.search(text):
            return Field(reason, 0.7)
    return Field("none", 0.5)


# -- language ----------------------------------------------------------------------------------------
_STOPWORDS = {
    "en": {"the", "and", "you", "your", "we", "for", "with", "thank", "our", "have", "this", "that", "not", "to", "of"},
    "de": {"und", "der", "die", "das", "sie", "ihre", "wir", "nicht", "mit", "für", "ihnen", "bewerbung", "leider", "uns"},
    "fr": {"le", "la", "les", "vous", "votre", "nous", "pour", "avec", "pas", "une", "des", "est", "candidature", "et"},
    "es": {"el", "la", "los", "las", "usted", "tu", "su", "nosotros", "para", "con", "no", "una", "que", "gracias", "y"},
    "it": {"il", "lo", "gli", "la", "grazie", "per", "con", "non", "una", "che", "candidatura", "siamo", "sua"},
    "nl": {"de", "het", "een", "je", "jij", "uw", "wij", "voor", "met", "niet", "bedankt", "sollicitatie", "en"},
    "pt": {"o", "os", "você", "seu", "sua", "nós", "para", "com", "não", "uma", "obrigado", "candidatura", "e"},
}


_WORDS = re.compile(r"[a-zäöüßàâçéèêëîïôûùüÿñáíóú]+")


def detect_language(message: ParsedMessage) -> Field:
    declared = (message.content_language or "").split(",")[0].strip().lower()
    words = Counter(_WORDS.findall(f"{message.subject} {message.text[:2000]}".lower()))
    present = words.keys()
    counts = {lang: sum(words[w] for w in stop & present) for lang, stop in _STOPWORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    if declared[:2] in _STOPWORDS and counts.get(declared[:2], 0) >= counts[best] * 0.5:
        return Field(declared[:2], 0.95)
    if counts[best] < 3:
        return Field(declared[:2] or "en", 0.3)
    total = sum(counts.values()) or 1
    return Field(best, round(min(0.95, counts[best] / total + 0.3), 2))


def extract(message: ParsedMessage) -> Extraction:
    company = extract_company(message)
    return Extraction(
        company=company,
        role=extract_role(message),
        signer=extract_signer(message, company.value),
        stage=extract_stage(message),
        reason=extract_reason(message),
        lang=detect_language(message),
        reply_to=reply_address(message),
    )
