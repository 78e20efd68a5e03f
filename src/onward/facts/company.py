"""The employer: votes from the sender's display name, the subject, the body and the sender's
domain (or ATS tenant), weighed by how many independent clues agree. A wrong company is worse
than none, so weak guesses stay weak."""

from __future__ import annotations

import functools
import itertools
import re

from onward.facts.model import Field
from onward.facts.names import (
    _AGENCY_PHRASES,
    _AGENCY_WORDS,
    _CONNECTORS,
    _CORPORATE_WORDS,
    _FIELD_WORDS,
    _LEGAL_FORMS,
    _ROLE_NOUNS,
    _TEAM_WORDS,
    EDGE_WORDS,
    PLATFORM_NAMES,
    _agree,
    _key,
    word_keys,
)
from onward.facts.people import _NOREPLY_LOCAL, is_noreply
from onward.facts.text import (
    _EMAIL,
    CLOSING_CHARS,
    DISPLAY_CHARS,
    SUBJECT_CHARS,
    Rule,
    _may_match,
    closing_block,
    compact,
    domain_of,
    forwarded_sender,
    signature_lines,
)
from onward.mail.message import ParsedMessage
from onward.mail.senders import ATS, FREEMAIL, JOB_BOARDS, is_under

_DISPLAY_TEAM = re.compile(
    r"^(?:the )?(?P<c>.+?)\s+(?:" + _TEAM_WORDS + r")(?:\s+(?:team|department))?(?:\s+via\s+.+)?$", re.I)
_DISPLAY_AT = re.compile(r"^(?:talent|careers|recruiting|jobs|people|hiring|recrutement|empleo)\s+"
                         r"(?:at|@|with|chez|en|bei)\s+(?P<c>.+)$", re.I)
# "Léa de Hopsy", "Daan van Studio Kwast", "Sam from Acme": a person writing for a firm ("University of X"
# is no person)
_DISPLAY_PERSON_AT = re.compile(r"^[A-ZÀ-Ý][\w'’-]+\s+(?:de|van|von|from|at|@|bei|chez|da|di)\s+(?P<c>[A-ZÀ-Ý].*)$")
_DISPLAY_VIA = re.compile(r"^(?P<c>.+?)\s+(?:via|through|über|via)\s+\S+", re.I)
_PORTAL_WORDS = re.compile(r"^(?:" + _TEAM_WORDS + r"|stellenportal|jobportal|karriereportal|portail carrières|"
                           r"portal de empleo|bewerbermanagement|ats|applicant tracking)$", re.I)
# reply and forward prefixes, and the "[EXT]" tag mail gateways put before outside mail
_REPLY_PREFIX = re.compile(r"^[ \t]*(?:(?:re|aw|sv|fwd?|wg|tr|rv|ref)[ \t]*:[ \t]*|\[?ext(?:ernal)?\]?:?[ \t]+)+", re.I)
# capitalised words, with connectors between them ("Río de la Plata", "Bank of X")
_CAP_PHRASE = (r"(?:(?:St|Ste|Sta|Sto|Mt|Ft)\. )?[A-ZÀ-Ý][\w&'’+-]*"
               r"(?:(?: (?:de|des|du|da|do|dos|das|di|della|la|le|les|del|van|von|der|y|et|and|of|for|&|\+)){0,2} "
               r"(?:[dl]['’])?[A-ZÀ-Ý&+][\w&'’+-]*){0,4}")
_CAP_PHRASE_RE = re.compile(r"(?<![\w&'’+-])" + _CAP_PHRASE)  # from a word's start only: linear
_SUBJECT_PATTERNS = [
    # "Your application to ROLE at COMPANY", "Votre candidature : ROLE chez COMPANY": the name ends the subject
    re.compile(r"(?i:applica|candida|bewerbung|role|position|poste|puesto|stelle|intern|job).{0,120}?"
               r"\b(?:at|chez|bei|with|en|@)\s+(?P<c>" + _CAP_PHRASE + r")[ \t.]*$"),
    re.compile(r"(?i:bewerbung (?:bei|an)|candidature (?:chez|à|auprès de)|candidatura (?:en|a|para)|"
               r"(?:tu |su )?proceso (?:en|con)|(?:tu |su )?postulaci[oó]n en)\s+"
               r"(?i:der |die |la |l'|el )?(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"(?:your |the )?application (?:to|at|with)\s+(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"(?:for|on) .{2,60}? at (?P<c>" + _CAP_PHRASE + r")\s*$"),
    re.compile(r"(?i:interest in|interés en|intérêt pour|interesse an|interesse in|applying to|applying at|"
               r"for applying to|update from|message from|news from|"
               r"follow[- ]up from|note from|thank you from|thanks from)\s+"
               r"(?i:joining\s+)?(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"^(?P<c>" + _CAP_PHRASE + r") (?:te envió|sent you|hat dir|vous a envoyé|has sent|viewed|an update|"
               r"is not moving forward|replied to your|passed on your|has reviewed|reviewed your|declined|"
               r"a répondu|ha respondido|hat geantwortet|responded to your|hat auf (?i:ihre|deine) bewerbung)"),
    re.compile(r"(?i:update on your application|news about your application) (?i:from|at) (?P<c>" + _CAP_PHRASE + ")"),
]
_SUBJECT_SPLIT = re.compile(r"\s+[|–—-]\s+|\s*\|\s*")
_BODY_RULES: list[Rule] = [
    Rule("interest in X",
         re.compile(r"(?:interest (?:you (?:have |'ve )?|you've )?(?:shown |showed |expressed )?in"
                    r"(?: working (?:with|at|for)| joining| being part of)?|applying to|"
                    r"applying for a (?:role|position|job) (?:at|with)|application to|"
                    r"(?:role|position|opportunity|job|opening|vacancy) (?:at|with)|joining|career at|team at|"
                    r"candidacy at|"
                    r"on behalf of|here at|everyone at|all of us at|hiring manager at|"
                    # an agency's client is the employer
                    r"our client,?|notre client,? la société|notre client,?|unser(?:em)? kunden?,?|"
                    r"nuestro cliente,?|(?i:el cliente|le client|the client),|"
                    # French: "le poste de Responsable d'exploitation chez Transports Bellocq", German
                    # "die Stelle als Social Media Manager bei Kornblum Medien"
                    r"poste [^.\n]{0,60}? chez|(?i:stelle|position) als [^.\n]{0,60}? bei)\s+(?:the\s+|der\s+)?"
                    r"(?P<c>" + _CAP_PHRASE + ")")),
    Rule("bei X beworben",
         re.compile(r"\b(?:im namen (?:von|der)|au nom de|en nombre de|bei der|bei|chez|en)\s+"
                    r"(?P<c>" + _CAP_PHRASE + r")\s+"
                    r"(?:beworben|interessiert|postulé|candidature|postulado|postularte|postularse|bewerben)")),
    Rule("Interesse an X",
         re.compile(r"(?i:interesse an|interesse in|intérêt pour|interés en|"
                    r"intérêt que vous (?:nous )?(?:avez |portez )?"
                    r"(?:manifesté |témoigné |porté )?(?:pour|à|envers))\s+(?i:der |la |el |le |l')?"
                    r"(?P<c>" + _CAP_PHRASE + ")"),
         ("interesse an", "interesse in", "intérêt pour", "interés en", "intérêt que")),
    # a team signing for its employer: "Equipo de Selección de Grupo Almendral", "L'équipe RH de Solvane"
    Rule("team of X",
         re.compile(r"(?i:equipo|équipe)"
                    r" (?i:de )?(?i:selección|recursos humanos|talento humano|capital humano|gestión humana|personas|"
                    r"reclutamiento|rrhh|recrutement|rh|ressources humaines|talent acquisition|talents?)"
                    r" (?i:de|du|chez|del) (?i:la |le |l')?(?P<c>" + _CAP_PHRASE + ")"),
         ("equipo", "équipe")),  # English: "team at X" above
    Rule("Team von X",  # "Dein Ausbildungsteam von Alpenstrom Netze", "Ihr Recruiting-Team der Kestrel AG"
         re.compile(r"(?i:dein|ihr|euer|das) [\w-]*(?i:team) (?i:von|der|bei) (?:der )?(?P<c>" + _CAP_PHRASE + ")"),
         ("team von", "team der", "team bei")),
]
# what onward states, in a draft and in the log of rejections alike: one clue alone (a display name
# that may be a recruiter's) is not enough, a weaker vote counts only with another
COMPANY_CONFIDENCE = 0.6
# Letterhead: the legal name that opens a footer line ("Acme Labs SAS · 3 rue ...", "© 2025 Acme, Inc.",
# "GRUPO ALHAMBRA, S.A."); a firm prints it, a person does not have one. Searched line by line at the
# end of the mail only.
_LEGAL_FORM = (r"(?:inc|llc|llp|ltd|limited|g?gmbh(?: & co\.? kg)?|ag|se|kg|s\.?a\.?(?: de c\.?v)?|s\.?a\.?[sc]|sarl|"
               r"sàrl|s\.?l\.?u?|s\.?p\.?a|s\.?r\.?l|s\.?c|ltda|b\.?v|n\.?v|plc|corp|corporation|e\.?v|oy|ab|a/s|aps|"
               r"pty\.? ltd|sp\. z o\.?o|s\.?r\.?o|kft)\.?")
LETTERHEAD_CHARS = 1500
# at a line's start, or after a department and a separator ("Recursos Humanos | Laboratorio Biosur S.A.")
_LETTERHEAD = re.compile(r"(?:^|[|·•–—][ \t]*)[ \t]*(?:©[ \t]*(?:\d{4}[ \t]*)?)?"
                         r"(?P<c>" + _CAP_PHRASE + r"|[A-ZÀ-Ý][A-ZÀ-Ý&'’ -]{2,60}?)"
                         r",?[ \t]+" + r"(?i:" + _LEGAL_FORM + r")(?=[ \t]*(?:$|[·•|–—,;(-]|[ \t]\d))", re.M)
# a job board's or a careers service's card: "Employer: Acme", "Werkgever: Acme, Barneveld"
_EMPLOYER_LABEL = re.compile(r"^[ \t]*(?i:organi[sz]ation|employer|company|hiring company|hiring agency|agency|"
                             r"werkgever|bedrijf|empresa|"
                             r"entreprise|société|unternehmen|arbeitgeber|azienda)[ \t]*:[ \t]*"
                             r"(?P<c>[^\n,·|–—(]{2,80})", re.M)
# a board's "Your application for Nursing Assistant - Night Shift at Lakeshore Manor (Racine, WI)"; an
# employer's letter may name one of its sites there, so it weighs less than the phrasings above
_APPLICATION_AT = re.compile(r"(?i:your application (?:for|to)) [^\n.]{2,80}? at (?P<c>" + _CAP_PHRASE + ")")
# a job board telling what the employer did: "Acme updated your application status", "Acme ha
# actualizado el estado de tu inscripción", "The employer Acme has updated the status"
_BOARD_UPDATE_ANCHORS = ("updated", "reviewed", "actualiz", "finaliz", "cambió", "revis", "decidi", "mis à jour",
                         "hat den status", "hat deine", "hat ihre", "a consulté", "atualizou", "replied to",
                         "passed on", "not moving forward")
_BOARD_UPDATE = re.compile(r"(?:^[ \t]*|(?P<named>(?i:the employer |the company |l'employeur |l'entreprise |"
                           r"le recruteur |el empleador |la empresa |a empresa |der arbeitgeber |das unternehmen )))"
                           r"(?P<c>" + _CAP_PHRASE + r") (?i:has updated|updated|has reviewed|ha actualizado|actualizó|"
                           r"finalizó|cambió|revisó|ha revisado|ha decidido|decidió|a mis à jour|a consulté|"
                           r"atualizou|reviewed your|replied to your|passed on your|is not moving forward|"
                           r"hat (?:den status|deine bewerbung|ihre bewerbung))", re.M)
# a job board's card: the employer, a middle dot, the place ("Acme Labs · Mesa, AZ")
_BOARD_CARD = re.compile(r"^[ \t]*(?P<c>" + _CAP_PHRASE + r")[ \t]+·[ \t]+[A-ZÀ-Ý]", re.M)
_NOT_COMPANY = re.compile(
    r"^(?:we|our|the|this|your|you|a|an|hi|hello|dear|thank|thanks|unfortunately|us|team|position|role|job|"
    r"st|ste|mt|ft|dr|mr|mrs|ms|they|they've|they're|we've|we're|i've|i'm|it's|there|here|"
    r"having|after|upon|once|sadly|regrettably|while|although|since|as|everyone|someone|somebody|nobody|"
    # "working for the Trust": a firm's kind, standing for its name
    r"trust|company|bank|group|firm|foundation|university|council|school|hospital|practice|club|society|"
    r"institute|association|partnership|organi[sz]ation|business|board|authority|college|studio|office|charity|"
    r"museum|library|network|agency|store|shop|restaurant|hotel|clinic|centre|center|"
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


# words that begin a phrase with "of" that is not a name ("Head of Data", "Thank you of ...")
_NOT_OF_NAME = frozenset(("head", "director", "vp", "chief", "manager", "member", "members", "part", "one", "all",
                          "some", "most", "each", "none", "out", "because", "instead", "ahead", "behalf", "many",
                          "lots", "terms", "thanks", "thank", "notice", "end", "as", "of", "in", "on", "at", "for"))


@functools.lru_cache(maxsize=4096)  # a candidate is cleaned again by each clue that names it
def _clean_company(value: str) -> str | None:
    """The employer's name in a candidate, or None when the candidate is not one: a sentence
    fragment, a job title, an agency, a job board or ATS, a pronoun."""
    value = value[:DISPLAY_CHARS].strip(" .,:;!?-–|\"'’()[]")
    words = _trim_edges([w.strip(".,:;!?\"'’()[]") for w in _words(value)])
    words = [w for w in words if w]
    if len(words) > 6:  # a legal form ends a name: "Papelera Industrial del Norte S.A. de C.V."
        legal_at = next((i for i, w in enumerate(words) if w.lower().strip(".,") in _LEGAL_FORMS), None)
        words = words[:legal_at] if legal_at else words
    if not words or len(words) > 6:
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
                or w.lower().strip(".,") in _LEGAL_FORMS) for w in words):
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


def domain_core(address: str) -> str | None:
    domain = domain_of(address)
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
    domain, local = domain_of(address), address.rpartition("@")[0]
    local = local.partition("+")[0]  # "acme+autoreply": the tenant is before the tag
    if not is_under(domain, _TENANT_ATS):
        return None
    if _NOREPLY_LOCAL.search(local):  # "noreply-acme": the tenant is what the no-reply mark leaves
        local = _NOREPLY_LOCAL.sub("-", local).strip("._+-")
        local = "" if _NOREPLY_LOCAL.search(local) else local
    return local if len(local) > 2 else None


_GROUP_WORDS = frozenset(("groupe", "grupo", "gruppe", "group", "gruppo"))


def _looks_like_person(display: str, message: ParsedMessage) -> bool:
    words = display.split()
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return False
    if any(w.lower().strip(".,") in _LEGAL_FORMS for w in words) or words[-1].lower() in _CORPORATE_WORDS \
            or words[0].lower() in _GROUP_WORDS:
        return False  # "Fernwood Robotics GmbH", "Calloway Property Group": a firm, wherever its name appears
    first = words[0].lower()
    local = message.from_address.rpartition("@")[0].lower()
    if first in local or first in closing_block(message).lower()[:200]:
        return True
    # a person signs with the first name alone on a line; a company name is not written that way
    return bool(re.search(rf"(?im)^[ \t]*{re.escape(words[0])}[ \t]*$", message.text.rstrip()[-CLOSING_CHARS:]))

def _phrase_for_core(core: str, text: str) -> str | None:
    """The capitalised phrase in the text that spells the sender's domain: "Gannet Labs" for gannetlabs.com."""
    best = None
    for m in _CAP_PHRASE_RE.finditer(text):
        words = m.group(0).split()
        initial = words[0][0].lower()
        if initial.isascii() and initial != core[0]:
            continue  # cheap: the phrase's compact form would start with this letter
        # every candidate starts with the first word, so it must agree with the domain's start
        first = compact(words[0])
        if not first or not (core.startswith(first[:len(core)]) or first.startswith(core)):
            continue
        for n in range(len(words), 0, -1):
            phrase = " ".join(words[:n])
            spelled_phrase = compact(phrase)
            spelled = next((k for k in range(1, n + 1) if compact(" ".join(words[:k])) == core), None)
            # the domain spelled out, or spelled and followed by words a firm's name ends with only
            # ("Adobe Systems", never "Adobe Systems Incorporated Park Ave")
            if spelled_phrase == core or (len(spelled_phrase) >= 5 and core.startswith(spelled_phrase)) or (
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
    # a letterhead closes the mail: its last lines are enough, and the regex runs on every line
    footer = f"{message.text.rstrip()[-LETTERHEAD_CHARS:]}\n{message.signature[-LETTERHEAD_CHARS:]}"
    letterheads = [m.group("c") for m in itertools.islice(_LETTERHEAD.finditer(footer), 4)]
    firms = {compact(name) for name in letterheads}

    # the ATS convention "Company - Role" / "Role | Company": a side of the subject that is the display name
    subject_sides = [keys for side in _SUBJECT_SPLIT.split(subject)[:3] if (keys := word_keys(side))]

    def person(name: str) -> bool:
        # a name the footer prints with a legal form, or that the subject sets beside the role, is a firm's
        # (or that the signature sets beside the signer's title: "Studio Manager, Foxglove Interiors")
        keys = word_keys(name)
        return compact(name) not in firms and not any(_agree(keys, side) for side in subject_sides) and \
            _looks_like_person(name, message) and not _in_signature(name, message)

    if display and not agency:
        if m := _DISPLAY_PERSON_AT.match(display):
            vote(m.group("c"), 0.55)  # a surname particle reads the same: only with another clue
        elif m := _DISPLAY_TEAM.match(display) or _DISPLAY_AT.match(display):
            vote(m.group("c"), 0.85)
        elif m := _DISPLAY_VIA.match(display):
            if not person(m.group("c")):
                vote(m.group("c"), 0.8)
        else:
            parts = [p.strip() for p in _SUBJECT_SPLIT.split(display) if p.strip()]
            if len(parts) == 2 and _is_portal(parts[1]):
                vote(parts[0], 0.85)
            elif len(parts) == 2 and _is_portal(parts[0]):
                vote(parts[1], 0.85)
            elif len(parts) == 1 and not person(display) and is_noreply(message.from_address):
                # an ATS sends under the employer's name, and under a recruiter's: alone it proves nothing
                vote(display, 0.5)
        if not votes and (own := domain_core(message.from_address) or _ats_tenant(message.from_address)):
            # the employer's own mailbox under its own name: "RRHH Papelería Técnica Levante" from
            # rrhh@papeleriatecnicalevante.es, "Tidewell Solar" from hr@tidewellsolar.com
            name = _OFFICE_PREFIX.sub("", _SUBJECT_SPLIT.split(display)[0]).strip()
            if name and compact(name).startswith(compact(own)[:max(6, len(compact(own)) - 2)]) \
                    and not _looks_like_person(name, message):
                vote(name, 0.8)
    display_voted = bool(votes)
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
    for _, pattern, anchors in _BODY_RULES:
        if not _may_match(anchors, lowered):
            continue
        # the first match that names an employer ("interest in the Analyst role" names none)
        found = next((c for m in itertools.islice(pattern.finditer(text), 8) if (c := _clean_company(m.group("c")))),
                     None)
        if found:
            vote(found, 0.7)
            break
    if "your application" in lowered and (m := _APPLICATION_AT.search(text)):
        vote(m.group("c"), 0.6)
    # a careers service or a board that says which firm is "the employer" outweighs its own domain
    named_employer = None
    if _may_match(_BOARD_UPDATE_ANCHORS, lowered) and (m := _BOARD_UPDATE.search(text)):
        vote(m.group("c"), 0.85 if m.group("named") else 0.7)
        if m.group("named") and (found := _clean_company(m.group("c"))):
            named_employer = found  # "The employer X has updated": the sender is a careers service
    if ":" in text and (m := _EMPLOYER_LABEL.search(text)):
        vote(m.group("c"), 0.85)
    if is_under(domain_of(message.from_address), JOB_BOARDS) and "·" in text:
        # the first card names a name that is not a title: the job's employer, on the board's own mail
        found = next((c for m in itertools.islice(_BOARD_CARD.finditer(text[:1500]), 4)
                      if (c := _clean_company(m.group("c")))), None)
        vote(found, 0.6)
    # alone, a letterhead may be an agency's or a platform's we do not know: with any other clue it is enough
    for name in letterheads:
        vote(name, 0.55)
    for line in signature_lines(message):  # an ATS's footer: "Sent via SmartRecruiters on behalf of Acme."
        if (m := _ON_BEHALF.search(line)) and not agency:
            vote(m.group("c"), 0.7)
            break
    # a forward's own sender is whoever forwarded it: the forwarded sender's domain is the one that tells
    forwarded = forwarded_sender(message)
    addresses = [*([forwarded[1]] if forwarded and forwarded[1] else []), message.from_address,
                 *(a for _, a in message.reply_to)]
    core = next((c for a in addresses if (c := domain_core(a))), None)
    tenant = None if core else next((t for a in addresses if (t := _ats_tenant(a))), None)
    core = core or tenant
    if core and not agency:
        # not in the display name: an ATS tenant's code and the display name are one clue, not two
        haystack = f"{subject}\n{text}\n{closing_block(message)}"
        phrase = _phrase_for_core(compact(core), haystack)
        if phrase:
            vote(phrase, 0.8)
        elif not tenant:  # a tenant's code spelled as a name is no clue: "Workday HRHPI" is not HRHPI's
            vote(core.replace("-", " ").replace("_", " ").title(), 0.35)
    # the weak display name of an ATS's no-reply mail, put by the letter itself after "at", "for",
    # "chez"... ("a role open within Penhallow Hotels", "candidato in Bottega Digitale"): a person's
    # name is not written that way
    if votes and votes[0][1] < COMPANY_CONFIDENCE and display_voted and (
            _after_a_preposition(votes[0][0], text) or _in_signature(votes[0][0], message)
            or any(_spelled_in_domain(votes[0][0], c) for c in _text_domains(message))):
        # ... or that the signature sets beside a title ("Studio Manager, Foxglove Interiors"), or that
        # an address the letter gives spells (hr@goldenrodhomehealth.com)
        votes.append((votes[0][0], 0.55))
    if not agency and (org := _title_line_org(message)):
        # "Executive Director, Eastside Literacy Project": where the writer works; a second clue when the
        # letter too puts it after "at", "for"... ("Program Coordinator at the Eastside Literacy Project")
        vote(org, 0.55)
        if _after_a_preposition(org, text) or any(_spelled_in_domain(org, c) for c in _text_domains(message)):
            vote(org, 0.55)  # ... or an address the letter gives spells it (hannah.oduya@glasshousemedia.co.uk)
    if core and not agency and not tenant:
        # a signature's organisation line ("Gemeente Dijkerland" under a person's name and title) that the
        # sender's own domain spells (dijkerland.nl): the domain agreement below makes it a second clue
        for name in _signature_lines(message, display):
            if _spelled_in_domain(name, core):
                vote(name, 0.5)
                break
    if core and not agency:
        # a name whose own word is spelled in the sender's domain ("Stadtwerke Lauterbrück" from
        # sw-lauterbrueck.de), or in the ATS account the employer set up ("Cerulean Dental Group" from
        # noreply-ceruleandental@personio.de), has the domain's word for it: a second clue
        named = {c for c, _ in votes if compact(c) != compact(core)}  # not the domain's own vote
        votes += [(c, 0.5) for c in named if _spelled_in_domain(c, core)]
    # "Halsworth" (from the domain) is the "University of Halsworth" another clue names in full
    of_names = {c.split(" of ", 1)[1]: c for c, _ in votes if " of " in c}
    votes = [(of_names.get(c, c), w) for c, w in votes]
    if named_employer:  # whatever the careers service's own name, domain and footer say
        return Field(named_employer, 0.85)
    if not votes:
        return Field.unknown()
    # agreement between independent clues is worth more than any one of them; two clues agree
    # when one's words begin the other's ("Acme" and "Acme Labs", never "Acme" and "Acmenbsp")
    best, best_score, best_weight = None, 0.0, 0.0
    keyed = [(c, w, word_keys(c)) for c, w in votes]
    for candidate, weight, keys in keyed:
        if not keys:  # nothing left of it once its legal form is off ("Inc")
            continue
        agreeing = [w for _, w, other in keyed if _agree(keys, other)]
        score = min(0.99, max(agreeing) + 0.1 * (len(agreeing) - 1))
        if score > best_score or (score == best_score and best is not None and _better_tied(candidate, weight, best,
                                                                                             best_weight)):
            best, best_score, best_weight = candidate, score, weight
    return Field(best, round(best_score, 2))


_PREPOSITION = re.compile(r"(?i:\b(?:at|in|within|for|join|joining|chez|bei|beim|en|presso|para|pour|bij|voor)\s+"
                          r"(?:the |la |le |l'|der |die |dem |el |de )?)$")


def _after_a_preposition(name: str, text: str) -> bool:
    start = text.find(name)
    for _ in range(8):  # a name used a few times: one of the first uses says it
        if start < 0:
            return False
        end = start + len(name)
        if (end == len(text) or not text[end].isalnum()) and _PREPOSITION.search(text[max(0, start - 20):start]):
            return True
        start = text.find(name, end)
    return False


_SIGNATURE_SEPARATOR = re.compile(r"\s+[|·•–—]\s+|,\s+")


def _signature_lines(message: ParsedMessage, display: str) -> list[str]:
    """The parts of the signature's lines after the signer's own (a title, a department, the
    organisation), split at separators, without the sender's own name."""
    person = {w.lower() for w in display.split()[:1]}
    out = []
    for line in signature_lines(message):
        for part in _SIGNATURE_SEPARATOR.split(line[:80])[:3]:  # "Administración · Centro de Fisioterapia X"
            if part and not {w.lower() for w in part.split()} & person:
                out.append(part)
    return out


_ON_BEHALF = re.compile(r"(?i:on behalf of|au nom de|en nombre de|im auftrag (?:von|der)|im namen (?:von|der)) "
                        r"(?P<c>" + _CAP_PHRASE + ")")
_TITLE_LINE = re.compile(r"^(?P<t>[^,|·–—\n]{2,60}?)(?:,| at | en | chez | bei | \| | – | — | · )[ \t]*"
                         r"(?P<c>" + _CAP_PHRASE + ")")
_TITLE_WORDS = frozenset((
    "recruiter", "recruiting", "recruitment", "talent", "hr", "rh", "rrhh", "people", "director", "directora",
    "directeur", "directrice", "manager", "lead", "head", "partner", "responsable", "founder", "ceo", "coo", "cto",
    "owner", "president", "personalreferentin", "personalreferent", "leiter", "leiterin", "gerente", "jefe", "jefa",
    "chargée", "chargé", "coordinator", "coordinadora", "coordinador", "specialist", "officer", "administrator",
    "advisor", "cofundador", "cofundadora", "fundador", "fundadora", "co-founder", "cofounder", "fondateur",
    "fondatrice", "cofondateur", "cofondatrice", "gründer", "gründerin", "geschäftsführer", "geschäftsführerin"))


def _title_line_org(message: ParsedMessage) -> str | None:
    """The organisation a signature line names after the writer's title ("Executive Director, Eastside
    Literacy Project", "Talent Acquisition Lead en Grupo Sazón Norteño")."""
    for line in signature_lines(message):
        m = _TITLE_LINE.match(line)
        if m and any(w.lower().strip(".,") in _TITLE_WORDS for w in m.group("t").split()) \
                and (org := _clean_company(m.group("c"))):
            return org
    return None


def _in_signature(name: str, message: ParsedMessage) -> bool:
    """The name is a part of a signature line after the signer's own ("Studio Manager, Foxglove
    Interiors"; "Foxglove Interiors | Chelsea")."""
    lines = signature_lines(message)
    if not any(name in line for line in lines):
        return False
    keys = word_keys(name)
    parts = [part for line in lines for part in _SIGNATURE_SEPARATOR.split(line[:80])]
    # "City of Ashgrove Human Resources": the organisation with its department after it
    parts += [m.group("c") for part in parts if (m := _DISPLAY_TEAM.match(part))]
    return bool(keys) and any(_agree(keys, word_keys(part)) and len(word_keys(part)) == len(keys) for part in parts)


def _text_domains(message: ParsedMessage) -> list[str]:
    """The domain cores of the addresses the letter gives (not freemail, ATS or job boards)."""
    text = f"{message.text[:3000]}\n{closing_block(message)}"
    found = _EMAIL.findall(text) if "@" in text else []
    return [core for address in found[:8] if (core := domain_core(address))]


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


def _better_tied(candidate: str, weight: float, best: str, best_weight: float) -> bool:
    """Of two agreeing names, the one that ends where the name ends: "Acme Labs" over "Acme", but
    "Acme" over "Acme Sam" (a name run into the next words)."""
    a, b = word_keys(candidate), word_keys(best)
    if a != b and "".join(a) == "".join(b):  # one name, one as written and one run together (a domain's)
        return len(a) > len(b)
    if a != b and _agree(a, b):
        longer, shorter = (candidate, best) if len(a) > len(b) else (best, candidate)
        extra = longer.split()[len(shorter.split()):]
        keep = longer if extra and all(w.lower().strip(".,") in _CORPORATE_WORDS for w in extra) else shorter
        return keep == candidate
    return weight > best_weight

_AGENCY_DOMAIN = re.compile(r"recruit|staffing|talent|search|headhunt|personal|interim|selezione|detacher|uitzend|"
                            r"consult|kadry|pessoas")


def _agency_sender(message: ParsedMessage) -> bool:
    """Mail from a recruitment agency: its name and domain are not the employer's."""
    core = domain_core(message.from_address) or ""
    if _AGENCY_DOMAIN.search(core):
        return True
    display = message.from_[0][:DISPLAY_CHARS]
    own = core or _ats_tenant(message.from_address) or ""  # the sender's domain, or the ATS account
    if (team := _DISPLAY_TEAM.match(display)) and own and _spelled_in_domain(team.group("c"), own):
        # "University of Kestrel Recruitment" from kestrel.ac.uk, "Soléane Énergies Recrutement" from
        # soleane@myworkday.com: the employer's own recruiters
        return False
    display = display.lower()
    return any(w in _AGENCY_WORDS for w in display.split()) or any(p in display for p in _AGENCY_PHRASES) or \
        _speaks_of_a_client(message.text[:3000])


def _speaks_of_a_client(text: str) -> bool:
    lowered = text.lower()
    return ("client" in lowered or "kunde" in lowered or "opdrachtgever" in lowered) and bool(_CLIENT.search(lowered))


# an employer does not call the hiring firm "the client": a recruiter at an agency or a search firm does
_CLIENT = re.compile(r"\bopdrachtgever|"
                     r"\b(?:our|my) client(?:'s)?\b(?! (?:work|projects?|base|services|presentations?|facing|"
                     r"meetings?|relationships?|portfolio|accounts?|delivery|success|team))|"
                     r"\bthe client (?:has|have|had|decided|chose|went|is|was|felt|came)\b|"
                     r"\b(?:notre|mon) client\b|\ble client (?:a|n'a|ne|est)\b|\bunser(?:em|en)? kunden?\b|"
                     r"\b(?:nuestro|mi) cliente\b|\bel cliente (?:ha|decidió|no)\b")


def _is_portal(part: str) -> bool:
    return bool(_PORTAL_WORDS.match(part)) or compact(part) in PLATFORM_NAMES
