#!/usr/bin/env bash
# Chapter 03's measurements, as quoted in its README: one server thread against many clients.
# For each run: start a fresh hs-ch03-server-ref, run hs-load against it (hs-load samples the
# server's RSS and CPU from /proc itself, through --server-pid), print hs-load's summary.
#
#   chapters/03-coroutines/measure.sh            # from the repository root, after a release build
#   chapters/03-coroutines/measure.sh --quick    # smaller runs (about 10 s)
#
# Loopback only; every run is bounded (--total, and hs-load's per-handshake timeout).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../../scripts/lib/measure.sh
source scripts/lib/measure.sh
measure_need hs-ch03-server-ref hs-load
quick=0
[[ "${1:-}" == --quick ]] && quick=1

# run TITLE "SERVER ARGS" HS-LOAD ARGS...: one measured run against a fresh server.
run() { measure_run "$1" hs-ch03-server-ref "${@:2}"; }

if [[ $quick -eq 1 ]]; then
  run "5,000 held at once (think 3 s)" "" --conns 5000 --total 5000 --think-ms 3000 --ramp 5
  run "CPU per handshake: think 0, 1,000 at once" "" --conns 1000 --total 20000 --procs 2
  exit 0
fi
# Held: the clients think 8 s between HELLO Y and HELLO Z, so the server's read timeout must be
# longer than that; the gentle ramp (5 new connections per ms) keeps the client's own CPU from
# delaying the replies it measures.
run "19,000 held at once (think 8 s)" "--read-timeout 20s --handshake-timeout 30s" \
  --conns 19000 --total 19000 --think-ms 8000 --ramp 5 --procs 2
run "19,000 as a burst (hs-load's default ramp, think 4 s)" "" \
  --conns 19000 --total 19000 --think-ms 4000 --procs 2
run "CPU per handshake: think 0, 1,000 at once" "" --conns 1000 --total 50000 --procs 2
