"""Connection settings that do not match the server get a hint at once, not a minute's wait:
TLS spoken to a plain port, plain text spoken to a TLS port, a certificate for another name."""

from __future__ import annotations

import pytest

from onward.config import AccountConfig
from onward.errors import MailboxError
from onward.mailbox.imap import ImapMailbox


def account(imap_account, **settings) -> AccountConfig:
    values = {"host": "127.0.0.1", "username": imap_account.username, "ca_file": imap_account.ca_file,
              "password_env": "UNUSED", **settings}
    return AccountConfig(name="main", **values)


def test_tls_to_a_plain_port_says_so(imap_account):
    with pytest.raises(MailboxError) as caught:
        ImapMailbox(account(imap_account, port=imap_account.port, tls="ssl")).connect()
    assert "speaks plain IMAP, not TLS: set tls = \"starttls\", or the TLS port, usually 993" in str(caught.value)


def test_plain_text_to_a_tls_port_gives_up_at_the_greeting(imap_account):
    mailbox = ImapMailbox(account(imap_account, port=imap_account.tls_port, tls="starttls"), greeting_timeout=1)
    with pytest.raises(MailboxError) as caught:  # the greeting timeout ends it, not the 60 s read timeout
        mailbox.connect()
    assert str(caught.value) == (f"account 'main': 127.0.0.1:{imap_account.tls_port} did not greet within 1 s; "
                                 f"if {imap_account.tls_port} is a TLS port (usually 993), set tls = \"ssl\"")


def test_a_certificate_for_another_name_does_not_suggest_ca_file(imap_account):
    # "127.1" reaches 127.0.0.1, but the test certificate names only 127.0.0.1 and localhost
    with pytest.raises(MailboxError) as caught:
        ImapMailbox(account(imap_account, host="127.1", port=imap_account.tls_port)).connect()
    message = str(caught.value)
    assert "is not for '127.1'" in message and "ca_file" not in message
