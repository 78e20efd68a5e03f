"""The words that make or unmake a name: team and recruiting words, words at a candidate's edges,
job-title nouns, agencies, job boards and ATS vendors, fields of work, legal forms and corporate
words; and how two names are compared (`word_keys`, `_agree`, `_key`)."""

from __future__ import annotations

import functools
import re

from onward.facts.text import _NOT_ALNUM, compact

_TEAM_WORDS = (
    r"(?:hiring|recruiting|recruitment|talent(?: acquisition)?|careers?|jobs|people(?: team| ops)?|hr|human resources|"
    r"people & culture|people and culture|team|personalabteilung|recrutement|rrhh|recursos humanos|karriere|"
    r"bewerbermanagement|talent team|recruiting team|ausbildung|ausbildungsteam|personalservice|talents|empleo|"
    r"ressources humaines|risorse umane|selecci[oó]n|werving|rekrutacja)"
)
_TRAILING_NOISE = re.compile(
    r"\s*(?:\b(?:team|inc|llc|ltd|g?gmbh|spa|s\.p\.a|sl|e\.?v|s\.?a\.?s?|se|ag|plc|co|corp|b\.?v)\.?)$", re.I)


# Words that are never part of an employer's name at either end of a candidate: a subject or a
# line whose punctuation was lost runs a name into the words around it ("Ext News on your Acme
# Application", "Acme We", "Workday @ Acme Notification").
EDGE_WORDS = frozenset((
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
    "icims", "@", "-", "–", "—", "|", ":", "/", "via",
    # a subject's "Feedback Acme", "Retour Maison X", "Nachricht von X"
    "feedback", "retour", "terugkoppeling", "aggiornamento", "nachricht", "neue", "nouveau", "nuevo", "mensaje",
    # a careers office after the firm's name: "Vallombre Carrières"
    "carrières", "carrière", "karriere", "carreras", "carreiras", "empleos"))
# a candidate with one of these is a job title, not an employer ("Entry Level Developer")
_ROLE_NOUNS = frozenset((
    "engineer", "developer", "analyst", "manager", "intern", "designer", "scientist", "specialist", "coordinator",
    "associate", "assistant", "producer", "writer", "artist", "tester", "planner", "technician", "director",
    "officer", "representative", "administrator", "architect", "adjuster", "nurse", "teacher", "editor",
    "accountant", "executive", "operator", "apprentice", "trainee", "fellow", "researcher", "generalist",
    "navigator", "estimator", "barista", "aide", "maintainer", "lead", "chief", "consultant", "advisor", "head",
    "member",
    "programmer", "sde", "swe", "co-op", "coop", "entwickler", "entwicklerin", "ingenieur", "ingenieurin",
    "berater", "beraterin", "sachbearbeiter", "sachbearbeiterin", "praktikant", "praktikantin", "werkstudent",
    "werkstudentin", "leiter", "leiterin", "leitung", "ingénieur", "ingénieure", "développeur", "développeuse",
    "stagiaire", "alternant", "alternante", "chargé", "chargée", "chef", "responsable", "desarrollador",
    "desarrolladora", "analista", "ingeniero", "ingeniera", "becario", "becaria", "técnico", "técnica", "jefe",
    "jefa", "asistente", "auxiliar", "oficial", "gerente", "recepcionista", "vendedor", "vendedora", "cajero",
    "cajera", "operario", "operaria", "encargado", "encargada", "coordinador", "coordinadora", "ejecutivo",
    "ejecutiva", "representante", "camarero", "camarera", "cocinero", "cocinera", "administrativo", "administrativa",
    "contador", "contadora", "abogado", "abogada", "enfermero", "enfermera", "docente", "profesor", "profesora",
    "dependiente", "dependienta", "repartidor", "repartidora", "mozo", "conseiller", "conseillère", "vendeur",
    "vendeuse", "comptable", "infirmier", "infirmière", "assistante", "technicien", "technicienne", "gestionnaire",
    "juriste", "serveur", "serveuse", "cuisinier", "cuisinière", "magasinier", "opérateur", "opératrice",
    "coordinateur", "coordinatrice", "directeur", "directrice", "contrôleur", "contrôleuse", "acheteur",
    "acheteuse", "auditeur", "auditrice", "referent", "referentin", "mitarbeiter", "mitarbeiterin", "assistenz",
    "verkäufer", "verkäuferin", "fachkraft", "monteur", "elektroniker", "mechatroniker", "pfleger", "pflegerin",
    "erzieher", "erzieherin", "lehrer", "lehrerin", "buchhalter", "buchhalterin", "teamleiter", "teamleiterin",
    "projektleiter", "projektleiterin", "projektmanager", "projektmanagerin",
    "texter", "actuario", "actuaria", "stelle", "ausbildung", "praktikum", "working", "co-operative",
    "(m/w/d)", "(h/f)", "(f/h)", "(m/f/d)", "(w/m/d)"))
# a recruitment agency or a job board speaks for an employer: its name is not the employer's
_AGENCY_WORDS = frozenset((
    "recruitment", "recruiters", "staffing", "headhunters", "headhunting", "personalberatung",
    "personalvermittlung", "zeitarbeit", "recrutement", "intérim", "interim", "selezione", "detachering",
    "uitzendbureau"))
_AGENCY_PHRASES = ("executive search", "talent solutions", "talent partners", "search ltd", "search llc",
                   "search inc", "search pte", "search group")
# job boards, career platforms and ATS vendors, by the names they send under
PLATFORM_NAMES = frozenset((
    "linkedin", "indeed", "glassdoor", "ziprecruiter", "handshake", "joinhandshake", "wellfound", "otta", "dice",
    "monster", "stepstone", "xing", "infojobs", "computrabajo", "bumeran", "occ", "apec", "hellowork", "jobteaser",
    "welcometothejungle", "wttj", "ripplematch", "wayup", "simplify", "builtin", "hired", "greenhouse", "lever",
    "ashby", "workday", "myworkday", "icims", "taleo", "successfactors", "smartrecruiters", "teamtailor",
    "personio", "bamboohr", "workable", "jobvite", "recruitee", "homerun", "breezy", "jazzhr", "softgarden", "rexx",
    "pinpoint", "avature", "cornerstone", "csod", "oracle", "gupy", "catho", "vagas", "pracuj", "olx", "nuworks",
    "waterlooworks", "symplicity", "12twenty", "applytojob", "newton", "nationalevacaturebank", "vacaturebank",
    "paylocity", "ultipro", "adp", "brassring", "dayforce", "phenom", "eightfold", "hirevue", "jobscore",
    # and the firms behind some of them, as their footers name them
    "newwork", "adevinta", "totaljobs", "cvlibrary", "careerbuilder", "jooble", "jobrapido", "snagajob", "kununu",
    "jobware", "meinestadt", "arbeitsagentur", "cadremploi", "meteojob", "regionsjob", "francetravail", "poleemploi",
    "tecnoempleo", "jobandtalent", "flatchr", "beetween", "jobaffinity", "taleez", "welcomekit", "usajobs",
    "jobylon", "comeet", "bullhorn", "concludis", "umantis", "dvinci", "prescreen",
    "talentlyft", "manatal", "freshteam", "applicantpro", "clearcompany"))
# a name made of these only is a field of work ("Software Engineering"), not an employer
_FIELD_WORDS = frozenset((
    "software", "engineering", "data", "science", "machine", "learning", "product", "marketing", "sales", "design",
    "research", "finance", "operations", "it", "technology", "technical", "business", "analytics", "development",
    "web", "mobile", "cloud", "security", "ai", "ml", "infrastructure", "platform", "systems", "digital",
    "customer", "support", "quality", "hardware", "electrical", "mechanical", "civil", "audit", "tax", "advisory",
    "assurance", "compliance", "risk", "accounting", "treasury"))
_LEGAL_FORMS = frozenset((
    "inc", "llc", "ltd", "gmbh", "ag", "plc", "corp", "corporation", "incorporated", "limited", "s.a.", "sas", "bv",
    "b.v.", "kg", "e.v.", "srl", "eg", "ohg", "ug", "ggmbh", "mbh",
    # as written without their dots ("S.A.C.", "S.A. de C.V.", "S.r.l.", "S.p.A.")
    "sa", "sac", "saa", "sl", "slu", "spa", "sarl", "sàrl", "sasu", "cv", "ltda", "nv", "ev", "pte", "pty", "llp"))


def is_legal_form(word: str) -> bool:
    """"GmbH", "S.A.C.", "S.r.l.": a legal form, with or without its dots."""
    lowered = word.lower().strip(".,")
    return lowered in _LEGAL_FORMS or lowered.replace(".", "") in _LEGAL_FORMS
_CONNECTORS = frozenset((
    "de", "la", "le", "les", "del", "van", "von", "der", "den", "und", "and", "&", "+", "of", "for", "du", "des", "y",
    "et", "e", "für", "da", "di", "zu", "am", "an", "do", "dos", "das", "della"))


_CORPORATE_WORDS = frozenset((
    "systems", "technologies", "technology", "labs", "lab", "group", "inc", "incorporated", "corporation", "corp",
    "llc", "ltd", "limited", "gmbh", "ag", "sa", "plc", "co", "company", "enterprises", "holdings", "software",
    "solutions", "bank", "capital", "partners", "health", "analytics", "international", "global", "industries",
    "studios", "studio", "games", "media", "networks", "financial", "insurance", "foods", "energy", "robotics",
    "security", "consulting", "services", "digital", "ventures", "pharmaceuticals", "therapeutics", "biosciences",
    "logistics", "aerospace", "motors"))


# a trade's word, in a firm's name and never in a person's ("Perla Negra Cosmética", "Sander Hydraulik")
_TRADE_WORDS = frozenset((
    "cosmetics", "cosmética", "cosmétiques", "kosmetik", "interiors", "outfitters", "médias", "medias", "mutuelle",
    "supermercados", "supermarkets", "supermarché", "hotelero", "hoteles", "hotels", "hotel", "hôtel", "restaurant",
    "café", "bakery", "boulangerie", "bäckerei", "panadería", "padaria", "pastificio", "garage", "atelier", "maison",
    "clinique", "clínica", "clinica", "klinik", "dental", "pharma", "pharmacie", "farmacia", "apotheke", "immobilien",
    "immobilier", "inmobiliaria", "imobiliária", "hydraulik", "armaturen", "technik", "logistik", "versicherung",
    "versicherungen", "banque", "banco", "banca", "textiles", "textil", "alimentos", "aliments", "construcciones",
    "constructora", "consultores", "conseil", "abogados", "avocats", "éditions", "editions", "verlag", "editorial",
    "transports", "transportes", "laiterie", "fromageries", "horlogerie", "cerámica", "ceramiche", "distribuidora",
    "papelera", "calzados", "refaccionaria", "crêperie", "brasserie", "brewing", "brewery", "roasters", "cycles",
    "outdoor", "books", "library", "gemeente", "stadtwerke", "ayuntamiento", "comune", "council", "hospital",
    "krankenhaus", "hôpital", "école", "schule", "université", "universidad", "universität", "hogeschool",
    "institut", "instituto", "istituto", "stiftung", "fondation", "fundación", "cooperativa", "coopérative",
    "genossenschaft", "assurances", "seguros", "servicios", "soluciones", "engineering", "ingeniería",
    "machinebouw", "installatiebedrijf", "pflegedienst", "tischlerei", "gärtnerei", "schreinerei", "druckerei",
    "kanzlei", "agentur", "agence", "agencia", "marketing", "kommunikation", "communication", "grupo", "groupe",
    "gruppe", "gruppo", "holding", "interactive", "manufacturing", "construction", "plumbing", "pharmacy",
    # public employers: "Urząd Gminy Brzozowa Wola", "Waterschap Lage Vaart", "Mairie de Xertigny"
    "urząd", "gminy", "gmina", "waterschap", "mairie", "municipio", "prefeitura", "stadtverwaltung", "landkreis",
    "rathaus", "politécnico", "politecnico", "hochschule", "universidade", "università", "escola", "colegio",
))


def word_keys(name: str) -> list[str]:
    if len(name) > 300:  # only short names are cached: hostile mail must not fill memory
        return [k for w in _TRAILING_NOISE.sub("", name).split() if (k := compact(w))]
    return list(_cached_word_keys(name))


@functools.lru_cache(maxsize=8192)  # a candidate is compared with every other one, and again per clue
def _cached_word_keys(name: str) -> tuple[str, ...]:
    return tuple(k for w in _TRAILING_NOISE.sub("", name).split() if (k := compact(w)))


def _agree(a: list[str], b: list[str]) -> bool:
    shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
    return bool(shorter) and (longer[:len(shorter)] == shorter or "".join(a) == "".join(b))


def _key(name: str) -> str:
    return _NOT_ALNUM.sub("", _TRAILING_NOISE.sub("", name.lower()))
