from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from onward.cli import cli
from onward.config import example_config, load_config
from onward.errors import ConfigError, SecretError
from onward.secrets import resolve_secret

GOOD = """
database = "~/mail/onward.db"
[accounts.personal]
host = "imap.example.com"
username = "me@example.com"
password_env = "ONWARD_PERSONAL_PASSWORD"
folders = ["INBOX", "Jobs"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_file_then_env_then_flags(tmp_path, isolated_env):
    path = write(tmp_path, "since_days = 30\n" + GOOD)
    config = load_config(path, env={})
    assert config.database == isolated_env / "mail" / "onward.db"
    assert config.since_days == 30
    account = config.account("personal")
    assert account.folders == ("INBOX", "Jobs")
    assert account.effective_port == 993 and account.tls == "ssl"
    assert account.from_address == "me@example.com"

    from_env = load_config(path, env={"ONWARD_SINCE_DAYS": "7", "ONWARD_DATABASE": "/tmp/x.db"})
    assert from_env.since_days == 7 and from_env.database == Path("/tmp/x.db")

    from_flag = load_config(path, env={"ONWARD_DATABASE": "/tmp/x.db"}, overrides={"database": "/tmp/flag.db"})
    assert from_flag.database == Path("/tmp/flag.db")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("colour = 'blue'\n" + GOOD, "unknown key 'colour'"),
        (GOOD.replace("host =", "hots ="), "unknown key 'accounts.personal.hots'"),
        ("since_days = 'soon'\n" + GOOD, "'since_days' must be an integer"),
        (GOOD.replace('folders = ["INBOX", "Jobs"]', "port = '993'"), "'accounts.personal.port' must be an integer"),
        (GOOD.replace('password_env = "ONWARD_PERSONAL_PASSWORD"', 'password = "hunter2"'),
         "'accounts.personal.password': passwords are never read"),
        (GOOD.replace('host = "imap.example.com"', 'host = "imap.example.com"\ntls = "none"'), "not loopback"),
        (GOOD.replace('host = "imap.example.com"', 'host = "imap.example.com"\ntls = "tls13"'), "must be one of"),
        ("[accounts.x]\nhost = 1\n", "'accounts.x.host' must be a string"),
        ("not toml = = =", "not valid TOML"),
    ],
)
def test_bad_config_names_the_key_and_the_file(tmp_path, text, fragment):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert fragment in str(err.value)
    assert str(path) in str(err.value) or "TOML" in str(err.value)


def test_two_secret_sources_are_refused(tmp_path):
    path = write(tmp_path, GOOD.replace("folders", 'password_command = "pass mail"\nfolders'))
    with pytest.raises(ConfigError, match="exactly one"):
        load_config(path, env={})


def test_plaintext_allowed_to_loopback_or_when_asked(tmp_path):
    loop = GOOD.replace('"imap.example.com"', '"127.0.0.1"\ntls = "none"')
    assert load_config(write(tmp_path, loop), env={}).account("personal").effective_port == 143
    forced = GOOD.replace('host = "imap.example.com"',
                          'host = "imap.example.com"\ntls = "none"\nallow_plaintext = true')
    assert load_config(write(tmp_path, forced), env={}).account("personal").tls == "none"


def test_missing_explicit_file_is_an_error_but_missing_default_is_not(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", env={})
    config = load_config(None, env={})
    assert config.source is None and config.accounts == {}


def test_secrets_from_env_and_command(tmp_path):
    config = load_config(write(tmp_path, GOOD), env={})
    account = config.account("personal")
    with pytest.raises(SecretError, match="ONWARD_PERSONAL_PASSWORD is not set"):
        resolve_secret(account, env={})
    secret = resolve_secret(account, env={"ONWARD_PERSONAL_PASSWORD": "s3cret"})
    assert secret.value == "s3cret" and "s3cret" not in repr(secret)

    cmd = load_config(write(tmp_path, GOOD.replace('password_env = "ONWARD_PERSONAL_PASSWORD"',
                                                   "password_command = \"printf 'tok3n\\\\nrest'\"")), env={})
    assert resolve_secret(cmd.account("personal")).value == "tok3n"
    failing = load_config(write(tmp_path, GOOD.replace('password_env = "ONWARD_PERSONAL_PASSWORD"',
                                                       'password_command = "false"')), env={})
    with pytest.raises(SecretError, match="failed"):
        resolve_secret(failing.account("personal"))


def test_config_init_then_check(tmp_path):
    runner = CliRunner()
    path = tmp_path / "conf" / "config.toml"
    result = runner.invoke(cli, ["--config", str(path), "config", "init"])
    assert result.exit_code == 0, result.output
    assert path.read_text() == example_config()
    again = runner.invoke(cli, ["--config", str(path), "config", "init"])
    assert again.exit_code != 0 and "already exists" in again.output
    check = runner.invoke(cli, ["--config", str(path), "config", "check"])
    assert check.exit_code == 1, check.output  # valid, but nothing to scan yet
    assert check.output.strip().splitlines()[-1].startswith("not ok: no accounts configured")


def test_config_check_masks_secret_commands(tmp_path):
    path = write(tmp_path, GOOD.replace('password_env = "ONWARD_PERSONAL_PASSWORD"',
                                        'password_command = "echo CANARY-PASSWORD-42"'))
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert result.exit_code == 0, result.output
    assert "CANARY-PASSWORD-42" not in result.output
    assert "password_command = echo ***" in result.output


def test_bad_config_gives_one_line_and_non_zero_exit(tmp_path):
    path = write(tmp_path, "bogus = 1\n" + GOOD)
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert result.exit_code == 2
    assert result.output.strip() == f"onward: error: {path}: unknown key 'bogus'"
    assert "Traceback" not in result.output


def test_config_env_var_names_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, GOOD)
    monkeypatch.setenv("ONWARD_CONFIG", str(path))
    monkeypatch.setenv("ONWARD_PERSONAL_PASSWORD", "x")
    result = CliRunner().invoke(cli, ["config", "check", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert str(path) in result.output


def test_name_signs_drafts_per_account_and_is_asked_by_config_init(tmp_path):
    path = tmp_path / "config.toml"
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "init", "--name", 'Sam "Sammy" Rivera'])
    assert result.exit_code == 0, result.output
    config = load_config(path, env={})
    assert config.name == 'Sam "Sammy" Rivera' and config.draft_max_age_days == 14
    both = load_config(write(tmp_path, 'name = "Sam Rivera"\ndraft_max_age_days = 30\n' + GOOD +
                             'name = "Samuel Rivera"\n'), env={})
    assert both.signer_name(both.account("personal")) == "Samuel Rivera" and both.signer_name() == "Sam Rivera"
    assert both.draft_age_limit == 30
    from_env = load_config(write(tmp_path, GOOD), env={"ONWARD_NAME": "Robin Ashby", "ONWARD_DRAFT_MAX_AGE_DAYS": "0"})
    assert from_env.signer_name(from_env.account("personal")) == "Robin Ashby" and from_env.draft_age_limit is None
    with pytest.raises(ConfigError, match="draft_max_age_days"):
        load_config(write(tmp_path, "draft_max_age_days = -1\n"), env={})
    with pytest.raises(ConfigError, match="one line"):
        load_config(write(tmp_path, 'name = "Sam\\nBcc: x@y"\n'), env={})
    refused = CliRunner().invoke(cli, ["--config", str(tmp_path / "other.toml"), "config", "init", "--name", "a\nb"])
    assert refused.exit_code != 0 and "one line" in refused.output and "Traceback" not in refused.output


def test_typos_get_a_suggestion_and_a_password_gets_the_secret_sources(tmp_path):
    with pytest.raises(ConfigError, match=r"unknown key 'accounts.personal.hots' \(did you mean 'host'\?\)"):
        load_config(write(tmp_path, GOOD.replace("host =", "hots =")), env={})
    with pytest.raises(ConfigError, match=r"unknown key 'databse' \(did you mean 'database'\?\)"):
        load_config(write(tmp_path, GOOD.replace("database =", "databse =")), env={})
    with pytest.raises(ConfigError, match=r"unknown key 'account' \(did you mean 'accounts'\?\)"):
        load_config(write(tmp_path, GOOD.replace("[accounts.personal]", "[account.personal]")), env={})
    path = write(tmp_path, GOOD + 'password = "hunter2"\n')
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert result.exit_code == 2 and "hunter2" not in result.output
    assert result.output.strip() == (
        f"onward: error: {path}: 'accounts.personal.password': passwords are never read from the config file; use one "
        "of password_env, password_command, oauth2_token_command, password_keyring (`onward keys set personal` "
        "stores one in the system keyring)")
