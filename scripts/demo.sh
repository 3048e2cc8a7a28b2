#!/usr/bin/env bash
# The demo: installs what is missing, builds, starts DynamoDB Local, seeds a source table, copies
# it with ddbmigrate, checks with boto3 that the copy is exact, and stops the server.
#
# Environment knobs: DEMO_ITEMS (default 50000) generated items; DEMO_COPY_ARGS extra arguments
# for "ddbmigrate copy" (e.g. "--segments 8"); DEMO_SKIP_BUILD=1 uses the existing build.
set -euo pipefail
# shellcheck source=scripts/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
cd "$DDBM_ROOT"

ITEMS="${DEMO_ITEMS:-50000}"
SOURCE=demo_source
TARGET=demo_target
BIN="${DDBMIGRATE_BIN:-$DDBM_ROOT/build/ddbmigrate}"

step() { printf '\n== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh
PYTHON="$(ddbm_find_python)"

if [[ "${DEMO_SKIP_BUILD:-0}" != 1 ]]; then
  step "build (log: .run/build.log)"
  mkdir -p "$DDBM_RUN_DIR"
  if ! bash scripts/build.sh >"$DDBM_RUN_DIR/build.log" 2>&1; then
    tail -n 40 "$DDBM_RUN_DIR/build.log" >&2
    ddbm_die "the build failed (log: .run/build.log)"
  fi
  tail -n 1 "$DDBM_RUN_DIR/build.log"
fi
[[ -x "$BIN" ]] || ddbm_die "$BIN does not exist"
"$BIN" --version

# Dummy credentials and no access to the user's AWS configuration. With -sharedDb every
# credential and region sees the same tables.
ddbm_isolate_aws_env demo
step "start DynamoDB Local"
start_dynamodb_local --shared-db

step "seed $SOURCE ($ITEMS items) and the Developer Guide sample tables"
"$PYTHON" scripts/seed_demo.py --endpoint-url "$DDB_ENDPOINT" --table "$SOURCE" \
  --items "$ITEMS" --create-target "$TARGET"

step "ddbmigrate tables"
"$BIN" tables --endpoint-url "$DDB_ENDPOINT"

# shellcheck disable=SC2206  # DEMO_COPY_ARGS is split on purpose
copy_args=(copy --source-table "$SOURCE" --target-table "$TARGET" --endpoint-url "$DDB_ENDPOINT"
  ${DEMO_COPY_ARGS:-})
step "ddbmigrate ${copy_args[*]}"
started="$(date +%s.%N)"
copy_rc=0
"$BIN" "${copy_args[@]}" || copy_rc=$?
finished="$(date +%s.%N)"
seconds="$(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.3f", b - a }')"
((copy_rc == 0)) || echo "demo: ddbmigrate copy exited with $copy_rc" >&2

step "check $TARGET against $SOURCE with boto3"
compare_rc=0
"$PYTHON" scripts/compare_tables.py --endpoint-url "$DDB_ENDPOINT" --source "$SOURCE" \
  --target "$TARGET" --seconds "$seconds" || compare_rc=$?

if ((copy_rc != 0 || compare_rc != 0)); then
  echo "demo: FAILED" >&2
  exit 1
fi
echo
echo "demo: ok"
