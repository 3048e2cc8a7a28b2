# shellcheck shell=bash
# Local services for the demo and manual testing: DynamoDB Local and moto's server.
#
#   source scripts/lib/services.sh      # also installs the EXIT/INT/TERM/HUP handlers
#   start_dynamodb_local [--shared-db]  # exports DDB_ENDPOINT=http://127.0.0.1:PORT
#   start_moto                          # exports MOTO_ENDPOINT=http://127.0.0.1:PORT
#   stop_services                       # stops exactly what was started here (runs on exit anyway)
#
# Call the start functions in the main shell, never inside $( ) or a pipeline: they export
# variables, and the servers are tied to the shell that started them (each server gets SIGTERM
# from the kernel if that shell dies, even by SIGKILL). Logs go to .run/.

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

_DDBM_SERVICE_PIDS=()
_DDBM_SERVICE_NAMES=()
# The Python used to probe ports and readiness and to run moto (resolved once: shims are slow).
if [[ -z "${PYTHON:-}" ]]; then
  PYTHON="$(ddbm_find_python || command -v python3)"
fi

# _ddbm_alive PID: true while PID runs (a zombie, already exited but not reaped, counts as dead).
_ddbm_alive() {
  local rest state
  [[ -r "/proc/$1/stat" ]] || return 1
  rest="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  rest="${rest##*) }"
  state="${rest%% *}"
  [[ "$state" != Z && "$state" != X ]]
}

# Prints a TCP port on 127.0.0.1 that the kernel reports free right now.
free_port() {
  "${PYTHON:-python3}" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# _ddbm_wait_http PID URL TIMEOUT_SECONDS: waits until URL answers with any HTTP status while PID
# lives. Returns 1 if PID died or the time ran out.
_ddbm_wait_http() {
  local pid="$1" url="$2" timeout="$3" deadline
  deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    _ddbm_alive "$pid" || return 1
    if "${PYTHON:-python3}" - "$url" <<'PYEOF' 2>/dev/null; then
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(urllib.request.Request(sys.argv[1]), timeout=2)
except urllib.error.HTTPError:
    pass  # any HTTP answer means the server is up
sys.exit(0)
PYEOF
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# _ddbm_spawn NAME LOG CMD...: starts CMD in the background, tied to this shell, output to LOG.
# Sets _DDBM_LAST_PID.
_ddbm_spawn() {
  local name="$1" log="$2"
  shift 2
  local prefix=()
  # The kernel sends SIGTERM to the server when this shell goes away, however it ends.
  if command -v setpriv >/dev/null 2>&1 && setpriv --pdeathsig TERM -- true 2>/dev/null; then
    prefix=(setpriv --pdeathsig TERM --)
  fi
  (cd "$DDBM_RUN_DIR" && exec "${prefix[@]}" "$@") </dev/null >"$log" 2>&1 &
  _DDBM_LAST_PID=$!
  _DDBM_SERVICE_PIDS+=("$_DDBM_LAST_PID")
  _DDBM_SERVICE_NAMES+=("$name")
}

# _ddbm_stop_pids PID...: SIGTERM to all, up to 5 s for them to go, then SIGKILL; reaps them.
_ddbm_stop_pids() {
  local pid i alive
  for pid in "$@"; do
    if _ddbm_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  done
  for ((i = 0; i < 50; i++)); do
    alive=0
    for pid in "$@"; do
      if _ddbm_alive "$pid"; then alive=1; fi
    done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "$@"; do
    if _ddbm_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
}

# _ddbm_start_server NAME READY_PATH CMD_BUILDER [ARGS...]: picks a port, runs "CMD_BUILDER PORT
# ARGS..." (which fills _DDBM_CMD), waits for http://127.0.0.1:PORT/READY_PATH. Retries with another
# port if the server dies during start (another process may have taken the port meanwhile).
# Sets _DDBM_LAST_PORT.
_ddbm_start_server() {
  local name="$1" ready_path="$2" builder="$3"
  shift 3
  local attempt port log
  mkdir -p "$DDBM_RUN_DIR"
  for attempt in 1 2 3; do
    port="$(free_port)"
    log="${DDBM_RUN_DIR}/${name}-${port}.log"
    "$builder" "$port" "$@"
    _ddbm_spawn "$name" "$log" "${_DDBM_CMD[@]}"
    if _ddbm_wait_http "$_DDBM_LAST_PID" "http://127.0.0.1:${port}/${ready_path}" 60; then
      _DDBM_LAST_PORT="$port"
      return 0
    fi
    ddbm_log "services: $name did not start on port $port (attempt $attempt); log $log:"
    tail -n 15 "$log" >&2 || true
    _ddbm_stop_pids "$_DDBM_LAST_PID"
  done
  ddbm_log "services: giving up on $name"
  return 1
}

_ddbm_dynamodb_local_cmd() {
  local port="$1" shared="$2" dir
  dir="$(ddbm_dynamodb_local_dir)" || ddbm_die "DynamoDB Local is not installed: run scripts/setup.sh"
  # shellcheck disable=SC2206  # DDBM_JAVA_OPTS is split on purpose
  _DDBM_CMD=(java "-Djava.library.path=${dir}/DynamoDBLocal_lib" ${DDBM_JAVA_OPTS:-} -jar "${dir}/DynamoDBLocal.jar"
    -port "$port" -inMemory -disableTelemetry)
  [[ "$shared" == 1 ]] && _DDBM_CMD+=(-sharedDb)
  return 0
}

# start_dynamodb_local [--shared-db]: starts an in-memory DynamoDB Local on a free loopback port and
# exports DDB_ENDPOINT. Without --shared-db each (access key, region) pair sees its own tables.
start_dynamodb_local() {
  local shared=0
  while (($# > 0)); do
    case "$1" in
      --shared-db) shared=1 ;;
      *) ddbm_die "start_dynamodb_local: unknown option $1" ;;
    esac
    shift
  done
  command -v java >/dev/null 2>&1 || ddbm_die "java is not installed: run scripts/setup.sh"
  _ddbm_start_server dynamodb-local "" _ddbm_dynamodb_local_cmd "$shared" || return 1
  export DDB_ENDPOINT="http://127.0.0.1:${_DDBM_LAST_PORT}"
  ddbm_log "services: DynamoDB Local at $DDB_ENDPOINT (pid $_DDBM_LAST_PID)"
}

_ddbm_moto_cmd() {
  _DDBM_CMD=("${PYTHON:-python3}" -m moto.server -H 127.0.0.1 -p "$1")
}

# start_moto: starts moto's server (S3, STS, ...) on a free loopback port and exports MOTO_ENDPOINT.
start_moto() {
  _ddbm_start_server moto moto-api/ _ddbm_moto_cmd || return 1
  export MOTO_ENDPOINT="http://127.0.0.1:${_DDBM_LAST_PORT}"
  ddbm_log "services: moto at $MOTO_ENDPOINT (pid $_DDBM_LAST_PID)"
}

# stop_services: stops every server started by this shell. Safe to call twice.
stop_services() {
  ((${#_DDBM_SERVICE_PIDS[@]} == 0)) || _ddbm_stop_pids "${_DDBM_SERVICE_PIDS[@]}"
  _DDBM_SERVICE_PIDS=()
  _DDBM_SERVICE_NAMES=()
}

# Make sure nothing outlives the script: on normal exit, on errors under set -e, and on Ctrl-C,
# SIGTERM or a closed terminal (the signal handlers exit, which runs the EXIT handler).
trap 'stop_services' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
