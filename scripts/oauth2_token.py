#!/usr/bin/env python3
"""An OAuth2 token helper for `oauth2_token_command`, for Outlook / Microsoft 365 (standard library only).

Once, sign in with the device-code flow (a browser anywhere, a code to type):

    python3 scripts/oauth2_token.py authorize --client-id YOUR-APP-ID ~/.local/share/onward/outlook.json

Then in the config, with full paths (here onward is checked out in /opt/onward):

    oauth2_token_command = "python3 /opt/onward/scripts/oauth2_token.py token /home/me/.local/share/onward/outlook.json"

`token` prints an access token, refreshing it (and saving the rotated refresh token) when it has
less than five minutes left. The file holds the refresh token: it is written with mode 600.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

MICROSOFT = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
IMAP_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"


def post(url: str, fields: dict[str, str]) -> dict[str, Any]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:  # OAuth2 errors come as 400 with a JSON body
        try:
            return json.load(exc)
        except ValueError:
            raise SystemExit(f"oauth2_token: {url}: HTTP {exc.code}") from None
    except (urllib.error.URLError, TimeoutError) as exc:
        raise SystemExit(f"oauth2_token: cannot reach {url}: {exc}") from None


def save(path: Path, state: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(state, fh)
    tmp.replace(path)


def keep_tokens(state: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    state["access_token"] = answer["access_token"]
    state["expires_at"] = time.time() + int(answer.get("expires_in", 3600))
    state["refresh_token"] = answer.get("refresh_token", state.get("refresh_token"))
    return state


def authorize(args: argparse.Namespace) -> None:
    authority = args.authority or MICROSOFT.format(tenant=args.tenant)
    code = post(f"{authority}/devicecode", {"client_id": args.client_id, "scope": IMAP_SCOPE})
    if "device_code" not in code:
        raise SystemExit(f"oauth2_token: sign-in refused: {code.get('error_description') or code.get('error')}")
    print(code.get("message") or f"Open {code['verification_uri']} and enter the code {code['user_code']}",
          file=sys.stderr)
    deadline = time.monotonic() + int(code.get("expires_in", 900))
    while time.monotonic() < deadline:
        time.sleep(int(code.get("interval", 5)))
        answer = post(f"{authority}/token", {"client_id": args.client_id, "device_code": code["device_code"],
                                             "grant_type": "urn:ietf:params:oauth:grant-type:device_code"})
        if "access_token" in answer:
            save(args.file, keep_tokens({"client_id": args.client_id, "authority": authority}, answer))
            print(f"signed in; tokens saved in {args.file}", file=sys.stderr)
            return
        if answer.get("error") not in ("authorization_pending", "slow_down"):
            raise SystemExit(f"oauth2_token: sign-in failed: {answer.get('error_description') or answer.get('error')}")
    raise SystemExit("oauth2_token: the code expired before sign-in finished; run authorize again")


def token(args: argparse.Namespace) -> None:
    try:
        state = json.loads(args.file.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"oauth2_token: cannot read {args.file} ({exc}); run `authorize` first") from None
    if state.get("expires_at", 0) - time.time() < 300:
        answer = post(f"{state['authority']}/token", {"client_id": state["client_id"], "scope": IMAP_SCOPE,
                                                      "grant_type": "refresh_token",
                                                      "refresh_token": state["refresh_token"]})
        if "access_token" not in answer:
            raise SystemExit("oauth2_token: refresh refused "
                             f"({answer.get('error_description') or answer.get('error')}); run `authorize` again")
        save(args.file, keep_tokens(state, answer))
    print(state["access_token"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    auth = commands.add_parser("authorize", help="sign in once (device code) and save the tokens")
    auth.add_argument("--client-id", required=True, help="the Application (client) ID of your app registration")
    auth.add_argument("--tenant", default="common", help="your tenant ID or domain (default: common)")
    auth.add_argument("--authority", help=argparse.SUPPRESS)  # another token server, for the tests
    auth.add_argument("file", type=Path)
    tok = commands.add_parser("token", help="print a fresh access token")
    tok.add_argument("file", type=Path)
    args = parser.parse_args()
    (authorize if args.command == "authorize" else token)(args)


if __name__ == "__main__":
    main()
