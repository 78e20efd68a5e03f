"""A draft of plain headers is written without the stdlib's EmailMessage: the bytes must be the
ones it writes, on drafts made to find where the two could differ (lengths at the folding limit,
quoting, encoded words, non-ASCII text, trailing blanks, lone CRs, long lines)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

from onward.drafts.message import MAX_LINE, Draft, _is_plain

WORDS = ["Re:", "Your", "application", "Acme", "(Remote)", "-", "Engineer", "#42", "a.b", "x", "=?utf-8?q?x?=",
         "= ?", "Crème", "Ünïcode", "\"quoted\"", "a,b", "semi;colon", "back\\slash", "(c)", "<tag>", "100%",
         "_", "x" * 40, "ÆØÅ", "日本", "tab\tin", "Sam", "O'Brien", "J.", "[x]", "@", "!", "?", "~"]
ADDRESSES = ["me@example.net", "dana.ruiz@acme.example", "a+b@x-y.co.uk", "user@localhost", "x@y",
             "odd\"q@x.y", "ünï@x.y", "sp ace@x.y", "a@" + "d" * 60 + ".example"]
IDS = ["<1@x.y>", "<onward-feedback-4df5ac86ff1e4377b0226a095cb2b514@example.net>", "<a.b+c@host-1.example>",
       "<x(y)@z>", "<q\"@z>", "<" + "i" * 70 + "@x.y>", "<a@b>"]
BODY_LINES = ["Hello,", "", "Thank you.", "Trailing blank ", "Trailing tab\t", "Crème brûlée", "From the team",
              ".", "=", "x" * 100, "é" * 60, "line\rwith a CR", "Kind regards,", "日本語のテキスト", "a=b",
              "  indented"]


PLAIN_WORDS = [w for w in WORDS if w.isascii() and " " not in w and "\t" not in w and "=?" not in w]
PLAIN_ADDRESSES = ADDRESSES[:5]
PLAIN_IDS = IDS[:3] + IDS[-1:]


def _value(rnd: random.Random, length: int, words: list[str]) -> str:
    picked: list[str] = []
    while len(" ".join(picked)) < length:
        picked.append(rnd.choice(words))
    return " ".join(picked)[:length].strip() or "x"


def _draft(rnd: random.Random) -> Draft:
    plain = rnd.random() < 0.6  # most drafts from the plain pools, so that both ways are well exercised
    words, addresses, ids = (PLAIN_WORDS, PLAIN_ADDRESSES, PLAIN_IDS) if plain else (WORDS, ADDRESSES, IDS)
    name = rnd.choice(["", "Sam", "Sam Rivera", "A B C D"] if plain else
                      ["Sam  Rivera", "O'Brien", "Zoë", "J. Doe", "x" * 70, "Sam"])
    address = rnd.choice(addresses)
    headers = [("From", f"{name} <{address}>" if name else address)]
    if rnd.random() < 0.6:
        headers.append(("To", rnd.choice(addresses)))
    # subjects around the folding limit, where the stdlib starts to fold
    headers.append(("Subject", _value(rnd, rnd.choice([5, 30, MAX_LINE - 11, MAX_LINE - 10, MAX_LINE - 9, 120]),
                                      words)))
    when = datetime(2026, 12, 6, tzinfo=UTC) + timedelta(seconds=rnd.randint(0, 10**8))
    headers.append(("Date", format_datetime(when.astimezone(timezone(timedelta(hours=rnd.randint(-12, 12)))))))
    headers.append(("Message-ID", rnd.choice(ids)))
    if rnd.random() < 0.7:
        parent = rnd.choice(ids)
        headers.append(("In-Reply-To", parent))
        headers.append(("References", " ".join([*rnd.sample(ids, rnd.randint(0, 3)), parent])))
    headers.append(("X-Onward-Draft", "feedback-request"))
    body = "\n".join(rnd.choice(BODY_LINES) for _ in range(rnd.randint(1, 12))) + rnd.choice(["\n", "", "\n\n"])
    return Draft(headers=tuple(headers), body=body, cte="7bit" if body.isascii() else "quoted-printable",
                 message_id="<m@x>", to=None, template="en/application-1.txt")


def test_plain_drafts_are_written_as_the_stdlib_writes_them():
    plain = 0
    for seed in range(3000):
        draft = _draft(random.Random(seed))
        try:
            reference = draft.message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        except Exception:  # the stdlib refuses it: it must not be written without the stdlib either
            assert not _is_plain(draft.headers), draft.headers
            continue
        plain += _is_plain(draft.headers)
        assert draft.as_bytes() == reference, (seed, draft.headers, draft.body)
    assert 600 < plain < 2400  # both ways are exercised


def test_the_message_is_made_only_when_asked_for():
    draft = next(d for seed in range(100) if _is_plain((d := _draft(random.Random(seed))).headers))
    draft.as_bytes()  # a plain draft is written without the stdlib's EmailMessage
    assert "_message" not in draft.__dict__
    assert draft.message["Message-ID"] == dict(draft.headers)["Message-ID"]
