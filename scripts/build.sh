#!/usr/bin/env bash
# Configures and builds the project in build/ (Release). The binary ends up at build/ddbmigrate.
# Extra arguments are passed to the configure step, e.g. -DDDBM_BUILD_BENCH=OFF.
# BUILD_JOBS overrides the number of parallel compile jobs (default: 2).
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$DDBM_ROOT"

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j"${BUILD_JOBS:-2}"
[[ -x build/ddbmigrate ]] || ddbm_die "the build finished but build/ddbmigrate is missing"
echo "build: ok (build/ddbmigrate)"
