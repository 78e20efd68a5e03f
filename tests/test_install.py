"""The install path a new user takes: the demo script, the wheel build, the systemd unit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_script_is_quiet_and_says_what_next():
    # test.sh has just installed this checkout, so the demo reuses it instead of reinstalling
    done = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert "14 scanned" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("Next: install onward for your own mail with `pipx install .`")


def test_wheel_builds_without_warnings(tmp_path):
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                           "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    output = (done.stdout + done.stderr).lower()
    assert "warning" not in output and "deprecat" not in output, output
    assert len(list(tmp_path.glob("onward-*.whl"))) == 1
