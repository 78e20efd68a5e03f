"""The README as a contract: every `onward ...` command and option it shows exists, and the commands no
other test runs (forget, export, the shell completion scripts) are run here."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from onward.cli import cli
from onward.store import Store

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_commands() -> list[list[str]]:
    """`onward ...` as written in the README's code blocks and inline code, as argument lists."""
    text = README.read_text()
    found = []
    for block in re.findall(r"```(?:sh|toml)?\n(.*?)```", text, flags=re.S) + re.findall(r"`([^`\n]+)`", text):
        for line in block.splitlines():
            line = line.split(" #")[0]  # a comment in a code block
            # a command starts a line, or follows && or ; (not `pipx inject onward keyring`)
            for match in re.finditer(r"(?:^|&&|;)\s*onward(\s[^|;&>]*)", line):
                words = shlex.split(match.group(1).replace("...", ""))
                if words and re.match(r"[a-z]", words[0]):
                    found.append(words)
    return found


def resolve(words: list[str]) -> tuple[list[str], click.Command, list[str]]:
    """The command path (e.g. ['config', 'check']), the command, and the words after it."""
    command: click.Command = cli
    path = []
    while isinstance(command, click.Group) and words and words[0] in command.commands:
        command = command.commands[words[0]]
        path.append(words.pop(0))
    return path, command, words


def test_every_command_and_option_in_the_readme_exists():
    commands = readme_commands()
    assert len(commands) > 25
    paths = set()
    for words in commands:
        path, command, rest = resolve(list(words))
        assert path and not isinstance(command, click.Group), f"README: `onward {' '.join(words)}` is no command"
        options = {opt for p in [*command.params, *cli.params] for opt in getattr(p, "opts", [])}
        for word in rest:
            if word.startswith("--"):
                assert word.split("=")[0] in options, f"README: `onward {' '.join(words)}`: no option {word}"
        paths.add(" ".join(path))
    # the first hour, as the README tells it
    assert {"config init", "config check", "config unit", "scan", "report", "status", "watch", "keys set", "mark",
            "history", "forget", "export", "accounts"} <= paths


@pytest.fixture
def store_with_two_companies(tmp_path):
    with Store(tmp_path / "h.db") as store:
        for n, company in enumerate(("Acme", "Birch")):
            row = store.insert_message("main", "INBOX", {"message_id": f"<m{n}>", "company": company,
                                                         "category": "rejection", "verdict": "rejection",
                                                         "status": "classified"})
            store.record_rejection(row, {"company": company})
    return tmp_path / "h.db"


def test_forget_and_export_commands(store_with_two_companies):
    db = ["--database", str(store_with_two_companies)]
    runner = CliRunner()
    assert runner.invoke(cli, [*db, "forget", "--company", "acme"]).output == "forgot 1 message(s)\n"
    assert runner.invoke(cli, [*db, "forget", "--message-id", "m1"]).output == "forgot 1 message(s)\n"
    exported = json.loads(runner.invoke(cli, [*db, "export"]).output)
    assert exported["messages"] == [] and exported["rejection_events"] == []
    nothing = runner.invoke(cli, [*db, "forget"])
    assert nothing.exit_code == 1 and "say what to forget" in nothing.output


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_scripts(shell):
    env = {**os.environ, "_ONWARD_COMPLETE": f"{shell}_source"}
    done = subprocess.run([sys.executable, "-c", "from onward.cli import main; main()"], env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0 and "_ONWARD_COMPLETE" in done.stdout
