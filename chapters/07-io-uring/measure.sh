#!/usr/bin/env bash
# Chapter 07's measurements, as quoted in its README: io_uring against epoll, on two runtimes:
# chapter 07's ring against chapter 06's epoll runtime (one program, hs-ch07-server --backend
# io_uring|epoll), and Asio's io_uring backend against its epoll one (hs-ch03-server-uring against
# hs-ch03-server). The system calls are counted once (under strace: counts do not move between
# runs); every CPU figure comes from alternating rounds, each round running every server once, a
# fresh one each time. Then the ratios io_uring / epoll of each round, as a median and a range:
# the ratios are what the lesson's goals are about (the absolute figures move with the machine and
# its load; the ratios much less, and the range says how much).
#
#   chapters/07-io-uring/measure.sh             # system calls; CPU per handshake at 1,000 clients, at
#                                               # 19,000 held and at one client; 5 rounds: about 10 min
#   chapters/07-io-uring/measure.sh --quick     # the first three, smaller, 3 rounds: about 2 min (the tour's)
#   chapters/07-io-uring/measure.sh --rounds 9  # more rounds (default 5; 3 with --quick)
#   chapters/07-io-uring/measure.sh --mine      # with your hs-ch07-server for the io_uring runs
#
# Needs a release build: cmake --preset release && cmake --build --preset release --target ch07-ref
# ch03-ref hs-load; and strace for the system calls (apt-get install strace; without it, that
# scenario is skipped). Where io_uring is refused it says so and exits 2. Loopback only; every
# run is bounded (--total or --duration, and hs-load's per-handshake timeout).
set -euo pipefail
# shellcheck source=../../scripts/lib/measure.sh
source "$(dirname "$0")/../../scripts/lib/measure.sh"
measure_options hs-ch07-server "--quick --rounds" "" "$@"
measure_need hs-load hs-ch07-server-ref hs-ch03-server-ref hs-ch03-server-uring-ref
if ! why=$("$measure_server" --check-io-uring 2>&1); then
  echo "$measure_self: $why" >&2
  exit 2
fi

# The four servers, as "LABEL|PROGRAM|EXTRA SERVER ARGS": each pair is epoll, then io_uring.
four=("ch06 epoll|$bin/hs-ch07-server-ref|--backend epoll" "ch07 io_uring|$measure_server|"
      "ch03 epoll|$bin/hs-ch03-server-ref|" "ch03 io_uring|$bin/hs-ch03-server-uring-ref|")
pairs=("ch07 io_uring|ch06 epoll|chapter 07's ring / chapter 06's epoll"
       "ch03 io_uring|ch03 epoll|Asio's io_uring / Asio's epoll")
declare -A calls  # "LABEL" -> system calls per handshake

# syscalls TITLE HS-LOAD ARGS...: each server once under strace; keeps the counts in calls[].
syscalls() {
  local title="$1" entry label program extra out
  shift
  out=$(mktemp)
  for entry in "${four[@]}"; do
    IFS='|' read -r label program extra <<<"$entry"
    measure_server=$program measure_name=${program#"$bin/"}
    measure_syscalls "$title: $label" "$extra" "$@" | tee "$out"
    calls["$label"]=$(measure_figure "$out" "system calls per handshake")
  done
  rm -f "$out"
  echo
}

# ratios SCENARIO TITLE: io_uring / epoll of each pair, round by round, in SCENARIO.
ratios() {
  local scenario="$1" title="$2" pair a b name
  echo "== io_uring / epoll, $title (the goal: CPU at most 1)"
  for pair in "${pairs[@]}"; do
    IFS='|' read -r a b name <<<"$pair"
    [[ -n "${measure_got[$scenario|$a|us]+set}" ]] || continue
    measure_ratio "$name" "${measure_got[$scenario|$a|us]}" "${measure_got[$scenario|$b|us]}"
  done
  echo
}

# median SCENARIO LABEL FIGURE: the median of a figure's rounds ("" if none).
median() { measure_stats "${measure_got["$1|$2|$3"]:-}" | cut -d' ' -f1; }

measure_contenders=("${four[@]}")
if measure_has --quick; then
  syscalls "system calls per handshake: think 0, 500 at once" --conns 500 --total 5000 --procs 2
else
  syscalls "system calls per handshake: think 0, 1,000 at once" --conns 1000 --total 10000 --procs 2
fi
measure_cpu measure_rounds_run
ratios cpu "CPU per handshake, 1,000 at once"
measure_held measure_rounds_run
ratios held "CPU per held handshake"
if ! measure_has --quick; then
  # One client at a time, nothing to batch: the case io_uring is said to lose. 10 s, for enough
  # server CPU to count (2 s gave 5 ticks); the two runtimes only.
  measure_contenders=("${four[@]:0:2}")
  measure_rounds_run one "one client at a time, for 10 s" "" --conns 1 --duration 10s
  ratios one "one client at a time"
fi

echo "== io_uring / epoll, on the same runtime: system calls (the goal: at most 1/3) and memory per"
echo "   held connection (the goal: within 0.25 KiB), medians of the rounds above"
for pair in "${pairs[@]}"; do
  IFS='|' read -r a b name <<<"$pair"
  awk -v name="$name" -v sa="${calls[$a]:-}" -v sb="${calls[$b]:-}" \
    -v ka="$(median held "$a" kib)" -v kb="$(median held "$b" kib)" 'BEGIN {
    printf "   %s: system calls per handshake ", name
    if (sa == "" || sb == "" || sb == 0) printf "-"; else printf "%.2f (%s / %s)", sa / sb, sa, sb
    printf "; KiB per held connection "
    if (ka == "" || kb == "") print "-"; else printf "%+.2f (%s - %s)\n", ka - kb, ka, kb
  }'
done
