#!/usr/bin/env bash
# The replay throughput benchmark (docs/BENCHMARKS.md, issue 6): how fast a replay of the write-ahead
# log goes into the rollups and into each cold store, with no speed cap
# (PINGSTACK_REPLAY_MAX_PINGS_PER_SECOND=0) and no live ingest beside it.
#
# RUNS rounds; in each, one run per store (the order rotated from one round to the next), each on a
# fresh server (bin/pingstack run, new data dir, free loopback ports):
#   arrow       the embedded Arrow cold store (the default);
#   clickhouse  PINGSTACK_CLICKHOUSE_URL at a clickhouse-server 18.16 the script starts on two free
#               loopback ports with its data in a temp dir, a fresh database per run (detached after
#               it: its merges stop, its files go with the temp dir at the end).
# A run loads PINGS pings with the load generator (--total, batch 100, 16 connections, timestamps
# now unless --spread), waits until both consumers have applied every record (lag 0) and the cold
# store has made the last record durable (GET /admin/wal), then replays the whole log, [first
# position, last position] of GET /admin/wal, with POST /admin/replay, polling GET /admin/replay/<id>
# every 0.2 s until it ends, in these modes (order rotated per round):
#   rollups          target rollups: rebuilds every cell the range touches from the log
#   cold present     target cold, nothing lacking: the presence check alone (Arrow: the manifest's
#                    files on disk; ClickHouse: which rows pings holds, batch by batch)
#   cold rebuild     target cold, "rebuild": true: rewrites the range (ClickHouse: deletes the node's
#                    rows first, and leaves the live path's last group where it is)
#   cold restore     Arrow only: after deleting the day=... directory holding the most rows, target
#                    cold: restores the files the manifest lists and the disk lacks
# and records what the job reports (state, records and pings read, elapsed seconds, pings/s, the
# target's counts), the range's pings per elapsed second, rows written per elapsed second, and the
# cores the server, ClickHouse and others used meanwhile. Each outcome is checked, and the script
# fails on the first that is wrong: done; the rollups answer as before (/v1/events and counts and
# distinct instances per hour of every event); nothing lacking writes 0 rows; a rebuild writes
# every ping (ClickHouse: every ping it deleted, the rest present); a restore writes the deleted
# day's rows; afterwards the store holds every ping once (Arrow: the manifest's rows, every file on
# disk; ClickHouse: count() and distinct ping ids).
# With --wait-idle, each run and each replay first waits for a quiet machine. Prints every replay, then a table of
# medians per (store, target, mode). Builds nothing: run
# `mvn -o -q -B -DskipTests package -pl pingstack-server,load-tests -am` first. Only ever targets
# 127.0.0.1. Needs java, curl, jq, python3 (for a free port) and, for the clickhouse store,
# clickhouse-server.
set -euo pipefail
tool=bench-replay
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

usage() {
  cat <<'EOF'
usage: load-tests/bin/bench-replay.sh [options]
  --runs N              rounds, each one run per store (default 3)
  --pings N             pings to load, and so to replay (default 1000000)
  --stores "arrow clickhouse"   which cold stores (default both)
  --batch N             pings per request when loading (default 100)
  --connections C       load connections (default 16)
  --instances N         distinct instance ids (default 1000)
  --spread D            event times spread over the last D (the generator's --time-spread, e.g. 7d);
                        default none: timestamps now (one UTC day, two across midnight)
  --drain-limit S       how long the consumers may take to catch up after the load (default 600)
  --replay-limit S      how long one replay may take (default 1800)
  --wait-idle S         before each run and each replay, wait up to S seconds until other programs use less than
                        0.3 cores (default 0: do not wait); each replay's other_cores still tells
  --clickhouse PATH     the clickhouse-server binary (default /usr/sbin/clickhouse-server;
                        bin/ensure-clickhouse installs it)
  --out DIR             keeps each replay's JSON and each run's logs there (default: a new temp dir)
  --server "CMD"        the Pingstack command, run from the repo root (default "bin/pingstack run")
EOF
}

runs=3 pings=1000000 stores="arrow clickhouse" batch=100 conns=16 instances=1000 spread="" drain_limit=600
replay_limit=1800 wait_idle=0 clickhouse_bin=/usr/sbin/clickhouse-server out="" server_cmd="bin/pingstack run"
while [ $# -gt 0 ]; do
  case "$1" in
    --pings) pings=$2; shift 2 ;;
    --stores) stores=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --instances) instances=$2; shift 2 ;;
    --spread) spread=$2; shift 2 ;;
    --drain-limit) drain_limit=$2; shift 2 ;;
    --replay-limit) replay_limit=$2; shift 2 ;;
    --wait-idle) wait_idle=$2; shift 2 ;;
    --clickhouse) clickhouse_bin=$2; shift 2 ;;
    *) common_option "$@"; shift 2 ;;
  esac
done

check_setup
[[ "$pings" =~ ^[1-9][0-9]*$ ]] || die "--pings must be a positive integer: $pings"
[ -n "$stores" ] || die "--stores names no store"
for store in $stores; do
  case "$store" in
    arrow) ;;
    clickhouse) [ -x "$clickhouse_bin" ] || die "no clickhouse-server at $clickhouse_bin (bin/ensure-clickhouse installs Debian's)" ;;
    *) die "--stores takes arrow and clickhouse: $store" ;;
  esac
done
locate_build pingstack-bench-replay

load_pid=""
# A FIFO open for reading and writing never has data nor an end: `read -t S -u "$nap"` sleeps S
# seconds without forking sleep(1).
mkfifo "$out/.nap"
exec {nap}<>"$out/.nap"
rm -f "$out/.nap"
cleanup() {
  if [ -n "$load_pid" ]; then
    kill "$load_pid" 2>/dev/null || true
    wait "$load_pid" 2>/dev/null || true
  fi
  stop_server
  stop_clickhouse
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The server ------------------------------------------------------------------------------------

# admin GET|POST PATH [BODY]: the answer of an /admin endpoint, then its HTTP status on a last line.
admin() {
  local args=(-sS --max-time 30 -w '\n%{http_code}' -X "$1")
  [ $# -lt 3 ] || args+=(-H 'Content-Type: application/json' --data-binary "$3")
  curl "${args[@]}" "http://127.0.0.1:$port$2"
}

# admin_json PATH: the JSON of GET PATH; dies unless 200.
admin_json() {
  local answer
  answer=$(admin GET "$1") || die "GET $1 did not answer"
  [ "${answer##*$'\n'}" = 200 ] || die "GET $1 answered ${answer##*$'\n'}: ${answer%$'\n'*}"
  printf '%s\n' "${answer%$'\n'*}"
}

# accepted: pings the server accepted (pingstack_ingest_pings_total{outcome="accepted"}).
accepted() {
  curl -fsS --max-time 10 "http://127.0.0.1:$port/metrics" \
    | awk '/^pingstack_ingest_pings_total\{.*outcome="accepted"/ { n += $NF } END { printf "%d\n", n }'
}

# caught_up: both consumers have applied the last record and the cold store has made it durable.
caught_up() {
  admin_json /admin/wal | jq -e '.last_position as $last | (.consumers | length) == 2
    and all(.consumers[]; .up and .lag_records == 0 and .applied_position == $last)
    and any(.consumers[]; .name == "cold" and .durable_position == $last)' >/dev/null
}

# start_server STORE RUN LOG: a fresh server with that cold store and no replay speed cap; returns once
# /readyz answers 200 (and, for ClickHouse, its database has its pings table).
start_server() {
  local store=$1 run=$2 log=$3 extra=()
  new_data_dir
  : >"$log"
  if [ "$store" = clickhouse ]; then
    db="bench_replay_$run"
    extra=(PINGSTACK_CLICKHOUSE_URL="http://127.0.0.1:$ch_port" PINGSTACK_CLICKHOUSE_DATABASE="$db")
  fi
  launch_server "$log" PINGSTACK_NODE_NAME=bench PINGSTACK_REPLAY_MAX_PINGS_PER_SECOND=0 "${extra[@]}"
  poll "$log" 90 0.2 "server exited before /readyz answered" "/readyz did not answer 200 within 90 s" ready
  [ "$store" != clickhouse ] \
    || poll "$log" 60 0.2 "server exited before it created $db.pings" "the cold store did not create $db.pings within 60 s" table_exists "$db.pings"
}

# What the stores hold ----------------------------------------------------------------------------

# rollups_state: what the rollups answer, in a stable form: /v1/events, and counts and distinct
# instances per hour of every event over the loaded time range (from_ms, to_ms).
rollups_state() {
  local events event
  events=$(curl -fsS --max-time 30 "http://127.0.0.1:$port/v1/events") || die "GET /v1/events failed"
  jq -S . <<<"$events"
  for event in $(jq -r '.events[].event' <<<"$events" | sort); do
    curl -fsS --max-time 30 "http://127.0.0.1:$port/v1/rollups?event=$event&from=$from_ms&to=$to_ms&step=1h&agg=count,distinct_instances" \
      | jq -S . || die "the rollups query of $event failed"
  done
}

rollups_total() { curl -fsS --max-time 30 "http://127.0.0.1:$port/v1/events" | jq '[.events[].count] | add // 0'; }

# store_check STORE: dies unless the cold store holds every loaded ping once, every file on disk.
store_check() {
  local manifest rows distinct missing
  if [ "$1" = arrow ]; then
    manifest="$data_dir/cold/manifest.json"
    rows=$(jq '[.files[].rows] | add // 0' "$manifest")
    missing=$(jq -r '.files[].path' "$manifest" | while read -r path; do [ -f "$data_dir/cold/$path" ] || echo "$path"; done)
    [ -z "$missing" ] || die "the cold store's manifest lists files the disk lacks: $missing"
    [ "$rows" = "$pings" ] || die "the cold store's manifest holds $rows rows, not the $pings pings loaded"
  else
    read -r rows distinct < <(ch_query "SELECT count(), uniqExact(ping_id) FROM $db.pings FORMAT TabSeparated")
    [ "$rows" = "$pings" ] && [ "$distinct" = "$pings" ] \
      || die "ClickHouse $db.pings holds $rows rows, $distinct distinct ping ids, not the $pings pings loaded"
  fi
}

# A replay ---------------------------------------------------------------------------------------

# process_ticks PID: CPU ticks process PID has used so far, its ended threads included; 0 for none.
process_ticks() { [ -n "$1" ] && stat_ticks "/proc/$1/stat" || echo 0; }

# job_running ID: true while GET /admin/replay/ID says running. It polls every 0.2 s beside a replay
# that may use a whole core of two, so it forks nothing: bash's /dev/tcp and builtins only (a curl
# and a jq took ~90 ms of CPU per poll on the benchmark machine; this takes ~6 ms).
job_running() {
  local fd body=""
  exec {fd}<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || return 1
  printf 'GET /admin/replay/%s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "$1" >&"$fd"
  IFS= read -r -d '' -t 30 body <&"$fd" || true
  exec {fd}<&-
  [[ $body == *'"state":"running"'* ]]
}

# replay NAME BODY: runs one replay with the request BODY, waits until it ends, and writes its final
# document to OUT/NAME.job.json and the cores used meanwhile to OUT/NAME.cpu.json.
replay() {
  local name=$1 body=$2 answer code id deadline ticks_before ticks_after start end window
  local server_before server_after ch_before ch_after
  thread_ticks "$out/$name.server-threads-before"
  [ -z "$ch_pid" ] || thread_ticks "$out/$name.clickhouse-threads-before" "$ch_pid"
  server_before=$(process_ticks "$server_pid") ch_before=$(process_ticks "$ch_pid")
  ticks_before=$(window_ticks "$server_pid" "$ch_pid") start=$(now_s)
  answer=$(admin POST /admin/replay "$body") || die "POST /admin/replay did not answer"
  code=${answer##*$'\n'}
  [ "$code" = 202 ] || die "POST /admin/replay $body answered $code: ${answer%$'\n'*}"
  id=$(jq -r .id <<<"${answer%$'\n'*}")
  deadline=$((SECONDS + replay_limit))
  while job_running "$id"; do
    require_server "$log" "replay $name"
    [ $SECONDS -lt $deadline ] || die "replay $name ($id) still runs after $replay_limit s"
    read -r -t 0.2 -u "$nap" || true
  done
  ticks_after=$(window_ticks "$server_pid" "$ch_pid") end=$(now_s)
  server_after=$(process_ticks "$server_pid") ch_after=$(process_ticks "$ch_pid")
  thread_ticks "$out/$name.server-threads-after"
  [ -z "$ch_pid" ] || thread_ticks "$out/$name.clickhouse-threads-after" "$ch_pid"
  admin_json "/admin/replay/$id" >"$out/$name.job.json"
  window=$(seconds_between "$start" "$end")
  local ch_threads="{}"
  [ -z "$ch_pid" ] || ch_threads=$(thread_cores "$out/$name.clickhouse-threads-before" "$out/$name.clickhouse-threads-after" "$window")
  # The process totals include the threads that ended meanwhile (the replay's own thread among them),
  # which the per-thread snapshots cannot see: their share is listed as "(ended)".
  jq -n --argjson window "$window" --argjson server "$(thread_cores "$out/$name.server-threads-before" "$out/$name.server-threads-after" "$window")" \
    --argjson ch "$ch_threads" --argjson others "$(other_cores "$ticks_before" "$ticks_after" "$window" 0)" \
    --argjson server_ticks "$((server_after - server_before))" --argjson ch_ticks "$((ch_after - ch_before))" --argjson hz "$(getconf CLK_TCK)" '
    def ended(total; threads): (total - ([threads[]] | add // 0)) as $e
      | threads + (if $e >= 0.005 then {"(ended)": ($e * 1000 | round / 1000)} else {} end);
    ($server_ticks / $hz / $window) as $s | ($ch_ticks / $hz / $window) as $c
    | {cpu_window_s: $window, server_cores: ($s * 100 | round / 100), clickhouse_cores: ($c * 100 | round / 100),
       server_thread_cores: ended($s; $server), clickhouse_thread_cores: ended($c; $ch)} + $others' >"$out/$name.cpu.json"
}

# check NAME STORE MODE [EXPECTED_ROWS]: dies unless replay NAME ended as MODE should (see the head
# of this file).
check() {
  local name=$1 store=$2 mode=$3 expected=${4:-} job problem
  job="$out/$name.job.json"
  problem=$(jq -r --arg store "$store" --arg mode "$mode" --argjson n "$pings" --arg expected "$expected" '
    (.outcomes[0].counts // {}) as $c
    | if .state != "done" then "state \(.state): \(.error)"
      elif (.outcomes | length) != 1 then "\(.outcomes | length) outcomes, not 1"
      elif $mode == "rollups" then
        if .outcomes[0].target != "rollups" then "the outcome is of \(.outcomes[0].target)"
        elif $c.records_scanned != .range_records then "scanned \($c.records_scanned) records of \(.range_records)"
        elif $c.buckets_kept != 0 or $c.cells_capped != 0 then "buckets kept \($c.buckets_kept), cells capped \($c.cells_capped)"
        else empty end
      elif .outcomes[0].target != "cold" then "the outcome is of \(.outcomes[0].target)"
      elif $mode == "present" then
        if $c.rows_written != 0 then "wrote \($c.rows_written) rows where nothing lacked"
        elif $store == "clickhouse" and ($c.rows_present != $n or $c.rows_read != $n) then "read \($c.rows_read) rows, \($c.rows_present) present, of \($n)"
        else empty end
      elif $mode == "rebuild" then
        if $store == "arrow" and $c.rows_written != $n then "rewrote \($c.rows_written) rows, not \($n)"
        elif $store == "clickhouse" and ($c.rows_read != $n or $c.rows_written != $c.rows_deleted
          or $c.rows_written + $c.rows_present != $n or $c.rows_refused != 0 or $c.rows_left_to_live != 0)
          then "read \($c.rows_read), deleted \($c.rows_deleted), wrote \($c.rows_written), present \($c.rows_present), refused \($c.rows_refused), left to live \($c.rows_left_to_live) of \($n)"
        else empty end
      elif $mode == "restore" then
        if $c.rows_written != ($expected | tonumber) or $c.files_rebuilt != 0 then "restored \($c.rows_written) rows (\($c.files_restored) files, \($c.files_rebuilt) rebuilt), not the \($expected) deleted"
        else empty end
      else "unknown mode \($mode)" end' "$job")
  [ -z "$problem" ] || die "replay $name ($store, $mode) is wrong: $problem (job: $job)"
}

# replay_mode NAME STORE MODE: one replay of the whole log in MODE, checked; writes OUT/NAME.replay.json.
replay_mode() {
  local name=$1 store=$2 mode=$3 body expected="" day="" before
  body=$(jq -cn --argjson from "$first" --argjson to "$last" --arg mode "$mode" '{from: $from, to: $to}
    + if $mode == "rollups" then {target: "rollups"} elif $mode == "rebuild" then {target: "cold", rebuild: true} else {target: "cold"} end')
  case "$mode" in
    rollups) before=$(rollups_state) ;;
    restore)
      # The day holding the most rows: all of them, with timestamps now, unless the load crossed midnight.
      read -r day expected < <(jq -r '.files | group_by(.day) | map({day: .[0].day, rows: (map(.rows) | add)}) | max_by(.rows) | "\(.day) \(.rows)"' \
        "$data_dir/cold/manifest.json")
      [ -d "$data_dir/cold/day=$day" ] || die "no directory day=$day in $data_dir/cold"
      rm -rf "$data_dir/cold/day=$day"
      ;;
  esac
  replay "$name" "$body"
  check "$name" "$store" "$mode" "$expected"
  if [ "$mode" = rollups ]; then
    [ "$(rollups_state)" = "$before" ] || die "replay $name changed what the rollups answer ($out/$name.job.json)"
  else
    store_check "$store"
  fi
  jq --arg run "$run" --arg store "$store" --arg mode "$mode" --arg day "$day" --argjson n "$pings" --slurpfile cpu "$out/$name.cpu.json" '
    (.outcomes[0].counts) as $c
    | {run: ($run | tonumber), store: $store, target, mode: $mode, state, records, pings, elapsed_s: .elapsed_seconds,
       job_pings_per_s: .rate, range_pings: $n, range_pings_per_s: ($n / .elapsed_seconds | round),
       rows_written: ($c.rows_written // null),
       rows_written_per_s: (if $c.rows_written == null then null else $c.rows_written / .elapsed_seconds | round end),
       restored_day: (if $day == "" then null else $day end), counts: $c, summary: .outcomes[0].summary} + $cpu[0]' \
    "$out/$name.job.json" >"$out/$name.replay.json"
  print_replay "$name"
}

print_replay() {
  jq -r --arg name "$1" '"\($name): \(.elapsed_s) s, \(.records) records / \(.pings) pings read (job: \(.job_pings_per_s | floor) pings/s), range \(.range_pings_per_s) pings/s"
    + (if .rows_written == null then "" else ", \(.rows_written) rows written (\(.rows_written_per_s)/s)" end)
    + (if .restored_day then " of day \(.restored_day)" else "" end)
    + "; cores: server \(.server_cores), clickhouse \(.clickhouse_cores), others \(.other_cores), steal \(.steal_cores)"
    + "; server threads: \(.server_thread_cores | to_entries | sort_by(-.value) | .[:5] | map("\(.key)=\(.value)") | join(" "))"
    + (if .clickhouse_cores > 0 then "; clickhouse threads: \(.clickhouse_thread_cores | to_entries | sort_by(-.value) | .[:4] | map("\(.key)=\(.value)") | join(" "))" else "" end)
    + "\n  \(.summary)"' "$out/$1.replay.json"
}

# A run ------------------------------------------------------------------------------------------

# run_store STORE: one run: a fresh server, the load, the catch-up, every mode's replay.
run_store() {
  local store=$1 name="$1-run$run" load_args start wal acked mode modes=(rollups present rebuild)
  log="$out/$name.server.log"
  [ "$store" != arrow ] || modes+=(restore)
  start_server "$store" "$run" "$log"
  load_args=(--url "http://127.0.0.1:$port" --total "$pings" --batch "$batch" --connections "$conns" --instances "$instances"
    --warmup 0 --json-out "$out/$name.load.json")
  [ -z "$spread" ] || load_args+=(--time-spread "$spread")
  to_ms=$(( ($(date +%s) / 3600 + 2) * 3600000 ))
  timeout 3600 "${java_client[@]}" "${load_args[@]}" >"$out/$name.load.txt" 2>&1 &
  load_pid=$!
  wait "$load_pid" || { load_pid=""; cat "$out/$name.load.txt" >&2; die "the load of run $name failed"; }
  load_pid=""
  acked=$(jq .pings_acked_in_run "$out/$name.load.json")
  [ "$acked" = "$pings" ] || die "the load of run $name acknowledged $acked pings, not $pings"
  start=$(now_s)
  poll "$log" "$drain_limit" 0.2 "server exited during the catch-up of run $name" \
    "the consumers did not catch up within $drain_limit s after the load of run $name" caught_up
  catch_up_s=$(seconds_between "$start" "$(now_s)")
  [ "$(accepted)" = "$pings" ] || die "the server of run $name accepted $(accepted) pings, not the $pings loaded"
  store_check "$store"
  [ "$(rollups_total)" = "$pings" ] || die "the rollups of run $name count $(rollups_total) pings, not $pings"
  wal=$(admin_json /admin/wal)
  first=$(jq .first_position <<<"$wal") last=$(jq .last_position <<<"$wal")
  from_ms=$(( ($(date +%s) / 3600 - 2) * 3600000 ))
  [ -z "$spread" ] || from_ms=$(( ($(date +%s) / 3600) * 3600000 - $(spread_ms) - 7200000 ))
  jq -r --arg name "$name" --argjson catch_up "$catch_up_s" --argjson records "$(jq .records <<<"$wal")" \
    --argjson bytes "$(jq .total_bytes <<<"$wal")" \
    '"\($name): loaded \(.pings_acked_in_run) pings at \(.pings_per_s_in_run | floor) pings/s, consumers caught up \($catch_up) s later; WAL \($records) records, \($bytes / 1048576 | floor) MiB"' \
    "$out/$name.load.json"
  for mode in $(rotate "$run" "${modes[@]}"); do
    await_idle
    replay_mode "$name-$mode" "$store" "$mode"
  done
  require_server "$log" "run $name"
  stop_server
  [ "$store" != clickhouse ] || detach "$db"
}

# spread_ms: --spread in milliseconds.
spread_ms() {
  local n=${spread%[smhd]}
  case "$spread" in
    *s) echo $((n * 1000)) ;;
    *m) echo $((n * 60000)) ;;
    *h) echo $((n * 3600000)) ;;
    *d) echo $((n * 86400000)) ;;
  esac
}

# Main -------------------------------------------------------------------------------------------

[ -z "$spread" ] || [[ "$spread" =~ ^[1-9][0-9]*[smhd]$ ]] || die "--spread takes a number and s, m, h or d (7d): $spread"
if [[ " $stores " == *" clickhouse "* ]]; then
  start_clickhouse
  ch_version=$(ch_query 'SELECT version() FORMAT TabSeparated')
fi
echo "# replay benchmark: $(nproc) cores, $(java -version 2>&1 | head -n 1), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); stores: $stores${ch_version:+ (clickhouse-server $ch_version)}"
times="timestamps now"
[ -z "$spread" ] || times="timestamps over the last $spread"
echo "# $pings pings (batch $batch, $conns connections, $instances instances, $times), $runs rounds, no replay speed cap; load $(cut -d' ' -f1-3 /proc/loadavg); results in $out"
for run in $(seq 1 "$runs"); do
  for store in $(rotate "$run" $stores); do
    await_idle
    run_store "$store"
  done
done

echo
echo "| store | target | mode | elapsed s | pings read (job) | job pings/s | range pings/s | rows written | rows written/s | runs (elapsed s) | others' cores per run |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
jq -s -r "$JQ_MEDIAN"'
  def m(f): map(f) | if any(. == null) then null else median end;
  group_by([.store, .target, .mode]) | sort_by(.[0].store, ({rollups: 0, present: 1, rebuild: 2, restore: 3})[.[0].mode]) | .[]
  | sort_by(.run)
  | "| \(.[0].store) | \(.[0].target) | \(if .[0].mode == "rollups" then "-" else .[0].mode end) | \(m(.elapsed_s)) | \(m(.pings) | floor)"
    + " | \(m(.job_pings_per_s) | floor) | \(m(.range_pings_per_s) | floor) | \(m(.rows_written) // "-") | \(m(.rows_written_per_s) // "-")"
    + " | \(map(.elapsed_s | tostring) | join(", ")) | \(map(.other_cores | tostring) | join(", ")) |"' "$out"/*.replay.json
echo
echo "(medians over $runs rounds, each figure independently; range pings/s = the $pings pings of the range / elapsed s; each replay's JSON and each run's logs: $out; load now $(cut -d' ' -f1-3 /proc/loadavg))"
