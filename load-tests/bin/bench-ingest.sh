#!/usr/bin/env bash
# The ingest benchmark (docs/BENCHMARKS.md): pings/s and acknowledgement latency of POST /v1/pings
# and of gRPC ingest for batch {100, 1} x WAL sync {group, none} x protocol {http, grpc-unary,
# grpc-stream} (by default http only), closed loop or open loop at given rates (--rates), RUNS runs
# per cell, each against a fresh server (new data dir, free loopback HTTP and gRPC ports) started
# with bin/pingstack run and stopped with SIGTERM.
# Runs are interleaved: run 1 of every cell, then run 2 of every cell, and so on, with the order of
# the protocols rotated from one round to the next, so that the machine's drift spreads over all
# cells alike; each run records the cores that other programs and the hypervisor took meanwhile. Other PINGSTACK_* variables of the caller's
# environment reach the server unchanged (the server refuses names it does not know, so the script
# sets only PINGSTACK_DATA_DIR, _HTTP_HOST, _HTTP_PORT, _GRPC_HOST, _GRPC_PORT and _WAL_SYNC).
# Prints every run and the median of each cell, with its ratio to the http cell of the same batch
# and sync. Builds nothing: run `mvn -q -DskipTests package` first. Only ever targets 127.0.0.1.
# Needs java, curl, jq and python3 (for a free port).
set -euo pipefail
tool=bench-ingest
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

usage() {
  cat <<'EOF'
usage: load-tests/bin/bench-ingest.sh [options]
  --duration S          measured seconds per run (default 20)
  --warmup S            warmup seconds per run, not measured (default 30: the JIT compiles for ~25 s)
  --runs N              runs per cell (default 3)
  --batches "100 1"     batch sizes (default "100 1")
  --syncs "group none"  PINGSTACK_WAL_SYNC values (default "group none")
  --protocols "http"    any of http, grpc-unary, grpc-stream (default "http"); every protocol loads
                        the same server build the same way (same batch, same connections)
  --stream-batches N    batches per grpc-stream call (default 100)
  --connections-100 C   connections when batch >= 100 (default 16)
  --connections-1 C     connections when batch < 100 (default 128)
  --rates "max"         pings/s per run: max is a closed loop (every connection sends its next request
                        when the last is answered); a number is an open loop at that many pings/s
                        (batch/rate requests per second whatever the answers do, latency from each
                        request's intended time); each value is a cell (default "max")
  --instances N         distinct instance ids (default 1000)
  --token T             ingest token, when the server is configured with tokens
  --out DIR             keeps each run's JSON and server log there (default: a new temp dir)
  --server "CMD"        the server command, run from the repo root (default "bin/pingstack run")
EOF
}

duration=20 warmup=30 runs=3 batches="100 1" syncs="group none" protocols="http" stream_batches=100
rates="max" conns_large=16 conns_small=128 instances=1000 token="" out="" server_cmd="bin/pingstack run"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --batches) batches=$2; shift 2 ;;
    --syncs) syncs=$2; shift 2 ;;
    --protocols) protocols=$2; shift 2 ;;
    --stream-batches) stream_batches=$2; shift 2 ;;
    --connections-100) conns_large=$2; shift 2 ;;
    --connections-1) conns_small=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    --instances) instances=$2; shift 2 ;;
    --token) token=$2; shift 2 ;;
    *) common_option "$@"; shift 2 ;;
  esac
done

check_setup
for protocol in $protocols; do
  case "$protocol" in
    http|grpc-unary|grpc-stream) ;;
    *) die "--protocols takes http, grpc-unary and grpc-stream: $protocol" ;;
  esac
done
for rate in $rates; do
  [ "$rate" = max ] || [[ "$rate" =~ ^[1-9][0-9]*$ ]] || die "--rates takes max and positive whole pings/s: $rate"
  [ "$rate" = max ] || [[ " $protocols " != *" grpc-stream "* ]] || die "--rates: a grpc-stream call has no per-request schedule; use max"
done
locate_build pingstack-bench
trap stop_server EXIT
trap 'exit 130' INT TERM

# start_server SYNC LOG: a fresh server (new data dir, LOG emptied) on a free loopback port; waits
# until /readyz answers 200.
start_server() {
  new_data_dir
  : >"$2"
  launch_server "$2" PINGSTACK_WAL_SYNC="$1"
  poll "$2" 90 0.2 "server exited before /readyz answered" "/readyz did not answer 200 within 90 s" ready
}

# CPU seconds the server process (all its threads) has used so far.
server_cpu_seconds() {
  local ticks
  ticks=$(stat_ticks "/proc/$server_pid/stat") || { echo 0; return; }
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }'
}

# rate_tag RATE: the part of a run's name that says its rate (none for a closed loop).
rate_tag() { [ "$1" = max ] || echo "-rate$1"; }

# set_target PROTOCOL: sets target to the generator's options that say what to load on the server
# just started.
set_target() {
  case "$1" in
    http) target=(--url "http://127.0.0.1:$port") ;;
    grpc-unary) target=(--protocol grpc-unary --url "http://127.0.0.1:$grpc_port") ;;
    grpc-stream) target=(--protocol grpc-stream --stream-batches "$stream_batches" --url "http://127.0.0.1:$grpc_port") ;;
  esac
}

echo "# ingest benchmark: $(nproc) cores, duration ${duration}s, warmup ${warmup}s, $runs interleaved runs per cell; results in $out"
for run in $(seq 1 "$runs"); do
  for batch in $batches; do
    conns=$conns_small
    [ "$batch" -lt 100 ] || conns=$conns_large
    for sync in $syncs; do
      for rate in $rates; do
        for protocol in $(rotate "$run" $protocols); do
          name="batch${batch}-sync${sync}-${protocol}$(rate_tag "$rate")-run${run}"
          start_server "$sync" "$out/$name.server.log"
          load_before=$(cut -d ' ' -f 1 /proc/loadavg)
          cpu_before=$(server_cpu_seconds)
          set_target "$protocol"
          args=("${target[@]}" --batch "$batch" --connections "$conns" --duration "$duration"
            --warmup "$warmup" --instances "$instances" --json-out "$out/$name.json")
          [ -z "$token" ] || args+=(--token "$token")
          [ "$rate" = max ] || args+=(--rate "$(awk -v r="$rate" -v b="$batch" 'BEGIN { print r / b }')")
          status=0
          timeout $((${duration%.*} + ${warmup%.*} + 90)) "${java_client[@]}" "${args[@]}" >"$out/$name.txt" 2>&1 &
          client_pid=$!
          sleep "$warmup"
          thread_ticks "$out/$name.threads-before"
          ticks_before=$(window_ticks "$server_pid") window_start=$(date +%s.%N)
          wait "$client_pid" || status=$?
          thread_ticks "$out/$name.threads-after"
          ticks_after=$(window_ticks "$server_pid") window_end=$(date +%s.%N)
          cpu_after=$(server_cpu_seconds)
          require_server "$out/$name.server.log" "run $name"
          stop_server
          [ "$status" -eq 0 ] || { cat "$out/$name.txt" >&2; die "load run $name failed with status $status"; }
          server_cores=$(awk -v a="$cpu_before" -v b="$cpu_after" -v t="$duration" -v w="$warmup" \
            'BEGIN { printf "%.2f", (b - a) / (t + w) }')
          threads=$(thread_cores "$out/$name.threads-before" "$out/$name.threads-after" "$duration")
          others=$(other_cores "$ticks_before" "$ticks_after" "$(awk -v a="$window_start" -v b="$window_end" 'BEGIN { print b - a }')" \
            "$(jq .client_cpu_cores "$out/$name.json")")
          jq --arg sync "$sync" --argjson load "$load_before" --argjson cores "$server_cores" --argjson threads "$threads" \
            --argjson others "$others" '. + {sync: $sync, load_avg_before: $load, server_cpu_cores: $cores, server_thread_cores: $threads} + $others' \
            "$out/$name.json" >"$out/$name.json.tmp"
          mv "$out/$name.json.tmp" "$out/$name.json"
          jq -r --arg name "$name" '"\($name): \(.pings_per_s|floor) pings/s, \(.requests_per_s|floor) \(if .protocol == "http" then "req" else "calls" end)/s, p50 \(.latency_ms.p50) ms, p99 \(.latency_ms.p99) ms, max \(.latency_ms.max) ms, errors \(.errors|tojson), client \(.client_cpu_cores) cores, server \(.server_cpu_cores) cores, others \(.other_cores) cores, steal \(.steal_cores), load before \(.load_avg_before); server threads after warmup (cores): \(.server_thread_cores | to_entries | sort_by(-.value) | .[:6] | map("\(.key)=\(.value)") | join(" "))\(if .open_loop then "; open loop at \(.open_loop.pings_per_s_intended|floor) pings/s: \(.open_loop.behind_schedule) requests behind schedule, \(.open_loop.unsent_at_end) unsent, service p99 \(.open_loop.service_ms.p99) ms" else "" end)"' "$out/$name.json"
        done
      done
    done
  done
done

echo
echo "| batch | sync | protocol | connections | rate | pings/s | requests or calls/s | p50 ms | p90 ms | p99 ms | client cores | server cores | runs (pings/s) | others' cores per run | vs http | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for batch in $batches; do
  for sync in $syncs; do
    for rate in $rates; do
      tag=$(rate_tag "$rate")
      http_median=""
      if [[ " $protocols " == *" http "* ]]; then
        http_median=$(jq -s "$JQ_MEDIAN"' map(.pings_per_s) | median' "$out"/batch"$batch"-sync"$sync"-http"$tag"-run*.json)
      fi
      for protocol in $protocols; do
        jq -s -r --arg base "$http_median" "$JQ_MEDIAN"'
          (map(.pings_per_s) | median) as $m
          | "| \(.[0].batch) | \(.[0].sync) | \(.[0].protocol)\(if .[0].batches_per_call > 1 then " (\(.[0].batches_per_call) batches per call)" else "" end) | \(.[0].connections) | \(if .[0].open_loop then "\(.[0].open_loop.pings_per_s_intended | floor) (behind schedule: \(map(.open_loop.behind_schedule | tostring) | join(", ")))" else "max" end) | \($m | floor) | \(map(.requests_per_s) | median | floor) | \(map(.latency_ms.p50) | median) | \(map(.latency_ms.p90) | median) | \(map(.latency_ms.p99) | median) | \(map(.client_cpu_cores) | median) | \(map(.server_cpu_cores) | median) | \(map(.pings_per_s | floor | tostring) | join(", ")) | \(map(.other_cores // "?" | tostring) | join(", ")) | \(if $base == "" or ($base | tonumber) == 0 then "-" else $m / ($base | tonumber) * 100 | round / 100 end) | \([.[].errors | to_entries[]] | group_by(.key) | map("\(.[0].key)=\(map(.value) | add)") | if length == 0 then "none" else join(" ") end) |"' \
          "$out"/batch"$batch"-sync"$sync"-"$protocol""$tag"-run*.json
      done
    done
  done
done
echo
echo "(medians over $runs interleaved runs of ${duration}s after ${warmup}s warmup, each figure independently; runs in run order; rate: max for a closed loop, else the open loop's intended pings/s, its latencies from each request's intended time; vs http: pings/s median over the http median; each run's JSON and server log: $out)"
