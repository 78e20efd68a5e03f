"""Measure what drafts would state about rejections, against hand labels. Prints figures only.

    python scripts/measure_extraction.py training_data
    python scripts/measure_extraction.py ../shared/corpora/real_dev_malipatel [--show]

A corpus folder has labels.jsonl (the `label` of each file) and, for rejections, ground truth either
in labels.jsonl itself (training_data: company, role, stage, signer, reply_to) or in
extract_labels.jsonl (company, company_aliases, role, stage, signer_first_name, reply_address).
A company is "stated" where the label has one, and
"written" where the mail itself writes that name (display name, subject or text). Each fact is counted as the
draft would use it (onward.draft_facts.vet): right, neutral (left out),
or wrong. `--show` prints the wrong and missed ones, for reading on this machine only; nothing of
a corpus is ever copied into the project.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

from onward.drafts.compose import ToneError, compose
from onward.drafts.vetting import vet
from onward.facts.extract import extract
from onward.facts.names import _CORPORATE_WORDS, _ROLE_NOUNS
from onward.facts.people import is_noreply
from onward.facts.role import _TITLE_WORD
from onward.mail.parse import parse_message

LEGAL = {"inc", "llc", "ltd", "gmbh", "corp", "corporation", "co", "plc", "ag", "sa", "sas", "se", "bv", "the",
         "incorporated", "limited", "group", "holdings", "systems", "technologies", "company", "kg", "ev", "srl",
         "international", "global", "us", "usa"}


CORPORATE = set(_CORPORATE_WORDS) | {"mutual", "company", "insurance", "and", "resorts", "hotels"}


def name_words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", text.replace("&", " and "))


ARTICLES = {"le", "la", "les", "l", "the", "el", "los", "las", "de", "het", "der", "die", "das"}


def same(found: str, names: list[str]) -> bool:
    """Right: the label's name, one of its aliases, or a shortening or a lengthening of one by
    legal and corporate words only ("Bosch" for "Robert Bosch LLC" no, "Acme" for "Acme Inc" yes,
    "Acme Software" or "Acme Insurance Company" for "Acme" yes), a leading article aside ("Chat Lettré"
    for "Le Chat Lettré"), its last words by their initials ("Acme FCU"), or without the kind of firm
    before it ("Vallombre" for "Horlogerie Vallombre"). "Acme We" or "Ext Acme" is wrong: a draft would print it."""
    f = name_words(found)
    for name in names:
        n = name_words(name)
        if not n or not f:
            continue
        if "".join(f) == "".join(n):
            return True
        core_f, core_n = [w for w in f if w not in LEGAL], [w for w in n if w not in LEGAL]
        while core_f[:1] and core_f[0] in ARTICLES:
            core_f = core_f[1:]
        while core_n[:1] and core_n[0] in ARTICLES:
            core_n = core_n[1:]
        if core_f and (core_f == core_n or "".join(core_f) == "".join(core_n)):
            return True
        if core_f and set(core_f) <= set(core_n) and core_n[:len(core_f)] == core_f:  # a leading shortening
            return True
        if core_n and core_f[:len(core_n)] == core_n and all(w in CORPORATE for w in core_f[len(core_n):]):
            return True  # a lengthening by corporate words: "Quinoxa Software" for "Quinoxa"
        # the rest of the name by its initials: "Olmsted FCU" for "Olmsted Federal Credit Union"
        if 1 <= len(core_f) - 1 < len(core_n) - 1 and core_f[:-1] == core_n[:len(core_f) - 1] and \
                core_f[-1] == "".join(w[0] for w in core_n[len(core_f) - 1:]):
            return True
        # the name without the kind of firm before it, as the firm's own mail writes it: "Vallombre" for
        # "Horlogerie Vallombre SA", "Berkenhof" for "Zorgcentrum De Berkenhof"
        kinds = 0
        while kinds < len(core_n) - 1 and core_n[kinds] in KINDS | ARTICLES:
            kinds += 1
        if kinds and core_f and core_f == core_n[kinds:]:
            return True
        kinds = 0  # ... or with it, where the label leaves it out: "Librairie Le Chat Lettré" for "Le Chat Lettré"
        while kinds < len(core_f) - 1 and core_f[kinds] in KINDS | ARTICLES:
            kinds += 1
        if kinds and core_n and core_f[kinds:] == core_n:
            return True
    return False


KINDS = {"horlogerie", "banque", "privee", "zorgcentrum", "hotel", "groupe", "grupo", "gruppe", "group", "clinique",
         "clinica", "laboratoires", "laboratorios", "atelier", "maison", "cabinet", "fondation", "fundacion",
         "stiftung", "stichting", "restaurant", "cafe", "bodegas", "editions", "ediciones", "verlag", "librairie"}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", text.lower())))


def role_ok(found: str, truth: str | None) -> bool:
    """A role is right when its words are the label's words (order, case, accents and gender marks
    aside) or a shortening of them: "Data Engineer" for "Senior Data Engineer"; one word only when
    it is at least half of the title."""
    if not truth:
        return False
    gender = {"m", "w", "d", "f", "h", "x", "in", "r"}  # (m/w/d), (H/F), Bauzeichner/in
    f, t = words(found) - gender, words(truth) - gender
    return bool(f) and f <= t and (len(f) >= 2 or len(f) * 2 >= len(t))


def stated_in(message_text: str, names: list[str]) -> bool:
    """The mail itself writes the name (or an alias): in its sender's display name, subject or text,
    with or without its legal form. A name only the domain or the labeller knew is not stated."""
    haystack = " ".join(name_words(message_text))
    for name in names:
        core = [w for w in name_words(name) if w not in LEGAL] or name_words(name)
        if core and f" {' '.join(core)} " in f" {haystack} ":
            return True
    return False


def role_shortened(found: str, truth: str | None) -> bool:
    """Not the title as labelled, but not wrong either: one word of it that is a job noun on its own
    ("Juriste" for "Juriste droit social", "Filialleitung" for "Filialleitung (m/w/d) Markt
    Erlangen"), or the feminine form of a "/in" title ("Augenoptikerin" for "Augenoptiker/in").
    Counted apart from right, so the strict figure stays visible."""
    if not truth:
        return False
    truth_words = words(truth.replace("/in", "").replace("/In", ""))
    found_words = {w[:-2] if w.endswith("in") and w[:-2] in truth_words else w for w in words(found)}
    if found_words and found_words <= truth_words:
        return True
    return len(found_words) == 1 and bool(found_words & truth_words) and bool(
        found_words & _ROLE_NOUNS or any(_TITLE_WORD.search(w) for w in found_words))


def load(corpus: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (corpus / "labels.jsonl").read_text().splitlines() if line.strip()]
    extra_file = corpus / "extract_labels.jsonl"
    extra = {}
    if extra_file.exists():
        extra = {r["file"]: r for r in map(json.loads, extra_file.read_text().splitlines()) if r}
    out = []
    for row in rows:
        if row["label"] != "rejection":
            continue
        truth = extra.get(row["file"], row)
        out.append({
            "file": row["file"], "lang": row.get("lang"),
            "company": [n for n in [truth.get("company"), *truth.get("company_aliases", [])] if n],
            "role": truth.get("role"), "stage": truth.get("stage"),
            "signer": truth.get("signer_first_name", truth.get("signer")),
            "reply_to": truth.get("reply_address", truth.get("reply_to")),
        })
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    counts: Counter[str] = Counter()
    shown: list[str] = []
    rows = load(args.corpus)
    for row in rows:
        message = parse_message((args.corpus / row["file"]).read_bytes())
        facts = extract(message)
        vetted = vet(message, facts)
        counts["rejections"] += 1
        try:
            draft = compose(message, facts, "me@example.net", "Sam Rivera")
        except ToneError as exc:
            counts["no_draft_tone_failed"] += 1
            shown.append(f"no draft        {row['file']}: {exc}")
            continue
        company = vetted.company
        in_mail = False
        if row["company"]:
            counts["company_stated"] += 1
            in_mail = stated_in(f"{message.from_[0]}\n{message.subject}\n{message.text}\n{message.signature}",
                                row["company"])
            counts["company_in_mail"] += in_mail
            counts["company_in_mail_right"] += bool(in_mail and company and same(company, row["company"]))
        if not company:
            counts["company_neutral"] += 1
            if row["company"]:
                where = "written" if in_mail else "unwritten"
                shown.append(f"company missed  {row['file']}: want {row['company'][0]!r} "
                             f"({where}; raw {facts.company})")
        elif row["company"] and same(company, row["company"]):
            counts["company_right"] += 1
        else:
            counts["company_wrong"] += 1
            shown.append(f"company WRONG   {row['file']}: {company!r} want {row['company'][:1]}")
        role = vetted.role
        if row["role"]:
            counts["role_stated"] += 1
        if not role:
            counts["role_neutral"] += 1
        elif role_ok(role, row["role"]):
            counts["role_right"] += 1
        elif role_shortened(role, row["role"]):
            counts["role_shortened"] += 1
            shown.append(f"role shortened  {row['file']}: {role!r} want {row['role']!r}")
        else:
            counts["role_wrong"] += 1
            shown.append(f"role wrong      {row['file']}: {role!r} want {row['role']!r}")
        if vetted.stage in ("interview", "final") and row["stage"] in ("application", "assessment", "unknown"):
            counts["stage_invented"] += 1
            shown.append(f"stage invented  {row['file']}: {vetted.stage} want {row['stage']}")
        to = draft.to
        if to:
            counts["to"] += 1
            if is_noreply(to) or to.lower() != (row["reply_to"] or "").lower():
                counts["to_not_the_labelled"] += 1
                shown.append(f"recipient       {row['file']}: {to} want {row['reply_to']}")
        elif row["reply_to"]:
            counts["to_missed"] += 1
        if row["reply_to"]:
            counts["reply_to_stated"] += 1
        greeting = draft.body.split("\n", 2)[0] if not draft.body.startswith("[onward") else draft.body.split("\n\n")[1]
        if vetted.signer:
            counts["signer_named"] += 1
            # a given name of two words ("Wei Ling") is right whole; its first word alone is counted right too
            want = str(row["signer"] or "").lower()
            if not want or vetted.signer.lower() not in (want, want.split()[0]):
                counts["signer_wrong"] += 1
                shown.append(f"signer wrong    {row['file']}: {vetted.signer!r} want {row['signer']!r} ({greeting})")
        lang = draft.template.split("/")[0]
        if row["lang"] in ("en", "de", "fr", "es") and lang != row["lang"]:
            counts["lang_wrong"] += 1
            shown.append(f"language        {row['file']}: {lang} want {row['lang']}")
    n = counts["rejections"]
    stated = counts["company_stated"] or 1
    figures = {
        "rejections": n,
        "company_right": counts["company_right"], "company_neutral": counts["company_neutral"],
        "company_wrong": counts["company_wrong"],
        "company_named_right_where_stated": round(counts["company_right"] / stated, 3),
        "company_right_or_neutral": round((n - counts["company_wrong"]) / n, 3),
        # "when stated" read strictly: the mail writes the name, not only its domain or the labeller
        "company_written_in_the_mail": counts["company_in_mail"],
        "company_named_right_where_written": round(counts["company_in_mail_right"] / (counts["company_in_mail"] or 1),
                                                   3),
        "role_right": counts["role_right"], "role_neutral": counts["role_neutral"], "role_wrong": counts["role_wrong"],
        "role_shortened": counts["role_shortened"],
        "role_right_or_neutral": round((n - counts["role_wrong"] - counts["role_shortened"]) / n, 3),
        "role_right_shortened_or_neutral": round((n - counts["role_wrong"]) / n, 3),
        "stage_invented": counts["stage_invented"],
        "drafts_with_to": counts["to"], "to_not_the_labelled_address": counts["to_not_the_labelled"],
        "labelled_reply_address": counts["reply_to_stated"], "labelled_reply_address_missed": counts["to_missed"],
        "signer_named": counts["signer_named"], "signer_wrong": counts["signer_wrong"],
        "language_wrong": counts["lang_wrong"], "no_draft_tone_failed": counts["no_draft_tone_failed"],
    }
    print(json.dumps(figures, indent=1))
    if args.show:
        print("\n".join(sorted(shown)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
