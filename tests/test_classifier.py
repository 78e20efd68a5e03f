"""The shipped model, training round trips, refusal of bad model files, evaluate/classify/filter."""

from __future__ import annotations

import json
import mailbox
import shutil
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from onward.classifier.data import load_data
from onward.classifier.model import (
    default_model_path,
    load_model,
    load_pipeline,
    model_files,
    predictor_path,
    read_sidecar,
    save_model,
    sidecar_path,
)
from onward.classifier.training import train
from onward.cli import cli
from onward.errors import ModelError
from onward.mail.parse import parse_message

FIXTURES = Path(__file__).parent / "fixtures"
CLASSIFY_SET = FIXTURES / "classify_set"
SAMPLE_INBOX = Path(str(resources.files("onward.data").joinpath("sample_inbox")))


@pytest.fixture(scope="module")
def shipped():
    return load_model()


def labelled(folder: Path) -> list[tuple[str, bytes]]:
    rows = [json.loads(line) for line in (folder / "labels.jsonl").read_text().splitlines()]
    return [(row["label"], (folder / row["file"]).read_bytes()) for row in rows]


def test_shipped_model_is_inside_the_installed_package_and_verified(shipped):
    path = default_model_path()
    assert path.is_file() and path.stat().st_size < 20 * 1024 * 1024
    sidecar = read_sidecar(path)
    assert sidecar["labels"] == sorted(sidecar["labels"])
    assert set(sidecar["labels"]) == {"rejection", "application_ack", "interview", "offer", "other_job", "not_job"}
    assert (0.5 <= sidecar["thresholds"]["rejection"] < 1
            and 0 < sidecar["thresholds"]["unsure"] < sidecar["thresholds"]["rejection"])
    assert (sidecar["training_data"]["sha256"]
            and sidecar["scores"]["cross_validated"]["rejection_vs_rest"]["precision"] > 0.9)


@pytest.mark.parametrize("folder", [CLASSIFY_SET, SAMPLE_INBOX], ids=["classify_set", "sample_inbox"])
def test_shipped_model_gets_our_fixed_messages_right(shipped, folder):
    """Messages we wrote for this test (not in the training data), several per category and language."""
    messages = labelled(folder)
    predictions = shipped.predict([parse_message(raw) for _, raw in messages])
    for (label, raw), prediction in zip(messages, predictions, strict=True):
        subject = parse_message(raw).subject
        if label == "rejection":
            assert prediction.verdict == "rejection", (subject, prediction)
        else:
            assert prediction.verdict != "rejection", (subject, prediction)
    right = sum(p.category == label for (label, _), p in zip(messages, predictions, strict=True))
    assert right / len(messages) >= 0.85


def tiny_training_data():
    return load_data([str(CLASSIFY_SET), str(SAMPLE_INBOX)])


def test_train_save_load_round_trip(tmp_path):
    result = train(tiny_training_data(), folds=0)
    path = save_model(result.pipeline, result.report, tmp_path / "m.joblib")
    assert all(file.is_file() for file in model_files(path))
    loaded = load_model(path)
    messages = [parse_message(raw) for _, raw in labelled(CLASSIFY_SET)]
    before = [p.score for p in result.model.predict(messages, explain=False)]
    after = [p.score for p in loaded.predict(messages, explain=False)]
    assert before == after
    assert loaded.metadata["training_data"]["messages"] == 32
    assert loaded.metadata["training_data"]["sources"]["classify_set"]["rejection"] == 6


def test_tampered_predictor_is_refused(model_copy):
    with open(predictor_path(model_copy), "ab") as fh:
        fh.write(b"\x00")
    with pytest.raises(ModelError, match="checksum does not match"):
        load_model(model_copy)
    result = CliRunner().invoke(cli, ["classify", "--model", str(model_copy), str(CLASSIFY_SET / "eml")])
    assert result.exit_code == 1
    assert result.output.strip().startswith("onward: error:") and result.output.count("\n") == 1


def test_tampered_pipeline_is_refused(model_copy):
    with open(model_copy, "ab") as fh:
        fh.write(b"\x00")
    with pytest.raises(ModelError, match="checksum does not match"):
        load_pipeline(model_copy)
    result = CliRunner().invoke(cli, ["model", "export", str(model_copy)])
    assert result.exit_code == 1
    assert result.output.strip().startswith("onward: error:") and result.output.count("\n") == 1


def test_pipeline_from_another_scikit_learn_is_refused(model_copy):
    side = sidecar_path(model_copy)
    data = json.loads(side.read_text())
    data["versions"]["scikit-learn"] = "0.24.2"
    side.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="trained with scikit-learn 0.24.2"):
        load_pipeline(model_copy)
    assert load_model(model_copy).predict([parse_message((CLASSIFY_SET / "eml" / "classify_set-001.eml").read_bytes())])


def test_model_of_an_older_format_is_refused_and_an_old_trained_model_falls_back_to_the_shipped_one(model_copy):
    from onward.classifier.registry import user_model_path

    side = sidecar_path(model_copy)
    data = json.loads(side.read_text())
    data["format"] = 1  # as saved by the onward whose features were scikit-learn's vectorizers
    side.write_text(json.dumps(data))
    named = CliRunner().invoke(cli, ["classify", "--model", str(model_copy), str(CLASSIFY_SET / "eml")])
    assert named.exit_code == 1 and named.output.count("\n") == 1
    assert "model format 1" in named.output and "onward train" in named.output
    user = user_model_path()  # the active model when present: here one trained with the older onward
    user.parent.mkdir(parents=True)
    shutil.copy(model_copy, user)
    shutil.copy(side, sidecar_path(user))
    result = CliRunner().invoke(cli, ["classify", "--format", "jsonl", str(CLASSIFY_SET / "eml")])
    assert result.exit_code == 0
    assert "using the shipped model meanwhile" in result.output
    assert sum(1 for line in result.output.splitlines() if line.startswith("{")) == 18


def test_model_without_sidecar_or_missing_is_refused(model_copy, tmp_path):
    sidecar_path(model_copy).unlink()
    with pytest.raises(ModelError, match="no sidecar"):
        load_model(model_copy)
    result = CliRunner().invoke(cli, ["classify", "--model", str(tmp_path / "nope.joblib"), str(CLASSIFY_SET)])
    assert result.exit_code == 1 and "no model at" in result.output


def test_evaluate_on_a_tiny_labelled_folder_is_exact(tmp_path, shipped):
    folder = tmp_path / "tiny"
    (folder / "eml").mkdir(parents=True)
    rows = [json.loads(line) for line in (CLASSIFY_SET / "labels.jsonl").read_text().splitlines()]
    picked = [r for r in rows if r["label"] == "rejection"][:2] + [r for r in rows if r["label"] == "not_job"][:2]
    with open(folder / "labels.jsonl", "w") as fh:
        for row in picked:
            shutil.copy(CLASSIFY_SET / row["file"], folder / row["file"])
            fh.write(json.dumps({**row, "source": "tiny"}) + "\n")
    result = CliRunner().invoke(cli, ["evaluate", "--data", str(folder), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["messages"] == 4 and report["accuracy"] == 1.0
    assert report["rejection_vs_rest"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 2,
                                           "true_positives": 2, "false_positives": 0, "false_negatives": 0}
    assert report["confusion"] == {"rejection": {"rejection": 2, "not_job": 0},
                                   "not_job": {"rejection": 0, "not_job": 2}}
    assert report["misclassified"] == []
    text = CliRunner().invoke(cli, ["evaluate", "--data", str(folder)])
    assert "rejection vs rest: precision 1.000  recall 1.000" in text.output


def test_classify_reads_every_local_format_and_survives_malformed_mail(tmp_path):
    raws = [raw for _, raw in labelled(CLASSIFY_SET)][:3]
    box = mailbox.mbox(tmp_path / "box.mbox")
    md = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for raw in raws:
        box.add(raw)
        md.add(raw)
    box.close()
    (tmp_path / "broken.eml").write_bytes(b"\x00\xff\xfeContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n")
    runner = CliRunner()
    for target, count in [(CLASSIFY_SET / "eml" / "classify_set-001.eml", 1), (CLASSIFY_SET / "eml", 18),
                          (tmp_path / "box.mbox", 3), (tmp_path / "Maildir", 3), (tmp_path / "broken.eml", 1)]:
        result = runner.invoke(cli, ["classify", "--format", "jsonl", str(target)])
        assert result.exit_code == 0, result.output
        records = [json.loads(line) for line in result.output.splitlines()]
        assert len(records) == count
        for record in records:
            assert record["verdict"] in ("rejection", "unsure", "not_rejection")
            assert record["is_rejection"] == (record["verdict"] == "rejection")
            assert 0 <= record["score"] <= 1 and isinstance(record["evidence"], list)
    mbox_records = [json.loads(x) for x in runner.invoke(
        cli, ["classify", "--format", "jsonl", str(tmp_path / "box.mbox")]).output.splitlines()]
    assert mbox_records[0]["verdict"] == "rejection" and mbox_records[0]["evidence"]


def test_classify_in_two_processes_gives_the_same_answers():
    runner = CliRunner()
    one = runner.invoke(cli, ["classify", "--format", "jsonl", str(CLASSIFY_SET / "eml")])
    two = runner.invoke(cli, ["classify", "--format", "jsonl", "--jobs", "2", str(CLASSIFY_SET / "eml")])
    assert one.exit_code == two.exit_code == 0
    assert one.output == two.output


def test_filter_adds_headers_and_changes_nothing_else():
    raw = (CLASSIFY_SET / "eml" / "classify_set-001.eml").read_bytes()
    result = CliRunner().invoke(cli, ["filter"], input=raw)
    assert result.exit_code == 0
    out = result.stdout_bytes
    head, _, body = out.partition(b"\n\n")
    assert b"X-Onward-Category: rejection" in head and b"X-Onward-Verdict: rejection" in head
    assert b"X-Onward-Score: 0." in head
    original_head, _, original_body = raw.partition(b"\n\n")
    assert body == original_body
    assert head.replace(b"\nX-Onward-Category: rejection\nX-Onward-Verdict: rejection", b"").split(
        b"\nX-Onward-Score")[0] == original_head


@pytest.mark.parametrize(("name", "code"), [("classify_set-001.eml", 0), ("classify_set-017.eml", 1)])
def test_filter_exit_codes(name, code):
    result = CliRunner().invoke(cli, ["filter", "--exit-code"], input=(CLASSIFY_SET / "eml" / name).read_bytes())
    assert result.exit_code == code


def test_filter_passes_unparseable_input_through_unchanged():
    junk = b"\x00\x01 no header block at all"
    result = CliRunner().invoke(cli, ["filter", "--exit-code"], input=junk)
    assert result.stdout_bytes == junk and result.exit_code == 3
