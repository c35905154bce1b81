#!/usr/bin/env bash
# Every chapter's measure.sh answers --help (what it measures, how long, what to build, and the
# options every one takes: --mine, --server PATH) without measuring anything, and refuses what it
# does not know with exit status 2 before it needs a build.
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

[[ $failures -eq 0 ]] && echo "measure.sh: all checks pass"
exit $((failures > 0))
