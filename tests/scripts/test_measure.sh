#!/usr/bin/env bash
# Every chapter's measure.sh answers --help (what it measures, how long, what to build, and the
# options every one takes: --mine, --server PATH) without measuring anything, and refuses what it
# does not know with exit status 2 before it needs a build. The helpers that turn rounds into a
# median, a range and a warning give the expected lines on fixed inputs.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source tests/scripts/lib.sh

for script in chapters/02-threads/measure.sh chapters/03-coroutines/measure.sh chapters/04-production/measure.sh \
  chapters/06-runtime/measure.sh chapters/07-io-uring/measure.sh; do
  chapter=$(grep -oE 'hs-ch0[0-9]-server' "$script" | head -n 1)
  expect_exit 0 "$script" --help
  [[ $out == *"$script "* ]] || fail "$script --help shows how to run it: $out"
  [[ $out == *"about "* ]] || fail "$script --help says how long it takes"
  [[ $out == *"cmake --build --preset release --target"* ]] || fail "$script --help says what to build"
  [[ $out == *"--mine"*"build/release/bin/$chapter:"* ]] || fail "$script --help: --mine measures $chapter"
  [[ $out == *"--server PATH"* ]] || fail "$script --help offers --server PATH"
  [[ $out != *"=="* ]] || fail "$script --help measured something: $out"
  expect_exit 2 "$script" --frobnicate
  [[ $err == *"unknown option '--frobnicate'"* ]] || fail "$script names an unknown option: $err"
  expect_exit 2 "$script" --server
  [[ $err == *"--server needs a PATH"* ]] || fail "$script: --server without a path is refused: $err"
  expect_exit 2 "$script" --server /nonexistent/server
  [[ $err == *"/nonexistent/server: not an executable file"* ]] || fail "$script: a --server that is not there: $err"
done
expect_exit 2 chapters/03-coroutines/measure.sh blocking
expect_exit 2 chapters/04-production/measure.sh blocking cpus
[[ $err == *"unknown run 'cpus'"* ]] || fail "chapter 04's measure.sh names an unknown run, before any run: $err"
[[ -z $out ]] || fail "an unknown run is refused before the first run starts: $out"

# --rounds N: in the scripts that compare servers in rounds; a number of rounds or a usage error.
for script in chapters/03-coroutines/measure.sh chapters/04-production/measure.sh chapters/06-runtime/measure.sh \
  chapters/07-io-uring/measure.sh; do
  expect_exit 0 "$script" --help
  [[ $out == *"--rounds N"*"median"* ]] || fail "$script --help offers --rounds N and says what a figure is"
  for bad in 0 -1 five ""; do
    expect_exit 2 "$script" --rounds "$bad"
    [[ $err == *"--rounds needs a number of rounds"* ]] || fail "$script --rounds '$bad' is refused: $err"
  done
done
expect_exit 2 chapters/02-threads/measure.sh --rounds 5
[[ $err == *"unknown option '--rounds'"* ]] || fail "chapter 02's measure.sh has no rounds: $err"

# The figures of the rounds, on fixed inputs (the helpers of scripts/lib/measure.sh, in a subshell).
lib() { (source scripts/lib/measure.sh && "$@"); }
expect_same() { [[ "$2" == "$3" ]] || fail "$1: expected '$3', got '$2'"; }
expect_same "median of 5" "$(lib measure_spread %.1f 32.2 36.2 30 31 35)" "32.2 (30.0–36.2)"
expect_same "median of 4: the mean of the middle two" "$(lib measure_spread %.1f 4 1 3 2)" "2.5 (1.0–4.0)"
expect_same "values in one word, an empty one skipped" "$(lib measure_spread %.2f " 3 1" "" 2)" "2.00 (1.00–3.00)"
expect_same "one value: no range" "$(lib measure_spread %.2f 1.5)" "1.50"
expect_same "no value" "$(lib measure_spread %.2f "")" "-"
expect_same "stats" "$(lib measure_stats 9 10 100 12 11)" "11 9 100 5"
out=$(lib measure_ratio "CPU" "32 36 30 31 35" "50 53 48 49 51")
expect_same "a clear ratio: no warning" "$out" "   CPU: 0.64 (0.62–0.69) over 5 rounds"
out=$(lib measure_ratio "CPU" "33 34 32 33 35" "34 33 33.5 34 34")
[[ $out == *"CPU: 0.97 (0.96–1.03) over 5 rounds"* ]] || fail "ratios round by round: $out"
[[ $out == *"warning: its range is 0.07 wide, wider than its distance from 1 (0.03)"* ]] ||
  fail "a range wider than the difference is a warning: $out"
out=$(lib measure_ratio "CPU" "90 95" "100 100")
[[ $out == *"0.93 (0.90–0.95) over 2 rounds" && $out != *warning* ]] ||
  fail "a range narrower than its distance from 1 is no warning: $out"
out=$(lib measure_ratio "CPU" "33" "34")
[[ $out == *"0.97 over 1 round"*"note: one round has no range"* ]] || fail "one round says it has no range: $out"
out=$(lib measure_ratio "CPU" "33 34" "34")
[[ $out == *"CPU: - (a round without a figure)"* ]] || fail "rounds that do not pair up give no ratio: $out"
out=$(lib measure_ratio "CPU" "33 34" "34 0")
[[ $out == *"CPU: - (a round without a figure)"* ]] || fail "a round without a figure gives no ratio: $out"
out=$(lib measure_ratio "CPU" "33 - 35" "- 34 35")
[[ $out == *"CPU: - (a round without a figure)"* ]] || fail "rounds missing a figure are not paired with others: $out"
expect_same "a missing figure is skipped" "$(lib measure_spread %.1f "3 - 1" 2)" "2.0 (1.0–3.0)"
run=$(mktemp)
cat >"$run" <<'TXT'
hs-load: 50000 handshakes, 49998 ok (99.99%), 2 failed
  failures: timeout 2
  peak concurrent: 1000 connections
  throughput: 15180 handshakes/s over 3.29 s
  latency (excluding think time): p50 42.0 ms  p90 61.2 ms  p99 80.1 ms  max 108 ms
  server (pid 4242): RSS 3.2 MiB idle -> 3.9 MiB peak (+0.50 KiB per connection at 1000 open)
  server CPU: 1.61 s = 32.2 us per handshake
  client: CPU 2.91 s
TXT
expect_same "a run in one line" "$(lib measure_oneline "$run")" \
  "49998 ok (99.99%), failed: timeout 2; 15180 hs/s over 3.29 s; p50 42.0 ms, p99 80.1 ms; RSS 3.2 MiB idle -> 3.9 MiB peak (+0.50 KiB per connection at 1000 open); CPU 1.61 s = 32.2 us per handshake"
expect_same "a figure of a run" "$(lib measure_figure "$run" "us per handshake")" "32.2"
expect_same "the server's CPU of a run" "$(lib measure_server_cpu "$run")" "1.61"
rm -f "$run"

[[ $failures -eq 0 ]] && echo "measure.sh: all checks pass"
exit $((failures > 0))
