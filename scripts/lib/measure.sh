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

# On any way out, the server this script started goes too, and so does its log.
measure_cleanup() {
  if [[ -n "$server" ]] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server"
    wait "$server" 2>/dev/null || true
  fi
  [[ -z "$measure_log" ]] || rm -f "$measure_log"
}
trap measure_cleanup EXIT

# measure_help PROGRAM: the script's header comment, then the options every measure.sh takes.
measure_help() {
  sed -n '2,/^[^#]/{/^#/!d; /shellcheck/d; s/^# \{0,1\}//; p}' "$measure_script"
  local chapter=${1#hs-}
  cat <<TXT

The server measured (each run gives it the reference's options):
  (default)      $bin/$1-ref: the reference
  --mine         $bin/$1: yours, from exercises/${chapter%%-*} (a stub not done yet
                 stops the measurement, with the server's message)
  --server PATH  the server program at PATH
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
# anything else is a usage error. PROGRAM is the chapter's server, e.g. hs-ch03-server. Warns when
# the machine is already busy.
measure_options() {
  local program="$1" flags=" $2 " words=" $3 "
  shift 3
  measure_server="$bin/$program-ref"
  while (($# > 0)); do
    case "$1" in
      --help | -h) measure_help "$program"; exit 0 ;;
      --mine) measure_server="$bin/$program" ;;
      --server)
        (($# > 1)) || measure_usage "--server needs a PATH"
        [[ -f "$2" && -x "$2" ]] || measure_usage "--server $2: not an executable file"
        measure_server="$2"
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

# measure_run TITLE "SERVER ARGS" HS-LOAD ARGS...: one measured run against a fresh server;
# hs-load samples the server's RSS and CPU from /proc (--server-pid) and prints its summary.
measure_run() {
  local title="$1" server_args="$2"
  shift 2
  measure_start "$server_args"
  echo "== $title"
  echo "   $measure_name $server_args"
  echo "   hs-load --port PORT --server-pid PID $*"
  kill -0 "$server" 2>/dev/null || measure_failed "exited as soon as it listened"
  "$bin/hs-load" --port "$port" --server-pid "$server" --quiet "$@" | sed 's/^/   /' || true
  measure_stop
}

# measure_figure RUN-OUTPUT PATTERN: the number just before PATTERN in a run's output ("" if none),
# e.g. "KiB per connection", "us per handshake", "system calls per handshake".
measure_figure() { sed -n "s/.*[ +(]\([0-9.]*\) $2.*/\1/p" "$1" | head -n 1; }

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
