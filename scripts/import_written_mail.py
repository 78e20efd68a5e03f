#!/usr/bin/env python3
"""Turn hand-written mail sources into the corpus layout (labels.jsonl + eml/*.eml).

We write training mail as plain text blocks, not as raw RFC 5322, because that is far
easier to read and review. Each block starts with a metadata line:

    ### {"label": "rejection", "lang": "en", ...}
    From: Acme Hiring Team <no-reply@greenhouse.io>
    Subject: Your application to Acme
    Date: Tue, 14 May 2024 10:12:03 -0400
    Content-Type: text/html            (optional; default text/plain)

    body ...

Usage:
    import_written_mail.py --check FILE...         validate only
    import_written_mail.py --out training_data FILE...   (re)write eml/ and labels.jsonl
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr, parsedate_to_datetime
from pathlib import Path

LABELS = {"rejection", "application_ack", "interview", "offer", "other_job", "not_job"}
STAGES = {"application", "assessment", "interview", "final", "unknown"}
REASONS = {"experience", "overqualified", "position_filled", "role_closed", "fit", "location_visa", "none"}
ALLOWED_HEADERS = {"from", "reply-to", "to", "cc", "subject", "date", "content-type",
                   "list-unsubscribe", "list-id", "auto-submitted", "precedence", "in-reply-to",
                   "references", "x-mailer", "sender"}
BLOCK_START = re.compile(r"^### (\{.*\})\s*$")


class SourceError(ValueError):
    pass


def split_blocks(text: str, name: str) -> list[tuple[int, dict, list[str]]]:
    blocks: list[tuple[int, dict, list[str]]] = []
    current: tuple[int, dict, list[str]] | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        m = BLOCK_START.match(line)
        if m:
            try:
                meta = json.loads(m.group(1))
            except json.JSONDecodeError as exc:
                raise SourceError(f"{name}:{lineno}: bad metadata JSON: {exc}") from None
            current = (lineno, meta, [])
            blocks.append(current)
        elif current is not None:
            current[2].append(line)
        elif line.strip():
            raise SourceError(f"{name}:{lineno}: text before the first ### line")
    return blocks


def check_meta(meta: dict, where: str) -> None:
    if meta.get("label") not in LABELS:
        raise SourceError(f"{where}: label must be one of {sorted(LABELS)}")
    if not isinstance(meta.get("lang"), str):
        raise SourceError(f"{where}: lang missing")
    if meta["label"] == "rejection":
        for key, allowed in (("stage", STAGES), ("reason", REASONS)):
            if meta.get(key) not in allowed:
                raise SourceError(f"{where}: rejection needs {key} in {sorted(allowed)}")


def build_message(lineno: int, meta: dict, lines: list[str], name: str) -> EmailMessage:
    where = f"{name}:{lineno}"
    check_meta(meta, where)
    headers: dict[str, str] = {}
    i = 0
    while i < len(lines) and lines[i].strip():
        line = lines[i]
        if ":" not in line:
            raise SourceError(f"{name}:{lineno + i + 1}: header line without ':' (blank line missing before body?)")
        key, value = line.split(":", 1)
        if key.lower() not in ALLOWED_HEADERS:
            raise SourceError(f"{name}:{lineno + i + 1}: unexpected header {key!r}")
        headers[key.strip().lower()] = value.strip()
        i += 1
    body = "\n".join(lines[i + 1:]).strip("\n") + "\n"
    for required in ("from", "subject", "date"):
        if required not in headers:
            raise SourceError(f"{where}: missing {required.title()} header")
    if "@" not in parseaddr(headers["from"])[1]:
        raise SourceError(f"{where}: From has no address")
    try:
        date = parsedate_to_datetime(headers["date"])
    except (TypeError, ValueError):
        raise SourceError(f"{where}: unparseable Date {headers['date']!r}") from None
    if len(body.strip()) < 20:
        raise SourceError(f"{where}: body too short")
    if re.search(r"\{\{|\}\}|\[(first ?name|company|role|name)\]", body, re.I):
        raise SourceError(f"{where}: unfilled placeholder in body")

    msg = EmailMessage()
    msg["From"] = headers["from"]
    msg["To"] = headers.get("to", "Alex Morgan <alex.morgan@example.net>")
    for key in ("cc", "reply-to", "sender", "list-id", "list-unsubscribe", "auto-submitted",
                "precedence", "in-reply-to", "references", "x-mailer"):
        if key in headers:
            msg[key.title()] = headers[key]
    msg["Subject"] = headers["subject"]
    msg["Date"] = format_datetime(date)
    digest = hashlib.sha256((headers["from"] + headers["subject"] + body).encode()).hexdigest()[:20]
    domain = parseaddr(headers["from"])[1].rsplit("@", 1)[1]
    msg["Message-ID"] = f"<{digest}@{domain}>"
    if "lang" in meta:
        msg["Content-Language"] = meta["lang"]
    subtype = "html" if "html" in headers.get("content-type", "text/plain").lower() else "plain"
    msg.set_content(body, subtype=subtype, charset="utf-8")
    return msg


def load(paths: list[Path]) -> list[tuple[str, dict, EmailMessage]]:
    out = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for n, (lineno, meta, lines) in enumerate(split_blocks(text, str(path)), 1):
            msg = build_message(lineno, meta, lines, str(path))
            out.append((f"{path.stem}-{n:03d}", meta, msg))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="validate only")
    parser.add_argument("--out", type=Path, help="corpus folder to (re)write")
    args = parser.parse_args(argv)
    try:
        messages = load(args.files)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    counts: dict[str, int] = {}
    for _, meta, _ in messages:
        key = f"{meta['lang']}/{meta['label']}"
        counts[key] = counts.get(key, 0) + 1
    print(json.dumps({"messages": len(messages), "by_lang_label": dict(sorted(counts.items()))}, indent=1))
    if args.check or not args.out:
        return 0
    eml_dir = args.out / "eml"
    eml_dir.mkdir(parents=True, exist_ok=True)
    for old in eml_dir.glob("*.eml"):
        old.unlink()
    source = args.out.name
    with open(args.out / "labels.jsonl", "w", encoding="utf-8") as labels:
        for stem, meta, msg in messages:
            (eml_dir / f"{stem}.eml").write_bytes(msg.as_bytes())
            record = {"file": f"eml/{stem}.eml", "label": meta["label"], "lang": meta["lang"], "source": source}
            record.update({k: v for k, v in meta.items() if k not in record})
            labels.write(json.dumps(record, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
