"""The command line as a user meets it: help, version, the demo, parse, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from onward import __version__
from onward.cli import cli


def test_help_and_version():
    runner = CliRunner()
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("scan", "watch", "classify", "filter", "train", "evaluate", "report", "draft", "parse", "demo"):
        assert command in result.output
    assert runner.invoke(cli, ["--version"]).output.strip() == f"onward, version {__version__}"
    module = subprocess.run([sys.executable, "-m", "onward", "--version"], capture_output=True, text=True)
    assert module.returncode == 0 and __version__ in module.stdout


def test_demo_runs_on_the_sample_inbox(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "14 scanned" in result.output and "5 rejections" in result.output
    assert "feedback-request drafts" in result.output and "Observations" in result.output
    assert len(list((tmp_path / "demo" / "drafts").glob("*.eml"))) == 5
    assert (tmp_path / "demo" / "report.html").read_text().startswith("<!DOCTYPE html>")
    again = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "demo")])  # rerunnable
    assert "14 scanned (14 new" in again.output


def test_parse_shows_what_onward_sees(tmp_path):
    eml = tmp_path / "m.eml"
    eml.write_bytes(b"From: Ana <ana@x.example>\r\nSubject: Hi\r\nContent-Type: text/html\r\n\r\n"
                    b"<p>Hello&nbsp;there</p>")
    text = CliRunner().invoke(cli, ["parse", str(eml)])
    assert text.exit_code == 0 and "From: Ana <ana@x.example>" in text.output and "(synthetic)" in text.output
    record = json.loads(CliRunner().invoke(cli, ["parse", "--format", "jsonl", str(eml)]).output)
    assert record["body_format"] == "html" and "Hello" in record["text"]


def test_unreadable_paths_and_bad_input_are_one_line(tmp_path):
    runner = CliRunner()
    for args in (["parse", str(tmp_path / "missing.eml")], ["classify", str(tmp_path / "nope")],
                 ["scan", str(tmp_path / "nope")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.strip() == f"onward: error: {tmp_path / args[1].split('/')[-1]}: no such file or folder"
    no_accounts = runner.invoke(cli, ["scan"])
    assert no_accounts.exit_code == 1 and "no accounts configured" in no_accounts.output
    debug = runner.invoke(cli, ["--debug", "parse", str(tmp_path / "missing.eml")])
    assert debug.exit_code != 0 and debug.exception is not None  # --debug lets the traceback through
