# Shared by demo.sh and test.sh: a virtualenv in .venv with onward installed from this checkout.
# Sourced, not run. Installs Debian's python3-venv when it is missing and we are root.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "onward needs Python >= 3.11 (found: $("$PYTHON" --version 2>&1))" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  if ! "$PYTHON" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
      "$PYTHON" -m venv .venv
    else
      echo "Python's venv module is missing: sudo apt-get install -y python3-venv" >&2
      exit 1
    fi
  fi
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
fi

# install_onward SPEC: a regular (not editable) install of this checkout, "." or ".[test]"; skipped
# when .venv already holds exactly these sources (a hash of what goes into the wheel) with SPEC's extras.
install_onward() {
  local stamp=.venv/.onward-installed hash
  hash="$(find src models training_data pyproject.toml -type f ! -name '*.pyc' -print0 \
          | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && { grep -qxF "$hash $1" "$stamp" || { [ "$1" = . ] && grep -q "^$hash " "$stamp"; }; }; then
    return 0
  fi
  rm -f "$stamp"
  # setuptools reuses build/lib, where a module that was moved or deleted would live on in the wheel
  rm -rf build
  .venv/bin/python -m pip install -q --disable-pip-version-check "$1" >/dev/null
  echo "$hash $1" > "$stamp"
}
