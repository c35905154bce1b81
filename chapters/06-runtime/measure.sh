#!/usr/bin/env bash
# Chapter 06's measurements, as quoted in its README: this chapter's server against chapter 03's,
# in alternating rounds. For each scenario, each round runs a fresh hs-ch06-server-ref (or yours:
# --mine), then a fresh hs-ch03-server-ref, each measured by hs-load (which samples the server's RSS
# and CPU from /proc, through --server-pid). Then the ratios of the two, round by round, as a
# median and a range: the ratio is what the lesson's goals are about (the absolute figures move
# with the machine and its load; the ratio much less, and the range says how much).
#
#   chapters/06-runtime/measure.sh             # 19,000 held, then CPU per handshake, 5 rounds each: about 4 min
#   chapters/06-runtime/measure.sh --quick     # 5,000 held and a smaller CPU run, 3 rounds: about 1 min (the tour's)
#   chapters/06-runtime/measure.sh --rounds 9  # more rounds (default 5; 3 with --quick)
#   chapters/06-runtime/measure.sh --mine      # the same runs with your hs-ch06-server
#
# Needs a release build: cmake --preset release && cmake --build --preset release --target ch06-ref
# ch03-ref hs-load (and hs-ch06-server for --mine). Loopback only; every run is bounded (--total,
# and hs-load's per-handshake timeout).
set -euo pipefail
# shellcheck source=../../scripts/lib/measure.sh
source "$(dirname "$0")/../../scripts/lib/measure.sh"
measure_options hs-ch06-server "--quick --rounds" "" "$@"
measure_need hs-load hs-ch03-server-ref
measure_contenders=("ch06|$measure_server|" "ch03|$bin/hs-ch03-server-ref|")

# side_by_side SCENARIO TITLE "SERVER ARGS" HS-LOAD ARGS...: the rounds, then the ratios chapter 06
# / chapter 03 of CPU per handshake and (when the clients think) of memory per connection.
side_by_side() {
  local scenario="$1" title="$2"
  measure_rounds_run "$@"
  echo "== chapter 06 / chapter 03, $title:"
  measure_ratio "CPU per handshake" "${measure_got[$scenario|ch06|us]}" "${measure_got[$scenario|ch03|us]}"
  if [[ $* == *--think-ms* ]]; then
    measure_ratio "memory per connection" "${measure_got[$scenario|ch06|kib]}" "${measure_got[$scenario|ch03|kib]}"
  fi
  echo
}

measure_held side_by_side
measure_cpu side_by_side
