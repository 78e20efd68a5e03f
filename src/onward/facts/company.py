"""The employer: votes from the sender's display name, the subject, the body and the sender's
domain (or ATS tenant), weighed by how many independent clues agree. A wrong company is worse
than none, so weak guesses stay weak."""

from __future__ import annotations

import itertools
from collections import Counter

from onward.facts.company_clues import (
    _APPLICATION_AT,
    _BOARD_CARD,
    _BOARD_SENDER,
    _BOARD_UPDATE,
    _BOARD_UPDATE_ANCHORS,
    _BODY_RULES,
    _DISPLAY_AT,
    _DISPLAY_PERSON_AT,
    _DISPLAY_TEAM,
    _DISPLAY_VIA,
    _EMPLOYER_LABEL,
    _LETTERHEAD,
    _ON_BEHALF,
    _REPLY_PREFIX,
    _SUBJECT_PATTERNS,
    _SUBJECT_SPLIT,
    _THEY_DECIDED,
    _TITLE_WORDS,
    LETTERHEAD_CHARS,
    _abbreviated_phrase,
    _after_a_preposition,
    _agency_sender,
    _card_employer,
    _in_signature,
    _lower_words,
    _messenger_org,
    _named_as_the_firm,
    _phrase_for_core,
    _signature_lines,
    _signs_the_letter,
    _text_domains,
    _title_line_org,
)
from onward.facts.company_names import (
    _OFFICE_PREFIX,
    _ats_tenant,
    _clean_company,
    _desk,
    _initials,
    _is_portal,
    _kind_first,
    _looks_like_person,
    _name_word,
    _spelled_in_domain,
    _words,
    domain_core,
)
from onward.facts.model import Field
from onward.facts.names import (
    _CORPORATE_WORDS,
    _ROLE_NOUNS,
    _TRADE_WORDS,
    _agree,
    is_legal_form,
    word_keys,
)
from onward.facts.people import is_noreply
from onward.facts.text import (
    DISPLAY_CHARS,
    SUBJECT_CHARS,
    _may_match,
    closing_block,
    compact,
    domain_of,
    forwarded_sender,
    signature_lines,
)
from onward.mail.message import ParsedMessage
from onward.mail.senders import JOB_BOARDS, is_freemail, is_under

# what onward states, in a draft and in the log of rejections alike: one clue alone (a display name
# that may be a recruiter's) is not enough, a weaker vote counts only with another
COMPANY_CONFIDENCE = 0.6


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
    own = domain_core(message.from_address) or _ats_tenant(message.from_address)  # the sender's domain or account
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
                # ("Recrutement Kestrel": the firm's office before its name)
                vote(_OFFICE_PREFIX.sub("", display), 0.5)
        weak = not votes or (len(votes) == 1 and votes[0][1] < COMPANY_CONFIDENCE)  # a no-reply's display only
        if weak and own:
            # the employer's own mailbox under its own name: "RRHH Papelería Técnica Levante" from
            # rrhh@papeleriatecnicalevante.es, "Tidewell Solar" from hr@tidewellsolar.com
            name = _OFFICE_PREFIX.sub("", _SUBJECT_SPLIT.split(display)[0]).strip()
            code = compact(own)
            if name and compact(name).startswith(code[:max(6, len(code) - 2)]) \
                    and not _looks_like_person(name, message):
                if compact(name) == compact(own) and len(name) <= 60 and not _is_portal(name):
                    votes.append((name, 0.8))  # the domain spells all of it: a name, whatever its words
                else:
                    vote(name, 0.8)
            elif name and _initials(name) == code and len(name) <= 60 and not _is_portal(name):
                votes.append((name, 0.8))  # ... spelled by its initials: "Chemins de fer du Haut-Jura SA" from cfhj@
            elif name and len(code) >= 6 and compact(name).endswith(code) and _kind_first(name, code):
                vote(name, 0.8)  # ... or after its kind: "Urząd Gminy Brzozowa Wola" from kadry@brzozowawola.pl
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
        own_code = compact(own or "")
        for side in sides:
            # a side the sender's own mailbox spells by its initials: "Compagnie Fluviale du Rhône" from cfr@
            if len(own_code) >= 3 and (initialled := _clean_company(side)) and _initials(initialled) == own_code:
                vote(initialled, 0.8)
        for side in sides:
            # the side the letter names again as the firm that decided ("Ashcombe Capital - feedback", then
            # "off the phone with Ashcombe"): what a recruiter's subject and letter say of the client
            if (client := _clean_company(side)) and not _looks_like_person(client, message) and \
                    not own_names & {w.lower() for w in client.split()} and _named_as_the_firm(client, text):
                vote(client, 0.6)
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
    if is_under(domain_of(message.from_address), JOB_BOARDS):
        vote(_card_employer(text), 0.6)
        # a person's message through the board, headed by their title and firm
        writer = via.group("c") if (via := _DISPLAY_VIA.match(display)) else \
            subject[:named_by.start()] if (named_by := _BOARD_SENDER.search(subject)) else None
        if writer and (org := _messenger_org(message, writer.strip())):
            vote(org, 0.6)
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
        phrase = _phrase_for_core(compact(core), haystack) or _abbreviated_phrase(compact(core), haystack)
        if phrase:
            vote(phrase, 0.8)
        elif not tenant:  # a tenant's code spelled as a name is no clue: "Workday HRHPI" is not HRHPI's
            # a person at a firm's own domain who writes its one-word name in lower case ("plumline interviews"
            # from zeke@plumline.so): the firm goes by that word
            said = core.isalpha() and len(core) >= 4 and core in _lower_words(haystack)
            vote(core.replace("-", " ").replace("_", " ").title(), 0.65 if said and not forwarded else 0.35)
    # the weak display name of an ATS's no-reply mail, put by the letter itself after "at", "for",
    # "chez"... ("a role open within Penhallow Hotels", "candidato in Bottega Digitale"): a person's
    # name is not written that way
    if votes and votes[0][1] < COMPANY_CONFIDENCE and display_voted and (
            _after_a_preposition(votes[0][0], text) or _in_signature(votes[0][0], message)
            or _signs_the_letter(votes[0][0], message)
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
    if not agency and is_freemail(domain_of(message.from_address)) and display and \
            any(w.lower() in _TRADE_WORDS for w in display.split()) and \
            compact(display) in compact(message.from_address.rpartition("@")[0]):
        # a small firm's own mailbox at a free provider, under its name: "Garage Mercier" from
        # garage.mercier.fils@wanadoo.fr, "Refaccionaria El Guero" from refaccionariaelguero@hotmail.com
        vote(display, 0.6)
    if not agency and is_freemail(domain_of(message.from_address)) and not _THEY_DECIDED.search(lowered):
        # a small firm's owner or manager writing from a private mailbox signs with the firm's name under
        # their own ("Anne Whitcombe / Practice Manager / Harbour View Dental"): enough when the name says
        # a trade ("Dental", "Tischlerei") or a legal form, as a person's name never does
        for line in _signature_lines(message, display):
            if (org := _clean_company(line)) and not _looks_like_person(org, message) and not _desk(org) and \
                    not any(w.lower() in _TITLE_WORDS or w.lower() in _ROLE_NOUNS for w in org.split()):
                trade = any(w.lower() in _TRADE_WORDS or w.lower() in _CORPORATE_WORDS or is_legal_form(w)
                            for w in org.split())
                vote(org, 0.6 if trade else 0.5)
                break
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
        # not the domain's own vote; in the order given, so that a tie is broken the same way every run
        named = dict.fromkeys(c for c, _ in votes if compact(c) != compact(core))
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
    times = Counter(tuple(keys) for _, _, keys in keyed)
    for candidate, weight, keys in keyed:
        if not keys:  # nothing left of it once its legal form is off ("Inc")
            continue
        agreeing = [w for _, w, other in keyed if _agree(keys, other)]
        score = min(0.99, max(agreeing) + 0.1 * (len(agreeing) - 1))
        if score > best_score or (score == best_score and best is not None and _better_tied(
                candidate, weight, times[tuple(keys)], best, best_weight, times[tuple(word_keys(best))])):
            best, best_score, best_weight = candidate, score, weight
    return Field(best, round(best_score, 2))


def _better_tied(candidate: str, weight: float, times: int, best: str, best_weight: float, best_times: int) -> bool:
    """Of two agreeing names, the one that ends where the name ends: "Acme Labs" over "Acme", but
    "Acme" over "Acme Sam" (a name run into the next words), unless the longer one is what most
    clues say ("Alpenstrom Netze" from the display name, the body and the footer; "Alpenstrom" from
    the ATS account only)."""
    a, b = word_keys(candidate), word_keys(best)
    if a != b and "".join(a) == "".join(b):  # one name, one as written and one run together (a domain's)
        return len(a) > len(b)
    if a != b and _agree(a, b):
        longer, shorter = (candidate, best) if len(a) > len(b) else (best, candidate)
        extra = longer.split()[len(shorter.split()):]
        longer_times = times if longer == candidate else best_times
        shorter_times = best_times if longer == candidate else times
        keep = longer if (extra and all(w.lower().strip(".,") in _CORPORATE_WORDS for w in extra)) or \
            (longer_times > shorter_times and all(_name_word(w) for w in extra)) else shorter
        return keep == candidate
    return weight > best_weight

