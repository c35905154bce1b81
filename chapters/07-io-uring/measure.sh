#!/usr/bin/env bash
# Chapter 07's measurements, as quoted in its README: io_uring against epoll, side by side in one
# run, on two runtimes: chapter 07's ring against chapter 06's epoll runtime (one program,
# hs-ch07-server --backend io_uring|epoll), and Asio's io_uring backend against its epoll one
# (hs-ch03-server-uring against hs-ch03-server). For each scenario, a fresh server each time, in
# that order; then the ratios io_uring / epoll, which are what the lesson's goals are about (the
# absolute figures move with the machine and its load; the ratios much less).
#
#   chapters/07-io-uring/measure.sh           # system calls, CPU per handshake, 19,000 held: about 2 min
#   chapters/07-io-uring/measure.sh --quick   # the same, smaller: about 30 s (the tour's)
#   chapters/07-io-uring/measure.sh --mine    # with your hs-ch07-server for the io_uring runs
#
# Needs a release build: cmake --preset release && cmake --build --preset release --target ch07-ref
# ch03-ref hs-load; and strace for the system calls (apt-get install strace; without it, that
# scenario is skipped). Where io_uring is refused it says so and exits 2. Loopback only; every
# run is bounded (--total, and hs-load's per-handshake timeout).
set -euo pipefail
# shellcheck source=../../scripts/lib/measure.sh
source "$(dirname "$0")/../../scripts/lib/measure.sh"
measure_options hs-ch07-server "--quick" "" "$@"
measure_need hs-load hs-ch07-server-ref hs-ch03-server-ref hs-ch03-server-uring-ref
if ! why=$("$measure_server" --check-io-uring 2>&1); then
  echo "$measure_self: $why" >&2
  exit 2
fi

ours=$measure_server
# The four servers, as "NAME|PROGRAM|EXTRA SERVER ARGS": each pair is epoll, then io_uring.
servers=("ch06 epoll|$bin/hs-ch07-server-ref|--backend epoll" "ch07 io_uring|$ours|"
         "ch03 epoll|$bin/hs-ch03-server-ref|" "ch03 io_uring|$bin/hs-ch03-server-uring-ref|")
declare -A got  # "SCENARIO|NAME" -> the figure

# four SCENARIO WHAT TITLE "SERVER ARGS" HS-LOAD ARGS...: the scenario against each server; WHAT
# is "syscalls" (under strace) or "run"; keeps each run's figures in got[].
four() {
  local scenario="$1" what="$2" title="$3" server_args="$4" entry name program extra out
  shift 4
  for entry in "${servers[@]}"; do
    IFS='|' read -r name program extra <<<"$entry"
    measure_server=$program measure_name="${program#"$bin/"}"
    out=$(mktemp)
    if [[ "$what" == syscalls ]]; then
      measure_syscalls "$title: $name" "$extra $server_args" "$@" | tee "$out"
      got["$scenario|$name"]=$(measure_figure "$out" "system calls per handshake")
    else
      measure_run "$title: $name" "$extra $server_args" "$@" | tee "$out"
      got["$scenario|$name"]=$(measure_figure "$out" "us per handshake")
      got["$scenario|$name|kib"]=$(measure_figure "$out" "KiB per connection")
    fi
    rm -f "$out"
  done
  echo
}

# ratio A B: "A/B (A / B)", or "-" when a figure is missing.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f (%s / %s)", a / b, a, b }'; }
# delta A B: "A-B (A - B)", or "-".
delta() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%+.2f (%s - %s)", a - b, a, b }'; }

if measure_has --quick; then
  four sys syscalls "system calls per handshake: think 0, 500 at once" "" --conns 500 --total 5000 --procs 2
  four cpu run "CPU per handshake: think 0, 1,000 at once" "" --conns 1000 --total 20000 --procs 2
  four held run "5,000 held at once (think 3 s)" "" --conns 5000 --total 5000 --think-ms 3000 --ramp 5
else
  four sys syscalls "system calls per handshake: think 0, 1,000 at once" "" --conns 1000 --total 10000 --procs 2
  four cpu run "CPU per handshake: think 0, 1,000 at once" "" --conns 1000 --total 50000 --procs 2
  # The clients think 8 s between HELLO Y and HELLO Z, so the read timeout must be longer.
  four held run "19,000 held at once (think 8 s)" "--read-timeout 20s --handshake-timeout 30s" \
    --conns 19000 --total 19000 --think-ms 8000 --ramp 5 --procs 2
fi

echo "== io_uring / epoll, on the same runtime (the goals: system calls at most 1/3, CPU at most 1,"
echo "   memory per held connection within 0.25 KiB)"
for pair in "ch07 io_uring|ch06 epoll|chapter 07's ring / chapter 06's epoll" "ch03 io_uring|ch03 epoll|Asio's io_uring / Asio's epoll"; do
  IFS='|' read -r a b title <<<"$pair"
  echo "   $title:"
  echo "     system calls per handshake $(ratio "${got[sys|$a]:-}" "${got[sys|$b]:-}")"
  echo "     CPU per handshake (us)     $(ratio "${got[cpu|$a]:-}" "${got[cpu|$b]:-}")"
  echo "     CPU per held handshake     $(ratio "${got[held|$a]:-}" "${got[held|$b]:-}")"
  echo "     KiB per held connection    $(delta "${got[held|$a|kib]:-}" "${got[held|$b|kib]:-}")"
done
