"""The job title: from the body's phrasings (English, German, French, Spanish), else from the
subject, cleaned to a title as a person would write it in a letter, and never the employer's name."""

from __future__ import annotations

import re

from onward.facts.model import Field
from onward.facts.names import _FIELD_WORDS, _ROLE_NOUNS, _agree, word_keys
from onward.facts.text import SUBJECT_CHARS, Rule, _may_match, compact
from onward.mail.message import ParsedMessage

_ROLE_STOP = (r"(?=\s*(?:[,.;:!?()\[\]|]|\s-\s|\s–\s|\s+(?:at|with|in|bei|chez|en|en el|à|position|role|job|opening|"
             r"team|here|has|have|was|is|and|we|our|opportunity|vacancy|req|requisition|et|pour|que|qui|nous|"
             r"au sein|ist|sind|wird|werden|wurde|wurden|konnte|kann|inzwischen|leider|bereits|nicht|anderweitig|"
             r"entschieden|besetzt|aus|vorerst|"
             r"daher|derzeit|zunächst|wegen|"
             # "Auxiliar Administrativo de nuestra planta": where the job is, said with "our", is not the title
             r"de nuestr[oa]s?|de notre|de nos|dans notre|"
             # a German sentence goes on after the title ("als Bauzeichner/in Hochbau und das ..."), unlike
             # a title's own "und" ("Forschung und Entwicklung")
             r"und (?:das|die|der|den|dem|für|ihr\w*|dein\w*|ihnen|dir|dich|sie|wir)|an (?:unser\w*|de[mnr]))\b|"
             # a workload after a Swiss or German title ("Fachspezialist/in Lohnbuchhaltung 80–100 %")
             r"\s+\d{1,3}(?:\s*[-–]\s*\d{1,3})?\s*%|$))")
_ROLE_RULES: list[Rule] = [
    Rule("for the X position",
         re.compile(r"(?:for|to) (?:the|our|this)\s+(?P<r>[A-Z][\w/&+#.'’ -]{2,70}?)\s+"
                    r"(?:position|role|job|opening|vacancy)\b")),
    Rule("position of X",
         re.compile(r"(?:position|role|job|post|vacancy) (?:of|as)\s+(?:an?\s+)?"
                    r"(?P<r>[A-Z][\w/&+#.'’ -]{2,70}?)" + _ROLE_STOP)),
    Rule("application for X",
         re.compile(r"(?:application|candidacy|applying|applied) (?:for|to)\s+(?:the\s+|our\s+|an?\s+)?"
                    r"(?:position of\s+|role of\s+)?"
                    r"(?P<r>[A-Z][\w/&+#.'’ -]{2,70}?)" + _ROLE_STOP)),
    Rule("Bewerbung als X",
         re.compile(r"(?:Bewerbung als|Bewerbung auf die Position|Stelle als|Position als|Position)\s+"
                    r"(?:(?:der|die|das|den|eine?n?)\s+)?"
                    r"(?P<r>[A-Z][\w/&+#.'’() -]{2,70}?)" + _ROLE_STOP)),
    # anchors (see _may_match) for the case-insensitive French and Spanish patterns, on lower-cased text
    Rule("poste de X",
         re.compile(r"(?:poste d[e'’]|poste de|pour le poste|au poste)\s*(?:de\s+|d['’])?"
                    r"(?P<r>[\w/&+#.'’ -]{3,70}?)" + _ROLE_STOP, re.I),
         ("poste",)),
    Rule("puesto de X",
         re.compile(r"(?:puesto de|vacante de|posici[oó]n de|candidatura (?:al puesto de|para)|"
                    r"proceso de selecci[oó]n (?:de|para))\s+"
                    r"(?:la |el )?(?P<r>[\w/&+#.'’ -]{3,70}?)" + _ROLE_STOP, re.I),
         ("puesto de", "vacante de", "posicion de", "posición de", "candidatura ", "proceso de selecci")),
    Rule("Role: X",
         re.compile(r"(?:Role|Position|Job title|Poste|Stelle|Puesto)\s*:\s*(?P<r>[^\n]{3,70})")),
]
_SUBJECT_ROLE = [
    re.compile(r"(?:application|applying|candidacy|bewerbung|candidature|candidatura)\s+"
               r"(?:for|as|als|pour|para|de|au poste de|al puesto de)\s+"
               r"(?:the\s+|the position of\s+|le poste de\s+|el puesto de\s+)?"
               r"(?P<r>(?:[^|\-–:(]|(?<=\w)-(?=\w)){3,70}?)(?:\s+(?:at|bei|chez|en)\s+.+)?"
               r"(?:\s*[|–:(]|\s+-\s|$)", re.I),
    # "Acme | Analyst", "Acme – Analyst" (not "Semi-Senior"): the left side too may be the title
    re.compile(r"^(?P<left>[A-Z][\w&.' ]{1,40}?)(?:\s*[|–]\s*|\s+-\s+)(?P<r>(?:[^|–-]|(?<=\w)-(?=\w)){3,70}?)"
               r"\s*(?:[|–]|\s-\s|$)"),
    re.compile(r"^(?:re:\s*)?(?P<r>[A-Z][\w/&+#.' ]{3,60}?)\s+(?:at|bei|chez)\s+[A-Z]"),
]
_NOT_ROLE = re.compile(r"^(?:your|votre|ihre|deine|tu|su|my|application|update|the|our|this|a|an|job|role|position|"
                       r"interest|next steps?|thank you|thanks|status|your|feedback)\b", re.I)


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
                           "opportunity", "team", "application", "scheme", "exercise", "take-home", "task",
                           "assignment", "test", "post", "case", "challenge",
                           # a season after the title is the intake, not the job ("... Intern Summer role")
                           "Summer", "Fall", "Winter", "Spring", "Autumn"))
_SEASONS = frozenset(("Summer", "Fall", "Winter", "Spring", "Autumn"))
_LEVEL_WORDS = frozenset(("lead", "senior", "junior", "principal", "staff", "head", "sénior", "confirmé", "confirmée",
                          "medior", "sr", "jr", "sr.", "jr."))
_ROLE_FUNCTION_WORDS = frozenset((
    "et", "pour", "que", "qui", "nous", "vous", "votre", "notre", "un", "une", "avec", "dans", "sur", "par", "est",
    "sont", "for", "from", "up", "with", "to", "at", "we", "you", "your", "our", "is", "are", "was", "has", "have",
    "will", "und", "wir", "sie", "ihre", "ist", "wird", "para", "con", "por", "su", "tu", "es", "son", "ha",
    "hemos", "this", "that", "it", "leider", "keine", "kein", "nicht", "nach", "mit", "unserem", "unsere", "ihnen",
    "dir", "dich"))
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
_LEADING_ROLE_WORDS = re.compile(r"^(?:(?:vacante|posici[oó]n|puesto|poste|stelle|position|role|b[uú]squeda)"
                                 r"(?:\s+(?:de|d['’]|als|of|as))?"
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
    value = _LEADING_ROLE_WORDS.sub("", _LEADING_ROLE_WORDS.sub("", value))  # "le poste Développeur": both go
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
    # a season before the title is the intake ("Spring 2025 Marketing Internship"), unless the season
    # is part of the title itself ("Summer Analyst", "Summer Intern")
    if len(kept) > 2 and kept[0] in _SEASONS and kept[1].lower() not in _ROLE_NOUNS:
        kept = kept[1:]
    # a level alone ("le poste de lead") is not a job a letter can name: the role stays neutral
    if all(w.lower() in _LEVEL_WORDS for w in kept):
        return None
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


# a gender ending does not end a title: "Chargé(e) d'affaires" is the Chargé d'affaires (a separate
# "(m/w/d)" does end one, and stays)
_GENDER_MARK = re.compile(r"(?<=\w)\((?i:e|ère|ere|trice|euse|se|ne|le|in|innen|a|o|x|es)\)")
# "Projektmanager (m/w/d) PV-Großanlagen": the gender tag says who may apply and sits inside the
# title; without it the title reads on to its end ("(H/F)", "(w/m/d)", "(all genders)" alike). Where
# a sentence goes on after the tag ("als Sachbearbeiter (m/w/d) und für ..."), the title ends there.
_GENDER_TAG = re.compile(r"[ \t]?\((?i:[mwdfhx](?:[ \t]?/[ \t]?[mwdfhx*]){1,3}|all genders?|alle geschlechter)\)"
                         r"(?P<on>[ \t]+[A-ZÀ-Ý0-9])?")


def _without_gender_tags(text: str) -> str:
    return _GENDER_TAG.sub(lambda m: m.group("on") or ",", text)


def extract_role(message: ParsedMessage) -> Field:
    head = message.text[:2000]
    head = _without_gender_tags(_GENDER_MARK.sub("", head)) if "(" in head else head
    lowered = head.lower()
    for _, pattern, anchors in _ROLE_RULES:
        m = pattern.search(head) if _may_match(anchors, lowered) else None
        if m and (r := _clean_role(m.group("r"))):
            return Field(_spelled_out(r, head), 0.75)
    subject = message.subject[:SUBJECT_CHARS]
    subject = _without_gender_tags(_GENDER_MARK.sub("", subject)) if "(" in subject else subject
    for pattern in _SUBJECT_ROLE:
        m = pattern.search(subject)
        if m and "left" in pattern.groupindex and _names_a_job(m.group("left")) and not _names_a_job(m.group("r")):
            left = _AT_EMPLOYER.sub("", m.group("left"))  # "Engineering Manager en Ñandú - novedades"
            if r := _clean_role(left):  # "Lab Manager position - Iyer lab"
                return Field(r, 0.6)
        if m and (r := _clean_role(m.group("r"))):
            return Field(_spelled_out(r, head), 0.6)
    return Field.unknown()


# an abbreviation in a title ("Staff PM, Platform"): capitals only, up to four
_ABBREVIATION = re.compile(r"(?<![\w/])[A-Z]{2,4}(?![\w/])")


def _spelled_out(role: str, text: str) -> str:
    """The title as the mail spells it out elsewhere: "Staff PM, Platform" in the subject is the "Staff
    Product Manager, Platform" of the text. The same title with one capitalised word per letter of
    the abbreviation, and nothing else changed, must be in the text; otherwise the role stays as found."""
    for m in _ABBREVIATION.finditer(role):
        letters = m.group(0)
        before, after = (r"\s+".join(map(re.escape, part.split(" "))) for part in (role[:m.start()], role[m.end():]))
        # one word for each letter: a capital, then lower-case letters (a bounded, literal-anchored match)
        spelled = r"\s+".join(f"{c}[a-zà-ÿ]{{1,20}}" for c in letters)
        if found := re.search(f"(?<!\\w){before}{spelled}{after}(?!\\w)", text):
            return " ".join(found.group(0).split())
    return role

_AT_EMPLOYER = re.compile(r"\s+(?:at|en|chez|bei|with|@)\s+[A-ZÀ-Ý].*$")


def _names_a_job(text: str) -> bool:
    """A known job noun is among the words ("Store Manager"; not "Kidderminster", though it ends like one)."""
    return any(w in _ROLE_NOUNS or w.rstrip("s") in _ROLE_NOUNS for w in text.lower().split())


def _role_without_company(role: Field, company: str | None, sender: str = "") -> Field:
    """A title that is the employer's name is none; one that starts with it loses it
    ("Acme Graduate Programme" is the Graduate Programme). `sender`: the From display name, which
    may give more of the employer's name than `company` ("Pinecrest Grocers Store Leadership Intern",
    from "Pinecrest Grocers", at "Pinecrest": the Store Leadership Intern)."""
    if not role.value or not company:
        return role
    role_keys, company_keys = word_keys(role.value), word_keys(company)
    if not company_keys or not role_keys:
        return role
    if _agree(role_keys, company_keys) and len(role_keys) <= len(company_keys):
        return Field.unknown()
    if role_keys[:len(company_keys)] == company_keys:
        words, n = role.value.split(), len(company.split())
        # the employer's name as the sender writes it goes on past `company`: those words go too
        sender_words = [compact(w) for w in sender[:200].split()[:8]]
        named = len(company_keys)
        if sender_words[:named] == role_keys[:named]:
            while n < len(words) - 1 and named < len(sender_words) and compact(words[n]) == sender_words[named] \
                    and words[n].lower() not in _ROLE_NOUNS:
                n, named = n + 1, named + 1
        rest = _clean_role(" ".join(words[n:]))
        return Field(rest, role.confidence) if rest else Field.unknown()
    words = role.value.split()
    if len(words) >= 3 and role_keys[0] == company_keys[0] and role_keys[0] not in _FIELD_WORDS \
            and not _TITLE_WORD.search(role_keys[0]) and role_keys[0] not in _ROLE_NOUNS:
        # "Blackthorn Summer Analyst" at Blackthorn Capital Partners: the firm's short name, then the title
        rest = _clean_role(" ".join(words[1:]))
        return Field(rest, role.confidence) if rest else Field.unknown()
    if len(role_keys) > len(company_keys) and role_keys[-len(company_keys):] == company_keys \
            and len(words) > len(company_keys) + 1 and words[-len(company_keys) - 1].lower() in _EMPLOYER_LINKS:
        # "Gerente de Planta de Alimentos Mixteca": the title, then where
        rest = _clean_role(" ".join(words[:-len(company_keys) - 1]))
        return Field(rest, role.confidence) if rest else Field.unknown()
    return role


_EMPLOYER_LINKS = frozenset(("at", "de", "en", "chez", "bei", "with", "for", "of", "à", "para", "pour", "in", "@"))
