#!/usr/bin/env bash
# Chapter 04's measurements, as quoted in its README: each pitfall broken, then fixed, under the
# same load. For each run: start a fresh hs-ch04-server-ref (or yours: --mine) with the run's
# options, run hs-load against it (hs-load samples the server's RSS and CPU from /proc through
# --server-pid), and print hs-load's summary. The runs whose CPU the lesson compares (cpu, threads)
# run in rounds, the variants in turn, a fresh server each run, and give each figure as the median
# and range of the rounds. Every CPU run is given the same hash rounds per ms, measured once at the
# start (a server measuring its own would vary with the machine's load).
#
#   chapters/04-production/measure.sh                # every run, 5 rounds: about 9 minutes, from the repository root
#   chapters/04-production/measure.sh blocking cpu   # only some: blocking cpu threads metrics workers
#   chapters/04-production/measure.sh --rounds 3 cpu # fewer rounds (default 5)
#   chapters/04-production/measure.sh --mine cpu     # the same runs against your hs-ch04-server
#
# Needs a release build: cmake --preset release && cmake --build --preset release --target ch04-ref
# hs-load (and hs-ch04-server for --mine); curl for the metrics run. Loopback only; every run is
# bounded (--total, and hs-load's per-handshake timeout).
set -euo pipefail
# shellcheck source=../../scripts/lib/measure.sh
source "$(dirname "$0")/../../scripts/lib/measure.sh"
all_runs="blocking cpu threads metrics workers"
measure_options hs-ch04-server "--rounds" "$all_runs" "$@"
measure_need hs-load
runs=("${measure_args[@]}")
# shellcheck disable=SC2206  # the list is meant to split
[[ ${#runs[@]} -eq 0 ]] && runs=($all_runs)
load_out=$(mktemp)
trap 'measure_cleanup; rm -f "$load_out"' EXIT

# The hash rounds in 1 ms of CPU work, measured by the server (its start-up log line) 5 times, the
# most of them kept: the server times 20 ms of hashing by the wall clock, and anything else running
# only lowers what it counts (by 3 times, on a busy 2-core machine). Then every CPU run below does
# the same work however busy the machine is when each starts.
rounds=""
cpu_rounds() {
  [[ -n "$rounds" ]] && return
  local seen=() one
  for _ in 1 2 3 4 5; do
    measure_start "--work cpu"
    one=$(sed -n 's/.*cpu work: \([0-9]*\) hash rounds per ms.*/\1/p' "$measure_log")
    measure_stop
    if [[ -z "$one" ]]; then
      echo "$measure_self: $measure_name logged no 'cpu work: N hash rounds per ms' line" >&2
      exit 1
    fi
    seen+=("$one")
  done
  rounds=$(printf '%s\n' "${seen[@]}" | sort -n | tail -n 1)
  echo "== CPU work: $rounds hash rounds per ms, the most of 5 measurements (${seen[*]}) by $measure_name --work cpu, for every CPU run"
}

# metrics_sample: the counters the metrics run compares with hs-load's, scraped now.
metrics_sample() {
  curl -s "127.0.0.1:$metrics_port/metrics" |
    grep -E '^hs_(connections|handshakes_completed|handshakes_failed_total\{reason="busy"|refused_total\{cause="rate")' |
    sed 's/^/   /'
}

for what in "${runs[@]}"; do
  case "$what" in
  blocking)
    # Pitfall 1: 10 ms of work per handshake, 1,000 clients at once, 2,000 handshakes in all.
    slow="--read-timeout 60s --handshake-timeout 2min --work-ms 10"
    measure_run "blocking sleep on the io thread" "$slow --work blocking" --conns 1000 --total 2000 --timeout 60s
    measure_run "awaited timer" "$slow --work timer" --conns 1000 --total 2000 --timeout 60s
    measure_run "blocking call offloaded to 2 pool threads" "$slow --work offload --pool-threads 2" \
      --conns 1000 --total 2000 --timeout 60s
    measure_run "blocking call offloaded to 64 pool threads" "$slow --work offload --pool-threads 64" \
      --conns 1000 --total 2000 --timeout 60s
    ;;
  cpu)
    # Pitfall 2: 100 clients at once, each handshake 200 ms of hashing (the seed's 100 CPU tasks).
    cpu_rounds
    slow="--read-timeout 60s --handshake-timeout 2min --work-ms 200 --cpu-rounds-per-ms $rounds"
    measure_contenders=("inline|$measure_server|--work cpu" "offloaded|$measure_server|--work cpu-offload --pool-threads 2")
    measure_rounds_run cpu "100 CPU tasks: inline (1 io thread), then offloaded (2 pool threads)" "$slow" \
      --conns 100 --total 100 --timeout 60s
    measure_ratio "server CPU, offloaded / inline" "${measure_got[cpu|offloaded|cpu]}" "${measure_got[cpu|inline|cpu]}"
    echo
    ;;
  threads)
    # More io threads: no work (the protocol only), then 1 ms of inline CPU work per handshake.
    measure_contenders=("1 io thread|$measure_server|--io-threads 1" "2 io threads|$measure_server|--io-threads 2")
    measure_rounds_run nowork "no work: 1 io thread, then 2" "" --conns 1000 --total 50000 --procs 2
    measure_ratio "CPU per handshake, 2 io threads / 1" "${measure_got[nowork|2 io threads|us]}" \
      "${measure_got[nowork|1 io thread|us]}"
    echo
    cpu_rounds
    measure_rounds_run work "1 ms of CPU work inline: 1 io thread, then 2" \
      "--work cpu --work-ms 1 --cpu-rounds-per-ms $rounds" --conns 200 --total 10000
    measure_ratio "CPU per handshake, 2 io threads / 1" "${measure_got[work|2 io threads|us]}" \
      "${measure_got[work|1 io thread|us]}"
    echo
    ;;
  metrics)
    # Scrape /metrics during a run that the rate limit partly refuses, then compare the counts.
    measure_start "--metrics-port 0 --io-threads 2 --rate 5000/s --burst 100"
    echo "== metrics: a load run with a rate limit, scraped during and after"
    echo "   $measure_name --metrics-port 0 --io-threads 2 --rate 5000/s --burst 100"
    echo "   hs-load --port PORT --conns 500 --total 30000"
    "$bin/hs-load" --port "$port" --server-pid "$server" --quiet --conns 500 --total 30000 >"$load_out" &
    load=$!
    sleep 1
    echo "   -- scraped 1 s into the run:"
    metrics_sample || true
    wait "$load" || true
    sed 's/^/   /' "$load_out"
    echo "   -- scraped after the run:"
    metrics_sample || true
    measure_stop
    ;;
  workers)
    # Past one process: 50,000 held at once by 3 worker processes, from 3 client processes on 4
    # source addresses. Server RSS is summed over the workers by hand (hs-load samples one pid).
    measure_start "--workers 3 --read-timeout 90s --handshake-timeout 2min"
    echo "== 50,000 held at once: --workers 3 (think 40 s, ramp 5 new/ms per client process)"
    echo "   $measure_name --workers 3 --read-timeout 90s --handshake-timeout 2min"
    echo "   hs-load --port PORT --conns 50000 --total 50000 --think-ms 40000 --ramp 5 --procs 3 --src-ips 4 --timeout 60s"
    "$bin/hs-load" --port "$port" --quiet --conns 50000 --total 50000 --think-ms 40000 --ramp 5 --procs 3 \
      --src-ips 4 --timeout 60s >"$load_out" &
    load=$!
    peak=0
    while kill -0 "$load" 2>/dev/null; do
      rss=0
      for pid in $(cat "/proc/$server/task/$server/children" 2>/dev/null); do
        rss=$((rss + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
      done
      ((rss > peak)) && peak=$rss
      sleep 1
    done
    wait "$load" || true
    sed 's/^/   /' "$load_out"
    echo "   server RSS, the 3 workers together, at its peak: $((peak / 1024)) MiB"
    measure_stop
    ;;
  esac
done
