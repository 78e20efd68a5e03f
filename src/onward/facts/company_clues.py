"""The clues to the employer in a rejection, each read on its own: the display name's patterns, the
subject's, the body's phrasings, a board's card and update line, a footer's letterhead, a
signature's organisation and title lines, an ATS footer, and whether the sender is an agency.
`company.py` weighs them."""

from __future__ import annotations

import functools
import re

from onward.facts.company_names import (
    _CAP_PHRASE,
    _CAP_PHRASE_RE,
    _GROUP_WORDS,
    _OFFICE_PREFIX,
    _ats_tenant,
    _clean_company,
    _spelled_in_domain,
    domain_core,
)
from onward.facts.names import (
    _AGENCY_PHRASES,
    _AGENCY_WORDS,
    _CONNECTORS,
    _CORPORATE_WORDS,
    _ROLE_NOUNS,
    _TEAM_WORDS,
    _TRADE_WORDS,
    EDGE_WORDS,
    _agree,
    word_keys,
)
from onward.facts.text import (
    _EMAIL,
    DISPLAY_CHARS,
    Rule,
    closing_block,
    compact,
    signature_lines,
)
from onward.mail.message import ParsedMessage

_DISPLAY_TEAM = re.compile(
    r"^(?:the )?(?P<c>.+?)\s+(?:" + _TEAM_WORDS + r")(?:\s+(?:team|department))?(?:\s+via\s+.+)?$", re.I)


_DISPLAY_AT = re.compile(r"^(?:talent|careers|recruiting|jobs|people|hiring|recrutement|empleo)\s+"
                         r"(?:at|@|with|chez|en|bei)\s+(?P<c>.+)$", re.I)


# "Léa de Hopsy", "Daan van Studio Kwast", "Sam from Acme": a person writing for a firm ("University of X"
# is no person)
_DISPLAY_PERSON_AT = re.compile(r"^[A-ZÀ-Ý][\w'’-]+\s+(?:de|van|von|from|at|@|bei|chez|da|di)\s+(?P<c>[A-ZÀ-Ý].*)$")


# a board's subject that names the person who wrote: "Jens Petersen hat Ihnen eine Nachricht gesendet"
_BOARD_SENDER = re.compile(r"\s+(?:hat Ihnen eine Nachricht (?:gesendet|geschickt)|sent you a message|"
                           r"vous a envoyé un message|te ha enviado un mensaje)\b.*$", re.I)


_DISPLAY_VIA = re.compile(r"^(?P<c>.+?)\s+(?:via|through|über|vía|tramite)\s+\S+", re.I)


# reply and forward prefixes, and the "[EXT]" tag mail gateways put before outside mail
_REPLY_PREFIX = re.compile(r"^[ \t]*(?:(?:re|aw|sv|fwd?|wg|tr|rv|ref)[ \t]*:[ \t]*|\[?ext(?:ernal)?\]?:?[ \t]+)+", re.I)


_SUBJECT_PATTERNS = [
    # "Your application to ROLE at COMPANY", "Votre candidature : ROLE chez COMPANY": the name ends the subject
    re.compile(r"(?i:applica|candida|bewerbung|role|position|poste|puesto|stelle|intern|job|absage).{0,120}?"
               r"\b(?:at|chez|bei|with|en|@)\s+(?P<c>" + _CAP_PHRASE + r")(?:[ \t.]*$|[ \t]+[:|–-][ \t])"),
    re.compile(r"(?i:bewerbung (?:bei|an)|candidature (?:chez|à|auprès de)|candidatura (?:en|a|para)|"
               r"(?:tu |su )?proceso (?:en|con)|(?:tu |su )?postulaci[oó]n en)\s+"
               r"(?i:der |die |la |l'|el )?(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"(?:your |the )?application (?:to|at|with)\s+(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"(?:for|on) .{2,60}? at (?P<c>" + _CAP_PHRASE + r")\s*$"),
    re.compile(r"(?i:interest in|interés en|intérêt pour|interesse an|interesse in|applying to|applying at|"
               r"for applying to|update from|message from|news from|"
               r"follow[- ]up from|note from|thank you from|thanks from|"
               # a board's "Neue Nachricht von X zu Ihrer Bewerbung", "Nouveau message de X"
               r"nachricht von|message de|mensaje de|mensaje nuevo de|messaggio da|bericht van|mensagem de|"
               r"interesse per|interesse em|interesse voor|interés por)\s+"
               r"(?i:joining\s+)?(?P<c>" + _CAP_PHRASE + ")"),
    re.compile(r"^(?P<c>" + _CAP_PHRASE + r") (?:te envió|sent you|hat dir|vous a envoyé|has sent|viewed|an update|"
               r"is not moving forward|replied to your|passed on your|has reviewed|reviewed your|declined|"
               r"a répondu|ha respondido|hat geantwortet|responded to your|hat auf (?i:ihre|deine) (?i:bewerbung)|"
               r"did not select you|respondeu|has declined)"),
    re.compile(r"(?i:update on your application|news about your application) (?i:from|at) (?P<c>" + _CAP_PHRASE + ")"),
    # LinkedIn's French "Chef de projet CRM chez Oléa Mutuelle : candidature non retenue"
    re.compile(r"\bchez (?P<c>" + _CAP_PHRASE + r")[ \t]*:[ \t]*(?i:votre |ta )?(?i:candidature)"),
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
    # a board's offer and who published it: "l'offre Contrôleur de gestion publiée par Ortéa Conseil" (Apec);
    # not English "posted by", which names the recruiter who posted it
    Rule("publiée par X",
         re.compile(r"(?i:publiée par|publicada por|veröffentlicht von|pubblicata da|gepubliceerd door)\s+"
                    r"(?i:l'entreprise |la empresa |l'azienda |der |die |de )?(?P<c>" + _CAP_PHRASE + ")"),
         ("publiée par", "publicada por", "veröffentlicht von", "pubblicata da", "gepubliceerd door")),
    Rule("Team von X",  # "Dein Ausbildungsteam von Alpenstrom Netze", "Ihr Recruiting-Team der Kestrel AG"
         re.compile(r"(?i:dein|ihr|euer|das) [\w-]*(?i:team) (?i:von|der|bei) (?:der )?(?P<c>" + _CAP_PHRASE + ")"),
         ("team von", "team der", "team bei")),
]


# Letterhead: the legal name that opens a footer line ("Acme Labs SAS · 3 rue ...", "© 2025 Acme, Inc.",
# "GRUPO ALHAMBRA, S.A."); a firm prints it, a person does not have one. Searched line by line at the
# end of the mail only.
_LEGAL_FORM = (r"(?:inc|llc|llp|ltd|limited|g?gmbh(?: & co\.? kg)?|ag|se|kg|s\.?a\.?(?: de c\.?v)?|s\.?a\.?[sc]|sarl|"
               r"sàrl|s\.?a\.?a|s\.?l\.?u?|s\.?p\.?a|s\.?r\.?l|s\.?c|ltda|b\.?v|n\.?v|plc|corp|corporation|e\.?v|oy|ab|a/s|aps|"
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
                         "descart", "rechaz", "abgelehnt", "a refusé", "has declined",
                         "enviou", "sobre o processo",
                         "hat den status", "hat deine", "hat ihre", "a consulté", "atualizou", "replied to",
                         "passed on", "not moving forward", "aggiornato", "sent you a message")


_BOARD_UPDATE = re.compile(r"(?:^[ \t]*|(?P<named>(?i:the employer |the company |l'employeur |l'entreprise |"
                           r"le recruteur |el empleador |la empresa |a empresa |da empresa |der arbeitgeber |"
                           r"das unternehmen |l'azienda )))"
                           # a legal form with its dots ends the name: "Constructora Huallaga S.A.C. ha decidido"
                           r"(?P<c>" + _CAP_PHRASE + r"(?:,? [A-Z][a-z]?\.(?:[A-Za-z]{1,2}\.){1,3}"
                           r"(?: de (?:[A-Z]\.){2})?)?) "
                           r"(?i:has updated|updated|has reviewed|ha actualizado|actualizó|ha aggiornato|"
                           r"ha descartado|descartó|ha rechazado|hat abgelehnt|a refusé|has declined|"
                           r"sent you a message|"
                           r"finalizó|cambió|revisó|ha revisado|ha decidido|decidió|a mis à jour|a consulté|"
                           r"atualizou|enviou|sobre o processo|reviewed your|replied to your|passed on your|"
                           r"is not moving forward|"
                           r"hat (?:den status|deine bewerbung|ihre bewerbung))", re.M)


# a job board's card: the employer, a middle dot, the place ("Acme Labs · Mesa, AZ")
_BOARD_CARD = re.compile(r"^[ \t]*(?P<c>" + _CAP_PHRASE + r")[ \t]+·[ \t]+[A-ZÀ-Ý]", re.M)


# a board's card, a line each: the title, the employer, the place ("Line Cook / The Copper Ladle /
# Asheville, NC 28801"; "Management Analyst / Bureau of Harbor Inspection / Announcement Number: ...")
_PLACE_LINE = re.compile(r"[A-ZÀ-Ý][\w .'’-]{1,40}, [A-Z]{2}\b|.*\b\d{4,5}\b|(?i:announcement number|remote|hybrid|"
                         r"télétravail|homeoffice)\b")
_CARD_TITLES = frozenset(("cook", "chef", "server", "cashier", "driver", "clerk", "agent", "attendant", "worker",
                          "helper", "guard", "cleaner", "receptionist", "bartender", "dishwasher", "baker", "mechanic",
                          "electrician", "plumber", "carpenter", "welder", "caregiver", "tutor", "nurse", "associate"))


def _card_employer(text: str) -> str | None:
    """The employer line of a board's card, between a title line and a place line."""
    lines = [line.strip() for line in text[:1500].splitlines() if line.strip()][:30]
    for title, name, place in zip(lines, lines[1:], lines[2:], strict=False):
        words = title.lower().split()
        if len(title) <= 60 and 1 <= len(words) <= 6 and title[:1].isupper() and len(name) <= 60 and \
                any(w in _ROLE_NOUNS or w in _CARD_TITLES for w in words) and _PLACE_LINE.match(place) and \
                (employer := _clean_company(name)):
            return employer
    return None


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


def _abbreviated_phrase(core: str, text: str) -> str | None:
    """The capitalised phrase the sender's domain abbreviates: its first words by their initials, then a
    word in full ("Instituto Politécnico da Raia" for ipraia.pt, "Biuro Rachunkowe Kowalczyk" for
    brkowalczyk.pl)."""
    for m in _CAP_PHRASE_RE.finditer(text):
        if m.group(0)[0].lower() != core[0]:
            continue
        words = [w for w in m.group(0).split() if w.lower() not in _CONNECTORS]
        for k in range(2, len(words)):
            full = compact(words[k])
            if len(full) >= 4 and "".join(w[0] for w in words[:k]).lower() + full == core:
                return " ".join(m.group(0).split()[:m.group(0).split().index(words[k]) + 1])
    return None


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


# a board's message from a person, headed by who they are: "Verónica Lozano / Talent Acquisition Lead en
# Grupo Sazón Norteño" (LinkedIn), "Jens Petersen (Creative Director, Blauwal Kommunikation) hat Ihnen ..." (XING)
_PERSON_TITLED = re.compile(r"\((?P<t>[^,()\n]{2,60}?)(?:,| at | en | chez | bei | @ )[ \t]*(?P<c>" + _CAP_PHRASE +
                            r")\)")


def _messenger_org(message: ParsedMessage, person: str) -> str | None:
    """The organisation a board's message gives for the person who wrote it, by their title."""
    head = message.text[:600]
    lines = [line.strip() for line in head.splitlines() if line.strip()][:4]
    candidates = [lines[i + 1] for i in range(len(lines) - 1) if lines[i] == person]
    candidates += [m.group(0)[1:-1] for m in _PERSON_TITLED.finditer(head)
                   if head[:m.start()].rstrip().endswith(person)]
    for line in candidates:
        m = _TITLE_LINE.match(line)
        if m and any(w.lower().strip(".,") in _TITLE_WORDS for w in m.group("t").split()) \
                and (org := _clean_company(m.group("c"))):
            return org
    return None


def _title_line_org(message: ParsedMessage) -> str | None:
    """The organisation a signature line names after the writer's title ("Executive Director, Eastside
    Literacy Project", "Talent Acquisition Lead en Grupo Sazón Norteño")."""
    for line in signature_lines(message):
        m = _TITLE_LINE.match(line)
        if m and any(w.lower().strip(".,") in _TITLE_WORDS for w in m.group("t").split()) \
                and (org := _clean_company(m.group("c"))):
            return org
    return None


# the words around a firm's name where it signs: "Ridgeline Outfitters HR", "Le cabinet Astier & Roux"
_SIGNING_WORDS = frozenset(("cabinet", "equipe", "equipo", "service", "servicio", "abteilung", "ressources", "humaines",
                            "recursos", "humanos", "rh", "rrhh", "recrutement", "seleccion", "personal", "werving",
                            "rekrutacja", "staffing", "atraccion", "talento"))


def _signs_the_letter(name: str, message: ParsedMessage) -> bool:
    """The letter ends with the name on a line of its own, perhaps with its department: the firm signs
    ("Marlinspike Security", "City of Ashgrove Human Resources", "Le cabinet Astier & Roux")."""
    keys = [k for k in word_keys(name) if k not in EDGE_WORDS]
    if not keys:
        return False
    tail = message.text.rstrip()[-LETTERHEAD_CHARS:]
    lines = [line for line in tail.splitlines() if 0 < len(line.strip()) <= 80][-8:]
    for i, line in enumerate(lines):
        line_keys = [k for k in word_keys(line.strip(" \t-–—•")) if k not in EDGE_WORDS and k not in _SIGNING_WORDS]
        # the name, or its first words when it signs short ("Le cabinet Astier & Roux" for "Astier & Roux
        # Expertise Comptable")
        if not (line_keys == keys or (len(line_keys) >= 2 and keys[:len(line_keys)] == line_keys)):
            continue
        # a person signs the same way, then gives a title and an address of their own
        title = lines[i + 1].lower() if i + 1 < len(lines) else ""
        if not any(c.isdigit() for c in title) and any(w in _ROLE_NOUNS or w in _TITLE_WORDS
                                                       for w in re.findall(r"\w+", title)):
            return False  # "Senior Talent Partner | Glasshouse Media"; an address line is no title
        # hannah.oduya@... is hers; a firm's own refaccionariaelguero@ is one word
        return not any(keys[0] in re.split(r"[._-]", m.group(0).partition("@")[0].lower())
                       for m in _EMAIL.finditer(tail))
    return False


# where a letter names the firm that decided: after "with", "at", "chez"..., or before its verb or its
# possessive ("Meranti has decided", "La Laiterie des Combes vient de", "Ashcombe's CFO")
_FIRM_BEFORE = re.compile(r"(?i:\b(?:with|at|to|for|from|chez|bei|beim|con|presso|bij|met|avec|auprès de|pour|para|"
                          r"von|der|die|la|le|l'|el|il|lo|de|des|du|del|della|per|van|à|für)[ \t]+(?:the[ \t]+)?)$")
_FIRM_AFTER = re.compile(r"^(?:['’]s\b|[ \t]+(?i:has|have|had|is|are|was|were|decided|chose|went|felt|will|would|"
                         r"wants|made|came|vient|a|ont|hat|haben|hatte|ha|han|hanno|heeft|hebben|tem|optó|decidió|"
                         r"decidiu)\b)")
_NAME_GOES_ON = re.compile(r"(?:[ \t]+[A-ZÀ-Ý][\w&'’-]*){1,3}")  # "Meridale" written as "Meridale Bank have..."
_PERSON_BEFORE = re.compile(r"(?i:\b(?:mr|mrs|ms|dr|herrn?|frau|m|mme|monsieur|madame|sr|sra|don|doña|signor|"
                            r"signora|dhr|mevrouw|pan|pani)\.?[ \t]+)$")
# "the team in Berlin has decided", "keen to relocate to Berlin"
_PLACE_BEFORE = re.compile(r"(?i:\b(?:in|near|around|im|nach|(?:relocat|mov|travel|commut)\w* to)[ \t]+)$")
# a subject's other topics, which a letter names again too: a day, a month, a way of working
_NOT_A_CLIENT = frozenset((
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "montag",
    "dienstag", "mittwoch", "donnerstag", "freitag", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "lunes",
    "martes", "miércoles", "jueves", "viernes", "remote", "hybrid", "onsite", "on-site", "homeoffice",
    "télétravail", "remoto", "híbrido", "today", "tomorrow", "yesterday", "heute", "morgen", "aujourd'hui",
    "demain", "hoy", "mañana"))


_JOB_NEXT = re.compile(r"[ \t]+(?i:role|position|job|post|vacancy|opening|internship|poste|stelle|puesto|vaga)\b")
_PRONOUN_NEXT = re.compile(r"[^.!?\n]{0,60}[.!?]?\s+(?:he|she|his|her|him|er|sie|il|elle|ella|él|lui|lei)\b", re.I)


def _named_as_the_firm(name: str, text: str) -> bool:
    """The letter names the firm (in full, or by its first word when that is a name of its own)
    where a firm decides or is dealt with: "off the phone with Ashcombe", "Meranti has decided"."""
    words = name.split()
    if any(w.lower() in _NOT_A_CLIENT for w in words):
        return False
    forms = [name]
    first = words[0]
    if len(words) > 1 and len(first) >= 4 and first.lower() not in _TRADE_WORDS and \
            first.lower() not in _CORPORATE_WORDS and first.lower() not in _GROUP_WORDS:
        forms.append(first)
    for shortened, form in enumerate(forms):
        start = text.find(form)
        for _ in range(6):
            if start < 0:
                break
            end = start + len(form)
            before = text[max(0, start - 24):start]
            longer = _NAME_GOES_ON.match(text, end, end + 60)
            after = text[end:end + 12] if not longer else text[longer.end():longer.end() + 12]
            if (not text[end:end + 1].isalnum() and not (start and text[start - 1].isalnum())
                    and not _PERSON_BEFORE.search(before) and not _PLACE_BEFORE.search(before)
                    and not (shortened and longer and not _FIRM_AFTER.match(after))  # "Jane Doe": a person
                    and not _PRONOUN_NEXT.match(text[end:end + 80])  # "I spoke with Marcus. He felt..."
                    and not _JOB_NEXT.match(text, end, end + 30)  # "for the E-commerce Merchandiser role"
                    and (_FIRM_BEFORE.search(before) or _FIRM_AFTER.match(after))):
                return True
            start = text.find(form, end)
    return False


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


@functools.lru_cache(maxsize=16)  # read for the display name's clue and again for the title line's
def _text_domains(message: ParsedMessage) -> tuple[str, ...]:
    """The domain cores of the addresses the letter gives (not freemail, ATS or job boards)."""
    text = f"{message.text[:3000]}\n{closing_block(message)}"
    found = _EMAIL.findall(text) if "@" in text else []
    return tuple(core for address in found[:8] if (core := domain_core(address)))


_AGENCY_DOMAIN = re.compile(r"recruit|staffing|talent|search|headhunt|personal|interim|selezione|detacher|uitzend|"
                            r"consult|kadry|pessoas")


def is_agency_domain(core: str) -> bool:
    """A domain's name that says recruitment agency or search firm ("harbortalent", "kadryplus")."""
    return bool(_AGENCY_DOMAIN.search(core))


def _agency_sender(message: ParsedMessage) -> bool:
    """Mail from a recruitment agency: its name and domain are not the employer's."""
    core = domain_core(message.from_address) or ""
    if is_agency_domain(core):
        return True
    display = message.from_[0][:DISPLAY_CHARS]
    own = core or _ats_tenant(message.from_address) or ""  # the sender's domain, or the ATS account
    team_name = m.group("c") if (m := _DISPLAY_TEAM.match(display)) else _OFFICE_PREFIX.sub("", display)
    if team_name != display and own and _spelled_in_domain(team_name, own):
        # "University of Kestrel Recruitment" from kestrel.ac.uk, "Soléane Énergies Recrutement" from
        # soleane@myworkday.com: the employer's own recruiters
        return False
    # an office's word before the firm's name is its own department ("Recrutement Kestrel", "RRHH Acme"); an
    # agency puts the word after its name ("Kestrel Recrutement")
    display = _OFFICE_PREFIX.sub("", display).lower()
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


# a go-between tells what the employer decided ("they've decided", "ils ont retenu"); a firm says "we"
_THEY_DECIDED = re.compile(r"\bthey(?:'ve| have| had)? (?:decided|chosen|gone|went|felt|opted|selected|found)\b|"
                           r"\bthe (?:hiring manager|hiring team|company|employer|client) (?:has |have )?"
                           r"(?:decided|chosen|gone|opted|selected)\b|"
                           r"\bsie haben sich\b|\bils ont (?:décidé|choisi|retenu|préféré)\b|"
                           r"\b(?:han|habían) (?:decidido|optado|elegido)\b|\bze hebben\b")


def _lower_words(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w.@/-])[a-z]{4,}(?![\w.@/-])", text[:4000]))  # not in an address or a link
