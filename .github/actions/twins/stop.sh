#!/usr/bin/env bash
# Step of the twins action: stop the twins that start.sh launched (SIGTERM, so their writes are flushed).
set -euo pipefail
state_dir="${TWINS_STATE_DIR:-${RUNNER_TEMP:-/tmp}/twins}"
exec "${TWINS_PYTHON:-python3}" -c "from twins.cli import main; main()" action stop --state-dir "$state_dir"
