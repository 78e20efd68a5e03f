from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from email.message import EmailMessage

from hypothesis import given, settings
from hypothesis import strategies as st

from onward.mail.parse import parse_message
from onward.mail.quotes import split_quoted

PLAIN = (
    b"From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@firma.example>\r\n"
    b"Reply-To: Talent <talent@firma.example>\r\n"
    b"To: Sam <sam@example.net>, other@example.net\r\n"
    b"Subject: =?utf-8?b?SWhyZSBCZXdlcmJ1bmc=?=\r\n\tals Entwickler\r\n"
    b"Date: Tue, 14 May 2024 10:12:03 +0200\r\n"
    b"Message-ID: <abc@firma.example>\r\n"
    b"In-Reply-To: <q1@example.net>\r\n"
    b"References: <q0@example.net> <q1@example.net>\r\n"
    b"List-Unsubscribe: <mailto:u@firma.example>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Hallo Sam,\r\n\r\nleider m\xc3\xbcssen wir absagen.\r\n\r\n-- \r\nJ\xc3\xbcrgen\r\nFirma GmbH\r\n"
)


def test_headers_are_decoded_and_normalised():
    m = parse_message(PLAIN)
    assert m.message_id == "<abc@firma.example>" and not m.synthetic_id
    assert m.from_ == ("Jürgen Müller", "juergen@firma.example")
    assert m.reply_to == (("Talent", "talent@firma.example"),)
    assert m.to == (("Sam", "sam@example.net"), ("", "other@example.net"))
    assert m.subject == "Ihre Bewerbung als Entwickler"
    assert m.date is not None and m.date.utcoffset() is not None
    assert m.date == datetime(2024, 5, 14, 8, 12, 3, tzinfo=UTC)
    assert m.in_reply_to == "<q1@example.net>"
    assert m.references == ("<q0@example.net>", "<q1@example.net>")
    assert m.list_unsubscribe == "<mailto:u@firma.example>"
    assert m.text == "Hallo Sam,\n\nleider müssen wir absagen."
    assert m.signature == "Jürgen\nFirma GmbH"
    assert m.defects == ()


def html_message(html: str, plain: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Acme <no-reply@acme.example>"
    msg["Subject"] = "Your application"
    msg["Message-ID"] = "<h@acme.example>"
    msg["Date"] = "Wed, 15 May 2024 09:00:00 +0000"
    if plain is None:
        msg.set_content(html, subtype="html")
    else:
        msg.set_content(plain)
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def test_raw_utf8_and_latin1_headers_are_read_as_written():
    # RFC 6532 lets a mailer send UTF-8 in headers as it is; older ones send Latin-1
    head = ("From: Maison Aurèle <no-reply@greenhouse.io>\r\nTo: Sam <sam@example.net>\r\n"
            "Subject: Votre candidature à Maison Aurèle\r\nMessage-ID: <u8@x>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\nMerci.\r\n")
    for encoding in ("utf-8", "latin-1"):
        parsed = parse_message(head.encode(encoding))
        assert parsed.from_ == ("Maison Aurèle", "no-reply@greenhouse.io"), encoding
        assert parsed.subject == "Votre candidature à Maison Aurèle", encoding


def test_html_becomes_readable_text_without_scripts_or_styles():
    html = (
        "<html><head><style>.x{color:red}</style><script>var secret=1</script></head><body>"
        "<table><tr><td>Hi&nbsp;Sam &amp; team,</td></tr></table><p>We won&#39;t be moving forward.</p>"
        "<p>Best,<br>Acme</p><img src='https://tracker.example/p.gif'></body></html>"
    )
    m = parse_message(html_message(html))
    assert m.body_format == "html"
    assert "var secret" not in m.text and "color" not in m.text
    assert "Hi\xa0Sam & team," in m.text or "Hi Sam & team," in m.text
    assert "We won't be moving forward." in m.text
    assert "Best,\nAcme" in m.text


def test_plain_part_preferred_unless_it_is_a_stub():
    both = parse_message(html_message("<p>" + "html words " * 10 + "</p>",
                                      plain="The plain text version of the mail, long enough to be the real thing."))
    assert both.body_format == "plain" and both.text.startswith("The plain text")
    stub = parse_message(html_message("<p>" + "the real content " * 200 + "</p>",
                                      plain="View this email in your browser"))
    assert stub.body_format == "html" and "real content" in stub.text


def test_quoted_reply_and_signature_are_separated():
    text = ("Thanks, I will be there.\n\nOn Mon, 3 Jun 2024 at 10:00, Dana Ruiz <dana@kestrel.example> wrote:\n"
            "> Can you do Tuesday?\n")
    new, signature, quoted = split_quoted(text)
    assert new == "Thanks, I will be there."
    assert quoted.startswith("On Mon, 3 Jun 2024") and "> Can you do Tuesday?" in quoted
    new, _, quoted = split_quoted("Sounds good\n\n> earlier line\n> another\n")
    assert new == "Sounds good" and quoted == "> earlier line\n> another"


def test_forwarded_message_stays_in_the_text():
    text = "FYI, bad news.\n\n---------- Forwarded message ---------\nFrom: Acme\n\nWe regret to inform you..."
    new, _, quoted = split_quoted(text)
    assert "We regret to inform you" in new and quoted == ""


def test_missing_message_id_gets_a_stable_synthetic_one():
    raw = b"From: a@b.example\r\nSubject: hi\r\n\r\nbody\r\n"
    first, second = parse_message(raw), parse_message(raw)
    assert first.synthetic_id and first.message_id == second.message_id
    assert first.message_id.endswith("@onward.invalid>")
    assert parse_message(raw + b"x").message_id != first.message_id
    assert "no Message-ID" in first.defects and "no Date header" in first.defects


def test_malformed_inputs_never_raise_and_report_defects():
    truncated_b64 = (
        b"From: x@y.example\r\nSubject: t\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.b64encode(b"Unfortunately no")[:-3]
    )
    unknown_charset = (
        b"From: x@y.example\r\nSubject: t\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nqapla\xff\r\n"
    )
    cases = [b"", b"\x00\x00\x00", b"no headers at all, just text", truncated_b64, unknown_charset,
             b"From: \xff\xfe\r\nSubject: \xc3\x28\r\n\r\n\xff", b"Content-Type: multipart/mixed\r\n\r\nno boundary"]
    for raw in cases:
        m = parse_message(raw)
        assert m.message_id
        json.dumps(m.to_dict(), ensure_ascii=False).encode("utf-8")  # printable as jsonl
    assert any("charset" in d for d in parse_message(unknown_charset).defects)
    assert "qapla" in parse_message(unknown_charset).text
    assert "NUL bytes removed" in parse_message(b"From: a@b.example\r\n\r\nhi\x00there").defects


def test_attachments_are_not_decoded_and_text_is_capped():
    msg = EmailMessage()
    msg["From"] = "a@b.example"
    msg["Subject"] = "cv"
    msg.set_content("x" * 5000)
    msg.add_attachment(b"\x89PNG" + b"\x00" * 100_000, maintype="image", subtype="png", filename="big.png")
    m = parse_message(msg.as_bytes(), max_text_bytes=1000)
    assert len(m.text) == 1000
    assert any("truncated" in d for d in m.defects)


def test_deeply_nested_multipart_is_handled():
    raw = b"From: a@b.example\r\nSubject: deep\r\n"
    body = b"Content-Type: text/plain\r\n\r\ninnermost text\r\n"
    for depth in range(100):
        boundary = f"b{depth}".encode()
        body = (b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary + b"\r\n"
                + body + b"\r\n--" + boundary + b"--\r\n")
    m = parse_message(raw + body)
    assert m.subject == "deep"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw):
    m = parse_message(raw)
    json.dumps(m.to_dict(), ensure_ascii=False).encode("utf-8")
    assert m.message_id == parse_message(raw).message_id


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([
    b"From: a@b.example\r\n", b"Subject: =?utf-8?q?bad=ZZ?=\r\n", b"Content-Type: text/html; charset=bogus\r\n",
    b"Content-Transfer-Encoding: quoted-printable\r\n", b"Content-Transfer-Encoding: base64\r\n",
    b"Date: not a date\r\n", b"Message-ID: <x@y>\r\n", b"\r\n", b"<p>Unfortunately=\r\n", b"=C3=28 \xff\xfe",
    b"Content-Type: multipart/alternative; boundary=zz\r\n", b"--zz\r\n", b"--zz--\r\n", b"<script>x</script>",
]), max_size=40))
def test_header_and_mime_fragments_never_raise(parts):
    m = parse_message(b"".join(parts))
    assert m.message_id.startswith("<") and m.body_format in ("plain", "html", "none")
    json.dumps(m.to_dict(), ensure_ascii=False).encode("utf-8")
