#!/usr/bin/env bash
# Trains the model shipped in models/ from our own training_data/ and the licensed corpora
# in ../shared/corpora (never real_dev_malipatel, which is for measuring only).
# Usage: scripts/train_shipped_model.sh [CORPORA_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
corpora="${1:-../shared/corpora}"
exec .venv/bin/onward train \
  --data training_data \
  --data "$corpora/justajobapp_labeled_synthetic" \
  --data "$corpora/odoo_hr_recruitment_templates" \
  --data "$corpora/dwarvesf_playbook_recruiting_templates" \
  --data "$corpora/spamassassin_publiccorpus_ham" \
  --out models/onward-model.joblib
