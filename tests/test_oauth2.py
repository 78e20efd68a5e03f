"""XOAUTH2 login with a token from `oauth2_token_command`, against a real Dovecot whose oauth2
passdb asks a token-introspection endpoint that this test runs on loopback (standing in for
Google's or Microsoft's, which cannot run here)."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner

from dovecot_server import DovecotServer, find_dovecot
from helpers import REJECTION
from onward.cli import cli

TOKEN = "ya29.test-access-token-0123456789"


class Introspection(BaseHTTPRequestHandler):
    users: dict[str, str] = {}

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        length = int(self.headers.get("Content-Length", 0))
        token = parse_qs(self.rfile.read(length).decode()).get("token", [""])[0]
        user = self.users.get(token)
        body = json.dumps({"active": True, "username": user} if user else {"active": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def oauth_dovecot():
    http = HTTPServer(("127.0.0.1", 0), Introspection)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    server = DovecotServer(find_dovecot(), oauth2_introspection_url=f"http://127.0.0.1:{http.server_port}/introspect")
    server.start()
    try:
        yield server
    finally:
        server.cleanup()
        http.shutdown()


def test_xoauth2_login_with_a_token_command(tmp_path, oauth_dovecot):
    account = oauth_dovecot.new_account("oauth")
    Introspection.users = {TOKEN: account.username}
    with oauth_dovecot.client(account) as client:
        client.append("INBOX", REJECTION)
    config = tmp_path / "c.toml"
    config.write_text(f'database = "{tmp_path / "db"}"\n[accounts.g]\nhost = "127.0.0.1"\nport = {account.port}\n'
                      f'tls = "none"\nusername = "{account.username}"\noauth2_token_command = "echo {TOKEN}"\n')
    env = dict(os.environ)
    result = CliRunner(env=env).invoke(cli, ["--config", str(config), "--debug", "scan"])
    assert result.exit_code == 0, result.output
    assert "1 rejection," in result.output and TOKEN not in result.output
    Introspection.users = {}
    refused = CliRunner().invoke(cli, ["--config", str(config), "scan"])
    assert refused.exit_code == 1 and "login refused" in refused.output and "check the token" in refused.output
