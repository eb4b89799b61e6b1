#!/usr/bin/env bash
# Step of the twins action: install the twins, start them in the background, export what clients need.
# Inputs come as TWINS_* variables (see action.yml); runs the same way outside GitHub (see the tests).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state_dir="${TWINS_STATE_DIR:-${RUNNER_TEMP:-/tmp}/twins}"
python_bin="${TWINS_PYTHON:-python3}"

if ! "$python_bin" -c "import twins.action" 2>/dev/null; then
  "$python_bin" -m pip install -q "${TWINS_INSTALL:-$here/../../..}"
fi

args=(--services "${TWINS_SERVICES:-slack,okta}" --state-dir "$state_dir" --rate-limits "${TWINS_RATE_LIMITS:-off}")
if [ -n "${TWINS_DB:-}" ]; then args+=(--db "$TWINS_DB"); fi
if [ -n "${TWINS_ADMIN_TOKEN:-}" ]; then
  args+=(--admin-token "$TWINS_ADMIN_TOKEN")
  if [ -n "${GITHUB_ACTIONS:-}" ]; then echo "::add-mask::$TWINS_ADMIN_TOKEN"; fi
fi
if [ -n "${TWINS_AUTO_PORTS:-}" ]; then args+=(--auto-ports); fi
exec "$python_bin" -c "from twins.cli import main; main()" action start "${args[@]}"
