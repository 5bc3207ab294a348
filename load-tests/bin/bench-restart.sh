#!/usr/bin/env bash
# The restart-to-ready benchmark (docs/BENCHMARKS.md, issue 7): how long a server takes to answer
# /readyz = 200 after kill -9 with PINGS pings in its log since the rollups' last snapshot.
#   1. once: a fresh server (bin/pingstack run, new data dir, loopback ports) whose rollups never
#      snapshot during the load (rollups.snapshot_interval 1000h); load PINGS pings (timestamps now,
#      batch 100, 16 connections) and wait until /v1/events counts them all; kill -9;
#   2. RUNS times: copy that data dir, start a server on the copy, and measure from the launch until
#      /readyz = 200 (polled every 0.1 s) and until /v1/events counts every loaded ping again (the
#      rollups replayed the log since their snapshot; polled every 0.5 s); read the dedup window's
#      rebuild time from the server log; stop the server (SIGTERM) and delete the copy.
# Every run starts from the same bytes, with the page cache warm (as after a kill -9 on the same
# machine). Prints every run and the medians; keeps the logs and a JSON summary. Builds nothing: run
# `mvn -q -DskipTests install` first. Only ever targets 127.0.0.1. Needs java, curl, jq and python3.
set -euo pipefail
tool=bench-restart
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

usage() {
  cat <<'EOF'
usage: load-tests/bin/bench-restart.sh [options]
  --runs N          restarts measured, each on a copy of the same killed server's data (default 3)
  --pings N         pings loaded before the kill -9, all after the rollups' snapshot (default 10000000)
  --instances N     distinct instance ids (default 5000)
  --events N        distinct events (default 50)
  --connections C   load connections (default 16)
  --token T         ingest token, when the server is configured with tokens
  --query-token T   query token, when the server is configured with one
  --out DIR         keeps the logs and summary there (default: a new temp dir)
  --server "CMD"    the server command, run from the repo root (default "bin/pingstack run")
EOF
}

runs=3 pings=10000000 instances=5000 events=50 conns=16 token="" query_token="" out=""
server_cmd="bin/pingstack run"
while [ $# -gt 0 ]; do
  case "$1" in
    --pings) pings=$2; shift 2 ;;
    --instances) instances=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --token) token=$2; shift 2 ;;
    --query-token) query_token=$2; shift 2 ;;
    *) common_option "$@"; shift 2 ;;
  esac
done

check_setup
locate_build pingstack-bench-restart

query_auth_with "$query_token"

template=""
cleanup() {
  stop_server
  [ -z "$template" ] || rm -rf "$template"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# restart benchmark: $(nproc) cores, $(uname -sr), $(java -version 2>&1 | head -n 1); $runs runs; results in $out"

# 1. the killed server's data
new_data_dir
template=$data_dir
log="$out/load.server.log"
launch_server "$log" PINGSTACK_ROLLUPS_SNAPSHOT_INTERVAL=1000h
poll "$log" 90 0.1 "server exited while starting" "/readyz did not answer 200 within 90 s" ready
load_args=(--url "http://127.0.0.1:$port" --events "$events" --instances "$instances" --total "$pings" --batch 100
  --connections "$conns" --warmup 0 --json-out "$out/load.json")
[ -z "$token" ] || load_args+=(--token "$token")
timeout 3600 "${java_client[@]}" "${load_args[@]}" >"$out/load.txt" 2>&1 || { cat "$out/load.txt" >&2; die "the load failed"; }
acked=$(jq '.pings_acked_in_run' "$out/load.json")
poll "$log" 900 0.5 "server exited while its consumers caught up" "/v1/events did not count $acked pings within 900 s" \
  events_total_is "$acked"
kill -KILL "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""
data_dir=""
echo "# loaded $acked pings ($(jq '.pings_per_s | floor' "$out/load.json") pings/s), then kill -9; WAL $(du -sh "$template/wal" | cut -f1)"

# 2. the restarts
for run in $(seq 1 "$runs"); do
  new_data_dir
  rmdir "$data_dir"
  cp -a "$template" "$data_dir"
  sync # the copy's dirty pages written out now, not by the kernel's flusher threads during the start
  log="$out/run$run.server.log"
  launched=$(now_ms)
  launch_server "$log"
  poll "$log" 600 0.1 "server exited while restarting" "/readyz did not answer 200 within 600 s" ready
  ready_s=$(seconds_since "$launched")
  poll "$log" 900 0.5 "server exited while its rollups replayed the log" "/v1/events did not count $acked pings within 900 s" \
    events_total_is "$acked"
  replayed_s=$(seconds_since "$launched")
  rebuild_ms=$(sed -n 's/.*dedup window rebuilt from the WAL: \([0-9]*\) pings.* in \([0-9]*\) ms.*/\2/p' "$log" | tail -n 1)
  rebuilt=$(sed -n 's/.*dedup window rebuilt from the WAL: \([0-9]*\) pings.*/\1/p' "$log" | tail -n 1)
  stop_server
  jq -n --argjson run "$run" --argjson ready "$ready_s" --argjson replayed "$replayed_s" --argjson rebuild_ms "${rebuild_ms:-null}" \
    --argjson rebuilt "${rebuilt:-null}" --argjson pings "$acked" \
    '{run: $run, pings_since_snapshot: $pings, ready_s: $ready, rollups_replayed_s: $replayed,
      dedup_rebuild: {pings: $rebuilt, ms: $rebuild_ms}}' >"$out/run$run.json"
  echo "run $run: /readyz 200 after $ready_s s (dedup window: ${rebuilt:-?} pings in ${rebuild_ms:-?} ms); rollups replayed all $acked pings after $replayed_s s"
done

jq -s "$JQ_MEDIAN"'
  {runs: ., median: {ready_s: (map(.ready_s) | median), rollups_replayed_s: (map(.rollups_replayed_s) | median),
   dedup_rebuild_ms: (map(.dedup_rebuild.ms) | median)}}' "$out"/run*.json >"$out/summary.json"
jq -r '"median of \(.runs | length) runs: /readyz 200 after \(.median.ready_s) s (dedup rebuild \(.median.dedup_rebuild_ms) ms); rollups replayed after \(.median.rollups_replayed_s) s"' "$out/summary.json"
