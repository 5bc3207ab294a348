#!/usr/bin/env bash
# The ClickHouse cold store benchmark (docs/BENCHMARKS.md, issue 4): sustained ingest into Pingstack
# with ClickHouse as its cold store, side by side with ClickHouse's own HTTP insert of the same pings
# (JSONEachRow), at the same batch size and connections, in the same session.
#
# Starts its own clickhouse-server (Debian's 18.16) on two free loopback ports with its data in a
# temp dir, and stops it at the end. Then RUNS interleaved rounds of two runs, the order rotated from
# one round to the next:
#   pingstack  a fresh server (bin/pingstack run, new data dir, free loopback ports) with
#              PINGSTACK_CLICKHOUSE_URL at that ClickHouse and a fresh database per run, loaded by the
#              generator over HTTP (protobuf); /metrics sampled every second of the measured window
#              (the cold consumer's lag, rows inserted, pings accepted but not yet in ClickHouse);
#              after the load, the time until the cold store has caught up (lag 0 and every accepted
#              ping counted in ClickHouse) and an exactly-once check (count() and distinct ping ids
#              against the pings the server accepted and those the generator saw acknowledged);
#   direct     the same generator with --protocol clickhouse-json into a table of the same
#              definition (CREATE TABLE ... AS the table Pingstack created), in a fresh database.
# Each run records the cores the server's and ClickHouse's threads used during the measured window
# (/proc/<pid>/task/*/stat), and the cores other programs and the hypervisor took. Each run's
# table is detached after it (its merges stop; its files go with the server's temp dir at the end:
# dropping a table of ~10,000 small parts took minutes here), so no run inherits another's merges.
# With --wait-idle, each run first waits for a quiet machine. Prints every run, a table of
# medians and the ratio of the pings/s medians. Builds nothing: run
# `mvn -o -q -B package -DskipTests -pl pingstack-server,load-tests -am` first. Only ever targets
# 127.0.0.1. Needs java, curl, jq, python3 (for a free port) and clickhouse-server.
set -euo pipefail
tool=bench-clickhouse
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

usage() {
  cat <<'EOF'
usage: load-tests/bin/bench-clickhouse.sh [options]
  --duration S          measured seconds per run (default 20)
  --warmup S            warmup seconds per run, not measured (default 15)
  --runs N              interleaved rounds, each one run of every mode (default 3)
  --modes "pingstack direct"   which runs a round has (default both)
  --batch N             pings per request (default 100)
  --connections C       keep-alive connections (default 16)
  --rate N              pingstack runs only: open loop at N requests (of --batch pings) per second instead
                        of closed loop, to see whether the cold store keeps up at that rate (the direct
                        runs stay closed loop: their figure is the peer's maximum)
  --instances N         distinct instance ids (default 1000)
  --drain-limit S       how long the cold store may take to catch up after the load (default 300)
  --wait-idle S         before each run, wait up to S seconds until other programs use less than
                        0.3 cores (default 0: do not wait); the run's other_cores still tells
  --clickhouse PATH     the clickhouse-server binary (default /usr/sbin/clickhouse-server;
                        bin/ensure-clickhouse installs it)
  --out DIR             keeps each run's JSON, samples and logs there (default: a new temp dir)
  --server "CMD"        the Pingstack command, run from the repo root (default "bin/pingstack run")
EOF
}

duration=20 warmup=15 runs=3 modes="pingstack direct" batch=100 conns=16 rate="" instances=1000 drain_limit=300 wait_idle=0
clickhouse_bin=/usr/sbin/clickhouse-server out="" server_cmd="bin/pingstack run"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --instances) instances=$2; shift 2 ;;
    --drain-limit) drain_limit=$2; shift 2 ;;
    --wait-idle) wait_idle=$2; shift 2 ;;
    --clickhouse) clickhouse_bin=$2; shift 2 ;;
    *) common_option "$@"; shift 2 ;;
  esac
done

check_setup
for mode in $modes; do
  case "$mode" in
    pingstack|direct) ;;
    *) die "--modes takes pingstack and direct: $mode" ;;
  esac
done
[ -x "$clickhouse_bin" ] || die "no clickhouse-server at $clickhouse_bin (bin/ensure-clickhouse installs Debian's)"
locate_build pingstack-bench-clickhouse

sampler_pid="" client_pid=""
schema_db=bench_schema

# Pingstack's /metrics -------------------------------------------------------------------------

# metrics_json: the cold store's figures from the server's /metrics as one JSON object; fails when
# /metrics does not answer.
metrics_json() {
  curl -fsS --max-time 5 "http://127.0.0.1:$port/metrics" | awk '
    /^pingstack_consumer_lag_records\{.*consumer="cold"/ { lag_records = $NF }
    /^pingstack_consumer_lag_seconds\{.*consumer="cold"/ { lag_seconds = $NF }
    /^pingstack_consumer_lag_records\{.*consumer="rollups"/ { rollups_lag_records = $NF }
    /^pingstack_clickhouse_inserted_rows_total / { inserted = $NF }
    /^pingstack_clickhouse_buffered_bytes / { buffered = $NF }
    /^pingstack_clickhouse_insert_failures_total\{/ { failures += $NF }
    /^pingstack_clickhouse_quarantined_rows_total / { quarantined = $NF }
    /^pingstack_clickhouse_flush_duration_seconds_count / { flushes = $NF }
    /^pingstack_clickhouse_flush_duration_seconds_sum / { flush_seconds = $NF }
    /^pingstack_ingest_pings_total\{.*outcome="accepted"/ { accepted += $NF }
    END {
      printf "{\"lag_records\": %d, \"lag_seconds\": %.3f, \"rollups_lag_records\": %d, \"inserted\": %d, \"accepted\": %d, \"behind\": %d, \"buffered_bytes\": %d, \"insert_failures\": %d, \"quarantined\": %d, \"flushes\": %d, \"flush_seconds\": %.3f}\n",
        lag_records, lag_seconds, rollups_lag_records, inserted, accepted, accepted - inserted, buffered, failures, quarantined, flushes, flush_seconds
    }'
}

# sample_metrics FILE: appends metrics_json with the seconds since it started ("t") to FILE every
# second until killed.
sample_metrics() {
  local start now
  start=$(date +%s.%N)
  while :; do
    now=$(date +%s.%N)
    metrics_json 2>/dev/null | jq -c --argjson t "$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.2f", b - a }')" '{t: $t} + .' >>"$1" || true
    sleep "$(awk -v a="$now" -v b="$(date +%s.%N)" 'BEGIN { d = 1 - (b - a); printf "%.3f", (d > 0 ? d : 0) }')"
  done
}

stop_sampler() {
  if [ -n "$sampler_pid" ]; then
    kill "$sampler_pid" 2>/dev/null || true
    wait "$sampler_pid" 2>/dev/null || true
    sampler_pid=""
  fi
}

cleanup() {
  stop_sampler
  if [ -n "$client_pid" ]; then
    kill "$client_pid" 2>/dev/null || true
    wait "$client_pid" 2>/dev/null || true
  fi
  stop_server
  stop_clickhouse
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_pingstack DB LOG: a fresh Pingstack whose cold store is our ClickHouse, database DB; returns
# once /readyz answers 200 and the cold store has created DB.pings.
start_pingstack() {
  new_data_dir
  : >"$2"
  launch_server "$2" PINGSTACK_CLICKHOUSE_URL="http://127.0.0.1:$ch_port" PINGSTACK_CLICKHOUSE_DATABASE="$1" \
    PINGSTACK_NODE_NAME=bench
  poll "$2" 90 0.2 "server exited before /readyz answered" "/readyz did not answer 200 within 90 s" ready
  poll "$2" 60 0.2 "server exited before it created $1.pings" "the cold store did not create $1.pings within 60 s" table_exists "$1.pings"
}


# A run ------------------------------------------------------------------------------------------


# measure NAME ARGS...: runs the generator with ARGS (plus the common options) in the background,
# sleeps through its warmup, snapshots the CPU counters, samples /metrics when a Pingstack server
# runs, waits for the generator and snapshots again; leaves the window's length in window_s and the
# counters in OUT/NAME.*.
measure() {
  local name=$1 status=0
  shift
  ch_errors_before=$(ch_error_lines)
  timeout $((${duration%.*} + ${warmup%.*} + 90)) "${java_client[@]}" "$@" --batch "$batch" --connections "$conns" \
    --duration "$duration" --warmup "$warmup" --instances "$instances" --json-out "$out/$name.json" >"$out/$name.txt" 2>&1 &
  client_pid=$!
  sleep "$warmup"
  [ -z "$server_pid" ] || thread_ticks "$out/$name.server-threads-before"
  thread_ticks "$out/$name.clickhouse-threads-before" "$ch_pid"
  ch_us_before=$(user_system "$ch_pid") server_us_before=$(user_system "$server_pid")
  ticks_before=$(window_ticks "$server_pid" "$ch_pid") window_start=$(now_s)
  if [ -n "$server_pid" ]; then
    : >"$out/$name.samples"
    sample_metrics "$out/$name.samples" &
    sampler_pid=$!
  fi
  wait "$client_pid" || status=$?
  client_pid=""
  ticks_after=$(window_ticks "$server_pid" "$ch_pid") window_end=$(now_s)
  ch_us_after=$(user_system "$ch_pid") server_us_after=$(user_system "$server_pid")
  [ -z "$server_pid" ] || thread_ticks "$out/$name.server-threads-after"
  thread_ticks "$out/$name.clickhouse-threads-after" "$ch_pid"
  stop_sampler
  window_s=$(seconds_between "$window_start" "$window_end")
  kill -0 "$ch_pid" 2>/dev/null || die "clickhouse-server exited during run $name (logs: $ch_root/log)"
  [ "$status" -eq 0 ] || { cat "$out/$name.txt" >&2; die "load run $name failed with status $status"; }
}

# user_system PID: "utime stime" ticks of process PID so far (all its threads); "0 0" when it is gone
# or PID is empty.
user_system() {
  local stat
  local -a fields
  [ -n "$1" ] && stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo "0 0"; return; }
  read -r -a fields <<<"${stat##*) }"
  echo "${fields[11]} ${fields[12]}"
}

# cpu_json NAME: the window's CPU figures as one JSON object: cores per thread group of the server
# and of ClickHouse, their totals, and the cores others and the hypervisor took.
cpu_json() {
  local name=$1 server_threads="{}" ch_threads
  [ ! -f "$out/$name.server-threads-before" ] \
    || server_threads=$(thread_cores "$out/$name.server-threads-before" "$out/$name.server-threads-after" "$window_s")
  ch_threads=$(thread_cores "$out/$name.clickhouse-threads-before" "$out/$name.clickhouse-threads-after" "$window_s")
  jq -n --argjson server "$server_threads" --argjson ch "$ch_threads" --argjson window "$window_s" \
    --argjson ch_errors "$(($(ch_error_lines) - ch_errors_before))" \
    --arg ch_us "$ch_us_before $ch_us_after" --arg server_us "$server_us_before $server_us_after" --argjson hz "$(getconf CLK_TCK)" \
    --argjson others "$(other_cores "$ticks_before" "$ticks_after" "$window_s" "$(jq .client_cpu_cores "$out/$name.json")")" '
    {server_cores: ([$server[]] | add // 0 | . * 100 | round / 100), clickhouse_cores: ([$ch[]] | add // 0 | . * 100 | round / 100),
     server_thread_cores: $server, clickhouse_thread_cores: $ch, cpu_window_s: $window, clickhouse_error_lines: $ch_errors}
    + ([$ch_us, $server_us] | map(split(" ") | map(tonumber) | {user: ((.[2] - .[0]) / $hz / $window * 100 | round / 100),
       system: ((.[3] - .[1]) / $hz / $window * 100 | round / 100)}) | {clickhouse_user_system_cores: .[0], server_user_system_cores: .[1]})
    + $others'
}

# ch_error_lines: lines of ClickHouse's error log so far, leaving out the connection resets of the
# generator closing its connections with requests in flight at the end of a run.
ch_error_lines() {
  grep -v 'Connection reset by peer' "$ch_root/log/clickhouse-server.err.log" 2>/dev/null | grep -c '<Error>' || true
}

# stored_json DB: what ClickHouse holds in DB.pings: rows, distinct ping ids, active parts.
stored_json() {
  ch_query "SELECT count(), uniqExact(ping_id) FROM $1.pings FORMAT TabSeparated" | {
    read -r rows distinct
    parts=$(ch_query "SELECT count() FROM system.parts WHERE database = '$1' AND table = 'pings' AND active FORMAT TabSeparated")
    jq -n --argjson rows "$rows" --argjson distinct "$distinct" --argjson parts "$parts" \
      '{rows_stored: $rows, distinct_ping_ids: $distinct, active_parts_at_end: $parts}'
  }
}

# run_pingstack NAME DB
run_pingstack() {
  local name=$1 db=$2 log="$out/$1.server.log" drained_lag="" drained_rows="" start m stored
  start_pingstack "$db" "$log"
  measure "$name" --url "http://127.0.0.1:$port" ${rate:+--rate "$rate"}
  # Catch-up: until the cold consumer has applied every record (lag 0) and ClickHouse counts every
  # ping the server accepted.
  start=$(now_s)
  while :; do
    require_server "$log" "the catch-up of run $name"
    m=$(metrics_json) || m='{}'
    if [ -z "$drained_lag" ] && [ "$(jq '.lag_records == 0' <<<"$m")" = true ]; then
      drained_lag=$(seconds_between "$start" "$(now_s)")
    fi
    if [ -n "$drained_lag" ] && [ "$(jq '.inserted == .accepted' <<<"$m")" = true ] \
      && [ "$(ch_query "SELECT count() FROM $db.pings FORMAT TabSeparated")" = "$(jq .accepted <<<"$m")" ]; then
      drained_rows=$(seconds_between "$start" "$(now_s)")
      break
    fi
    if awk -v s="$(seconds_between "$start" "$(now_s)")" -v l="$drain_limit" 'BEGIN { exit !(s > l) }'; then
      echo "$tool: run $name: the cold store did not catch up within $drain_limit s: $m" >&2
      break
    fi
    sleep 0.2
  done
  m=$(metrics_json)
  stored=$(stored_json "$db")
  jq --arg mode pingstack --arg db "$db" --argjson cpu "$(cpu_json "$name")" --argjson fin "$m" --argjson stored "$stored" \
    --arg drain_lag "$drained_lag" --arg drain_rows "$drained_rows" --slurpfile samples "$out/$name.samples" "$JQ_MEDIAN"'
    def slope: (length) as $n | if $n < 2 then null else
      (map(.t) | add / $n) as $mt | (map(.y) | add / $n) as $my
      | (map((.t - $mt) * (.y - $my)) | add) / (map((.t - $mt) * (.t - $mt)) | add) end;
    . + {mode: $mode, database: $db} + $cpu + $stored + {
      lag: {
        samples: ($samples | length),
        records_max: ($samples | map(.lag_records) | max), records_median: ($samples | map(.lag_records) | median),
        seconds_max: ($samples | map(.lag_seconds) | max), seconds_median: ($samples | map(.lag_seconds) | median),
        pings_behind_max: ($samples | map(.behind) | max), pings_behind_median: ($samples | map(.behind) | median),
        pings_behind_per_s: ($samples | map({t, y: .behind}) | slope | if . == null then null else . * 10 | round / 10 end),
        records_per_s: ($samples | map({t, y: .lag_records}) | slope | if . == null then null else . * 10 | round / 10 end),
        accepted_per_s: ($samples | if length < 2 then null else (.[-1].accepted - .[0].accepted) / (.[-1].t - .[0].t) | round end),
        inserted_per_s: ($samples | if length < 2 then null else (.[-1].inserted - .[0].inserted) / (.[-1].t - .[0].t) | round end),
        rollups_records_max: ($samples | map(.rollups_lag_records) | max)},
      drain_lag_s: (if $drain_lag == "" then null else ($drain_lag | tonumber) end),
      drain_rows_s: (if $drain_rows == "" then null else ($drain_rows | tonumber) end),
      pings_accepted_by_server: $fin.accepted, rows_inserted_metric: $fin.inserted,
      insert_failures: $fin.insert_failures, quarantined: $fin.quarantined,
      flushes: $fin.flushes, flush_mean_ms: (if $fin.flushes > 0 then $fin.flush_seconds / $fin.flushes * 1000 | round else null end),
      exactly_once: ($stored.rows_stored == $fin.accepted and $stored.distinct_ping_ids == $stored.rows_stored
        and $stored.rows_stored >= .pings_acked_in_run)}' "$out/$name.json" >"$out/$name.json.tmp"
  mv "$out/$name.json.tmp" "$out/$name.json"
  stop_server
  detach "$db"
}

# run_direct NAME DB
run_direct() {
  local name=$1 db=$2
  ch_query "CREATE DATABASE $db" >/dev/null
  ch_query "CREATE TABLE $db.pings AS $schema_db.pings" >/dev/null
  measure "$name" --protocol clickhouse-json --url "http://127.0.0.1:$ch_port" --table "$db.pings"
  jq --arg mode direct --arg db "$db" --argjson cpu "$(cpu_json "$name")" --argjson stored "$(stored_json "$db")" '
    . + {mode: $mode, database: $db} + $cpu + $stored
    + {exactly_once: ($stored.distinct_ping_ids == $stored.rows_stored and $stored.rows_stored >= .pings_acked_in_run)}' \
    "$out/$name.json" >"$out/$name.json.tmp"
  mv "$out/$name.json.tmp" "$out/$name.json"
  detach "$db"
}

print_run() {
  jq -r --arg name "$1" '"\($name): \(.pings_per_s | floor) pings/s acked, p50 \(.latency_ms.p50) ms, p99 \(.latency_ms.p99) ms, errors \(.errors | tojson)"
    + (if .mode == "pingstack" then ", accepted \(.lag.accepted_per_s)/s inserted \(.lag.inserted_per_s)/s in the window, cold lag max \(.lag.records_max) records / \(.lag.seconds_max) s (median \(.lag.records_median) / \(.lag.seconds_median) s), pings not yet in ClickHouse max \(.lag.pings_behind_max) (trend \(.lag.pings_behind_per_s)/s), drained in \(.drain_lag_s) s (lag 0) / \(.drain_rows_s) s (all rows), insert failures \(.insert_failures), flushes \(.flushes) of \(.flush_mean_ms) ms mean" else "" end)
    + "; stored \(.rows_stored) rows, \(.distinct_ping_ids) distinct ids"
    + (if .mode == "pingstack" then ", server accepted \(.pings_accepted_by_server)" else "" end)
    + ", generator acked \(.pings_acked_in_run) (exactly once: \(.exactly_once)), \(.active_parts_at_end) active parts, \(.clickhouse_error_lines) ClickHouse error lines"
    + "; cores: client \(.client_cpu_cores), server \(.server_cores) (user \(.server_user_system_cores.user), system \(.server_user_system_cores.system)), clickhouse \(.clickhouse_cores) (user \(.clickhouse_user_system_cores.user), system \(.clickhouse_user_system_cores.system)), others \(.other_cores), steal \(.steal_cores)"
    + "; server threads: \(.server_thread_cores | to_entries | sort_by(-.value) | .[:8] | map("\(.key)=\(.value)") | join(" "))"
    + "; clickhouse threads: \(.clickhouse_thread_cores | to_entries | sort_by(-.value) | .[:6] | map("\(.key)=\(.value)") | join(" "))"' "$out/$1.json"
}

# Main -------------------------------------------------------------------------------------------

start_clickhouse
echo "# ClickHouse cold store benchmark: $(nproc) cores, clickhouse-server $(ch_query 'SELECT version() FORMAT TabSeparated') on 127.0.0.1:$ch_port (pid $ch_pid), batch $batch, $conns connections${rate:+, pingstack open loop at $rate requests/s}, duration ${duration}s, warmup ${warmup}s, $runs interleaved rounds; results in $out"
# The table definition: Pingstack creates it (PingTable); the direct runs copy it.
start_pingstack "$schema_db" "$out/schema.server.log"
stop_server
ch_query "SHOW CREATE TABLE $schema_db.pings FORMAT TabSeparatedRaw" >"$out/pings.sql"

for run in $(seq 1 "$runs"); do
  for mode in $(rotate "$run" $modes); do
    name="$mode-run$run"
    await_idle
    "run_$mode" "$name" "bench_${mode}_$run"
    print_run "$name"
  done
done

echo
echo "| mode | pings/s acked | p50 ms | p99 ms | cold lag max (records / s) | cold lag median (records / s) | pings not in ClickHouse max | drain s (lag 0 / all rows) | exactly once | client / server / clickhouse cores | runs (pings/s) | others' cores per run | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for mode in $modes; do
  jq -s -r "$JQ_MEDIAN"'
    def m(f): map(f) | if any(. == null) then null else median end;
    "| \(.[0].mode) | \(m(.pings_per_s) | floor) | \(m(.latency_ms.p50)) | \(m(.latency_ms.p99))"
    + (if .[0].mode == "pingstack"
       then " | \(m(.lag.records_max)) / \(m(.lag.seconds_max)) | \(m(.lag.records_median)) / \(m(.lag.seconds_median)) | \(m(.lag.pings_behind_max)) | \(m(.drain_lag_s)) / \(m(.drain_rows_s))"
       else " | - | - | - | -" end)
    + " | \(map(.exactly_once) | all) | \(m(.client_cpu_cores)) / \(m(.server_cores)) / \(m(.clickhouse_cores)) | \(map(.pings_per_s | floor | tostring) | join(", ")) | \(map(.other_cores | tostring) | join(", ")) | \([.[].errors | to_entries[]] | group_by(.key) | map("\(.[0].key)=\(map(.value) | add)") | if length == 0 then "none" else join(" ") end) |"' \
    "$out/$mode"-run*.json
done
if [[ " $modes " == *" pingstack "* && " $modes " == *" direct "* ]]; then
  p=$(jq -s "$JQ_MEDIAN"' map(.pings_per_s) | median' "$out"/pingstack-run*.json)
  d=$(jq -s "$JQ_MEDIAN"' map(.pings_per_s) | median' "$out"/direct-run*.json)
  per_round=$(for run in $(seq 1 "$runs"); do
    jq -n --slurpfile p "$out/pingstack-run$run.json" --slurpfile d "$out/direct-run$run.json" '$p[0].pings_per_s / $d[0].pings_per_s * 100 | round / 100'
  done | paste -sd ' ')
  echo
  echo "pingstack / direct: $(awk -v p="$p" -v d="$d" 'BEGIN { printf "%.2f", p / d }') (medians $p / $d pings/s; per round: $per_round)"
fi
echo "(medians over $runs interleaved rounds of ${duration}s after ${warmup}s warmup, each figure independently; runs in run order; each run's JSON, samples and logs: $out)"
