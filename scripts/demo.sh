#!/usr/bin/env bash
# One command: set up onward in .venv and run its main job on the sample inbox shipped with it.
# No account, no network beyond the package index; output goes to ./demo-output (git-ignored).
source "$(dirname "$0")/_setup_env.sh"
install_onward .
exec .venv/bin/onward demo --out "$ROOT/demo-output" "$@"
