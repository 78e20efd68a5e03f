"""The stage a rejection came at and the reason it states, by rules over lower-cased text: each
`Rule` names the stage or reason a match means, with its anchor words beside its pattern."""

from __future__ import annotations

import re

from onward.facts.model import Field
from onward.facts.text import SUBJECT_CHARS, Rule, _may_match
from onward.mail.message import ParsedMessage
from onward.vocab import Reason, Stage

# -- stage ----------------------------------------------------------------------------------------
# The stage and reason patterns are written in lower case and run on lower-cased text: without
# re.I the regex engine is about four times faster, and these run on every rejection.
_NOT_YET_INTERVIEWED = re.compile(
    r"(?:to|for|into|an|invite you to|progress(?:ing)? (?:you )?to|move (?:you )?forward (?:to|with)|"
    r"advanc(?:e|ing) (?:you )?to|through to|on to|next)\s+"
    r"(?:an?\s+|the\s+|our\s+)?(?:next\s+|first\s+|final\s+)?(?:interview|entretien|entrevista|vorstellungsgespräch|gespräch|"
    r"round|stage)s?(?:\s+(?:stage|round|process|phase))?",
)


# A Rule's anchors are words at least one of which is in every match of its pattern: where none is
# in the text, the pattern cannot match and is not run (str `in` is far cheaper than a regex with
# alternations at the start). tests/test_extract.py checks the gated and ungated results agree on all our mail.
_STAGE_RULES: list[Rule] = [
    Rule(Stage.FINAL, re.compile(
        r"final (?:round|interview|stage|panel)|onsite|on-site|last round|final conversation|superday|"
        r"finalen? (?:runde|gespräch)|letzte[nr]? (?:runde|gespräch)|(?:dernier|final) entretien|entretien final|"
        r"dernière étape|entrevista final|última (?:entrevista|fase|ronda)|ronda final"),
        ("final", "onsite", "on-site", "last round", "superday", "letzte", "dernier", "dernière", "última")),
    Rule(Stage.INTERVIEW, re.compile(
        r"interview|phone screen|screening call|(?:speaking|talking|meeting|chatting) with|"
        r"(?:speak|talk|chat|meet) with (?:us|me|the)|"
        r"met with|took the time to (?:speak|meet|talk|chat)|our (?:call|conversation|chat)|the call|"
        r"gespräch|entretien|échange|entrevista|conversación|llamada"),
        ("interview", "phone screen", "screening call", "ing with", "speak with", "talk with", "chat with",
         "meet with", "met with", "took the time to", "our call", "our conversation", "our chat", "the call",
         "gespräch", "entretien", "échange", "entrevista", "conversación", "llamada")),
    Rule(Stage.ASSESSMENT, re.compile(
        r"assessment|take[- ]home|coding (?:challenge|test|exercise)|technical (?:test|exercise|task)|case study|"
        r"assignment|exercise|hackerrank|codility|codesignal|test task|work sample|"
        r"testaufgabe|fallstudie|assessment-center|probearbeit|test technique|étude de cas|exercice|cas pratique|"
        r"prueba técnica|caso práctico|ejercicio|prueba"),
        ("assessment", "take-home", "take home", "coding", "technical", "case study", "assignment",
         "exercise", "hackerrank", "codility", "codesignal", "test task", "work sample", "testaufgabe",
         "fallstudie", "probearbeit", "test technique", "étude de cas", "exercice", "cas pratique",
         "prueba", "caso práctico", "ejercicio")),
    Rule(Stage.APPLICATION, re.compile(
        r"application|applied|applying|your (?:cv|resume|résumé|profile|background)|"
        r"bewerbung|unterlagen|candidature|votre (?:cv|profil)|candidatura|tu (?:cv|perfil)|su (?:cv|perfil)")),
]


# An interview or a final round is stated only where the mail says one took place: "interview"
# in a conditional ("should your profile match, we will invite you to interviews") or an
# "On-Site" location tag says nothing about what happened.
_INTERVIEWED = re.compile(
    r"(?:thank(?:s| you)|grateful|appreciate[ds]?)[^.!?\n]{0,60}?(?:interview|speaking|meeting|talking|chatting|"
    r"conversation|the call|time with|to (?:speak|meet|talk|chat))|"
    r"(?:after|following|since|from|during|throughout|in|of) (?:your|our|the|my|these|those|all|each|both|recent)"
    r" (?:recent |final |first |second |technical |phone |video |on-?site |panel )?(?:interview|conversation|"
    r"call|meeting|chat|round|panel)s?(?!['’]s)(?<!of the call)(?<!of the meeting)(?<!of the chat)|"
    r"(?:after|following|since|during|in) (?:our|your) discussions?|"
    r"(?:enjoyed|pleasure|great|nice|good|lovely) (?:to |in |of )?(?:speaking|meeting|talking|chatting|getting to know|"
    r"speak|meet|talk|chat)|"
    r"(?:met|spoke|spoken|talked|chatted|interviewed) (?:with|to)|(?:we|you|i) interviewed|interviewed you|"
    r"(?:your|the) (?:recent |final |first |second )?interviews? (?:with|last|on|yesterday|earlier|today)|"
    r"(?:time|effort) (?:you )?(?:spent|invested|took|gave|put)[^.\n]{0,30}?(?:interview|speaking|meeting|"
    r"talking|with (?:us|me|the team))|"
    # "your interview went well", not "interviews were offered to a small number" (to others)
    r"interviews? (?:went|was|were)(?! (?:offered|given|extended|limited|only|reserved|held with|not))|"
    r"gespräch(?:e|en)? (?:mit|am|vom|letzte)|(?:nach|für|in) (?:dem|das|den|unser(?:em|en|e)?|ihr(?:em|en)?)"
    r" (?:persönlichen |telefonischen |ersten |zweiten )?(?:gespräch|interview|vorstellungsgespräch|kennenlernen)|"
    r"(?:suite à|après|pour|lors de) (?:notre|nos|votre|vos|l['’]|les?) ?(?:\w+ )?(?:entretien|échange|rencontre)s?|"
    r"(?:merci|remercions?)[^.\n]{0,60}?(?:entretien|échange|rencontre)|"
    r"(?:tras|después de|durante|por) (?:la|las|nuestra|nuestras|su|tu|tus|sus|el|los) (?:\w+ )?"
    r"(?:entrevista|conversación|llamada|reunión)s?|(?:gracias|agradecemos)[^.\n]{0,60}?(?:entrevista|conversación)")
_FINAL_ROUND = re.compile(
    r"(?:after|following|through|to|in|for|reaching|at|of|from|during) (?:the |our |your )?(?:final (?:round|interview|"
    r"stage|panel|conversation)s?|last round|superday|on-?site interviews?)|"
    r"final (?:round|stage|interview)s? (?:of|with)|"
    r"(?:your|the) final (?:interview|round|conversation|panel)s?|finalists?\b|"
    r"letzte[nr]? (?:runde|gespräch)|finalen? (?:runde|gespräch)|(?:dernier|final) entretien|entretien final|"
    r"dernière étape|entrevista final|última (?:entrevista|fase|ronda)|ronda final")


# a recorded one-way video interview is a test the candidate took alone, not a conversation ("completing
# our online assessment and video interview questions": up to four words between)
_RECORDED_INTERVIEW = re.compile(
    r"(?:complet\w*|record\w*|submit\w*|taking|took) (?:[\w-]+ ){0,4}video interview(?: questions)?|"
    r"one-way (?:video )?interview|hirevue|entretien vidéo différé|(?:entrevista|video ?entrevista) (?:en )?"
    r"(?:vídeo |video )?(?:grabada|diferida)|zeitversetzte[sn]? (?:video-?)?interview")


# a mock sales call or a role-play is an exercise played out with the team, neither an interview
# nor a test the draft can name ("my submission"): its words say nothing of the stage
_ROLE_PLAY = re.compile(r"mock (?:[\w-]+ ){0,2}(?:call|pitch|demo|meeting)s?|role-?plays?")


# An agency's "I can't put you forward to my client": the employer never saw the candidacy. A modal
# that says the recruiter will not (never a "don't hesitate to submit your application"), in each
# language, and the mail names a client; every gap is bounded.
_NOT_PRESENTED = re.compile(
    r"(?:cannot|can['’]t|won['’]t|will not|unable to|not (?:be )?able to) (?:be able to )?"
    r"(?:put (?:you|your (?:profile|cv|application|name)) forward|"
    r"(?:submit|present|introduce) (?:you|your (?:profile|cv|application|candidacy)))|"
    r"\bno (?:voy a|vamos a|puedo|podemos|podré|podremos|podría|podríamos)(?: poder)? presentar (?:tu|su) "
    r"(?:candidatura|perfil|cv)|"
    r"\bne (?:pourrons|pouvons|pourrai|peux|pourrions|vais|allons) pas (?:pouvoir )?(?:présenter|proposer) "
    r"(?:votre|ta) (?:candidature|profil|cv)|"
    r"(?:ihr|dein) (?:profil|cv|lebenslauf|bewerbung) (?:leider )?nicht (?:an|bei) (?:unseren|unserem|den|dem) "
    r"(?:kunden|mandanten) (?:vorstellen|weiterleiten|präsentieren)")
_CLIENT_WORDS = ("client", "kunde", "mandant")  # "cliente", "Kunden" too


def extract_stage(message: ParsedMessage) -> Field:
    raw = f"{message.subject[:SUBJECT_CHARS]}\n{message.text[:3000]}".lower()
    if "video" in raw or "vidéo" in raw or "hirevue" in raw:
        raw = _RECORDED_INTERVIEW.sub(" assessment ", raw)
    if "mock" in raw or "role-play" in raw or "roleplay" in raw:
        # what is said of the call ("at the end of the call") is said of the exercise
        raw = _ROLE_PLAY.sub(" ", raw)
    # a recruiter who will not put the candidacy to their client: it stopped at the application, whatever
    # calls the recruiter had with the candidate
    if _may_match(_CLIENT_WORDS, raw) and _NOT_PRESENTED.search(raw):
        return Field(Stage.APPLICATION, 0.6)
    final, interview, assessment, application = _STAGE_RULES
    # Each test runs only when the answer needs it, cheapest first: the evidence that an interview
    # took place (_INTERVIEWED, the costliest pattern here) only where a final round or an
    # interview is mentioned, which most rejections (of an application) do not.
    # With evidence that an interview took place, its words count wherever they are: in `raw`; a
    # final round counts only where the text does not say it was not reached ("not to advance you
    # to the final round"): in `text`.
    text = _NOT_YET_INTERVIEWED.sub(" ", raw)
    if _may_match(final.anchors, raw) and final.pattern.search(raw):
        if _FINAL_ROUND.search(text):
            return Field(Stage.FINAL, 0.7)
        if _INTERVIEWED.search(raw):
            return Field(Stage.INTERVIEW, 0.7)  # an interview took place; that it was the last is not said
    if _may_match(interview.anchors, raw) and interview.pattern.search(raw) and _INTERVIEWED.search(raw):
        return Field(Stage.INTERVIEW, 0.7)
    for stage, pattern, anchors in (assessment, application):
        if _may_match(anchors, text) and pattern.search(text):
            return Field(stage, 0.7 if stage != Stage.APPLICATION else 0.6)
    return Field(Stage.UNKNOWN, 0.0)


# -- reason ----------------------------------------------------------------------------------------
_REASON_RULES: list[Rule] = [
    Rule(Reason.POSITION_FILLED, re.compile(
        r"(?:position|role|vacancy|job|opening) (?:has|have|had) (?:now |already )?been filled|"
        r"filled the (?:position|role)|"
        r"(?:offered|given) the (?:position|role|job) to|internal (?:candidate|applicant|hire|transfer)|"
        r"(?:candidate|someone) (?:has|who has) (?:already )?accepted|we(?: have|'ve|ve)? (?:hired|made a hire)|"
        r"stelle (?:wurde |ist )?(?:bereits |inzwischen )?(?:besetzt|vergeben)|intern besetzt|"
        r"interne[nr]? (?:kandidat|bewerber)|"
        r"poste (?:a été |est )?(?:déjà )?pourvu|candidat interne|"
        r"(?:puesto|vacante|posición) (?:ha sido |ya ha sido |fue |ya fue |ya está )?(?:cubiert|ocupad)|"
        r"candidato interno"),
        ("filled", "offered", "given", "internal", "accepted", "hired", "made a hire", "besetzt",
         "vergeben", "interne", "pourvu", "cubiert", "ocupad", "interno")),
    Rule(Reason.ROLE_CLOSED, re.compile(
        r"(?:position|role|vacancy|requisition|opening|search|hiring) (?:has been |was |is being |have been )?"
        r"(?:cancell?ed|closed|put on hold|paused|withdrawn|eliminated|frozen)|"
        r"no longer (?:hiring|recruiting|be filling|filling)|"
        r"budget|decided not to (?:fill|proceed with (?:the|this) (?:role|position|hire))|hiring freeze|"
        r"restructur|reorgani[sz]|"
        r"withdrawal of vacancy|stelle (?:wird |wurde )?(?:nicht (?:mehr )?besetzt|gestrichen|zurückgezogen)|"
        r"einstellungsstopp|"
        r"poste (?:a été |est )?(?:supprimé|annulé|gelé)|recrutement (?:est )?(?:suspendu|annulé)|gel des embauches|"
        r"(?:proceso|puesto|vacante) (?:ha sido |fue )?(?:cancelad|cerrad|suspendid)|congelación"),
        ("cancel", "closed", "on hold", "paused", "withdrawn", "eliminated", "frozen", "no longer",
         "budget", "decided not to", "freeze", "restructur", "reorgani", "withdrawal", "besetzt",
         "gestrichen", "zurückgezogen", "einstellungsstopp", "supprimé", "annulé", "gelé", "suspendu",
         "gel des", "cerrad", "suspendid", "congelación")),
    Rule(Reason.LOCATION_VISA, re.compile(
        r"sponsor|visa|work (?:authori[sz]ation|permit)|right to work|relocat|time ?zone|located (?:in|outside)|"
        r"based in|on-?site (?:requirement|presence)|in-office|commut|arbeitserlaubnis|aufenthaltstitel|umzug|"
        r"permis de travail|parrainage|déménag|permiso de trabajo|reubica|residencia"),
        ("sponsor", "visa", "work authori", "work permit", "right to work", "relocat", "zone", "located ",
         "based in", "requirement", "presence", "in-office", "commut", "arbeitserlaubnis",
         "aufenthaltstitel", "umzug", "permis de travail", "parrainage", "déménag", "permiso de trabajo",
         "reubica", "residencia")),
    Rule(Reason.OVERQUALIFIED, re.compile(
        r"over-?qualified|too senior|more senior than|(?:experience|background|level) (?:exceeds|is beyond)|"
        r"überqualifiziert|surqualifié|sobre-?cualificad|sobrecalificad"),
        ("qualified", "too senior", "more senior", "exceeds", "is beyond", "überqualifiziert",
         "surqualifié", "cualificad", "calificad")),
    Rule(Reason.EXPERIENCE, re.compile(
        r"(?:more|greater|extensive|deeper|stronger|hands-on|direct|specific|relevant|proven|broader|longer|additional|"
        r"significant|prior|specialist|practical)[\w ,'’-]{0,50}"
        r"(?:experience|exposure|background|track record|expertise)|"
        r"(?:experience|skills|background|qualifications|profiles?|expertise)[^.;\n]{0,80}"
        r"(?:more closely|closer|better|more directly|"
        r"more strongly|more fully|most closely|more precisely|stronger)|"
        r"closer (?:match|fit)|(?:stronger|better|closer) (?:match|alignment)|(?:lack|limited|not enough|less) (?:of )?"
        r"(?:\w+ )?(?:experience|exposure)|experience [^.;\n]{0,40}(?:lighter|less)|"
        r"(?:mehr|umfangreichere|längere|einschlägigere|spezifischere|tiefere) (?:\w+ )?"
        r"(?:erfahrung|berufserfahrung|kenntnisse)|"
        r"(?:erfahrung|qualifikation|profil)[^.;\n]{0,60}(?:besser|passender|genauer|eher|stärker)|"
        r"expérience[^.;\n]{0,80}(?:plus|davantage|correspond|adéquat)|(?:plus d['’]|davantage d['’])expérience|"
        r"profils?[^.;\n]{0,40}(?:plus|davantage|correspond)|"
        r"(?:más|mayor) experiencia|experiencia[^.;\n]{0,80}(?:más|mejor|se ajusta|ajusta|encaja|adecua)|"
        r"perfiles? [^.;\n]{0,40}(?:más|mejor|se ajusta)"),
        ("experienc", "exposure", "background", "track record", "expertise", "skills", "qualifi", "profil", "closer",
         "match", "alignment", "erfahrung", "kenntnisse", "expérience", "perfil")),
    Rule(Reason.FIT, re.compile(
        r"different direction|(?:culture|cultural|team|values?) fit|fit (?:with|for) (?:our|the) (?:team|culture)|"
        r"(?:right|best|good) fit|not a (?:fit|match)|alignment|our values|team composition|"
        r"andere richtung|passt nicht|nicht (?:ganz )?passt|ne correspond pas|adéquation|no encaja|no se ajusta"),
        ("direction", "fit", "not a ", "alignment", "our values", "composition", "richtung", "passt",
         "ne correspond pas", "adéquation", "encaja", "ajusta")),
]


def extract_reason(message: ParsedMessage) -> Field:
    # the reason sits next to the decision, early on
    text = f"{message.subject[:SUBJECT_CHARS]}\n{message.text[:1500]}".lower()
    for reason, pattern, anchors in _REASON_RULES:
        if _may_match(anchors, text) and pattern.search(text):
            return Field(reason, 0.7)
    return Field(Reason.NONE, 0.5)
