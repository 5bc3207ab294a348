#!/usr/bin/env bash
# The rollups benchmark (docs/BENCHMARKS.md, issue 3), RUNS runs, each against a fresh server (new
# data dir, free loopback HTTP port, PINGSTACK_ROLLUPS_DIMENSIONS = the generator's dimension keys)
# started with bin/pingstack run:
#   1. load TOTAL pings spread over the last SPREAD (INSTANCES instances, EVENTS events, batch 100,
#      16 connections): the ingest rate, then the time until /v1/events counts every acknowledged ping;
#   2. the three dashboard queries over those 7 days, closed loop for 20 s after 5 s warmup: count per
#      hour, distinct instances per version per day, p95 of a metric per hour, all of the most
#      frequent event (the metric is its first);
#   3. heap used (jcmd GC.run, then jvm_memory_used_bytes{area="heap"} from /metrics);
#   4. kill -9, restart on the same data dir: restart-to-ready = until /readyz answers 200 and the
#      rollups answer the pre-kill totals (/v1/events sum and the count query);
#   5. freshness (ack -> visible in /v1/rollups) with SAMPLES probes while the generator loads the
#      restarted server over --fresh-connections connections at batch 100, closed loop or at
#      --fresh-rate pings/s (pings timestamped now; a load the consumers keep up with).
# Heap and restart come before the freshness load so that both are of the 7-day dataset alone: the
# freshness load adds millions of pings. Prints every run and the medians; keeps each run's JSON and
# logs. Builds nothing: run `mvn -q -DskipTests install` first. Only ever targets 127.0.0.1. Needs java,
# curl, jq and python3 (for a free port); jcmd for the GC before the heap reading.
set -euo pipefail
tool=bench-rollups
source "$(dirname "${BASH_SOURCE[0]}")/bench-lib.sh"

usage() {
  cat <<'EOF'
usage: load-tests/bin/bench-rollups.sh [options]
  --runs N              runs, each on a fresh server (default 3)
  --total N             pings to load (default 5000000)
  --instances N         distinct instance ids (default 5000)
  --events N            distinct events (default 50)
  --spread D            timestamps spread over the last D (default 7d)
  --batch N             pings per request when loading (default 100)
  --connections C       load connections (default 16)
  --load-warmup S       seconds of the load not in its measured rate (default 5)
  --query-duration S    measured seconds of the query benchmark (default 20)
  --query-warmup S      warmup seconds of the query benchmark (default 5)
  --query-connections C query connections (default 2: the machine's two cores, no queueing)
  --samples N           freshness samples (default 100)
  --fresh-connections C load connections beside the freshness probe (default 2: a load the
                        consumers keep up with; at full speed their lag, and so freshness, grows)
  --fresh-rate P        that load open loop at P pings/s (P / batch requests/s) instead of closed
                        loop: the same load for every build compared (default: closed loop)
  --dimensions LIST     rollups.dimensions of the server: a comma list, "none", or "all" for every
                        dimension key of the generated events (default all)
  --token T             ingest token, when the server is configured with tokens
  --query-token T       query token, when the server is configured with one
  --out DIR             keeps each run's JSON and logs there (default: a new temp dir)
  --server "CMD"        the server command, run from the repo root (default "bin/pingstack run")
EOF
}

runs=3 total=5000000 instances=5000 events=50 spread=7d batch=100 conns=16 load_warmup=5
query_duration=20 query_warmup=5 query_conns=2 samples=100 token="" query_token="" out="" declared=all fresh_conns=2 fresh_rate=""
server_cmd="bin/pingstack run"
while [ $# -gt 0 ]; do
  case "$1" in
    --total) total=$2; shift 2 ;;
    --instances) instances=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    --spread) spread=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --connections) conns=$2; shift 2 ;;
    --load-warmup) load_warmup=$2; shift 2 ;;
    --query-duration) query_duration=$2; shift 2 ;;
    --query-warmup) query_warmup=$2; shift 2 ;;
    --query-connections) query_conns=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    --dimensions) declared=$2; shift 2 ;;
    --fresh-connections) fresh_conns=$2; shift 2 ;;
    --fresh-rate) fresh_rate=$2; shift 2 ;;
    --token) token=$2; shift 2 ;;
    --query-token) query_token=$2; shift 2 ;;
    *) common_option "$@"; shift 2 ;;
  esac
done

check_setup
[[ "$spread" =~ ^[0-9]+d$ ]] || die "--spread must be a number of days such as 7d: $spread"
[ -z "$fresh_rate" ] || [[ "$fresh_rate" =~ ^[1-9][0-9]*$ && "$fresh_rate" -ge "$batch" ]] || die "--fresh-rate must be a number of pings/s of at least --batch: $fresh_rate"
locate_build pingstack-bench-rollups

load_pid=""
query_auth_with "$query_token"

# Stops the freshness load (SIGTERM: it still writes its figures), if it runs.
stop_load() {
  [ -n "$load_pid" ] || return 0
  kill -TERM "$load_pid" 2>/dev/null || true
  wait "$load_pid" 2>/dev/null || true
  load_pid=""
}
stop_all() {
  stop_load
  stop_server
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# until_ok LOG LIMIT_S WHAT CMD...: runs CMD every 50 ms until it succeeds; dies after LIMIT_S or
# when the server exits.
until_ok() {
  local log=$1 limit=$2 what=$3
  shift 3
  poll "$log" "$limit" 0.05 "server exited while waiting for $what" "$what did not happen within $limit s" "$@"
}

# The sum of the counts the count query answers, or -1.
count_total() {
  curl -fsS --max-time 10 "${query_auth[@]}" "http://127.0.0.1:$port$count_query" 2>/dev/null \
    | jq '[.series[].points[].count // 0] | add // 0' 2>/dev/null || echo -1
}
totals_are() { [ "$(events_total)" = "$1" ] && [ "$(count_total)" = "$2" ]; }

# The dataset's shape, from the generator itself: the keys to declare, the most frequent event, its first metric.
"${java_client[@]}" describe --events "$events" >"$out/mix.json"
case "$declared" in
  all) dimensions=$(jq -r '.dimension_keys | join(",")' "$out/mix.json") ;;
  none) dimensions="" ;;
  *) dimensions=$declared ;;
esac
top_event=$(jq -r '.events | max_by(.share) | .event' "$out/mix.json")
top_metric=$(jq -r '.events | max_by(.share) | .metrics[0]' "$out/mix.json")

echo "# rollups benchmark: $(nproc) cores, $(uname -sr), $(java -version 2>&1 | head -n 1); $runs runs"
echo "# $total pings over $spread, $instances instances, $events events (top: $top_event, metric $top_metric), batch $batch, $conns connections; declared dimensions $dimensions; results in $out"
for run in $(seq 1 "$runs"); do
  name="run$run"
  log="$out/$name.server.log"
  new_data_dir
  launch_server "$log" PINGSTACK_ROLLUPS_DIMENSIONS="$dimensions"
  until_ok "$log" 90 "/readyz = 200" ready

  # 1. the 7-day dataset
  load_args=(--url "http://127.0.0.1:$port" --events "$events" --instances "$instances" --time-spread "$spread"
    --total "$total" --batch "$batch" --connections "$conns" --warmup "$load_warmup" --json-out "$out/$name.load.json")
  [ -z "$token" ] || load_args+=(--token "$token")
  timeout 3600 "${java_client[@]}" "${load_args[@]}" >"$out/$name.load.txt" 2>&1 \
    || { cat "$out/$name.load.txt" >&2; die "the load of run $name failed"; }
  loaded_at=$(now_ms)
  acked=$(jq '.pings_acked_in_run' "$out/$name.load.json")
  [ "$(jq '.measured_s > 0' "$out/$name.load.json")" = true ] \
    || echo "bench-rollups: the load of $name ended within its ${load_warmup}s warmup: no measured rate (raise --total or lower --load-warmup)" >&2
  until_ok "$log" 600 "/v1/events counting all $acked acknowledged pings" events_total_is "$acked"
  catch_up_s=$(seconds_since "$loaded_at")

  # 2. the dashboard queries, over the 7 days up to the next full hour
  to=$(( ($(now_ms) / 3600000 + 1) * 3600000 ))
  from=$(( to - ${spread%d} * 86400000 ))
  range="event=$top_event&from=$from&to=$to"
  count_query="/v1/rollups?$range&step=1h&agg=count"
  query_args=(--url "http://127.0.0.1:$port" --duration "$query_duration" --warmup "$query_warmup"
    --connections "$query_conns" --json-out "$out/$name.queries.json"
    --query "count_per_hour=$count_query"
    --query "distinct_instances_per_version_per_day=/v1/rollups?$range&step=1d&agg=distinct_instances&group_by=version"
    --query "p95_per_hour=/v1/rollups?$range&step=1h&agg=p95&metric=$top_metric")
  [ -z "$query_token" ] || query_args+=(--token "$query_token")
  timeout $((query_duration + query_warmup + 120)) "${java_client[@]}" query "${query_args[@]}" >"$out/$name.queries.txt" 2>&1 \
    || { cat "$out/$name.queries.txt" >&2; die "the query benchmark of run $name failed"; }

  # 3. heap used, after a full GC
  gc="true"
  if ! command -v jcmd >/dev/null || ! timeout 120 jcmd "$server_pid" GC.run >"$out/$name.gc.txt" 2>&1; then
    gc="false"
    echo "bench-rollups: no GC before the heap reading of $name (jcmd missing or failed: $out/$name.gc.txt)" >&2
  fi
  heap=$(curl -fsS --max-time 10 "${query_auth[@]}" "http://127.0.0.1:$port/metrics" \
    | awk '/^(pingstack_)?jvm_memory_used_bytes\{/ && /area="heap"/ { s += $NF; n++ } END { if (n) printf "%.0f", s; else print "null" }')

  # 4. kill -9 and restart on the same data dir
  events_before=$(events_total)
  count_before=$(count_total)
  kill -KILL "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  killed_at=$(now_ms)
  launch_server "$log" PINGSTACK_ROLLUPS_DIMENSIONS="$dimensions"
  until_ok "$log" 600 "/readyz = 200 after kill -9" ready
  readyz_s=$(seconds_since "$killed_at")
  until_ok "$log" 600 "the pre-kill totals ($events_before pings, count query $count_before) after kill -9" \
    totals_are "$events_before" "$count_before"
  restart_s=$(seconds_since "$killed_at")

  # 5. freshness under load: the probe beside the generator (pings timestamped now)
  fresh_args=(--url "http://127.0.0.1:$port" --events "$events" --instances "$instances" --batch "$batch"
    --connections "$fresh_conns" --warmup 0 --duration 3600 --json-out "$out/$name.freshness-load.json")
  [ -z "$token" ] || fresh_args+=(--token "$token")
  [ -z "$fresh_rate" ] || fresh_args+=(--rate $((fresh_rate / batch)))
  "${java_client[@]}" "${fresh_args[@]}" >"$out/$name.freshness-load.txt" 2>&1 &
  load_pid=$!
  sleep 5 # the generator's JIT warmup, so that the probe runs under the load
  probe_args=(--url "http://127.0.0.1:$port" --samples "$samples" --json-out "$out/$name.freshness.json")
  [ -z "$token" ] || probe_args+=(--token "$token")
  [ -z "$query_token" ] || probe_args+=(--query-token "$query_token")
  probe_status=0
  timeout $((samples * 12 + 60)) "${java_client[@]}" freshness "${probe_args[@]}" >"$out/$name.freshness.txt" 2>&1 || probe_status=$?
  stop_load
  require_server "$log" "the freshness run of $name"
  stop_server
  [ -s "$out/$name.freshness.json" ] || { cat "$out/$name.freshness.txt" >&2; die "the freshness probe of $name failed ($probe_status)"; }
  [ "$probe_status" -eq 0 ] || echo "bench-rollups: not every freshness sample of $name became visible: $out/$name.freshness.txt" >&2

  jq -n --arg name "$name" --argjson catch_up "$catch_up_s" --argjson heap "$heap" --argjson gc "$gc" \
    --argjson readyz "$readyz_s" --argjson restart "$restart_s" --argjson events_before "$events_before" \
    --argjson count_before "$count_before" --slurpfile load "$out/$name.load.json" \
    --slurpfile queries "$out/$name.queries.json" --slurpfile fresh "$out/$name.freshness.json" \
    --slurpfile fresh_load "$out/$name.freshness-load.json" \
    '{run: $name, load: $load[0], catch_up_s: $catch_up, queries: $queries[0], heap_used_bytes: $heap,
      heap_after_gc: $gc, restart: {readyz_s: $readyz, ready_s: $restart, events_total: $events_before,
      count_query_total: $count_before}, freshness: $fresh[0], freshness_load: $fresh_load[0]}' >"$out/$name.summary.json"
  jq -r '"\(.run): ingest \(.load.pings_per_s | floor) pings/s (whole load \(.load.pings_per_s_in_run | floor); p99 \(.load.latency_ms.p99) ms, \(.load.pings_acked_in_run) pings), caught up \(.catch_up_s) s later; "
    + (.queries.queries | map("\(.name) p50 \(.latency_us.p50) µs p99 \(.latency_us.p99) µs (\(.requests) requests, errors \(.errors | tojson))") | join("; "))
    + "; heap \(if .heap_used_bytes == null then "n/a" else (.heap_used_bytes / 1048576 | floor | tostring) + " MiB" end)\(if .heap_after_gc then "" else " (no GC)" end)"
    + "; restart: readyz \(.restart.readyz_s) s, ready \(.restart.ready_s) s; freshness p50 \(.freshness.ack_to_visible_ms.p50) ms p99 \(.freshness.ack_to_visible_ms.p99) ms (\(.freshness.visible)/\(.freshness.samples) visible, under \(.freshness_load.pings_per_s | floor) pings/s)"' "$out/$name.summary.json"
done

echo
echo "| figure | median | runs |"
echo "|---|---|---|"
jq -s -r "$JQ_MEDIAN"'
  def row(name; f): "| \(name) | \(map(f) | median) | \(map(f | tostring) | join(", ")) |";
  row("ingest pings/s (batch \(.[0].load.batch), \(.[0].load.connections) connections)"; .load.pings_per_s | floor),
  row("ingest pings/s over the whole load, warmup included"; .load.pings_per_s_in_run | floor),
  row("ingest latency p99 ms"; .load.latency_ms.p99),
  row("rollups caught up, s after the load"; .catch_up_s),
  ((.[0].queries.queries | keys[]) as $i
    | row("\(.[0].queries.queries[$i].name) p50 µs"; .queries.queries[$i].latency_us.p50),
      row("\(.[0].queries.queries[$i].name) p99 µs"; .queries.queries[$i].latency_us.p99)),
  row("heap used MiB (-1: no reading)"; if .heap_used_bytes == null then -1 else .heap_used_bytes / 1048576 | floor end),
  row("restart after kill -9: /readyz = 200, s"; .restart.readyz_s),
  row("restart after kill -9: ready with the pre-kill totals, s"; .restart.ready_s),
  row("ack -> visible p50 ms"; .freshness.ack_to_visible_ms.p50),
  row("ack -> visible p99 ms"; .freshness.ack_to_visible_ms.p99),
  row("ingest pings/s during the freshness probe"; .freshness_load.pings_per_s | floor)' "$out"/run*.summary.json
echo
echo "(medians over $runs runs; queries: ${query_duration}s after ${query_warmup}s warmup, $query_conns connections; each run's JSON and logs: $out)"
