"""The install path a new user takes: the demo script, the wheel build, the systemd unit."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

from onward.commands.service_unit import render_unit

ROOT = Path(__file__).resolve().parent.parent


def test_demo_script_is_quiet_and_says_what_next():
    # test.sh has just installed this checkout, so the demo reuses it instead of reinstalling
    done = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "14 scanned" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith(
        "Next: install onward for your own mail with `pipx install .`")


def test_wheel_builds_without_warnings(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    output = (done.stdout + done.stderr).lower()
    assert "warning" not in output and "deprecat" not in output, output
    assert len(list(tmp_path.glob("onward-*.whl"))) == 1


def systemd_analyze_verify(unit: Path, home: Path) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("systemd-analyze")
    assert binary, ("systemd-analyze is needed for this test: apt-get install -y systemd "
                    "(scripts/test.sh does it as root)")
    runtime = home / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    return subprocess.run([binary, "--user", "verify", str(unit)], capture_output=True, text=True, env=env,
                          cwd=unit.parent, timeout=120)


def test_shipped_unit_is_the_rendered_one_and_verifies(tmp_path):
    shipped = ROOT / "scripts" / "onward.service"
    assert shipped.read_text() == render_unit()
    home = tmp_path / "home"
    (home / ".local" / "bin").mkdir(parents=True)
    # where `pipx install .` puts the command
    (home / ".local" / "bin" / "onward").symlink_to(Path(sys.executable).parent / "onward")
    unit = tmp_path / "onward.service"
    unit.write_text(shipped.read_text())
    done = systemd_analyze_verify(unit, home)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    for setting in ("RestartPreventExitStatus=2", "ProtectKernelTunables=yes", "LockPersonality=yes",
                    "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6", "SystemCallFilter=@system-service"):
        assert setting in unit.read_text()


def test_config_unit_follows_this_install_and_the_database(tmp_path):
    config = tmp_path / "my config.toml"
    config.write_text(f'database = "{tmp_path}/mail data/onward.db"\n')
    (tmp_path / "mail data").mkdir()
    onward = Path(sys.executable).parent / "onward"  # the venv's command, not pipx's
    done = subprocess.run([str(onward), "--config", str(config), "config", "unit"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == ""
    assert f'ExecStart={onward} --config "{config}" watch\n' in done.stdout
    assert f'ReadWritePaths="{tmp_path}/mail data"\n' in done.stdout
    unit = tmp_path / "onward.service"
    unit.write_text(done.stdout)
    verified = systemd_analyze_verify(unit, tmp_path / "home")
    assert (verified.returncode, verified.stderr) == (0, "")


def test_pipx_install_puts_onward_on_the_path(tmp_path):
    """The README's install command, into a throwaway pipx home (Debian 12: apt-get install pipx)."""
    pipx = shutil.which("pipx")
    assert pipx, "pipx is needed for this test: apt-get install -y pipx (scripts/test.sh does it as root)"
    bin_dir = tmp_path / "bin"
    env = {**os.environ, "PIPX_HOME": str(tmp_path / "pipx"), "PIPX_BIN_DIR": str(bin_dir),
           "PIPX_MAN_DIR": str(tmp_path / "man"),
           # the tests' HOME is a fresh folder: keep pip's download cache where it really is
           "PIP_CACHE_DIR": str(Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "pip")}
    done = subprocess.run([pipx, "install", str(ROOT)], capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr
    onward = bin_dir / "onward"
    version = subprocess.run([str(onward), "--version"], capture_output=True, text=True, env=env)
    assert version.returncode == 0 and version.stdout.startswith("onward, version")
    injected = subprocess.run([pipx, "inject", "onward", "keyring"], capture_output=True, text=True, env=env,
                              timeout=600)  # the README's way to add password_keyring support
    assert injected.returncode == 0, injected.stderr
    venv_python = tmp_path / "pipx" / "venvs" / "onward" / "bin" / "python"
    assert subprocess.run([str(venv_python), "-c", "import keyring"]).returncode == 0
    # the shipped unit runs %h/.local/bin/onward: pipx's default PIPX_BIN_DIR
    assert "ExecStart=%h/.local/bin/onward watch" in (ROOT / "scripts" / "onward.service").read_text()
