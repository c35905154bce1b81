# Helpers for the chapters' measure.sh scripts: each run against a fresh reference server on port 0,
# started, measured and stopped the same way in every chapter. Sourced, not run:
#
#   source "$(dirname "$0")/../../scripts/lib/measure.sh"    # from chapters/NN-name/measure.sh
#   measure_need hs-ch03-server-ref hs-load                 # or: "build first: ..." and exit 1
#   measure_run "TITLE" hs-ch03-server-ref "SERVER ARGS" HS-LOAD ARGS...
#
# Loopback only. Every hs-load run is bounded (--total, and its per-handshake timeout).

bin=build/release/bin
server=""        # the server's pid, from measure_start
port=""          # the port it listens on
metrics_port=""  # its /metrics port, when started with --metrics-port

# measure_need PROGRAM...: each must be built (release preset), or this says how and exits 1.
measure_need() {
  local program
  for program in "$@"; do
    if [[ ! -x "$bin/$program" ]]; then
      echo "build first: cmake --preset release && cmake --build --preset release --target $*" >&2
      exit 1
    fi
  done
}

# measure_start PROGRAM "SERVER ARGS": a fresh server on port 0, --quiet, in the background; sets
# $server, $port and $metrics_port once it has printed its address lines.
measure_start() {
  local out lines=1
  out=$(mktemp)
  [[ "$2" == *--metrics-port* ]] && lines=2
  # shellcheck disable=SC2086  # the argument string is meant to split
  "$bin/$1" --port 0 --quiet $2 >"$out" 2>/dev/null &
  server=$!
  for _ in $(seq 200); do [[ $(wc -l <"$out") -ge $lines ]] && break; sleep 0.05; done
  port=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$out")
  metrics_port=$(sed -n 's/^metrics on .*:\([0-9]*\)$/\1/p' "$out")
  rm -f "$out"
}

# measure_stop: SIGTERM to the server, and wait for it.
measure_stop() {
  kill -TERM "$server"
  wait "$server" || true
}

# measure_run TITLE PROGRAM "SERVER ARGS" HS-LOAD ARGS...: one measured run against a fresh server;
# hs-load samples the server's RSS and CPU from /proc (--server-pid) and prints its summary.
measure_run() {
  local title="$1" program="$2" server_args="$3"
  shift 3
  measure_start "$program" "$server_args"
  echo "== $title"
  echo "   $program $server_args"
  echo "   hs-load --port PORT --server-pid PID $*"
  "$bin/hs-load" --port "$port" --server-pid "$server" --quiet "$@" | sed 's/^/   /' || true
  measure_stop
}
