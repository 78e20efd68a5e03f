"""The real server the suite talks to: connect, append, fetch, over plain and TLS."""

from __future__ import annotations

import ssl

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

SAMPLE = (
    b"From: Kestrel Talent <no-reply@kestrel.example>\r\nTo: sam@example.net\r\n"
    b"Subject: Your application\r\nMessage-ID: <a1@kestrel.example>\r\n"
    b"Date: Tue, 14 May 2024 10:12:03 -0400\r\n\r\nThank you for applying.\r\n"
)


def test_append_and_fetch_round_trip_byte_for_byte(dovecot, imap_account):
    with dovecot.client(imap_account) as client:
        client.append("INBOX", SAMPLE)
        client.select_folder("INBOX", readonly=True)
        uids = client.search("ALL")
        assert len(uids) == 1
        data = client.fetch(uids, ["BODY.PEEK[]", "FLAGS"])[uids[0]]
        assert data[b"BODY[]"] == SAMPLE
        assert b"\\Seen" not in data[b"FLAGS"]


def test_each_test_gets_an_empty_mailbox(dovecot, imap_account):
    with dovecot.client(imap_account) as client:
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
        drafts = client.find_special_folder(b"\\Drafts")
        assert drafts == "Drafts"


def test_tls_listener_verifies_with_the_test_ca(dovecot, imap_account):
    with dovecot.client(imap_account, tls=True) as client:
        assert client.select_folder("INBOX")[b"EXISTS"] == 0


def test_tls_without_the_ca_is_refused(dovecot, imap_account):
    with pytest.raises(ssl.SSLCertVerificationError):
        IMAPClient("127.0.0.1", port=imap_account.tls_port, ssl=True, timeout=5)


def test_wrong_password_is_refused(dovecot, imap_account):
    client = IMAPClient("127.0.0.1", port=imap_account.port, ssl=False, timeout=5)
    with pytest.raises(LoginError):
        client.login(imap_account.username, "wrong")
