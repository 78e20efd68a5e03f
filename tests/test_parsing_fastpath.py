"""The fast parser must give exactly what the stdlib-based reference gives, and must actually be
used: on every mail we ship or train on, as stored and with CRLF line ends as IMAP serves them."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import pytest
from selectolax.lexbor import LexborHTMLParser

from onward.mail import parse as parsing
from onward.mail.fastparse import _simple_addresses
from onward.mail.html_text import _NON_HTML_SPACES, html_to_text
from onward.mail.message import ParsedMessage
from onward.mail.parse import DEFAULT_MAX_TEXT_BYTES, _parse_fast, _parse_reference

ROOT = Path(__file__).resolve().parent.parent
MAIL_DIRS = [ROOT / "training_data" / "eml", ROOT / "src" / "onward" / "data", ROOT / "tests" / "fixtures"]


def all_mail() -> list[Path]:
    return sorted(path for folder in MAIL_DIRS for path in folder.rglob("*.eml"))


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def assert_same(fast: ParsedMessage, reference: ParsedMessage, where: object = "") -> None:
    assert fast == reference, where
    assert fast.to_dict() == reference.to_dict(), where  # == on datetimes ignores the UTC offset


def test_fast_path_equals_reference_on_every_mail_and_is_taken():
    paths = all_mail()
    assert len(paths) > 2400
    taken = 0
    for path in paths:
        stored = path.read_bytes()
        for raw in (stored, crlf(stored)):
            fast = _parse_fast(raw, DEFAULT_MAX_TEXT_BYTES)
            if fast is not None:
                taken += 1
                assert_same(fast, _parse_reference(raw, DEFAULT_MAX_TEXT_BYTES), path)
    assert taken >= 0.95 * 2 * len(paths)


def mime(*parts: bytes, boundary: bytes = b"b1") -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return (b"From: Acme <jobs@acme.example>\r\nTo: a@b.example\r\nSubject: s\r\nMessage-ID: <m@x>\r\n"
            b"Date: Mon, 3 Mar 2025 10:00:00 +0000\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/alternative; boundary=\"" + boundary + b"\"\r\n\r\npreamble\r\n"
            + body + b"--" + boundary + b"--\r\nepilogue\r\n")


PLAIN = (b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
         b"Leider =C3=BC\r\n")
HTML = (b"Content-Type: text/html; charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"PHA+/GJlcjwvcD4=\r\n")


@pytest.mark.parametrize("raw", [
    mime(PLAIN, HTML),
    mime(HTML),
    mime(b"\r\nno headers in this part"),
    mime(b"Content-Type: multipart/related; boundary=in\r\n\r\n--in\r\n" + HTML + b"\r\n--in--\r\n", PLAIN),
    mime(PLAIN, b"Content-Type: image/png; name=x.png\r\nContent-Disposition: attachment\r\n\r\nAAAA"),
    mime(b"Content-Type: text/plain; charset=x-klingon\r\n\r\nqapla\xff"),
    mime(b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29ybGQ"),  # bad padding
    mime(b"Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nSGV*sbG8="),  # bad character
    mime(PLAIN, b"Content-Type: text/plain; charset=utf-8; format=flowed;\r\n\r\nsecond part"),
    mime(PLAIN, boundary=b"----=_Part_0_1.2"),
    b"From: a@b.example\r\nSubject: =?utf-8?q?caf=C3=A9?= \r\n\tfolded\r\n\r\nbody",
    b"From: \"Doe, Jane\" <J.Doe@Example.COM>, plain@x.example,Bob<bob@x.example>\r\n\r\nhi",
    b"From: a@b.example\r\nContent-Type: text/html\r\n\r\n<p>Hello<br>there</p>",
    b"From: a@b.example",  # headers only
    b"From mbox line\r\nFrom: a@b.example\r\n\r\nhi\x00there",
])
def test_fast_path_equals_reference_on_crafted_mail(raw):
    for variant in (raw, raw.replace(b"\r\n", b"\n")):
        fast = _parse_fast(variant, DEFAULT_MAX_TEXT_BYTES)
        assert fast is not None
        assert_same(fast, _parse_reference(variant, DEFAULT_MAX_TEXT_BYTES))


@pytest.mark.parametrize("raw", [
    b"",
    b"no headers at all, just text",
    b"\r\nbody after an empty header block",
    b"From: \xe9 <a@b.example>\r\n\r\nhi",  # 8-bit header
    b" continued: first\r\n\r\nhi",
    b"Bad Name: x\r\n\r\nhi",
    b"From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\nno boundary",
    b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n\r\nnever closed",
    b"From: a@b.example\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n--z\r\n\r\nx\r\n--z--",
    b"From: a@b.example\r\nContent-Type: message/rfc822\r\n\r\nFrom: c@d.example\r\n\r\ninner",
    b"From: a@b.example\r\nContent-Type: text/plain; charset*=utf-8''x\r\n\r\nhi",
    b"From: a@b.example\r\nContent-Transfer-Encoding: uuencode\r\n\r\nbegin 644 x\r\nend\r\n",
    b"From: a@b.example\r\nSubject: a\rb\r\n\r\nlone CR",
])
def test_fast_path_declines_what_it_was_not_written_for(raw):
    assert _parse_fast(raw, DEFAULT_MAX_TEXT_BYTES) is None
    assert parsing.parse_message(raw) == _parse_reference(raw, DEFAULT_MAX_TEXT_BYTES)


@pytest.mark.parametrize("value", [
    "Jane Doe <jane@x.example>", '"Doe, Jane" <jane@x.example>', "jane@x.example", "<jane@x.example>",
    "J. R. Doe <j.r@x.example>, b@y.example", 'A"B"C <a@b.example>', '" padded " <a@b.example>',
    "=?utf-8?q?J=C3=BCrgen?= <j@x.example>", "Name\r\n <a@b.example>", "  a@b.example  ",
])
def test_simple_addresses_agree_with_getaddresses(value):
    from email.utils import getaddresses

    assert _simple_addresses(value) == getaddresses([value])


@pytest.mark.parametrize("value", [
    "a@b.example,", "a@b.example, ", "(comment) a@b.example", "group: a@b.example;", "a@b.example <c@d.example>",
    "Name <a @b.example>", "", "x" * 5000 + " y", '"unterminated <a@b.example>', "a\\b <a@b.example>",
])
def test_simple_addresses_decline_unusual_forms(value):
    assert _simple_addresses(value) is None


_OLD_WHITESPACE = re.compile(r"\s+")
_OLD_BLOCK_END = re.compile(
    r"(<br\b[^>]*>|</(?:p|div|tr|li|h[1-6]|table|ul|ol|blockquote|section|article|header|footer|center)\s*>)",
    re.IGNORECASE,
)


def reference_html_to_text(html: str) -> str:
    """html_to_text as first written: one regex pass per step."""
    if not html:
        return ""
    marked = _OLD_BLOCK_END.sub(lambda m: m.group(0) + "\u2029", _OLD_WHITESPACE.sub(" ", html))
    tree = LexborHTMLParser(marked)
    tree.strip_tags(["script", "style", "head", "title", "noscript", "template", "svg"])
    root = tree.body or tree.root
    if root is None:
        return ""
    text = root.text(deep=True, separator="")
    lines = (_OLD_WHITESPACE.sub(" ", line).strip() for line in text.split("\u2029"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def test_html_to_text_matches_its_reference():
    htmls = [
        "", " ", "\n\n", "<p>a</p>", " <br> x \x01 y<br>", "\u2029<p>x\u2029y</p>", "<pre>\nfoo</pre>",
        "a\xa0\xa0b<BR/>c</P >d", "<frameset><frame></frameset>", "<title>t</title>text", "\u3000x\u3000 ",
    ]
    for path in all_mail():
        message = parsing.BytesParser(policy=parsing.compat32).parsebytes(path.read_bytes())
        htmls += [parsing._decode_part(part, DEFAULT_MAX_TEXT_BYTES, []) for part in message.walk()
                  if part.get_content_type() == "text/html"]
    assert len(htmls) > 700
    for html in htmls:
        assert html_to_text(html) == reference_html_to_text(html)


def test_html_to_text_matches_its_reference_on_generated_markup():
    # whitespace of every kind around the tags whose parsing depends on it
    rng = random.Random(7)
    blanks = [" ", "\n", "\t", "\r\n", "\x0c", "\xa0", "\u2003", "\x0b", "  \n  "]
    names = ["p", "div", "br", "tr", "td", "table", "li", "pre", "textarea", "listing", "select", "script", "style",
             "title", "head", "body", "html", "frameset", "frame", "noframes", "svg", "template", "noscript",
             "plaintext", "blockquote", "h2", "dİv", "blocKquote", "ſection", "PRE", "TextArea"]
    pieces = ["word", "Wörd", "&nbsp;", "&amp;", "&#8233;", "<!-- c -->", "\x01", "é", "=", "<", ">", "/"]
    for _ in range(3000):
        html = ""
        for _ in range(rng.randrange(1, 30)):
            roll = rng.random()
            if roll < 0.45:
                name = rng.choice(names)
                html += rng.choice(["<{}{}>", "</{}{}>", "<{}{}/>"]).format(
                    name, rng.choice(["", " ", "\n", " class=x"]))
            else:
                html += rng.choice(blanks) if roll < 0.75 else rng.choice(pieces)
        assert html_to_text(html) == reference_html_to_text(html), html


def test_non_html_spaces_are_what_str_split_adds_to_html_whitespace():
    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} - set(" \t\n\r\f")
    assert spaces == set(_NON_HTML_SPACES)


def test_fast_path_equals_reference_on_damaged_mail():
    rng = random.Random(11)
    stored = [path.read_bytes() for path in all_mail()[::40]]
    damage = [b"\r\n", b"\n", b"\r", b" ", b"\t", b":", b"--", b"\r\n\r\n", b"From ", b"=?utf-8?q?x?=", b"\x00",
              b"\xff", b";", b'"', b"<", b">", b",", b"(", b"\\", b"=C3=A4", b"=\r\n", b"<pre>\n", b"<br>"]
    taken = 0
    for _ in range(1500):
        raw = bytearray(rng.choice(stored))
        for _ in range(rng.randrange(1, 4)):
            pos = rng.randrange(len(raw) + 1)
            raw[pos:pos + rng.randrange(0, 4)] = rng.choice(damage)
        raw = bytes(raw)
        fast = _parse_fast(raw, DEFAULT_MAX_TEXT_BYTES)
        if fast is not None:
            taken += 1
            assert_same(fast, _parse_reference(raw, DEFAULT_MAX_TEXT_BYTES), raw)
    assert taken > 500
