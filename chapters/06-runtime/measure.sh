#!/usr/bin/env bash
# Chapter 06's measurements, as quoted in its README: this chapter's server against chapter 03's,
# side by side in one run. For each scenario: a fresh hs-ch06-server-ref (or yours: --mine), then
# a fresh hs-ch03-server-ref, each measured by hs-load (which samples the server's RSS and CPU from
# /proc, through --server-pid); then the ratio of the two, which is what the lesson's goals are
# about (the absolute figures move with the machine and its load; the ratio much less).
#
#   chapters/06-runtime/measure.sh           # 19,000 held, then CPU per handshake twice: about 45 s
#   chapters/06-runtime/measure.sh --quick   # 5,000 held, CPU per handshake once: about 15 s (the tour's)
#   chapters/06-runtime/measure.sh --mine    # the same runs with your hs-ch06-server
#
# Needs a release build: cmake --preset release && cmake --build --preset release --target ch06-ref
# ch03-ref hs-load (and hs-ch06-server for --mine). Loopback only; every run is bounded (--total,
# and hs-load's per-handshake timeout).
set -euo pipefail
# shellcheck source=../../scripts/lib/measure.sh
source "$(dirname "$0")/../../scripts/lib/measure.sh"
measure_options hs-ch06-server "--quick" "" "$@"
measure_need hs-load hs-ch03-server-ref
ours=$measure_server
theirs=$bin/hs-ch03-server-ref

# side_by_side TITLE "SERVER ARGS" HS-LOAD ARGS...: the run against ours, then against chapter
# 03's, and the ratios of memory per connection and CPU per handshake.
side_by_side() {
  local title="$1" server_args="$2" a b
  shift 2
  a=$(mktemp) b=$(mktemp)
  measure_server=$ours measure_name=${ours#"$bin/"}
  measure_run "$title" "$server_args" "$@" | tee "$a"
  measure_server=$theirs measure_name=${theirs#"$bin/"}
  measure_run "$title" "$server_args" "$@" | tee "$b"
  local kib_a kib_b us_a us_b
  kib_a=$(measure_figure "$a" "KiB per connection") kib_b=$(measure_figure "$b" "KiB per connection")
  us_a=$(measure_figure "$a" "us per handshake") us_b=$(measure_figure "$b" "us per handshake")
  rm -f "$a" "$b"
  awk -v ka="$kib_a" -v kb="$kib_b" -v ua="$us_a" -v ub="$us_b" 'BEGIN {
    printf "== chapter 06 / chapter 03:"
    if (ka != "" && kb != "" && kb > 0) printf " memory per connection %.2f (%s / %s KiB);", ka / kb, ka, kb
    if (ua != "" && ub != "" && ub > 0) printf " CPU per handshake %.2f (%s / %s us)", ua / ub, ua, ub
    printf "\n\n"
  }'
}

if measure_has --quick; then
  side_by_side "5,000 held at once (think 3 s)" "" --conns 5000 --total 5000 --think-ms 3000 --ramp 5
  side_by_side "CPU per handshake: think 0, 1,000 at once" "" --conns 1000 --total 20000 --procs 2
  exit 0
fi
# Held: the clients think 8 s between HELLO Y and HELLO Z, so the read timeout must be longer; the
# gentle ramp (5 new connections per ms) keeps the client's own CPU from delaying the replies.
side_by_side "19,000 held at once (think 8 s)" "--read-timeout 20s --handshake-timeout 30s" \
  --conns 19000 --total 19000 --think-ms 8000 --ramp 5 --procs 2
# CPU per handshake twice, alternating the servers: the second pair shows how much the first moved.
for round in 1 2; do
  side_by_side "CPU per handshake: think 0, 1,000 at once (round $round)" "" --conns 1000 --total 50000 --procs 2
done
