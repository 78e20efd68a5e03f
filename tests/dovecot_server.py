"""A real Dovecot IMAP server for the tests: loopback only, its own config, throwaway dir.

Every test gets a fresh, empty mailbox by logging in as a new user name: the static
passdb accepts any user with the shared password and gives each its own Maildir.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from imapclient import IMAPClient

PASSWORD = "correct-horse-battery-staple"
INSTALL_HINT = "Dovecot is needed for the real-server tests: apt-get update && apt-get install -y dovecot-imapd"


def find_dovecot() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class TestAccount:
    host: str
    port: int
    tls_port: int
    username: str
    password: str
    ca_file: str


class DovecotServer:
    _counter = itertools.count(1)

    def __init__(self, binary: str, oauth2_introspection_url: str | None = None) -> None:
        self.oauth2_introspection_url = oauth2_introspection_url
        self.binary = binary
        version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
        match = re.match(r"(\d+)\.(\d+)", version)
        if not match or (int(match.group(1)), int(match.group(2))) != (2, 3):
            raise RuntimeError(f"tests support Dovecot 2.3.x (Debian 12); found {version.strip()!r}")
        self.dir = Path(tempfile.mkdtemp(prefix="onward-dovecot-"))
        os.chmod(self.dir, 0o711)  # mail processes run as another user and must traverse it
        self.port = free_port()
        self.tls_port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self._make_certificate()
        self._write_config()

    # -- setup -------------------------------------------------------------------------------
    def _make_certificate(self) -> None:
        self.cert = self.dir / "cert.pem"
        self.key = self.dir / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-keyout", str(self.key), "-out", str(self.cert), "-subj", "/CN=localhost",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
            check=True, capture_output=True,
        )
        os.chmod(self.key, 0o600)

    def _write_config(self) -> None:
        d = self.dir
        home = d / "home"
        home.mkdir()
        os.chmod(home, 0o777)
        if os.geteuid() == 0:
            mail_user, mail_group, login_user, internal_user = "nobody", "nogroup", "dovenull", "dovecot"
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            mail_user = login_user = internal_user = me
            mail_group = ""
        for sub in ("run", "state"):
            (d / sub).mkdir()
        gid_line = f"mail_gid = {mail_group}" if mail_group else ""
        oauth = ""
        mechanisms = "plain login"
        if self.oauth2_introspection_url:
            # XOAUTH2 checked against a token introspection endpoint the test runs on loopback
            (d / "oauth2.conf.ext").write_text(
                f"introspection_mode = post\nintrospection_url = {self.oauth2_introspection_url}\n"
                "username_attribute = username\nactive_attribute = active\nactive_value = true\n")
            oauth = (f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                     f"  args = {d}/oauth2.conf.ext\n}}\n")
            mechanisms = "plain login xoauth2 oauthbearer"
        uid_arg = f"uid={mail_user} gid={mail_group}" if mail_group else f"uid={mail_user}"
        self.instance_name = f"onward-test-{os.getpid()}-{next(self._counter)}"
        self.config = d / "dovecot.conf"
        self.config.write_text(f"""
base_dir = {d}/run
state_dir = {d}/state
instance_name = {self.instance_name}
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
first_valid_uid = 1
mail_uid = {mail_user}
{gid_line}
default_login_user = {login_user}
default_internal_user = {internal_user}
mail_location = maildir:~/Maildir
mailbox_idle_check_interval = 1 secs
{oauth}passdb {{
  driver = static
  mechanisms = plain login
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = {uid_arg} home={home}/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
    auto = subscribe
  }}
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
}}
""")

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, timeout: float = 20.0) -> None:
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"dovecot exited at start: {err.strip()} (log: {self.log_tail()})")
            try:
                # "port open" is not "ready": wait for a real LOGIN + SELECT
                with IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=2) as client:
                    client.login("readiness-probe", PASSWORD)
                    client.select_folder("INBOX")
                return
            except Exception as exc:
                last_error = exc
                time.sleep(0.1)
        raise RuntimeError(f"dovecot not ready after {timeout}s: {last_error}; log: {self.log_tail()}")

    def stop(self) -> None:
        """Stop the server and every process of this instance: a stopped server keeps no connection."""
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        # the master leaves running imap processes behind; a real restart would not
        subprocess.run(["pkill", "-KILL", "-f", f"{self.instance_name}/"], check=False)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join((self.dir / "dovecot.log").read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    # -- accounts and clients ------------------------------------------------------------------
    def new_account(self, prefix: str = "user") -> TestAccount:
        return TestAccount(
            host="127.0.0.1", port=self.port, tls_port=self.tls_port,
            username=f"{prefix}{next(self._counter)}", password=PASSWORD, ca_file=str(self.cert),
        )

    def damage_message(self, account: TestAccount, uid: int, folder: str = "INBOX") -> Path:
        """Cut a stored message's file in half, as a failing disk might: Dovecot then cannot send it
        ("Cached message size larger than expected") and drops the connection at every FETCH of
        its body. Its header and size are still served."""
        maildir = self.dir / "home" / account.username / "Maildir"
        if folder != "INBOX":
            maildir = maildir / f".{folder}"
        # dovecot-uidlist: a header line, then "UID [extensions] :basename" per message
        lines = (maildir / "dovecot-uidlist").read_text().splitlines()[1:]
        names = {int(line.split(" ", 1)[0]): line.partition(" :")[2] for line in lines}
        path = next(p for sub in ("new", "cur") for p in (maildir / sub).iterdir()
                    if p.name.split(":2,")[0] == names[uid])
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2])
        return path

    def client(self, account: TestAccount, tls: bool = False) -> IMAPClient:
        if tls:
            context = ssl.create_default_context(cafile=str(self.cert))
            client = IMAPClient(account.host, port=account.tls_port, ssl=True, ssl_context=context, timeout=10)
        else:
            client = IMAPClient(account.host, port=account.port, ssl=False, timeout=10)
        client.login(account.username, account.password)
        return client
