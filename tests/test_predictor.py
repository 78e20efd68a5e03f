"""The exported predictor that classify, filter, scan and watch run: the answers of the scikit-learn
pipeline it comes from, on all our mail; neither scikit-learn nor unpickling on their way; and
one error line, never code execution, for a model file that is not ours."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from onward.classifier.data import load_data
from onward.classifier.features import as_array, to_document
from onward.classifier.model import (
    default_model_path,
    load_model,
    load_pipeline,
    model_files,
    predictor_path,
    save_model,
    sidecar_path,
)
from onward.classifier.registry import user_model_path
from onward.classifier.training import train
from onward.cli import cli
from onward.errors import ModelError, ModelFormatError
from onward.mail.parse import parse_message

ROOT = Path(__file__).resolve().parents[1]
CLASSIFY_SET = ROOT / "tests" / "fixtures" / "classify_set"
ONE = CLASSIFY_SET / "eml" / "classify_set-001.eml"


def shared_corpora() -> Path:
    """shared/corpora beside the clone (CI) or beside the folder of worktrees."""
    for parent in ROOT.parents:
        if (parent / "shared" / "corpora").is_dir():
            return parent / "shared" / "corpora"
    pytest.fail(f"no shared/corpora beside {ROOT} or any folder above it")


def all_our_mail() -> list[Path]:
    paths = sorted((ROOT / "training_data" / "eml").glob("*.eml"))
    for folder in sorted(shared_corpora().iterdir()):
        paths += sorted((folder / "eml").glob("*.eml"))
    return paths


def test_the_predictor_answers_as_the_pipeline_on_all_our_mail():
    pipeline, _ = load_pipeline(default_model_path())
    model = load_model()
    paths = all_our_mail()
    assert len(paths) > 6000  # our training mail and every shared corpus
    rejection = model.labels.index("rejection")
    for start in range(0, len(paths), 500):
        messages = [parse_message(path.read_bytes()) for path in paths[start:start + 500]]
        documents = [to_document(message) for message in messages]
        expected_features = pipeline.named_steps["features"].transform(as_array(documents))
        data, columns, indptr = model.features(documents)
        assert np.array_equal(indptr, expected_features.indptr) and np.array_equal(columns, expected_features.indices)
        assert np.array_equal(data, expected_features.data)
        expected = pipeline.predict_proba(as_array(documents))
        assert np.abs(model.probabilities(data, columns, indptr) - expected).max() <= 1e-6
        for row, prediction in enumerate(model.predict(messages)):
            verdict = model.verdict_for(float(expected[row, rejection]))
            category = "rejection" if verdict == "rejection" else model.labels[int(np.argmax(expected[row]))]
            assert (prediction.verdict, prediction.category) == (verdict, category), paths[start + row]
            words = expected_features[row]
            words.sum_duplicates()
            evidence = model.evidence.explain(words.indices, words.data, documents[row], category)
            assert prediction.evidence == evidence


def test_a_model_of_two_classes_predicts_as_its_pipeline(tmp_path):
    messages = [m for m in load_data([str(CLASSIFY_SET)]) if m.label in ("rejection", "not_job")]
    result = train(messages, folds=0)
    path = save_model(result.pipeline, result.report, tmp_path / "two.joblib")
    model = load_model(path)
    assert model.labels == ["not_job", "rejection"]
    parsed = [parse_message(m.raw) for m in messages]
    documents = [to_document(m) for m in parsed]
    expected = result.pipeline.predict_proba(as_array(documents))
    assert np.abs(model.probabilities(*model.features(documents)) - expected).max() <= 1e-6
    predictions = model.predict(parsed)
    assert [p.category for p in predictions] == [m.label for m in messages]
    # evidence works for two classes (it crashed once); on ten messages, with no sender facts
    # since 2026-12, not every message has a word rare enough to name
    assert any(p.evidence for p in predictions)


CHECK_IMPORTS = """
import sys
from onward.cli import cli
try:
    cli.main(sys.argv[1:], standalone_mode=False)
finally:
    print("heavy:", sorted(name for name in ("sklearn", "scipy", "joblib") if name in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize("command", [["classify", str(CLASSIFY_SET / "eml")], ["filter"],
                                     ["scan", "--dry-run", str(CLASSIFY_SET / "eml")]],
                         ids=["classify", "filter", "scan"])
def test_classifying_commands_import_neither_scikit_learn_nor_joblib(command):
    done = subprocess.run([sys.executable, "-c", CHECK_IMPORTS, *command], input=ONE.read_bytes(),
                          capture_output=True)
    assert done.returncode == 0, done.stderr
    assert b"X-Onward-Verdict" in done.stdout or b"rejection" in done.stdout
    assert done.stderr.decode().splitlines()[-1] == "heavy: []"


def test_the_watch_path_imports_neither_scikit_learn_nor_joblib():
    code = ("import sys; import onward.sync.watch, onward.sync.scan; from onward.classifier.model import load_model; "
            "load_model().prepare(); print(sorted(n for n in ('sklearn', 'scipy', 'joblib') if n in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def vouch_for(path: Path) -> None:
    """Make the sidecar name the predictor file as it is now, as someone who can write both could."""
    import hashlib

    side = sidecar_path(path)
    metadata = json.loads(side.read_text())
    metadata["predictor"]["sha256"] = hashlib.sha256(predictor_path(path).read_bytes()).hexdigest()
    side.write_text(json.dumps(metadata))


class RunsCode:
    """Unpickling this creates the file it names."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (Path.touch, (self.marker,))


def one_error_line(args: list[str]) -> str:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("onward: error:") and result.output.count("\n") == 1, result.output
    return result.output


def test_a_foreign_predictor_file_with_a_matching_sidecar_gives_one_error_line_and_runs_nothing(model_copy, tmp_path):
    marker = tmp_path / "code-ran"
    with open(predictor_path(model_copy), "wb") as fh:  # a pickle that would create the marker
        np.savez(fh, coef=np.array([RunsCode(marker)], dtype=object))
    vouch_for(model_copy)
    output = one_error_line(["classify", "--model", str(model_copy), str(ONE)])
    assert "not an onward predictor" in output
    assert not marker.exists()
    filtered = CliRunner().invoke(cli, ["filter", "--model", str(model_copy)], input=ONE.read_bytes())
    assert filtered.stdout_bytes == ONE.read_bytes() and not marker.exists()  # the mail still goes through


def rewrite_header(path: Path, change) -> None:
    """Change the JSON header of a predictor file in place (it is padded, so shorter fits)."""
    content = path.read_bytes()
    start = content.index(b"\n") + 9
    end = start + int.from_bytes(content[start - 8:start], "little")
    header = json.loads(content[start:end])
    change(header)
    changed = json.dumps(header).encode()
    assert len(changed) <= end - start
    path.write_bytes(content[:start] + changed.ljust(end - start) + content[end:])


@pytest.mark.parametrize(("change", "refusal"), [
    (lambda header: header["arrays"]["coef"].update(dtype="|O"), "coef: type"),
    (lambda header: header["arrays"]["coef"].update(shape=[9, 999999]), "coef: size"),
    (lambda header: header["arrays"]["coef"]["shape"].__setitem__(1, 1000), "coefficients"),
    (lambda header: header["layout"]["blocks"][0].update(field="__class__"), "fields"),
], ids=["object-array", "past-the-end", "wrong-shape", "unknown-field"])
def test_a_predictor_file_that_is_not_ours_is_refused(model_copy, change, refusal):
    rewrite_header(predictor_path(model_copy), change)
    vouch_for(model_copy)
    with pytest.raises(ModelError, match=f"not an onward predictor .*{refusal}"):
        load_model(model_copy)


def test_model_files_others_can_change_are_refused(model_copy):
    os.chmod(predictor_path(model_copy), 0o664)
    assert "writable by group or others" in one_error_line(["classify", "--model", str(model_copy), str(ONE)])
    os.chmod(predictor_path(model_copy), 0o644)
    os.chmod(sidecar_path(model_copy), 0o646)
    assert "chmod go-w" in one_error_line(["classify", "--model", str(model_copy), str(ONE)])
    os.chmod(sidecar_path(model_copy), 0o644)
    os.chown(predictor_path(model_copy), 65534, -1)  # the tests run as root, as the brief says
    assert "owned by another user" in one_error_line(["classify", "--model", str(model_copy), str(ONE)])


def test_saved_models_are_not_group_writable_whatever_the_umask(tmp_path):
    messages = load_data([str(CLASSIFY_SET)])
    old = os.umask(0o002)
    try:
        path = save_model(train(messages, folds=0).pipeline, {}, tmp_path / "m.joblib")
    finally:
        os.umask(old)
    assert {file.stat().st_mode & 0o777 for file in model_files(path)} == {0o644}
    load_model(path)


def test_a_model_saved_before_predictors_is_exported_once_and_then_classifies(model_copy):
    side = sidecar_path(model_copy)
    metadata = json.loads(side.read_text())
    del metadata["predictor"]
    side.write_text(json.dumps(metadata, indent=2))
    predictor_path(model_copy).unlink()
    with pytest.raises(ModelFormatError):
        load_model(model_copy)
    assert f"onward model export {model_copy}" in one_error_line(["classify", "--model", str(model_copy), str(ONE)])

    user = user_model_path()  # as the active model it gives way to the shipped one, with the same advice
    user.parent.mkdir(parents=True)
    for source, copy in zip(model_files(model_copy), model_files(user), strict=True):
        if source.exists():
            shutil.copy(source, copy)
    shipped = CliRunner().invoke(cli, ["classify", "--format", "jsonl", str(CLASSIFY_SET / "eml")])
    assert shipped.exit_code == 0
    assert "onward model export" in shipped.output and "using the shipped model meanwhile" in shipped.output

    exported = CliRunner().invoke(cli, ["model", "export"])  # the active model
    assert exported.exit_code == 0 and str(predictor_path(user)) in exported.output
    again = CliRunner().invoke(cli, ["classify", "--format", "jsonl", str(CLASSIFY_SET / "eml")])
    assert again.exit_code == 0 and "warning" not in again.output
    assert again.output == "".join(line + "\n" for line in shipped.output.splitlines() if line.startswith("{"))
