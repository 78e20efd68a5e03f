"""XOAUTH2 login with a token from `oauth2_token_command`, against a real Dovecot whose oauth2
passdb asks a token-introspection endpoint that this test runs on loopback (standing in for
Google's or Microsoft's, which cannot run here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from click.testing import CliRunner

from dovecot_server import DovecotServer, find_dovecot
from helpers import REJECTION
from onward.cli import cli

TOKEN = "ya29.test-access-token-0123456789"


class JsonEndpoint(BaseHTTPRequestHandler):
    """A form POST in, a JSON answer out, as OAuth2 servers speak."""

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        raise NotImplementedError

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        length = int(self.headers.get("Content-Length", 0))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        status, answer = self.answer(form)
        body = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


class Introspection(JsonEndpoint):
    users: dict[str, str] = {}

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        user = self.users.get(form.get("token", ""))
        return 200, {"active": True, "username": user} if user else {"active": False}


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


class TokenServer(JsonEndpoint):
    """Stands in for Microsoft's device-code and token endpoints."""

    polls = 0

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        if self.path.endswith("/devicecode"):
            return 200, {"device_code": "dev-1", "user_code": "WXYZ-1234", "interval": 0, "expires_in": 60,
                         "verification_uri": "https://example.test/device"}
        if form.get("grant_type") == "urn:ietf:params:oauth:grant-type:device_code":
            TokenServer.polls += 1
            if TokenServer.polls == 1:
                return 400, {"error": "authorization_pending"}
            return 200, {"access_token": "first-access", "refresh_token": "refresh-1", "expires_in": 60}
        if form.get("grant_type") == "refresh_token" and form.get("refresh_token") == "refresh-1":
            return 200, {"access_token": TOKEN, "refresh_token": "refresh-2", "expires_in": 3600}
        return 400, {"error": "invalid_grant"}


def test_the_readme_token_helper_signs_in_refreshes_and_logs_in(tmp_path, oauth_dovecot):
    http = HTTPServer(("127.0.0.1", 0), TokenServer)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    helper, tokens = Path(__file__).parent.parent / "scripts" / "oauth2_token.py", tmp_path / "outlook.json"
    try:
        signed_in = subprocess.run([sys.executable, str(helper), "authorize", "--client-id", "app-1", "--authority",
                                    f"http://127.0.0.1:{http.server_port}/common", str(tokens)],
                                   capture_output=True, text=True, timeout=60)
        assert signed_in.returncode == 0, signed_in.stderr
        assert "WXYZ-1234" in signed_in.stderr and oct(tokens.stat().st_mode & 0o777) == "0o600"
        account = oauth_dovecot.new_account("outlook")
        Introspection.users = {TOKEN: account.username}  # only the refreshed token is good
        with oauth_dovecot.client(account) as client:
            client.append("INBOX", REJECTION)
        config = tmp_path / "c.toml"
        config.write_text(f'database = "{tmp_path / "db"}"\n[accounts.work]\nhost = "127.0.0.1"\n'
                          f'port = {account.port}\ntls = "none"\nusername = "{account.username}"\n'
                          f'oauth2_token_command = "{sys.executable} {helper} token {tokens}"\n')
        result = CliRunner().invoke(cli, ["--config", str(config), "scan"])
        assert result.exit_code == 0, result.output
        assert "1 rejection," in result.output
        assert json.loads(tokens.read_text())["refresh_token"] == "refresh-2"  # the rotated one is kept
    finally:
        http.shutdown()
