#!/usr/bin/env bash
# One command: install what the tests need (Dovecot, systemd-analyze, headless Chromium, pipx, and onward
# with its test extra) and run the whole suite: lint and type checks, then pytest against a real Dovecot
# started by the tests.
source "$(dirname "$0")/_setup_env.sh"

# need PACKAGE WHY COMMAND...: install Debian's PACKAGE (as root) unless one of the COMMANDs is there
need() {
  local package="$1" why="$2" command
  shift 2
  for command in "$@"; do
    if command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ]; then
      return 0
    fi
  done
  if [ "$(id -u)" != 0 ]; then
    echo "The tests need $package ($why): sudo apt-get install -y $package" >&2
    exit 1
  fi
  echo "installing $package ($why)..."
  if [ -z "${APT_UPDATED:-}" ]; then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
}
need dovecot-imapd "the real-server tests" dovecot
need systemd "systemd-analyze verify of the unit" systemd-analyze
need chromium-headless-shell "the report screenshot test" chromium-headless-shell chromium
need pipx "the README's install command" pipx
# A regular (not editable) install: the tests then prove the wheel carries what it needs.
install_onward ".[test]"
.venv/bin/ruff check src tests scripts
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
