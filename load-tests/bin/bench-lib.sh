# shellcheck shell=bash
# Shell functions shared by bench-ingest.sh, bench-rollups.sh, bench-clickhouse.sh, bench-replay.sh
# and bench-restart.sh; sourced, never run. The sourcing script sets `tool` (its name in messages)
# before sourcing it, then `runs`, `server_cmd` and `out` (and `clickhouse_bin`, `wait_idle` for the
# functions that use them).
# Every server it starts listens on 127.0.0.1 only, on a free port, and is one per script at a time.

server_pid="" data_dir="" port="" grpc_port=""

# The median of an array of numbers, to three decimals: prepend to a jq program.
JQ_MEDIAN='def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end | . * 1000 | round / 1000;'

die() { echo "$tool: $*" >&2; exit 1; }

# common_option "$@": the options every script takes, --runs N, --out DIR and --server "CMD", and
# -h/--help (the script's usage, exit 0); any other option is unknown (usage on stderr, exit 2). A
# script's own option parsing ends with `*) common_option "$@"; shift 2 ;;`.
common_option() {
  case "$1" in
    --runs) runs=$2 ;;
    --out) out=$2 ;;
    --server) server_cmd=$2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "$tool: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
}

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

# The wall clock in milliseconds, and the seconds since such a reading (3 decimals).
now_ms() { date +%s%3N; }
seconds_since() { awk -v a="$1" -v b="$(now_ms)" 'BEGIN { printf "%.3f", (b - a) / 1000 }'; }

# query_auth_with TOKEN: sets query_auth, curl's arguments for the query endpoints (none for "").
query_auth=()
query_auth_with() { query_auth=(); [ -z "$1" ] || query_auth=(-H "Authorization: Bearer $1"); }

# Pings the rollups have applied, over every event (/v1/events), or -1; and whether that is $1.
events_total() {
  curl -fsS --max-time 10 "${query_auth[@]}" "http://127.0.0.1:$port/v1/events" 2>/dev/null \
    | jq '[.events[].count] | add // 0' 2>/dev/null || echo -1
}
events_total_is() { [ "$(events_total)" = "$1" ]; }

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

# stat_ticks FILE: utime + stime, in clock ticks, of a /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat
# file; fails when it cannot be read.
stat_ticks() {
  local stat
  local -a fields
  stat=$(cat "$1" 2>/dev/null) || return 1
  read -r -a fields <<<"${stat##*) }"  # fields[0] is field 3 (state): utime is field 14, stime 15
  echo $((fields[11] + fields[12]))
}

# window_ticks PID...: "processes busy steal" CPU ticks so far: those of the processes PID... (all
# their threads; 0 for one that is gone or empty), the whole machine's (user, nice, system, irq, softirq) and
# the time the hypervisor took from this VM (steal).
window_ticks() {
  local pid ticks processes=0
  for pid in "$@"; do
    [ -n "$pid" ] && ticks=$(stat_ticks "/proc/$pid/stat") || ticks=0  # /proc//stat would be /proc/stat
    processes=$((processes + ticks))
  done
  awk -v processes="$processes" '/^cpu / { print processes, $2 + $3 + $4 + $7 + $8, $9 }' /proc/stat
}

# other_cores BEFORE AFTER SECONDS CLIENT_CORES: the cores that neither the processes window_ticks
# counted (the servers) nor the generator used between two window_ticks snapshots SECONDS apart
# (another program on the machine, the kernel's own threads), and the cores stolen by the
# hypervisor, as a JSON object: a run's figures are only comparable with others when both stay
# near 0.
other_cores() {
  awk -v hz="$(getconf CLK_TCK)" -v t="$3" -v client="$4" -v before="$1" -v after="$2" 'BEGIN {
    split(before, b, " "); split(after, a, " ")
    other = ((a[2] - b[2]) - (a[1] - b[1])) / hz / t - client
    printf "{\"other_cores\": %.2f, \"steal_cores\": %.2f}\n", (other > 0 ? other : 0), (a[3] - b[3]) / hz / t }'
}

# thread_ticks FILE [PID]: CPU ticks each group of threads of process PID (default: the server) has
# used so far, one "name ticks" line per group; digits in thread names become N, spaces _ (pools
# count as one). Two processes whatever the number of threads: while a benchmark saturates the
# cores, a fork per thread took seconds and shifted the window it was meant to mark.
thread_ticks() {
  cat /proc/"${2:-$server_pid}"/task/*/stat 2>/dev/null | awk '{
    # pid (comm) state ... : the name is between the first "(" and the last ")", and may hold both.
    open = index($0, "("); for (last = length($0); last > open && substr($0, last, 1) != ")"; last--) {}
    name = substr($0, open + 1, last - open - 1); gsub(/[0-9]/, "N", name); gsub(/ /, "_", name)
    split(substr($0, last + 2), f, " ")  # f[1] is field 3 (state): utime is field 14, stime 15
    ticks[name] += f[12] + f[13]
  } END { for (k in ticks) print k, ticks[k] }' >"$1"
}

# thread_cores BEFORE AFTER SECONDS: a JSON object of the cores each thread group used between the
# two snapshots (after the warmup, until the generator exited), over SECONDS measured seconds.
thread_cores() {
  awk -v hz="$(getconf CLK_TCK)" -v t="$3" '
    NR == FNR { before[$1] = $2; next }
    { used = ($2 - before[$1]) / hz / t; if (used >= 0.005) { out = out sprintf("%s\"%s\": %.3f", sep, $1, used); sep = ", " } }
    END { print "{" out "}" }' "$1" "$2"
}

# rotate RUN ITEM...: the items, starting at item (RUN - 1) mod count: each item takes every
# place in the order of a round equally often, so none is always the one that runs first.
rotate() {
  local run=$1
  shift
  local -a items=("$@")
  local i n=${#items[@]}
  for ((i = 0; i < n; i++)); do echo "${items[(i + run - 1) % n]}"; done
}

# ClickHouse (bench-clickhouse.sh, bench-replay.sh): a private clickhouse-server. The sourcing script
# sets clickhouse_bin; start_clickhouse sets ch_root, ch_port and ch_pid; stop_clickhouse copies its
# logs to out.
ch_root="" ch_pid="" ch_port=""

# ch_query SQL: runs SQL on our ClickHouse (user default); prints the answer, dies unless 200.
ch_query() {
  local answer code
  answer=$(curl -sS --max-time 120 -w '\n%{http_code}' --data-binary "$1" "http://127.0.0.1:$ch_port/") \
    || die "ClickHouse did not answer: $1"
  code=${answer##*$'\n'}
  answer=${answer%$'\n'*}
  [ "$code" = 200 ] || die "ClickHouse answered $code to $1: $answer"
  printf '%s\n' "$answer"
}

# ch_ours NAME: true when a server answers on ch_port and is the one started with display name NAME
# (another program may have taken the port between our pick and its bind).
ch_ours() {
  curl -sS --max-time 2 -D - -o /dev/null --data-binary 'SELECT 1' "http://127.0.0.1:$ch_port/" 2>/dev/null \
    | tr -d '\r' | grep -qix "X-ClickHouse-Server-Display-Name: $1"
}

# start_clickhouse: a private clickhouse-server (18.16 config syntax, as ClickHouseServerXml writes
# it in the integration tests): HTTP and native TCP on two free loopback ports and no other port,
# data and logs in a new temp dir; returns once it answers.
start_clickhouse() {
  local tcp_port name prefix=()
  ch_root=$(mktemp -d "${TMPDIR:-/tmp}/pingstack-bench-clickhouse.XXXXXX")
  mkdir -p "$ch_root/data" "$ch_root/log"
  ch_port=$(free_port)
  tcp_port=$(free_port)
  while [ "$tcp_port" = "$ch_port" ]; do tcp_port=$(free_port); done
  name="pingstack-bench-$$-$RANDOM"
  cat >"$ch_root/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
  <logger>
    <level>information</level>
    <log>$ch_root/log/clickhouse-server.log</log>
    <errorlog>$ch_root/log/clickhouse-server.err.log</errorlog>
    <console>0</console>
  </logger>
  <display_name>$name</display_name>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$ch_port</http_port>
  <tcp_port>$tcp_port</tcp_port>
  <path>$ch_root/data/</path>
  <tmp_path>$ch_root/data/tmp/</tmp_path>
  <user_files_path>$ch_root/data/user_files/</user_files_path>
  <format_schema_path>$ch_root/data/format_schemas/</format_schema_path>
  <users_config>$ch_root/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>67108864</mark_cache_size>
</yandex>
EOF
  cat >"$ch_root/users.xml" <<'EOF'
<?xml version="1.0"?>
<yandex>
  <profiles><default/></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default/></quotas>
</yandex>
EOF
  # The kernel kills the server if this script dies without its trap (setpriv, where util-linux has it).
  [ ! -x /usr/bin/setpriv ] || prefix=(/usr/bin/setpriv --pdeathsig KILL --)
  (cd "$ch_root" && exec "${prefix[@]}" "$clickhouse_bin" --config-file="$ch_root/config.xml") >>"$ch_root/log/console.log" 2>&1 &
  ch_pid=$!
  local deadline=$((SECONDS + 30))
  until ch_ours "$name"; do
    kill -0 "$ch_pid" 2>/dev/null || { tail -n 20 "$ch_root/log/clickhouse-server.err.log" "$ch_root/log/console.log" >&2 || true; die "clickhouse-server exited before it answered"; }
    [ $SECONDS -lt $deadline ] || die "clickhouse-server did not answer on 127.0.0.1:$ch_port within 30 s"
    sleep 0.1
  done
}

# stop_clickhouse: SIGTERM (18.16 waits for idle keep-alive connections first), SIGKILL after 30 s;
# keeps its logs in the output dir and removes its data.
stop_clickhouse() {
  if [ -n "$ch_pid" ]; then
    kill -TERM "$ch_pid" 2>/dev/null || true
    local deadline=$((SECONDS + 30))
    while kill -0 "$ch_pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
    kill -KILL "$ch_pid" 2>/dev/null || true
    wait "$ch_pid" 2>/dev/null || true
    ch_pid=""
  fi
  if [ -n "$ch_root" ]; then
    cp "$ch_root"/log/*.log "$out/" 2>/dev/null || true
    rm -rf "$ch_root"
    ch_root=""
  fi
}

table_exists() { [ "$(ch_query "EXISTS TABLE $1 FORMAT TabSeparated")" = 1 ]; }

# detach DB: detaches DB.pings (its merges stop) and leaves its files to the end of the script.
detach() {
  ch_query "DETACH TABLE $1.pings" >/dev/null
}

# Time and a quiet machine -----------------------------------------------------------------------

now_s() { date +%s.%N; }
seconds_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# await_idle: waits (at most --wait-idle seconds) until the machine's busy time over 3 s is below
# 0.3 cores (wait_idle: the script's --wait-idle); between runs nothing of ours runs but an idle
# ClickHouse, so what is busy is someone else.
await_idle() {
  local deadline=$((SECONDS + ${wait_idle%.*})) before after busy
  while [ "${wait_idle%.*}" -gt 0 ]; do
    before=$(window_ticks)
    sleep 3
    after=$(window_ticks)
    busy=$(other_cores "$before" "$after" 3 0 | jq .other_cores)
    if awk -v b="$busy" 'BEGIN { exit !(b < 0.3) }'; then
      return
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "$tool: the machine is still busy ($busy cores) after ${wait_idle} s of waiting: running anyway" >&2
      return
    fi
    echo "$tool: waiting for a quiet machine (others use $busy cores)" >&2
    sleep 7
  done
}
