# shellcheck shell=bash
# Shell functions shared by bench-ingest.sh and bench-rollups.sh; sourced, never run. The sourcing
# script sets `tool` (its name in messages) before sourcing it, then `runs`, `server_cmd` and `out`.
# Every server it starts listens on 127.0.0.1 only, on a free port, and is one per script at a time.

server_pid="" data_dir="" port="" grpc_port=""

# The median of an array of numbers, to three decimals: prepend to a jq program.
JQ_MEDIAN='def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end | . * 1000 | round / 1000;'

die() { echo "$tool: $*" >&2; exit 1; }

# check_setup: the tools and --runs, before anything is located or started.
check_setup() {
  local needed
  for needed in java curl jq python3; do
    command -v "$needed" >/dev/null || die "$needed is required"
  done
  [[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer: $runs"
}

# locate_build OUT_PREFIX: sets root, server_argv, jar, java_client and out (a new temp dir named
# OUT_PREFIX.XXXXXX unless --out gave one); dies when the server or the load tools are not built.
locate_build() {
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  read -r -a server_argv <<<"$server_cmd"
  [ "$server_cmd" != "bin/pingstack run" ] || [ -x "$root/bin/pingstack" ] || die "$root/bin/pingstack not found: the server is not built yet"
  jar=$(ls "$root"/load-tests/target/load-tests-*-all.jar 2>/dev/null | head -n 1)
  [ -n "$jar" ] || die "no load-tests/target/load-tests-*-all.jar: run 'mvn -q -DskipTests package' first"
  java_client=(java -Xms512m -Xmx1g -XX:+UseParallelGC -jar "$jar")
  out=${out:-$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")}
  mkdir -p "$out"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

new_data_dir() { data_dir=$(mktemp -d "${TMPDIR:-/tmp}/pingstack-bench-data.XXXXXX"); }

# launch_server LOG [NAME=VALUE...]: starts the server on data_dir with its HTTP and gRPC listeners on
# 127.0.0.1 and two new free ports (sets port, grpc_port and server_pid; a server left over never
# holds gRPC's default 9090 against the next one), with the extra environment given, appending its
# output to LOG; does not wait. These are all the PINGSTACK_* names it sets: a server refuses names
# it does not know.
launch_server() {
  local log=$1
  shift
  port=$(free_port)
  grpc_port=$(free_port)
  while [ "$grpc_port" = "$port" ]; do grpc_port=$(free_port); done
  (cd "$root" && exec env PINGSTACK_DATA_DIR="$data_dir" PINGSTACK_HTTP_HOST=127.0.0.1 PINGSTACK_HTTP_PORT="$port" \
    PINGSTACK_GRPC_HOST=127.0.0.1 PINGSTACK_GRPC_PORT="$grpc_port" "$@" "${server_argv[@]}") >>"$log" 2>&1 &
  server_pid=$!
}

# Stops the server (SIGTERM, at most 30 s, then SIGKILL) and removes the data dir. The server command
# must exec the JVM (bin/pingstack does), so that server_pid is the server itself.
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$server_pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    if kill -0 "$server_pid" 2>/dev/null; then
      echo "$tool: server did not exit 30 s after SIGTERM; killing it" >&2
      kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
  [ -z "$data_dir" ] || rm -rf "$data_dir"
  data_dir=""
}

ready() { curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$port/readyz" 2>/dev/null; }

# poll LOG LIMIT_S EVERY_S EXITED TIMED_OUT CMD...: runs CMD every EVERY_S seconds until it succeeds.
# Dies with the message EXITED when the server exits first, TIMED_OUT after LIMIT_S; either way after
# printing the last 30 lines of LOG.
poll() {
  local log=$1 limit=$2 every=$3 exited=$4 timed_out=$5
  shift 5
  local deadline=$((SECONDS + limit))
  until "$@"; do
    kill -0 "$server_pid" 2>/dev/null || { tail -n 30 "$log" >&2; die "$exited (log: $log)"; }
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$log" >&2; die "$timed_out (log: $log)"; }
    sleep "$every"
  done
}

# require_server LOG WHAT: dies, after the last 20 lines of LOG, when the server exited during WHAT.
require_server() {
  kill -0 "$server_pid" 2>/dev/null && return 0
  tail -n 20 "$1" >&2
  die "the server exited during $2 (log: $1)"
}
