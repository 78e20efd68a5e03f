"""The feedback-request draft: a short, gracious reply to a rejection, saved for the user to send.

Templates are files (ours in onward/data/templates, the user's in `templates_dir`); every
draft passes the tone check before anyone sees it.
"""

from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr
from importlib import resources
from pathlib import Path
from typing import Any

from onward.drafts.message import Draft
from onward.drafts.vetting import Person, vet
from onward.errors import OnwardError
from onward.facts.company_clues import is_agency_domain
from onward.facts.company_names import domain_core
from onward.facts.model import Extraction
from onward.facts.text import domain_of
from onward.mail.headers import (
    FORWARD_MARKS,
    clean_subject,
    clean_text,
    safe_addr_spec,
    safe_message_id,
    safe_references,
)
from onward.mail.message import ParsedMessage
from onward.mail.senders import is_freemail
from onward.vocab import Stage

STAGE_FALLBACKS: dict[str, tuple[str, ...]] = {
    Stage.FINAL: (Stage.FINAL, Stage.INTERVIEW, Stage.UNKNOWN),
    Stage.INTERVIEW: (Stage.INTERVIEW, Stage.UNKNOWN),
    Stage.ASSESSMENT: (Stage.ASSESSMENT, Stage.APPLICATION, Stage.UNKNOWN),
    Stage.APPLICATION: (Stage.APPLICATION, Stage.UNKNOWN),
    Stage.UNKNOWN: (Stage.UNKNOWN, Stage.APPLICATION),
}
MIN_WORDS, MAX_WORDS = 60, 160
MAX_FACT = 100  # characters of a company, role or name quoted in a draft

# Per language: how to greet, what to say when a fact is unknown, how to sign off.
LANGUAGE_TEXT: dict[str, dict[str, Any]] = {
    "en": {"hello": "Hello,", "hi": "Hi {name},", "company": "your team", "role": "the role", "role_title": "this role",
           "the_role": "the {title} role",
           "sign_off": ("Best wishes,", "Kind regards,", "Many thanks,", "Best regards,"),
           "note": "[onward: no reply address found{who}. Add the recipient before sending, or delete this line.]",
           "who": ": try {name} at {company}", "re": "Re: ",
           "found": "[onward: the rejection came from an address no one reads; To is {name}, who wrote to you on "
                    "{date} (\"{subject}\"). Check it before sending, or delete this line.]"},
    "de": {"hello": "Guten Tag,", "hi": "Hallo {name},", "company": "Ihr Team", "role": "die Stelle",
           "role_title": "diese Stelle", "the_role": "die Stelle als {title}",
           "sign_off": ("Viele Grüße", "Mit freundlichen Grüßen", "Beste Grüße"),
           "note": "[onward: keine Antwortadresse gefunden{who}. Empfänger vor dem Senden eintragen oder diese Zeile "
                   "löschen.]",
           "who": ": versuchen Sie {name} bei {company}", "re": "AW: ",
           "found": "[onward: die Absage kam von einer Adresse, die niemand liest; An ist {name}, die/der Ihnen am "
                    "{date} schrieb (\"{subject}\"). Vor dem Senden prüfen oder diese Zeile löschen.]"},
    "fr": {"hello": "Bonjour,", "hi": "Bonjour {name},", "company": "votre équipe", "role": "le poste",
           "role_title": "ce poste", "the_role": "le poste de {title}",
           "sign_off": ("Bien cordialement,", "Cordialement,", "Bien à vous,"),
           "note": "[onward : aucune adresse de réponse trouvée{who}. Ajoutez le destinataire avant l'envoi, ou "
                   "supprimez cette ligne.]",
           "who": " : essayez {name} chez {company}", "re": "RE: ",
           "found": "[onward : le refus vient d'une adresse que personne ne lit ; le destinataire est {name}, qui "
                    "vous a écrit le {date} (« {subject} »). Vérifiez avant l'envoi, ou supprimez cette ligne.]"},
    "es": {"hello": "Hola,", "hi": "Hola {name}:", "company": "su equipo", "role": "el puesto",
           "role_title": "este puesto",
           "the_role": "el puesto de {title}", "sign_off": ("Un saludo,", "Saludos cordiales,", "Muchas gracias,"),
           "note": "[onward: no se encontró dirección de respuesta{who}. Añada el destinatario antes de enviar o "
                   "borre esta línea.]",
           "who": ": pruebe con {name} en {company}", "re": "RE: ",
           "found": "[onward: el rechazo llegó de una dirección que nadie lee; el destinatario es {name}, que le "
                    "escribió el {date} (\"{subject}\"). Compruébelo antes de enviar o borre esta línea.]"},
}

# Phrases that make a feedback request sound resentful, pushy or self-pitying, in any language.
# A trailing * marks a stem ("frustrat*" catches frustrated, frustrating); the rest are whole words.
TONE_BLOCKLIST = (
    "unfair", "disappointed", "disappointing", "disappointment", "waste of time", "wasted my time", "reconsider*",
    "why didn't you", "why did you", "i deserve", "deserved", "shocked", "frustrat*", "upset", "unprofessional",
    "ghosted", "angry", "hurt", "hurtful", "insult*", "ridiculous", "i demand", "demanding", "insist*",
    "second chance", "beg", "begging", "desperate*", "need this job", "you should have", "how could you",
    "not fair", "mistake on your part", "biased", "discriminat*",
    "enttäuscht*", "enttäuschend", "ungerecht*", "zeitverschwendung", "überdenken", "noch einmal prüfen",
    "déçu", "déçue", "décevant*", "injuste*", "reconsidérer", "perte de temps", "revoir votre décision",
    "decepcionad*", "injust*", "reconsiderar", "pérdida de tiempo", "perdida de tiempo", "replantear*",
)


def _blocklist_pattern(entry: str) -> re.Pattern[str]:
    stem = entry.endswith("*")
    return re.compile(r"(?<!\w)" + re.escape(entry.rstrip("*")) + ("" if stem else r"(?!\w)"))


_BLOCKLIST = tuple((entry.rstrip("*"), _blocklist_pattern(entry)) for entry in TONE_BLOCKLIST)
# one pass over the draft instead of one per phrase (the list above then names the phrase); the
# shared (?<!\w) stands outside the alternation, where it costs one check per position, not ~70
_ANY_BLOCKED = re.compile(r"(?<!\w)(?:" + "|".join(
    re.escape(entry.rstrip("*")) + ("" if entry.endswith("*") else r"(?!\w)") for entry in TONE_BLOCKLIST) + ")")
_REPLY_MARK = re.compile(r"^[ \t]*(?:re|aw|sv)[ \t]*:", re.I)  # "RV:" is Spanish Outlook's forward mark
# the tag a mail gateway puts before outside mail ("[EXT]", "EXTERNAL:", "*External*"): the
# recipient's gateway adds its own, and "Re: [EXT] ..." from a candidate reads as if pasted
_GATEWAY_TAG = re.compile(r"^[ \t]*(?:(?i:\[(?:ext|external|extern|externe|externo)\][ \t]*:?|\*(?:ext|external)\*|"
                          r"(?:ext|external)[ \t]*:)|(?:Ext|EXT)[ \t]+(?=[A-Z0-9]))[ \t]*")  # not "External Relations"
_ALL_CAPS = re.compile(r"\b[A-ZÄÖÜÀ-Ý]{4,}\b")
_LEFTOVER = re.compile(r"\$\{?\w+\}?|\{\{|\}\}")


class ToneError(OnwardError):
    """A draft (usually from a user template) that we refuse to save."""


@dataclass(frozen=True)
class Template:
    name: str  # e.g. "en/interview-2.txt"
    text: str
    origin: str  # "built-in" or the user's folder


def _builtin_root() -> Path:
    return Path(str(resources.files("onward.data").joinpath("templates")))


def load_templates(user_dir: Path | None = None) -> dict[str, Template]:
    templates: dict[str, Template] = {}
    roots = [(_builtin_root(), "built-in")]
    if user_dir is not None:
        if not user_dir.is_dir():
            raise OnwardError(f"templates_dir {user_dir} is not a folder")
        roots.append((user_dir, str(user_dir)))
    for root, origin in roots:
        for path in sorted(root.glob("*/*.txt")):
            name = f"{path.parent.name}/{path.name}"
            templates[name] = Template(name, path.read_text(encoding="utf-8"), origin)
    return templates


def choose_template(templates: dict[str, Template], lang: str, stage: str, key: str) -> Template:
    language = lang if any(n.startswith(f"{lang}/") for n in templates) else "en"
    for candidate_stage in STAGE_FALLBACKS.get(stage, STAGE_FALLBACKS[Stage.UNKNOWN]):
        variants = sorted(n for n in templates if n.startswith(f"{language}/{candidate_stage}-"))
        if variants:
            index = int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(variants)
            return templates[variants[index]]
    raise OnwardError(f"no draft template for language {language!r} and stage '{stage}'")


def check_tone(body: str, template_name: str, inserted: tuple[str, ...] = ()) -> None:
    """Raise ToneError naming the template and the offending phrase. The `inserted` facts (a
    company called "Yahoo!", a signer's name) are the mail's words, not the user's: only the
    rest of the draft is held to the tone rules; the length counts everything."""
    own_text = body
    for value in inserted:
        if value:
            own_text = own_text.replace(value, " ")
    lowered = own_text.lower()
    if _ANY_BLOCKED.search(lowered):
        for phrase, pattern in _BLOCKLIST:
            if pattern.search(lowered):
                raise ToneError(f"template {template_name}: tone check failed on {phrase!r}")
    if "!" in own_text:
        raise ToneError(f"template {template_name}: tone check failed: exclamation mark")
    if caps := _ALL_CAPS.search(own_text):
        raise ToneError(f"template {template_name}: tone check failed: all-caps word {caps.group(0)!r}")
    if own_text.count("?") > 2:
        raise ToneError(f"template {template_name}: tone check failed: more than two questions")
    if leftover := _LEFTOVER.search(own_text):
        raise ToneError(f"template {template_name}: unfilled variable {leftover.group(0)!r}")
    words = len(re.findall(r"\w+", body))
    if not MIN_WORDS <= words <= MAX_WORDS:
        raise ToneError(f"template {template_name}: {words} words; a draft must have {MIN_WORDS}-{MAX_WORDS}")


def draft_message_id(rejection_message_id: str, from_address: str) -> str:
    """The same rejection always gives the same draft id: that is what makes drafting idempotent."""
    digest = hashlib.sha256(rejection_message_id.encode()).hexdigest()[:32]
    domain = from_address.rpartition("@")[2] or "onward.invalid"
    return safe_message_id(f"<onward-feedback-{digest}@{domain}>") or f"<onward-feedback-{digest}@onward.invalid>"


def _quotable(value: str | None) -> str | None:
    """A vetted fact as the draft may quote it: one line, no control characters, not too long."""
    return (clean_text(value, MAX_FACT) or None) if value else None


def _sender(from_address: str, my_name: str) -> str:
    """The From of a draft: the user's own address (a bare username is kept, as IMAP logins
    often are one) and name, refused when a header parser would read more into it."""
    if not safe_addr_spec(from_address if "@" in from_address else f"{from_address}@localhost"):
        raise OnwardError(f"{from_address!r} cannot be the From of a draft: it is not a plain address (name@domain)")
    name = clean_subject(my_name)
    return formataddr((name, from_address)) if name else from_address


# French elides "de" before a vowel: "le poste d'Ingénieur", "l'équipe d'Acme", never "de Ingénieur"
_FRENCH_DE_VOWEL = re.compile(r"\b([dD])e (?=[aeiouyàâäéèêëîïôöûùüœAEIOUYÀÂÄÉÈÊËÎÏÔÖÛÙÜŒ])")




def _go_between(address: str) -> bool:
    domain = domain_of(address)
    return is_freemail(domain) or is_agency_domain(domain_core(address) or "")


def _is_me(address: str, rejection: ParsedMessage, from_address: str, my_name: str) -> bool:
    """The address is the user's own: the account's, or the sender's when the sender's name is the
    user's or the name the mail was sent to (\"Kevin <kev@outlook.com>\" to \"Kevin <kevin@gmail.com>\")."""
    address = address.lower()
    if address == from_address.lower():
        return True
    if address != rejection.from_address.lower():
        return False
    sender = " ".join(rejection.from_[0].lower().split())
    return bool(sender) and (sender == " ".join(my_name.lower().split()) or
                             sender in {" ".join(name.lower().split()) for name, _ in rejection.to})


def reply_subject(subject: str, reply_mark: str) -> str:
    """The original subject after one reply mark, without a mail gateway's outside-mail tag."""
    subject = clean_subject(subject)
    # the gateway's tag may come before the reply mark too ("[EXT] Re: ..."), and a forward's mark
    # ("Fwd:", "WG:", "TR:") is the forwarder's: the reply goes to whoever wrote it
    rest = _GATEWAY_TAG.sub("", subject)
    mark = _REPLY_MARK.match(rest)
    rest = rest[mark.end():] if mark else rest
    previous = None
    while rest != previous:  # the marks and tags in any order: "WG: [EXT] ...", "RE: [EXTERNAL] ..."
        previous, rest = rest, FORWARD_MARKS.sub("", _GATEWAY_TAG.sub("", rest))
    rest = rest.strip() or subject.strip()
    return f"{mark.group(0).strip() if mark else reply_mark.strip()} {rest}".strip()


def compose(
    rejection: ParsedMessage,
    facts: Extraction,
    from_address: str,
    my_name: str = "",
    templates: dict[str, Template] | None = None,
    stage: str | None = None,
    lang: str | None = None,
    now: datetime | None = None,
    earlier_person: Person | None = None,
) -> Draft:
    templates = templates if templates is not None else load_templates()
    vetted = vet(rejection, facts, stage, earlier_person)
    language = lang or vetted.lang or "en"
    template = choose_template(templates, language, vetted.stage, rejection.message_id)
    # the template decides the language: words we fill in must match the words around them
    language = template.name.split("/", 1)[0]
    text = LANGUAGE_TEXT.get(language, LANGUAGE_TEXT["en"])
    company, role_title, signer = (_quotable(v) for v in (vetted.company, vetted.role, vetted.signer))
    sign_offs = text["sign_off"]
    values = {
        "greeting": text["hi"].format(name=signer) if signer else text["hello"],
        "company": company or text["company"],
        "role": text["the_role"].format(title=role_title) if role_title else text["role"],
        "role_title": role_title or text["role_title"],
        "sign_off": sign_offs[int(hashlib.sha256(rejection.message_id.encode()).hexdigest(), 16) % len(sign_offs)],
        "my_name": my_name,
    }
    try:
        body = string.Template(template.text).safe_substitute(values).strip()
    except ValueError as exc:
        raise ToneError(f"template {template.name}: {exc}") from None
    body = re.sub(r"\n{3,}", "\n\n", body) + "\n"
    if language == "fr":
        body = _FRENCH_DE_VOWEL.sub(r"\1'", body)
    check_tone(body, f"{template.name} ({template.origin})",
               tuple(v for k, v in values.items() if k in ("company", "role", "role_title", "my_name", "greeting")))

    # an address that is not plain (an encoded word, a quoted local part) is dropped: the
    # user adds the recipient rather than a draft going to someone the mail did not show
    recipient = safe_addr_spec(vetted.recipient)
    if recipient and _is_me(recipient, rejection, from_address, my_name):
        recipient = None  # a rejection the user forwarded to themselves: the draft is not for them
    if found := vetted.recipient_from_history:
        body = text.get("found", LANGUAGE_TEXT["en"]["found"]).format(
            name=formataddr((found.name, found.address)), date=found.seen, subject=found.subject) + "\n\n" + body
    elif not recipient:
        # "try Rob at Meridale" only when Rob may work there: not a recruiter on a private mailbox or at an agency
        who = text["who"].format(name=signer, company=company) if signer and company and \
            not _go_between(rejection.from_address) else ""
        body = text["note"].format(who=who) + "\n\n" + body

    headers = [("From", _sender(from_address, my_name))]
    if recipient:
        headers.append(("To", recipient))
    headers.append(("Subject", reply_subject(rejection.subject, text["re"])))
    headers.append(("Date", format_datetime(now or datetime.now(UTC))))
    message_id = draft_message_id(rejection.message_id, from_address)
    headers.append(("Message-ID", message_id))
    parent = None if rejection.synthetic_id else safe_message_id(rejection.message_id)
    if parent:
        headers.append(("In-Reply-To", parent))
        headers.append(("References", " ".join([*safe_references(rejection.references), parent])))
    headers.append(("X-Onward-Draft", "feedback-request"))
    cte = "7bit" if body.isascii() else "quoted-printable"
    return Draft(headers=tuple(headers), body=body, cte=cte, message_id=message_id, to=recipient,
                 template=template.name)
