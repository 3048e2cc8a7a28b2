#!/usr/bin/env bash
# Runs all the tests: installs what is missing, builds, runs the unit tests (ctest), then the
# end-to-end tests (Python unittest; they start their own DynamoDB Local and moto servers).
# Exits non-zero if anything failed. Logs: .run/ctest.log and .run/e2e.log.
#
# Environment knobs: E2E_PATTERN (default test_*.py) selects e2e test files; SKIP_BUILD=1 uses the
# existing build; SKIP_E2E=1 / SKIP_UNIT=1 skip a part.
set -uo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$DDBM_ROOT" || exit 1
mkdir -p "$DDBM_RUN_DIR"

started=$SECONDS
step() { printf '\n== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh || exit 1
PYTHON="$(ddbm_find_python)" || ddbm_die "no python3 with boto3"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  step "build"
  bash scripts/build.sh || { echo "test: the build failed" >&2; exit 1; }
fi

unit_passed=0 unit_failed=0 unit_rc=0
if [[ "${SKIP_UNIT:-0}" != 1 ]]; then
  step "unit tests (ctest)"
  ctest --test-dir build --output-on-failure -j2 2>&1 | tee "$DDBM_RUN_DIR/ctest.log"
  unit_rc=${PIPESTATUS[0]}
  # "100% tests passed, 0 tests failed out of 42"
  if summary="$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' \
    "$DDBM_RUN_DIR/ctest.log" | tail -n 1)" && [[ -n "$summary" ]]; then
    unit_failed="$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$summary")"
    unit_total="$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$summary")"
    unit_passed=$((unit_total - unit_failed))
  elif ((unit_rc != 0)); then
    unit_failed=1
  fi
  ((unit_rc == 0 || unit_failed > 0)) || unit_failed=1
fi

e2e_passed=0 e2e_failed=0 e2e_skipped=0 e2e_rc=0
if [[ "${SKIP_E2E:-0}" != 1 ]]; then
  step "end-to-end tests (python unittest)"
  # The tests build their own isolated environment for the binary; this keeps the user's AWS
  # settings away from the test process's own boto3 clients too.
  (
    for var in $(compgen -e); do
      [[ "$var" == AWS_* ]] && unset "$var"
    done
    export AWS_EC2_METADATA_DISABLED=true PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
    exec "$PYTHON" -m unittest discover -s tests/e2e -p "${E2E_PATTERN:-test_*.py}" -v
  ) 2>&1 | tee "$DDBM_RUN_DIR/e2e.log"
  e2e_rc=${PIPESTATUS[0]}
  # unittest ends with "Ran N tests in Xs" and then "OK (skipped=S)" or
  # "FAILED (failures=F, errors=E, skipped=S, ...)".
  ran="$(grep -E '^Ran [0-9]+ tests? in ' "$DDBM_RUN_DIR/e2e.log" | tail -n 1 | awk '{print $2}')"
  verdict="$(grep -E '^(OK|FAILED)( \(.*\))?$' "$DDBM_RUN_DIR/e2e.log" | tail -n 1)"
  count() { grep -oE "$1=[0-9]+" <<<"$verdict" | cut -d= -f2 | head -n 1; }
  failures="$(count failures)" errors="$(count errors)" skipped="$(count skipped)"
  unexpected="$(count 'unexpected successes')"
  e2e_failed=$((${failures:-0} + ${errors:-0} + ${unexpected:-0}))
  e2e_skipped=${skipped:-0}
  e2e_passed=$((${ran:-0} - e2e_failed - e2e_skipped))
  if ((e2e_rc != 0 && e2e_failed == 0)); then e2e_failed=1; fi
  if [[ -z "$ran" || "$ran" == 0 ]]; then
    echo "test: no end-to-end test ran" >&2
    e2e_failed=$((e2e_failed > 0 ? e2e_failed : 1))
  fi
fi

passed=$((unit_passed + e2e_passed))
failed=$((unit_failed + e2e_failed))
echo
echo "unit: ${unit_passed} passed, ${unit_failed} failed"
echo "e2e: ${e2e_passed} passed, ${e2e_failed} failed, ${e2e_skipped} skipped"
echo "time: $((SECONDS - started)) s"
echo "total: ${passed} passed, ${failed} failed"
((failed == 0 && unit_rc == 0 && e2e_rc == 0))
