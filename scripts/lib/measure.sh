# Helpers for the chapters' measure.sh scripts: each run against a fresh server on port 0 (the
# reference, or with --mine the learner's own), started, measured and stopped the same way in every
# chapter. Sourced, not run; it moves to the repository root:
#
#   source "$(dirname "$0")/../../scripts/lib/measure.sh"   # from chapters/NN-name/measure.sh
#   measure_options hs-ch03-server "--quick" "" "$@"       # the options: --help, --mine, --server PATH
#   measure_need hs-load                                   # each built, or "build first: ..." and exit 1
#   measure_run "TITLE" "SERVER ARGS" HS-LOAD ARGS...
#   measure_syscalls "TITLE" "SERVER ARGS" HS-LOAD ARGS...   # the same run under strace -c
#   measure_figure FILE "us per handshake"                 # a number from a run's output
#   measure_server_cpu FILE                                # the server's CPU seconds in a run's output
#   measure_contenders=("LABEL|PROGRAM|EXTRA SERVER ARGS" ...)  # the servers compared, in order
#   measure_rounds_run SCENARIO "TITLE" "SERVER ARGS" HS-LOAD ARGS...  # alternating rounds of them
#   measure_ratio "TITLE" "VALUES A" "VALUES B"            # per-round ratios: median, range, warning
#   measure_held RUNNER; measure_cpu RUNNER                # the event-loop chapters' two scenarios
#
# CPU figures come from rounds: --rounds N (default 5), each round running every server compared
# once, A, B, A, B, ..., a fresh server each time; each figure is given as the median and the range
# (min-max) of its rounds, and a ratio as the median and range of the per-round ratios.
#
# Loopback only. Every hs-load run is bounded (--total, and its per-handshake timeout).

measure_script=$(realpath "$0")
cd "$(dirname "$measure_script")/../.." || exit 1
measure_self=${measure_script#"$PWD/"}  # chapters/NN-name/measure.sh, for messages

bin=build/release/bin
measure_server=""  # the server program measured: its path
measure_name=""    # and its name, as the runs show it
measure_args=()    # the script's own options and words, as given
server=""          # the server's pid, from measure_start
port=""            # the port it listens on
metrics_port=""    # its /metrics port, when started with --metrics-port
measure_log=""     # what it writes on stderr, kept to explain an early exit
measure_rounds=""  # --rounds N, in the scripts that take it: the rounds of each comparison
measure_contenders=()      # the servers measure_rounds_run alternates: "LABEL|PROGRAM|EXTRA ARGS"
declare -gA measure_got=() # "SCENARIO|LABEL|FIGURE" -> its value in each round, space-separated

# On any way out, the server this script started goes too, and so does its log.
measure_cleanup() {
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    wait "$server" 2>/dev/null || true
  fi
  [[ -z "$measure_log" ]] || rm -f "$measure_log"
}
trap measure_cleanup EXIT

# measure_help PROGRAM "FLAGS": the script's header comment, then the options every measure.sh
# takes (and --rounds, when FLAGS has it).
measure_help() {
  sed -n '2,/^[^#]/{/^#/!d; /shellcheck/d; s/^# \{0,1\}//; p}' "$measure_script"
  local chapter=${1#hs-}
  cat <<TXT

The server measured (each run gives it the reference's options):
  (default)      $bin/$1-ref: the reference
  --mine         $bin/$1: yours, from exercises/${chapter%%-*} (a stub not done yet
                 stops the measurement, with the server's message)
  --server PATH  the server program at PATH
TXT
  if [[ "$2" == *" --rounds "* ]]; then
    cat <<TXT
  --rounds N     the rounds of each comparison (default 5; with --quick, 3). Each round runs
                 every server once, in turn, a fresh one each time. A figure is the median of
                 its rounds and their range (min–max); a ratio, the median and range of the
                 ratios of each round, with a warning when that range is wider than the
                 ratio's distance from 1 (the difference it reports)
TXT
  fi
  cat <<TXT
  --help         this text
A first line warns when the machine is busy (a 1-minute load average above its cores): figures
measured then say as much about the rest of the machine as about the server.
TXT
}

# measure_usage MESSAGE: a usage error (exit status 2).
measure_usage() {
  echo "$measure_self: $1 (--help shows the options)" >&2
  exit 2
}

# measure_options PROGRAM "FLAGS" "WORDS" ARGS...: reads the options every measure.sh takes, and the
# script's own FLAGS (e.g. "--quick") and WORDS (e.g. run names), which it keeps in measure_args;
# anything else is a usage error. PROGRAM is the chapter's server, e.g. hs-ch03-server. FLAGS may
# name --rounds: then `--rounds N` sets measure_rounds (default 5, or 3 with --quick). Warns when the
# machine is already busy.
measure_options() {
  local program="$1" flags=" $2 " words=" $3 "
  shift 3
  measure_server="$bin/$program-ref"
  while (($# > 0)); do
    case "$1" in
      --help | -h) measure_help "$program" "$flags"; exit 0 ;;
      --mine) measure_server="$bin/$program" ;;
      --server)
        (($# > 1)) || measure_usage "--server needs a PATH"
        [[ -f "$2" && -x "$2" ]] || measure_usage "--server $2: not an executable file"
        measure_server="$2"
        shift
        ;;
      --rounds)
        [[ "$flags" == *" --rounds "* ]] || measure_usage "unknown option '$1'"
        [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || measure_usage "--rounds needs a number of rounds, 1 or more"
        measure_rounds=$2
        shift
        ;;
      *)
        if [[ "$1" == -* && "$flags" == *" $1 "* ]] || [[ "$1" != -* && "$words" == *" $1 "* ]]; then
          measure_args+=("$1")
        elif [[ "$1" == -* ]]; then
          measure_usage "unknown option '$1'"
        else
          measure_usage "unknown run '$1': the runs are$words"
        fi
        ;;
    esac
    shift
  done
  measure_name=${measure_server#"$bin/"}
  if [[ -z "$measure_rounds" ]]; then
    measure_rounds=5
    measure_has --quick && measure_rounds=3
  fi
  measure_check_load
}

# measure_has FLAG: whether the script was given FLAG.
measure_has() {
  local arg
  for arg in "${measure_args[@]}"; do [[ "$arg" == "$1" ]] && return 0; done
  return 1
}

# measure_check_load: one line of warning if the machine is busier than its cores, when figures
# measured now would say more about the rest of the machine than about the server.
measure_check_load() {
  local load cores
  read -r load _ </proc/loadavg
  cores=$(nproc)
  if awk -v l="$load" -v c="$cores" 'BEGIN { exit !(l > c) }'; then
    echo "warning: 1-minute load average $load on $cores cores: other work is running, and these figures show it" >&2
  fi
}

# measure_need TOOL...: the server and each tool (in build/release/bin) must be built, or this says
# how and exits 1.
measure_need() {
  local missing=() tool
  [[ -x "$measure_server" ]] || missing+=("$measure_name")
  for tool in "$@"; do [[ -x "$bin/$tool" ]] || missing+=("$tool"); done
  if ((${#missing[@]} > 0)); then
    echo "build first: cmake --preset release && cmake --build --preset release --target ${missing[*]}" >&2
    exit 1
  fi
}

# measure_start "SERVER ARGS": a fresh server on port 0, --quiet, in the background; sets $server,
# $port and $metrics_port once it has printed its address lines.
measure_start() {
  local out lines=1
  out=$(mktemp)
  measure_log=$(mktemp)
  [[ "$1" == *--metrics-port* ]] && lines=2
  # shellcheck disable=SC2086  # the argument string is meant to split
  "$measure_server" --port 0 --quiet $1 >"$out" 2>"$measure_log" &
  server=$!
  for _ in $(seq 200); do
    [[ $(wc -l <"$out") -ge $lines ]] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
  done
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out")
  metrics_port=$(sed -n 's/^metrics on .*:\([0-9]*\)$/\1/p' "$out")
  rm -f "$out"
  [[ -n "$port" ]] && return
  kill -0 "$server" 2>/dev/null || measure_failed "exited before it listened"
  measure_failed "printed no 'listening on' line in 10 s"
}

# measure_stop: SIGTERM to the server, and wait for it. It must still be running: if not, what was
# measured is a server that failed (a stub not done yet, say). One that fails only as it stops (the
# drain of chapter 04 not done yet) was measured all the same: a note says so.
measure_stop() {
  kill -0 "$server" 2>/dev/null || measure_failed "exited during the run"
  kill -TERM "$server"
  local status=0
  wait "$server" || status=$?
  server=""
  if ((status != 0)); then
    echo "note: $measure_name exited with status $status on SIGTERM: $(tail -n 1 "$measure_log")" >&2
  fi
  rm -f "$measure_log"
  measure_log=""
}

# measure_failed WHAT: the server failed; say so, with the end of its stderr, and exit 1 (every
# later run would fail the same way).
measure_failed() {
  local what="$1" status=0
  if [[ -n "$server" ]] && ! kill -0 "$server" 2>/dev/null; then
    wait "$server" || status=$?
    what+=" (exit status $status)"
    server=""
  fi
  echo "$measure_self: $measure_name $what. The end of its stderr:" >&2
  if [[ -s "$measure_log" ]]; then tail -n 20 "$measure_log" | sed 's/^/  /' >&2; else echo "  (nothing)" >&2; fi
  exit 1
}

# measure_load OUT "SERVER ARGS" HS-LOAD ARGS...: a fresh server, hs-load against it (which samples
# the server's RSS and CPU from /proc, through --server-pid), its summary in the file OUT, the
# server stopped.
measure_load() {
  local out="$1" server_args="$2"
  shift 2
  measure_start "$server_args"
  kill -0 "$server" 2>/dev/null || measure_failed "exited as soon as it listened"
  "$bin/hs-load" --port "$port" --server-pid "$server" --quiet "$@" >"$out" || true
  measure_stop
}

# measure_run TITLE "SERVER ARGS" HS-LOAD ARGS...: one measured run against a fresh server, and
# hs-load's summary.
measure_run() {
  local title="$1" server_args="$2" out
  shift 2
  out=$(mktemp)
  echo "== $title"
  echo "   $measure_name $server_args"
  echo "   hs-load --port PORT --server-pid PID $*"
  measure_load "$out" "$server_args" "$@"
  sed 's/^/   /' "$out"
  rm -f "$out"
}

# measure_rounds_run SCENARIO TITLE "SERVER ARGS" HS-LOAD ARGS...: measure_rounds rounds of the
# same run; in each round every server of measure_contenders in turn ("LABEL|PROGRAM|EXTRA SERVER
# ARGS", given EXTRA then SERVER ARGS), a fresh one each time: A, B, A, B, ..., so that whatever
# else the machine does falls on all of them alike. One line per run, then for each server the
# median and range of its rounds. Keeps each run's figures in measure_got["SCENARIO|LABEL|FIGURE"],
# a value per round: us (CPU per handshake), cpu (server CPU, s), kib (per connection), p99 (ms),
# s (the run's length, s).
measure_rounds_run() {
  local scenario="$1" title="$2" server_args="$3" round entry label program extra out key cpus=""
  local us cpu kib p99 s  # one run's figures
  shift 3
  out=$(mktemp)
  echo "== $title: $measure_rounds round$( ((measure_rounds == 1)) || echo s), the servers in turn, a fresh one each run"
  for entry in "${measure_contenders[@]}"; do
    IFS='|' read -r label program extra <<<"$entry"
    # shellcheck disable=SC2086  # the argument strings are meant to split (no blanks left over)
    echo "   $label:" "${program#"$bin/"}" $extra $server_args
    for key in us cpu kib p99 s; do measure_got["$scenario|$label|$key"]=""; done
  done
  echo "   hs-load --port PORT --server-pid PID $*"
  for ((round = 1; round <= measure_rounds; ++round)); do
    for entry in "${measure_contenders[@]}"; do
      IFS='|' read -r label program extra <<<"$entry"
      measure_server=$program measure_name=${program#"$bin/"}
      measure_load "$out" "$extra $server_args" "$@"
      # A figure the run did not print is kept as "-", so that the rounds still pair up.
      us=$(measure_figure "$out" "us per handshake")
      cpu=$(measure_server_cpu "$out")
      kib=$(measure_figure "$out" "KiB per connection")
      p99=$(sed -n 's/.* p99 \([0-9.]*\) ms .*/\1/p' "$out")
      s=$(sed -n 's/.*throughput: .* over \([0-9.]*\) s$/\1/p' "$out")
      for key in us cpu kib p99 s; do measure_got["$scenario|$label|$key"]+=" ${!key:--}"; done
      printf '   round %d, %-14s %s\n' "$round" "$label:" "$(measure_oneline "$out")"
    done
  done
  rm -f "$out"
  for entry in "${measure_contenders[@]}"; do
    IFS='|' read -r label _ <<<"$entry"
    printf '   %s, median (range): CPU per handshake %s us; server CPU %s s; p99 %s ms; run %s s' "$label" \
      "$(measure_spread %.1f "${measure_got["$scenario|$label|us"]}")" \
      "$(measure_spread %.2f "${measure_got["$scenario|$label|cpu"]}")" \
      "$(measure_spread %.1f "${measure_got["$scenario|$label|p99"]}")" \
      "$(measure_spread %.2f "${measure_got["$scenario|$label|s"]}")"
    [[ $* != *--think-ms* ]] || printf '; KiB per connection %s' "$(measure_spread %.2f "${measure_got["$scenario|$label|kib"]}")"
    echo
    cpus+=" ${measure_got["$scenario|$label|cpu"]}"
  done
  measure_stats "$cpus" | awk '$2 < 1 { printf "   note: the least server CPU in a run was %.2f s, %d ticks of 10 ms: the fewer, the less a figure per handshake means\n", $2, $2 * 100 + 0.5 }'
  echo
}

# measure_held RUNNER: the scenario "held" of chapters 03, 06 and 07, run by RUNNER
# (measure_rounds_run, or a script's own function taking the same arguments): many clients held
# mid-handshake at once. 5,000 thinking 3 s with --quick; else 19,000 thinking 8 s between HELLO Y
# and HELLO Z, so the server's read timeout must be longer. The gentle ramp (5 new connections per
# ms) keeps the client's own CPU from delaying the replies it measures.
measure_held() {
  if measure_has --quick; then
    "$1" held "5,000 held at once (think 3 s)" "" --conns 5000 --total 5000 --think-ms 3000 --ramp 5
  else
    "$1" held "19,000 held at once (think 8 s)" "--read-timeout 20s --handshake-timeout 30s" \
      --conns 19000 --total 19000 --think-ms 8000 --ramp 5 --procs 2
  fi
}

# measure_cpu RUNNER: the scenario "cpu" of chapters 03, 06 and 07, run by RUNNER as in
# measure_held: CPU per handshake, 1,000 clients at once that do not think. 20,000 handshakes with
# --quick; else 50,000, 1.5 to 2.5 s of server CPU a run: 150 ticks of /proc's 10 ms and more.
measure_cpu() {
  local total=50000
  ! measure_has --quick || total=20000
  "$1" cpu "CPU per handshake: think 0, 1,000 at once" "" --conns 1000 --total "$total" --procs 2
}

# measure_oneline FILE: the figures of hs-load's summary in FILE that the rounds compare, on one line.
measure_oneline() {
  awk '/^hs-load:/ { ok = $4 " ok " $6; sub(/,$/, "", ok) }
       /^  failures:/ && $2 != "(none)" { sub(/^  failures: /, ""); ok = ok ", failed: " $0 }
       /throughput:/ { rate = $2 " hs/s over " $5 " s" }
       /latency/ { p = "p50 " $6 " " $7 ", p99 " $12 " " $13 }
       /server \(pid/ { sub(/.*RSS /, ""); sub(/ \(the process exited.*/, " (exited)"); srv = $0 }
       /server CPU:/ { sub(/.*CPU: /, ""); cpu = $0 }
       END { printf "%s; %s; %s; RSS %s; CPU %s\n", ok, rate, p, srv, cpu }' "$1"
}

# measure_stats VALUE...: "MEDIAN MIN MAX COUNT" of the values (an argument may hold several,
# space-separated; empty ones and "-" are skipped); nothing if none. The median of an even count
# is the mean of the middle two.
measure_stats() {
  printf '%s\n' "$@" | tr ' ' '\n' | awk '/^[0-9.]+$/' | sort -g | awk '{ v[NR] = $1 } END {
    if (NR > 0) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR], NR }'
}

# measure_spread FORMAT VALUE...: the median of the values and their range, "MEDIAN (MIN–MAX)", each
# printed with FORMAT (e.g. %.2f); one value alone is just itself, none at all "-".
measure_spread() {
  local format="$1"
  shift
  measure_stats "$@" | awk -v f="$format" '
    { if ($4 == 1) printf f "\n", $1; else printf f " (" f "–" f ")\n", $1, $2, $3; found = 1 }
    END { if (!found) print "-" }'
}

# measure_ratio TITLE "VALUES A" "VALUES B": the ratio A/B of each round (A's value with B's of the
# same round), then their median and range over the rounds; and a warning line when that range is
# wider than the median's distance from 1, the difference the ratio reports: those rounds do not
# tell the difference from noise. "-" when the rounds are missing or do not pair up.
measure_ratio() {
  local title="$1" ratios=() i
  local -a a b
  read -r -a a <<<"$2"
  read -r -a b <<<"$3"
  for i in "${!a[@]}"; do
    ratios+=("$(awk -v a="${a[i]}" -v b="${b[i]:-}" 'BEGIN {
      if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.4f", a / b }')")
  done
  if ((${#a[@]} == 0 || ${#a[@]} != ${#b[@]})) || [[ " ${ratios[*]} " == *"  "* ]]; then
    echo "   $title: - (a round without a figure)"
    return
  fi
  echo "   $title: $(measure_spread %.2f "${ratios[@]}") over ${#a[@]} round$( ((${#a[@]} == 1)) || echo s)"
  # Judged on the figures as printed, to 2 decimals, so that the warning agrees with them.
  measure_stats "${ratios[@]}" | awk '{
    for (i = 1; i <= 3; ++i) $i = sprintf("%.2f", $i) + 0
    width = $3 - $2; distance = $1 > 1 ? $1 - 1 : 1 - $1
    if ($4 < 2) print "   note: one round has no range: run more rounds (--rounds) to tell a difference from noise"
    else if (width > distance)
      printf "   warning: its range is %.2f wide, wider than its distance from 1 (%.2f): these rounds do not tell this difference from noise\n", width, distance
  }'
}

# measure_figure RUN-OUTPUT PATTERN: the number just before PATTERN in a run's output ("" if none),
# e.g. "KiB per connection", "us per handshake", "system calls per handshake".
measure_figure() { sed -n "s/.*[ +(]\([0-9.]*\) $2.*/\1/p" "$1" | head -n 1; }

# measure_server_cpu FILE: the server's CPU time in a run's output, in seconds ("server CPU: 1.61 s").
measure_server_cpu() { sed -n 's/^  server CPU: \([0-9.]*\) s = .*/\1/p' "$1" | head -n 1; }

# measure_syscalls TITLE "SERVER ARGS" HS-LOAD ARGS...: the run of measure_run, with the server
# under `strace -f -c`: the system calls it made, per handshake (hs-load's --total; start-up and
# stop included, a few dozen), and the three it made most. strace slows every system call down, so
# this run's speed means nothing: only its counts.
measure_syscalls() {
  local title="$1" server_args="$2" total="" previous="" arg counts out tracer child=""
  shift 2
  for arg in "$@"; do
    [[ "$previous" == --total ]] && total=$arg
    previous=$arg
  done
  command -v strace >/dev/null || { echo "== $title"; echo "   (skipped: strace is not installed: apt-get install strace)"; return; }
  counts=$(mktemp) out=$(mktemp)
  # shellcheck disable=SC2086  # the argument string is meant to split
  strace -f -c -o "$counts" -- "$measure_server" --port 0 --quiet $server_args >"$out" 2>/dev/null &
  tracer=$!
  for _ in $(seq 200); do
    grep -q '^listening on' "$out" && break
    kill -0 "$tracer" 2>/dev/null || break
    sleep 0.05
  done
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out")
  child=$(pgrep -P "$tracer" | head -n 1)
  echo "== $title"
  echo "   strace -f -c $measure_name $server_args"
  echo "   hs-load --port PORT $*"
  if [[ -z "$port" || -z "$child" ]]; then
    echo "   (the server did not start under strace)"
  else
    "$bin/hs-load" --port "$port" --quiet "$@" | grep -E 'failures|throughput' | sed 's/^/   /' || true
    kill -TERM "$child"
  fi
  wait "$tracer" 2>/dev/null || true
  # strace's table: "% time seconds usecs/call calls [errors] syscall", then a "total" line.
  awk -v total="$total" '
    $NF == "total" { calls = $4 }
    $1 ~ /^[0-9.]+$/ && $NF != "total" { n[$NF] = $4 }
    END {
      if (calls == "" || total == "") { print "   (no counts)"; exit }
      printf "   %.2f system calls per handshake (%d in all)", calls / total, calls
      top = ""
      for (k = 0; k < 3; ++k) {
        best = ""; for (c in n) if (best == "" || n[c] > n[best]) best = c
        if (best == "") break
        top = top sprintf("%s%s %.2f", top == "" ? "" : ", ", best, n[best] / total); delete n[best]
      }
      printf "; per handshake: %s\n", top
    }' "$counts"
  rm -f "$counts" "$out"
}
