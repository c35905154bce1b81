#!/usr/bin/env bash
# Chapter 03's measurements, as quoted in its README: one server thread against many clients.
# For each run: start a fresh hs-ch03-server-ref (or yours: --mine), run hs-load against it
# (hs-load samples the server's RSS and CPU from /proc itself, through --server-pid), and print
# one line of hs-load's summary; each run is repeated in rounds, and its figures are given as the
# median and range (min-max) of the rounds.
#
#   chapters/03-coroutines/measure.sh             # three runs, 5 rounds each: about 3 min, from the repository root
#   chapters/03-coroutines/measure.sh --quick     # two smaller runs, 3 rounds each (about 20 s; the tour's)
#   chapters/03-coroutines/measure.sh --rounds 9  # more rounds (default 5; 3 with --quick)
#   chapters/03-coroutines/measure.sh --mine      # the same runs against your hs-ch03-server
#
# Needs a release build: cmake --preset release && cmake --build --preset release --target ch03-ref
# hs-load (and hs-ch03-server for --mine). Loopback only; every run is bounded (--total, and
# hs-load's per-handshake timeout).
set -euo pipefail
# shellcheck source=../../scripts/lib/measure.sh
source "$(dirname "$0")/../../scripts/lib/measure.sh"
measure_options hs-ch03-server "--quick --rounds" "" "$@"
measure_need hs-load
measure_contenders=("ch03|$measure_server|")

measure_held measure_rounds_run
if ! measure_has --quick; then
  measure_rounds_run burst "19,000 as a burst (hs-load's default ramp, think 4 s)" "" \
    --conns 19000 --total 19000 --think-ms 4000 --procs 2
fi
measure_cpu measure_rounds_run
