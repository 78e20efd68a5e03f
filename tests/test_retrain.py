"""Corrections that retrain the model, labelled IMAP folders, and switching models back."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from helpers import REJECTION, message, write_config
from onward.cli import cli

FIXTURES = Path(__file__).parent / "fixtures" / "classify_set"

ON_HOLD = message(
    "Update on the Motion Designer role",
    "Hi Sam,\n\nA quick update: we have put the Motion Designer hiring on hold while we finalise next "
    "quarter's budget. Your application remains active and we will be back in touch when we restart.\n\n"
    "Fennick Studio", sender="Fennick Studio <hiring@fennick.example>", message_id="<hold-1@fennick.example>")


def verdict(runner, path):
    out = runner.invoke(cli, ["classify", "--format", "jsonl", str(path)])
    assert out.exit_code == 0, out.output
    return json.loads(out.output.splitlines()[0])["verdict"]


def test_a_correction_changes_the_verdict_and_rollback_restores_it(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "hold.eml").write_bytes(ON_HOLD)
    (inbox / "rejection.eml").write_bytes(REJECTION)
    runner = CliRunner()
    db = ["--database", str(tmp_path / "h.db")]
    assert runner.invoke(cli, [*db, "scan", str(inbox)]).exit_code == 0
    before = verdict(runner, inbox / "hold.eml")
    assert before != "rejection"

    assert runner.invoke(cli, [*db, "mark", "hold-1@fennick.example", "--as", "rejection"]).exit_code == 0
    trained = runner.invoke(cli, [*db, "train", "--data", str(FIXTURES), "--with-corrections",
                                  "--corrections-from", str(inbox), "--folds", "0"])
    assert trained.exit_code == 0, trained.output
    assert "1 corrected message(s) added" in trained.output
    assert "no held-out comparison (only 2 independent groups" in trained.output  # too little data to hold out
    assert verdict(runner, inbox / "hold.eml") == "rejection"

    listing = runner.invoke(cli, ["model", "list"])
    assert listing.exit_code == 0
    assert "* active" in listing.output and "previous" in listing.output and "shipped" in listing.output

    assert runner.invoke(cli, ["model", "use", "previous"]).exit_code == 0
    assert verdict(runner, inbox / "hold.eml") == before
    assert runner.invoke(cli, ["model", "use", "previous"]).exit_code == 0  # and forward again
    assert verdict(runner, inbox / "hold.eml") == "rejection"
    assert runner.invoke(cli, ["model", "use", "shipped"]).exit_code == 0
    assert verdict(runner, inbox / "hold.eml") == before
    missing = runner.invoke(cli, ["model", "use", "nonesuch"])
    assert missing.exit_code == 1 and "no model named" in missing.output


def test_training_from_a_labelled_imap_folder(tmp_path, dovecot, imap_account, monkeypatch):
    monkeypatch.setenv("ONWARD_TEST_PASSWORD_MAIN", imap_account.password)
    with dovecot.client(imap_account) as client:
        client.create_folder("Job/Rejected")
        for i in range(4):
            client.append("Job/Rejected", REJECTION.replace(b"<rej-1@", f"<imap-{i}@".encode()))
    config = write_config(tmp_path / "c.toml", {"main": imap_account}, database=tmp_path / "db")
    out = tmp_path / "m.joblib"
    result = CliRunner().invoke(cli, ["--config", str(config), "train", "--data", str(FIXTURES), "--from-imap",
                                      "main:Job/Rejected=rejection", "--folds", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["training_data"]["sources"]["imap:main/Job/Rejected"] == {"rejection": 4}
    bad = CliRunner().invoke(cli, ["--config", str(config), "train", "--from-imap", "main:Job/Rejected"])
    assert bad.exit_code == 1 and "ACCOUNT:FOLDER=LABEL" in bad.output


def small_corpus(tmp_path: Path) -> Path:
    """Six writing batches of our training data: enough independent groups to hold some out."""
    source = Path(__file__).parent.parent / "training_data"
    target = tmp_path / "corpus"
    (target / "eml").mkdir(parents=True)
    batches = ("en_rej_ats_a_01", "en_rej_people_01", "en_hardneg_01", "en_otherjob_01", "en_notjob_01", "de_01")
    with open(target / "labels.jsonl", "w") as out:
        for line in (source / "labels.jsonl").read_text().splitlines():
            row = json.loads(line)
            if Path(row["file"]).stem.rsplit("-", 1)[0] in batches:
                (target / row["file"]).write_bytes((source / row["file"]).read_bytes())
                out.write(line + "\n")
    return target


def test_retraining_compares_old_and_new_on_held_out_data(tmp_path):
    result = CliRunner().invoke(cli, ["train", "--data", str(small_corpus(tmp_path)), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert "cross-validated scores" in result.output
    lines = [line for line in result.output.splitlines() if "model on held-out data" in line]
    assert [line.split()[0] for line in lines] == ["old", "new"]
    assert "it is now the active model" in result.output
