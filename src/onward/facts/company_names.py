"""What makes a candidate a firm's name, and not a title, a fragment, a platform or a person:
the capitalised phrase a name is, `_clean_company`, the sender's domain and ATS account, and
whether a name is spelled in a domain."""

from __future__ import annotations

import functools
import re

from onward.facts.names import (
    _AGENCY_PHRASES,
    _AGENCY_WORDS,
    _CONNECTORS,
    _CORPORATE_WORDS,
    _FIELD_WORDS,
    _ROLE_NOUNS,
    _TEAM_WORDS,
    _TRADE_WORDS,
    EDGE_WORDS,
    PLATFORM_NAMES,
    _key,
    is_legal_form,
)
from onward.facts.people import _NOREPLY_LOCAL
from onward.facts.text import (
    CLOSING_CHARS,
    DISPLAY_CHARS,
    SUBJECT_CHARS,
    closing_block,
    compact,
    domain_of,
)
from onward.mail.message import ParsedMessage
from onward.mail.senders import ATS, JOB_BOARDS, domain_suffixes, is_freemail, is_under

# capitalised words, with connectors between them ("Río de la Plata", "Bank of X")
_CAP_PHRASE = (r"(?:(?:St|Ste|Sta|Sto|Mt|Ft)\. )?[A-ZÀ-Ý][\w&'’+-]*"
               r"(?:(?: (?:de|des|du|da|do|dos|das|di|della|la|le|les|del|van|von|der|y|et|and|of|for|&|\+)){0,2} "
               r"(?:[dl]['’])?[A-ZÀ-Ý&+][\w&'’+-]*){0,4}")


_CAP_PHRASE_RE = re.compile(r"(?<![\w&'’+-])" + _CAP_PHRASE)  # from a word's start only: linear


_NOT_COMPANY = re.compile(
    r"^(?:we|our|the|this|your|you|a|an|hi|hello|dear|thank|thanks|unfortunately|us|team|position|role|job|"
    r"st|ste|mt|ft|dr|mr|mrs|ms|they|they've|they're|we've|we're|i've|i'm|it's|there|here|"
    r"having|after|upon|once|sadly|regrettably|while|although|since|as|everyone|someone|somebody|nobody|"
    # "working for the Trust": a firm's kind, standing for its name
    r"trust|company|bank|group|firm|foundation|university|council|school|hospital|practice|club|society|"
    r"institute|association|partnership|organi[sz]ation|business|board|authority|college|studio|office|charity|"
    r"museum|library|network|agency|store|shop|restaurant|hotel|clinic|centre|center|cégep|cegep|lycée|gemeente|"
    r"application|hiring|recruiting|talent|careers?|jobs|linkedin|indeed|greenhouse|lever|workday|ashby|the team|"
    r"glassdoor|handshake|noreply|no-reply|human resources|hr|people|candidate|applicant|interview|update|"
    r"re|fwd?|ihre|votre|tu|su|your application|application update|following up|feedback|next steps|"
    r"regarding|status|important|news|message|stellenportal|xing|stepstone|computrabajo|infojobs|smartrecruiters|"
    r"workable|personio|teamtailor|bamboohr|icims|taleo|welcome to the jungle|otta|wellfound|apec|ziprecruiter|"
    # a footer's links ("Datenschutz · Impressum", "Privacy · Terms")
    r"datenschutz|impressum|privacy(?: policy)?|terms|help|unsubscribe|settings|hilfe|aide|ayuda|cookies|"
    r"confidentialité|mentions légales|abmelden|einstellungen|privacidad|aviso legal|contact|kontakt|contacto)$", re.I)


# an office's word before the firm's name in a display name: "RRHH Acme", "Recrutement Acme"
_OFFICE_PREFIX = re.compile(r"^(?i:rrhh|rh|hr|recrutement|recruiting|recruitment|talent|jobs|careers|karriere|"
                            r"empleo|personal|personalabteilung|selección|seleccion)\s+")


_ELIDED = re.compile(r"[dl]['’][A-ZÀ-Ý]")


_NAME_WORD = re.compile(r"[\w&'’+.-]+")


def _words(value: str) -> list[str]:
    return _NAME_WORD.findall(value)


def _trim_edges(words: list[str]) -> list[str]:
    if len(words) >= 3 and words[1] == "of" and words[0][:1].isupper() and words[0].lower() not in _NOT_OF_NAME:
        return words  # "University of Eastmoor", "Port of Gullhaven Authority": the name begins with its kind
    while words and (words[0].lower() in EDGE_WORDS or words[0].lower() in _CONNECTORS):
        words = words[1:]
    while words and (words[-1].lower() in EDGE_WORDS or words[-1].lower() in _CONNECTORS):
        words = words[:-1]
    return words


_JOB_WORDS = frozenset(("role", "position", "job", "vacancy", "opening", "poste", "stelle", "puesto", "vaga",
                        "vacature", "posizione", "posición", "posição"))


# words that begin a phrase with "of" that is not a name ("Head of Data", "Thank you of ...")
_NOT_OF_NAME = frozenset(("head", "director", "vp", "chief", "manager", "member", "members", "part", "one", "all",
                          "some", "most", "each", "none", "out", "because", "instead", "ahead", "behalf", "many",
                          "lots", "terms", "thanks", "thank", "notice", "end", "as", "of", "in", "on", "at", "for"))


@functools.lru_cache(maxsize=4096)  # a candidate is cleaned again by each clue that names it
def _clean_company(value: str) -> str | None:
    """The employer's name in a candidate, or None when the candidate is not one: a sentence
    fragment, a job title, an agency, a job board or ATS, a pronoun."""
    value = value[:DISPLAY_CHARS].strip(" .,:;!?-–|\"'’()[]")
    words = [w for w in (w.strip(".,:;!?\"'’()[]") for w in _words(value)) if w]
    if words and words[-1].lower() in _JOB_WORDS:
        return None  # "Physio role", "Data Analyst position": what goes before names the job, not the firm
    words = _trim_edges(words)
    words = [w for w in words if w]
    if len(words) > 6:  # a legal form ends a name: "Papelera Industrial del Norte S.A. de C.V."
        legal_at = next((i for i, w in enumerate(words) if is_legal_form(w)), None)
        words = words[:legal_at] if legal_at else words
    # "S." of "S. Rivera" is no name, nor is "2025"
    if not words or len(words) > 6 or not any(sum(c.isalpha() for c in w) >= 2 for w in words):
        return None
    lowered = [w.lower() for w in words]
    if any(w.split(".")[0] in PLATFORM_NAMES for w in lowered) or compact("".join(words)) in PLATFORM_NAMES \
            or _key(" ".join(words)) in PLATFORM_NAMES:  # "New Work SE"
        return None
    # a firm may name its trade in the plural ("Harrow & Vale Architects", "Conseillers Bellerive") beside
    # a word of its own; a title is singular
    plural_trade = [w for w in lowered if w.endswith("s") and w not in _ROLE_NOUNS and w.rstrip("s") in _ROLE_NOUNS]
    own = [w for w in lowered if w not in plural_trade and w not in _FIELD_WORDS and w not in _CONNECTORS]
    named = [w for w in lowered if w not in plural_trade] if plural_trade and own else lowered
    if (any(w in _ROLE_NOUNS or w.rstrip("s") in _ROLE_NOUNS for w in named)
            or all(w in _FIELD_WORDS for w in lowered)):
        return None
    joined = " ".join(lowered)
    if any(w in _AGENCY_WORDS for w in lowered) or any(p in joined for p in _AGENCY_PHRASES):
        return None
    # a name is capitalised words (and connectors, "d'Or", a legal form: "eG"); a lower-case word means a
    # sentence ran on
    if any(not (w[:1].isupper() or w[:1].isdigit() or w.lower() in _CONNECTORS or _ELIDED.match(w)
                or is_legal_form(w)) for w in words):
        return None
    if any(c in value for c in "!?@") or _NOT_COMPANY.match(" ".join(words)):
        return None
    # a name ends at its legal form: "Acme Inc Springfield KS" is Acme Inc
    legal = next((i for i, w in enumerate(lowered) if is_legal_form(w)), None)
    if legal is not None and legal > 0:
        words = words[:legal + 1]
    # keep the name as written, from its first word to its last
    first, last = value.find(words[0]), value.rfind(words[-1])
    name = value[first:last + len(words[-1])] if 0 <= first <= last else " ".join(words)
    return name if len(name) <= 60 else None


_SECOND_LEVEL = frozenset(("co", "com", "ac", "org", "gov", "gob", "lib", "k12", "ci", "state", "edu", "net"))
_REGIONAL = (".us", ".ca", ".au", ".br", ".in")  # whose domains may sit under a state's or province's code


def domain_core(address: str) -> str | None:
    # an address is at most 254 characters: a longer one is hostile mail's, and is not cached
    return _domain_core(address) if len(address) <= 320 else None


@functools.lru_cache(maxsize=1024)  # read for the display name's clue, the domain's, the agency test...
def _domain_core(address: str) -> str | None:
    domain = domain_of(address)
    if not domain or is_freemail(domain) or is_under(domain, JOB_BOARDS) or is_under(domain, ATS):
        return None
    parts = domain.split(".")[:-1]
    # the suffixes under a country: co.uk, com.mx, and the states' and provinces' (lib.ma.us, qc.ca)
    while len(parts) > 1 and (parts[-1] in _SECOND_LEVEL or (len(parts[-1]) == 2 and domain.endswith(_REGIONAL))):
        parts.pop()
    core = parts[-1] if parts else domain
    # a label with no letter or digit ("-.com" in hostile mail) spells no name
    if core in ("example", "mail", "email", "jobs", "careers", "hr", "recruiting") or not compact(core):
        return None
    return core


_TENANT_ATS = frozenset(("myworkday.com", "myworkdayjobs.com", "icims.com", "personio.de", "personio.com"))


# an ATS's own words in an address, never an employer's account: jobs@, talent.icims.com, us.greenhouse-mail.io
_ATS_WORDS = frozenset(("mail", "email", "emails", "e", "us", "eu", "em", "bounce", "bounces", "notifications",
                        "notification", "notify", "hire", "jobs", "job", "app", "apply", "careers", "career", "talent",
                        "reply", "smtp", "send", "m", "mg", "mailer", "info", "hr", "recruiting", "recruitment",
                        "bewerbung", "karriere", "www", "candidates", "ats"))


def _ats_tenant(address: str) -> str | None:
    return _cached_ats_tenant(address) if len(address) <= 320 else None


@functools.lru_cache(maxsize=1024)
def _cached_ats_tenant(address: str) -> str | None:
    """The employer's account at an ATS: before the tag or after the no-reply mark of the address
    (acme+autoreply@talent.icims.com, noreply-acme@personio.de), or the subdomain the ATS gives it
    (jobs@acme-pasta.jobs.personio.de, noreply@ek-acme.rexx-systems.com)."""
    domain, local = domain_of(address), address.rpartition("@")[0]
    local = local.partition("+")[0].lower()  # "acme+autoreply": the tenant is before the tag
    if is_under(domain, _TENANT_ATS):
        if _NOREPLY_LOCAL.search(local):  # "noreply-acme": the tenant is what the no-reply mark leaves
            local = _NOREPLY_LOCAL.sub("-", local).strip("._+-")
            local = "" if _NOREPLY_LOCAL.search(local) else local
        if len(compact(local)) > 2 and local not in _ATS_WORDS:
            return local
    ats = next((suffix for suffix in sorted(domain_suffixes(domain), key=len) if suffix in ATS), None)
    if not ats or ats == domain:
        return None
    return next((label for label in domain[:-len(ats) - 1].split(".")
                 if len(compact(label)) > 2 and label not in _ATS_WORDS and not label[-1:].isdigit()), None)


_GROUP_WORDS = frozenset(("groupe", "grupo", "gruppe", "group", "gruppo"))


# what a board's subject says a person did ("Verónica te ha enviado un mensaje", "Jens hat Ihnen ...")
_SENT_YOU = ("te ha enviado", "te envió", "sent you", "has sent", "hat ihnen", "hat dir", "vous a envoyé",
             "t'a envoyé", "replied", "wrote", "a écrit", "escribió", "schrieb", "ti ha inviato", "heeft je")


def _looks_like_person(display: str, message: ParsedMessage) -> bool:
    words = display.split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return False
    if any(is_legal_form(w) or w.lower() in _TRADE_WORDS for w in words) \
            or words[-1].lower() in _CORPORATE_WORDS or words[0].lower() in _GROUP_WORDS:
        return False  # "Fernwood Robotics GmbH", "Calloway Property Group": a firm, wherever its name appears
    first = words[0].lower()
    local = message.from_address.rpartition("@")[0].lower()
    # a person signs with the name at a line's start ("Hannah Oduya"); "Mia von Fadenwerk" is Mia, of the firm
    closing_lines = [line.strip() for line in closing_block(message).lower()[:200].splitlines()]
    if first in local or any(line.startswith(first) and not line[len(first):len(first) + 1].isalnum()
                             for line in closing_lines):
        return True
    # a board's subject names the person by the first name alone: "Verónica te ha enviado un mensaje"
    subject = message.subject[:SUBJECT_CHARS]
    at = subject.find(words[0] + " ")
    while at >= 0:
        follows = subject[at + len(words[0]) + 1:at + len(words[0]) + 20].lower()
        if (at == 0 or not subject[at - 1].isalnum()) and follows.startswith(_SENT_YOU):
            return True
        at = subject.find(words[0] + " ", at + 1)
    # a person signs with the first name alone on a line; a company name is not written that way
    return words[0].lower() in {line.strip().lower() for line in message.text.rstrip()[-CLOSING_CHARS:].splitlines()}


_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa"})


def _spelled_in_domain(candidate: str, core: str) -> bool:
    """A distinctive word of `candidate` (five letters or more, not a corporate word) is in the
    domain's core, spelled with or without its umlauts ("Lauterbrück" in "sw-lauterbrueck")."""
    core = compact(core)
    for word in candidate.split():
        if word.lower() in _CORPORATE_WORDS or word.lower() in _CONNECTORS:
            continue
        spellings = {compact(word), compact(word.lower().translate(_TRANSLITERATION))}
        if any(len(s) >= 5 and s in core for s in spellings):
            return True
    return False


_PORTAL_WORDS = re.compile(r"^(?:" + _TEAM_WORDS + r"|stellenportal|jobportal|karriereportal|portail carrières|"
                           r"portal de empleo|bewerbermanagement|ats|applicant tracking)$", re.I)


def _is_portal(part: str) -> bool:
    return bool(_PORTAL_WORDS.match(part)) or compact(part) in PLATFORM_NAMES


def _kind_first(name: str, code: str) -> bool:
    """The words before what the domain spells say what kind of body it is ("Urząd Gminy", "Gemeente"),
    never a first name ("John McDonald" from mcdonald.example)."""
    kept = name.split()
    while kept and compact(" ".join(kept[1:])).endswith(code) and compact(" ".join(kept[1:])):
        if kept[0].lower() not in _TRADE_WORDS and kept[0].lower() not in _CONNECTORS:
            return False
        kept = kept[1:]
    return len(kept) < len(name.split())


def _initials(name: str) -> str:
    """"cfhj" for "Chemins de fer du Haut-Jura SA": the first letters of its words, connectors and
    legal forms aside, a hyphen starting a word."""
    words = [w for w in re.split(r"[\s-]+", name) if w and w.lower() not in _CONNECTORS and not is_legal_form(w)]
    return compact("".join(w[0] for w in words)) if len(words) >= 3 else ""


def _desk(name: str) -> bool:
    """A recruiter's desk, two fields joined: "Technik & Produktion", "Energy & Subsurface",
    "Ingeniería y Aeronáutica"; a firm joins names ("Harlow & Daughters", "Kramer & Zn")."""
    words = name.split()
    field = words[0].lower()
    return len(words) == 3 and words[1].lower() in ("&", "and", "und", "y", "et", "e", "en", "i") and (
        field in _FIELD_WORDS or field in _TRADE_WORDS or field in _CORPORATE_WORDS or field.endswith(("ía", "ik")))


def _name_word(word: str) -> bool:
    """A word that may continue a firm's name ("Medizintechnik", "Gaspard"), not a title's, a program's,
    a place's after "of", or an abbreviation's ("Store Leadership", "Graduate Programmes 2024", "EM")."""
    lowered = word.lower().strip(".,")
    return word[:1].isupper() and not any(c.isdigit() for c in word) and lowered not in EDGE_WORDS and \
        lowered not in _ROLE_NOUNS and lowered not in _CONNECTORS and lowered not in _FIELD_WORDS and \
        lowered != "leadership" and not (word.isupper() and len(word) <= 3)
