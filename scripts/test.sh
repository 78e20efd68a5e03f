#!/usr/bin/env bash
# One command: install what the tests need (Dovecot, onward with its test extra) and run
# the whole suite: lint, then pytest against a real Dovecot started by the tests.
source "$(dirname "$0")/_setup_env.sh"
if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing Dovecot (dovecot-imapd) for the real-server tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd >/dev/null
  else
    echo "The tests need Dovecot: sudo apt-get install -y dovecot-imapd" >&2
    exit 1
  fi
fi
# tests/test_install.py checks the systemd unit with systemd-analyze
if ! command -v systemd-analyze >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing systemd (for systemd-analyze verify of the unit)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null
  else
    echo "The tests need systemd-analyze: sudo apt-get install -y systemd" >&2
    exit 1
  fi
fi
# tests/test_report_screenshot.py looks at the html report in headless Chromium
if ! command -v chromium-headless-shell >/dev/null 2>&1 && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "installing headless Chromium (for the report screenshot test)..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null
  else
    echo "The tests need headless Chromium: sudo apt-get install -y chromium-headless-shell" >&2
    exit 1
  fi
fi
# A regular (not editable) install: the tests then prove the wheel carries what it needs.
install_onward ".[test]"
.venv/bin/ruff check src tests scripts
exec .venv/bin/python -m pytest "$@"
