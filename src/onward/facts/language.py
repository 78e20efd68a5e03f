"""The language a rejection is written in: its declared Content-Language when the words agree,
else the language whose common words it uses most."""

from __future__ import annotations

import re
from collections import Counter

from onward.facts.model import Field
from onward.facts.text import SUBJECT_CHARS
from onward.mail.message import ParsedMessage

# -- language ----------------------------------------------------------------------------------------
# Words frequent in one language's mail and rare in the others': "de", "en", "la", "e" or "que"
# are shared, and counting them turned Spanish into Dutch and French into Portuguese.
_STOPWORDS = {
    "en": {"the", "and", "you", "your", "we", "for", "with", "thank", "our", "have", "this", "that", "not", "to", "of",
           "unfortunately", "would", "will", "position"},
    "de": {"und", "der", "die", "das", "sie", "ihre", "wir", "nicht", "mit", "für", "ihnen", "bewerbung", "leider",
           "uns", "ist", "eine", "einen", "auf", "dass", "ich", "ihrem", "ihrer", "wurde", "freundlichen", "grüßen",
           "geehrte", "geehrter", "zu"},
    "fr": {"le", "les", "vous", "votre", "nous", "pour", "avec", "pas", "une", "des", "est", "candidature", "et",
           "malheureusement", "poste", "merci", "avons", "dans", "sur", "du", "au", "aux", "qui"},
    "es": {"el", "los", "las", "usted", "tu", "su", "nosotros", "una", "gracias", "y", "lamentablemente", "puesto",
           "hemos", "por", "tus", "sus", "del", "muy", "proceso", "postulación", "hola", "para", "con", "contigo",
           "seguimos", "suerte", "mensaje", "reenviado", "asunto"},
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
        # a short note: its own words still tell, when only one language has any of them
        runner_up = max((n for lang, n in counts.items() if lang != best), default=0)
        if not declared and counts[best] >= 2 and runner_up == 0:
            return Field(best, 0.5)
        return Field(declared[:2] or "en", 0.3)
    total = sum(counts.values()) or 1
    return Field(best, round(min(0.95, counts[best] / total + 0.3), 2))
