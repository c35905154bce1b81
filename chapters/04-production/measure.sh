#!/usr/bin/env bash
# Chapter 04's measurements, as quoted in its README: each pitfall broken, then fixed, under the
# same load. For each run: start a fresh hs-ch04-server-ref with the run's options, run hs-load
# against it (hs-load samples the server's RSS and CPU from /proc through --server-pid), print
# hs-load's summary.
#
#   chapters/04-production/measure.sh                 # all runs, from the repository root (~4 min)
#   chapters/04-production/measure.sh blocking cpu    # only some: blocking cpu threads metrics workers
#
# Loopback only; every run is bounded (--total, and hs-load's per-handshake timeout).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../../scripts/lib/measure.sh
source scripts/lib/measure.sh
measure_need hs-ch04-server-ref hs-load
runs=("$@")
[[ ${#runs[@]} -eq 0 ]] && runs=(blocking cpu threads metrics workers)

# run TITLE "SERVER ARGS" HS-LOAD ARGS...: one measured run against a fresh server.
run() { measure_run "$1" hs-ch04-server-ref "${@:2}"; }

for what in "${runs[@]}"; do
  case "$what" in
  blocking)
    # Pitfall 1: 10 ms of work per handshake, 1,000 clients at once, 2,000 handshakes in all.
    slow="--read-timeout 60s --handshake-timeout 2min --work-ms 10"
    run "blocking sleep on the io thread" "$slow --work blocking" --conns 1000 --total 2000 --timeout 60s
    run "awaited timer" "$slow --work timer" --conns 1000 --total 2000 --timeout 60s
    run "blocking call offloaded to 2 pool threads" "$slow --work offload --pool-threads 2" \
      --conns 1000 --total 2000 --timeout 60s
    run "blocking call offloaded to 64 pool threads" "$slow --work offload --pool-threads 64" \
      --conns 1000 --total 2000 --timeout 60s
    ;;
  cpu)
    # Pitfall 2: 100 clients at once, each handshake 200 ms of hashing (the seed's 100 CPU tasks).
    slow="--read-timeout 60s --handshake-timeout 2min --work-ms 200"
    run "100 CPU tasks inline (1 io thread)" "$slow --work cpu" --conns 100 --total 100 --timeout 60s
    run "100 CPU tasks offloaded (2 pool threads)" "$slow --work cpu-offload --pool-threads 2" \
      --conns 100 --total 100 --timeout 60s
    ;;
  threads)
    # More io threads: no work (the protocol only), then 1 ms of inline CPU work per handshake.
    for t in 1 2; do
      run "no work, $t io thread(s)" "--io-threads $t" --conns 1000 --total 50000 --procs 2
    done
    for t in 1 2; do
      run "1 ms of CPU work inline, $t io thread(s)" "--io-threads $t --work cpu --work-ms 1" \
        --conns 200 --total 10000
    done
    ;;
  metrics)
    # Scrape /metrics during a run that the rate limit partly refuses, then compare the counts.
    measure_start hs-ch04-server-ref "--metrics-port 0 --io-threads 2 --rate 5000/s --burst 100"
    echo "== metrics: a load run with a rate limit, scraped during and after"
    echo "   hs-ch04-server-ref --metrics-port 0 --io-threads 2 --rate 5000/s --burst 100"
    echo "   hs-load --port PORT --conns 500 --total 30000"
    "$bin/hs-load" --port "$port" --server-pid "$server" --quiet --conns 500 --total 30000 >/tmp/hs-ch04-load.txt &
    load=$!
    sleep 1
    echo "   -- scraped 1 s into the run:"
    curl -s "127.0.0.1:$metrics_port/metrics" | grep -E '^hs_(connections|handshakes_completed|handshakes_failed_total\{reason="busy"|refused_total\{cause="rate")' | sed 's/^/   /'
    wait "$load" || true
    sed 's/^/   /' /tmp/hs-ch04-load.txt
    echo "   -- scraped after the run:"
    curl -s "127.0.0.1:$metrics_port/metrics" | grep -E '^hs_(connections|handshakes_completed|handshakes_failed_total\{reason="busy"|refused_total\{cause="rate")' | sed 's/^/   /'
    rm -f /tmp/hs-ch04-load.txt
    measure_stop
    ;;
  workers)
    # Past one process: 50,000 held at once by 3 worker processes, from 3 client processes on 2
    # source addresses. Server RSS is summed over the workers by hand (hs-load samples one pid).
    measure_start hs-ch04-server-ref "--workers 3 --read-timeout 90s --handshake-timeout 2min"
    echo "== 50,000 held at once: --workers 3 (think 40 s, ramp 5 new/ms per client process)"
    echo "   hs-ch04-server-ref --workers 3 --read-timeout 90s --handshake-timeout 2min"
    echo "   hs-load --port PORT --conns 50000 --total 50000 --think-ms 40000 --ramp 5 --procs 3 --src-ips 4 --timeout 60s"
    "$bin/hs-load" --port "$port" --quiet --conns 50000 --total 50000 --think-ms 40000 --ramp 5 --procs 3 \
      --src-ips 4 --timeout 60s >/tmp/hs-ch04-load.txt &
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
    sed 's/^/   /' /tmp/hs-ch04-load.txt
    echo "   server RSS, the 3 workers together, at its peak: $((peak / 1024)) MiB"
    rm -f /tmp/hs-ch04-load.txt
    measure_stop
    ;;
  *)
    echo "unknown run '$what': blocking cpu threads metrics workers" >&2
    exit 2
    ;;
  esac
done
