#!/usr/bin/env bash
# Chapter 02's measurements, as quoted in its README: the two threaded models under many clients.
# For each run: start a fresh hs-ch02-server-ref (or yours: --mine), sample its memory and threads
# from /proc every 50 ms, run hs-client-ref (one thread per client) against it, and print one
# table row.
#
#   chapters/02-threads/measure.sh           # four runs, about 20 s, from the repository root
#   chapters/02-threads/measure.sh --quick   # three smaller runs (about 5 s; the tour's)
#   chapters/02-threads/measure.sh --mine    # the same runs against your hs-ch02-server
#
# Needs a release build: cmake --preset release && cmake --build --preset release --target ch02-ref
# hs-client-ref (and hs-ch02-server for --mine). Loopback only; every run is bounded (the clients'
# own timeouts end it).
set -euo pipefail
# shellcheck source=../../scripts/lib/measure.sh
source "$(dirname "$0")/../../scripts/lib/measure.sh"
measure_options hs-ch02-server "--quick" "" "$@"
measure_need hs-client-ref

# run LABEL "SERVER ARGS" "CLIENT ARGS": one measured run, one table row.
run() {
  local label="$1" server_args="$2" client_args="$3"
  local sample
  sample=$(mktemp)
  measure_start "$server_args"
  local base_rss
  base_rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
  # Sample peak RSS and threads while the clients run.
  ( peak_rss=0; peak_threads=0
    while kill -0 "$server" 2>/dev/null && [[ ! -e "$sample.stop" ]]; do
      read -r rss threads < <(awk '/^VmRSS:/ {r=$2} /^Threads:/ {t=$2} END {print r, t}' "/proc/$server/status" 2>/dev/null || echo "0 0")
      (( rss > peak_rss )) && peak_rss=$rss
      (( threads > peak_threads )) && peak_threads=$threads
      echo "$peak_rss $peak_threads" >"$sample"
      sleep 0.05
    done ) &
  local sampler=$!
  local report
  # shellcheck disable=SC2086
  report=$("$bin/hs-client-ref" --port "$port" $client_args || true)
  touch "$sample.stop"
  wait "$sampler"
  measure_stop
  local peak_rss peak_threads
  read -r peak_rss peak_threads <"$sample"
  local rate done_line busy
  rate=$(sed -n 's/.*: \([0-9]*\) completed handshakes\/s/\1/p' <<<"$report")
  done_line=$(sed -n 's/^done \([0-9]*\) (\([0-9.]*\)%).*/\1 (\2%)/p' <<<"$report")
  busy=$(sed -n 's/^failed: \([0-9]*\) x server ERROR busy/\1/p' <<<"$report")
  local timeouts
  timeouts=$(sed -n 's/^failed: \([0-9]*\) x timeout/\1/p' <<<"$report")
  local p99
  p99=$(sed -n 's/.*p99 \([0-9.]*\).*/\1/p' <<<"$report")
  printf '| %-42s | %14s | %6s | %7s | %6s | %8s | %7s | %8s | %9s |\n' "$label" "$done_line" "${busy:-0}" \
    "${timeouts:-0}" "$rate" \
    "$p99" "$peak_threads" "$((peak_rss / 1024))" \
    "$(awk -v p="$peak_rss" -v b="$base_rss" -v n="$4" 'BEGIN {printf "%.1f", (p - b) / n}')"
  rm -f "$sample" "$sample.stop"
}

printf '| %-42s | %14s | %6s | %7s | %6s | %8s | %7s | %8s | %9s |\n' "run" "done" "busy" "timeout" "hs/s" \
  "p99 ms" "threads" "RSS MiB" "KiB/conn"
printf '|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..44})" "$(printf -- '-%.0s' {1..16})" \
  "--------" "---------" "--------" "----------" "---------" "----------" "-----------"
if measure_has --quick; then
  run "thread-per-conn, 500 clients stalled 1 s" "--model thread-per-conn" "--clients 500 --think-ms 1000" 500
  run "pool 16 + queue 64, wait: 300 x 100 ms" "--model pool --threads 16 --queue 64 --overload wait" \
    "--clients 300 --think-ms 100" 300
  run "pool 16 + queue 64, refuse: 300 x 100 ms" "--model pool --threads 16 --queue 64 --overload refuse" \
    "--clients 300 --think-ms 100" 300
  exit 0
fi
run "thread-per-conn, 1,000 clients stalled 2 s" "--model thread-per-conn" "--clients 1000 --think-ms 2000" 1000
run "thread-per-conn, 5,000 clients stalled 2 s" "--model thread-per-conn" "--clients 5000 --think-ms 2000" 5000
run "pool 16 + queue 64, wait: 1,500 x 100 ms" "--model pool --threads 16 --queue 64 --overload wait" \
  "--clients 1500 --think-ms 100" 1500
run "pool 16 + queue 64, refuse: 1,500 x 100 ms" "--model pool --threads 16 --queue 64 --overload refuse" \
  "--clients 1500 --think-ms 100" 1500
