"""The feedback-request draft: content per stage and language, threading, tone, user templates."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from click.testing import CliRunner

from helpers import REJECTION, message
from onward.cli import cli
from onward.drafts.compose import ToneError, check_tone, compose, draft_message_id, load_templates
from onward.facts.extract import extract
from onward.mail.parse import parse_message

REJECTIONS = {
    "en": message("Your application - Data Engineer", "Hi Sam,\n\nThank you for interviewing with us for the Data "
                  "Engineer role at Kestrel Bank. After much thought we have decided not to move forward.\n\n"
                  "Best,\nDana\n", sender="Dana Ruiz <dana@kestrelbank.example>", message_id="<en@k.example>"),
    "de": message("Ihre Bewerbung bei Steinbach Medien", "Hallo Sam,\n\nvielen Dank für Ihre Bewerbung bei Steinbach "
                  "Medien. Leider müssen wir Ihnen mitteilen, dass wir uns für eine andere Kandidatin entschieden "
                  "haben.\n\nMit freundlichen Grüßen\nJulia Brandt\n", sender="Julia Brandt <jb@steinbach.example>",
                  message_id="<de@s.example>"),
    "fr": message("Votre candidature chez Maison Verlaine", "Bonjour Sam,\n\nMerci pour votre candidature. Nous avons "
                  "le regret de vous informer que nous ne donnerons pas suite à votre candidature.\n\nCordialement,\n"
                  "Claire\n", sender="Claire <claire@verlaine.example>", message_id="<fr@v.example>"),
    "es": message("Tu candidatura en Grupo Almendral", "Hola Sam,\n\nGracias por tu interés en Grupo Almendral. "
                  "Lamentablemente hemos decidido continuar con otros candidatos para el puesto.\n\nSaludos,\n"
                  "Lucía\n", sender="Lucía <lucia@almendral.example>", message_id="<es@a.example>"),
}
STAGES = ("application", "assessment", "interview", "final", "unknown")


def words(text: str) -> int:
    return len(re.findall(r"\w+", text))


@pytest.mark.parametrize("lang", sorted(REJECTIONS))
@pytest.mark.parametrize("stage", STAGES)
def test_drafts_for_every_stage_and_language(lang, stage):
    rejection = parse_message(REJECTIONS[lang])
    draft = compose(rejection, extract(rejection), "sam@example.net", "Sam", stage=stage)
    assert draft.template.startswith(f"{lang}/")
    assert 60 <= words(draft.body) <= 160
    check_tone(draft.body, draft.template)
    parsed = email.message_from_bytes(draft.as_bytes(), policy=email.policy.strict)
    assert parsed.defects == [] and all(not part.defects for part in parsed.walk())
    assert parsed["In-Reply-To"] == rejection.message_id
    assert parsed["References"].split()[-1] == rejection.message_id
    assert parsed["Message-ID"] == draft_message_id(rejection.message_id, "sam@example.net")
    assert parsed["To"] == rejection.from_address
    assert parsed["Subject"].lower().startswith(("re:", "aw:")) and rejection.subject in parsed["Subject"]
    assert parsed.get_content_type() == "text/plain" and parsed.get_content_charset() == "utf-8"
    assert parsed.get_content().replace("\r\n", "\n").strip() == draft.body.strip()


def test_draft_is_personal_and_deterministic():
    rejection = parse_message(REJECTIONS["en"])
    facts = extract(rejection)
    first = compose(rejection, facts, "sam@example.net", "Sam")
    second = compose(rejection, facts, "sam@example.net", "Sam")
    assert first.body == second.body and first.message_id == second.message_id
    assert first.body.startswith("Hi Dana,") and "Kestrel Bank" in first.body
    assert first.body.rstrip().endswith("Sam")


def test_variants_differ_across_rejections():
    bodies = set()
    for i in range(12):
        rejection = parse_message(message("Your application", "Unfortunately we will not be moving forward with your "
                                          "application.", message_id=f"<v{i}@x.example>", sender="jobs@acme.example"))
        bodies.add(compose(rejection, extract(rejection), "sam@example.net").template)
    assert len(bodies) >= 2


def test_no_reply_rejection_gets_no_recipient_and_a_note():
    rejection = parse_message(message("Your application", "Hi Sam,\n\nWe have decided to move forward with other "
                                      "candidates.\n\nThe Acme Team", sender="Acme <no-reply@greenhouse.io>",
                                      message_id="<nr@acme.example>"))
    draft = compose(rejection, extract(rejection), "sam@example.net")
    parsed = email.message_from_bytes(draft.as_bytes(), policy=email.policy.strict)
    assert parsed["To"] is None and draft.to is None
    assert draft.body.startswith("[onward: no reply address found")


def test_tone_check_rejects_bitter_phrasing():
    base = "Hello,\n\n" + "Thank you for the update and for your time on this process. " * 6
    for bad, phrase in [("I feel this is unfair.", "unfair"), ("Please reconsider my application.", "reconsider"),
                        ("I am so disappointed.", "disappointed"), ("Thanks a lot!", "exclamation"),
                        ("This was a WASTE of my evening.", "WASTE"), ("Why? Why? Why?", "questions")]:
        with pytest.raises(ToneError, match=phrase):
            check_tone(base + bad, "bitter.txt")
    with pytest.raises(ToneError, match="unfilled variable"):
        check_tone(base + " Regards, $my_nme", "typo.txt")
    with pytest.raises(ToneError, match="words"):
        check_tone("Hello, thanks.", "short.txt")


def test_user_template_overrides_and_bitter_one_is_refused(tmp_path):
    user = tmp_path / "templates" / "en"
    user.mkdir(parents=True)
    text = ("$greeting\n\nThank you for letting me know about $role. I appreciated the conversations with the team "
            "and learned a lot about $company along the way. If you have a moment, could you share one thing I "
            "could do better next time? I would also be glad to hear about future roles and to stay in touch. "
            "Thanks again for your time and consideration.\n\n$sign_off\n$my_name\n")
    for stage in STAGES:
        (user / f"{stage}-1.txt").write_text(text)
        (user / f"{stage}-2.txt").write_text(text)
        (user / f"{stage}-3.txt").write_text(text)
    templates = load_templates(tmp_path / "templates")
    assert templates["en/interview-1.txt"].origin == str(tmp_path / "templates")
    rejection = parse_message(REJECTIONS["en"])
    draft = compose(rejection, extract(rejection), "sam@example.net", templates=templates)
    assert "learned a lot about Kestrel Bank" in draft.body

    for stage in STAGES:
        for n in (1, 2, 3):
            (user / f"{stage}-{n}.txt").write_text(text.replace("Thanks again",
                                                                "Frankly this was unfair. Thanks again"))
    config = tmp_path / "config.toml"
    config.write_text(f'templates_dir = "{tmp_path / "templates"}"\n')
    eml = tmp_path / "rejection.eml"
    eml.write_bytes(REJECTIONS["en"])
    result = CliRunner().invoke(cli, ["--config", str(config), "draft", str(eml)])
    assert result.exit_code == 1
    assert "onward: error: template en/" in result.output and "'unfair'" in result.output


def test_local_scan_with_a_bitter_template_saves_no_draft(tmp_path):
    user = tmp_path / "templates" / "en"
    user.mkdir(parents=True)
    bitter = ("$greeting\n\n" + "I honestly think your decision was unfair and I would like you to think again. " * 3
              + "\n\n$sign_off\n$my_name\n")
    for stage in STAGES:
        for n in (1, 2, 3):
            (user / f"{stage}-{n}.txt").write_text(bitter)
    config = tmp_path / "config.toml"
    config.write_text(f'templates_dir = "{tmp_path / "templates"}"\ndatabase = "{tmp_path / "db.sqlite"}"\n'
                      f'drafts_dir = "{tmp_path / "drafts"}"\n')
    eml = tmp_path / "inbox"
    eml.mkdir()
    (eml / "r.eml").write_bytes(REJECTION)
    result = CliRunner().invoke(cli, ["--config", str(config), "scan", str(eml)])
    assert result.exit_code == 0, result.output
    assert "draft: tone_failed" in result.output
    assert not list((tmp_path / "drafts").glob("*.eml"))


def test_draft_command_prints_without_touching_anything(tmp_path):
    eml = tmp_path / "r.eml"
    eml.write_bytes(REJECTIONS["de"])
    result = CliRunner().invoke(cli, ["draft", str(eml), "--stage", "interview", "--name", "Sam"])
    assert result.exit_code == 0, result.output
    assert "# template: de/interview-" in result.output and "Hallo Julia," in result.output
    english = CliRunner().invoke(cli, ["draft", str(eml), "--lang", "en"])
    assert "# template: en/" in english.output


def test_draft_command_signs_from_the_configured_account_unless_told_otherwise(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('name = "Sam Rivera"\n[accounts.personal]\nhost = "imap.example.org"\nusername = "sam"\n'
                      'address = "sam.rivera@example.org"\npassword_env = "SAM_PASSWORD"\n')
    eml = tmp_path / "rejection.eml"
    eml.write_bytes(REJECTIONS["en"])
    runner = CliRunner()
    configured = runner.invoke(cli, ["--config", str(config), "draft", str(eml)])
    assert configured.exit_code == 0, configured.output
    assert "From: Sam Rivera <sam.rivera@example.org>" in configured.output
    told = runner.invoke(cli, ["--config", str(config), "draft", "--from", "other@example.net", "--name", "S. R.",
                               str(eml)])
    assert "From: \"S. R.\" <other@example.net>" in told.output or "From: S. R. <other@example.net>" in told.output
    bare = runner.invoke(cli, ["draft", str(eml)])  # no config file at all
    assert bare.exit_code == 0, bare.output
    assert "From: me@example.com" in bare.output
