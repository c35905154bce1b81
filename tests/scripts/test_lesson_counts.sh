#!/usr/bin/env bash
# Every lesson's "What to expect" gives the number of tests `cmake --workflow --preset chNN` runs
# ("... 0 tests failed out of N"): it must be the number this build has for the chapter, so a
# learner who sees another count knows something is off. Usage: test_lesson_counts.sh BUILD_DIR.
# (The ci preset adds one test per chapter that the learner's dev preset does not have,
# chNN.stub-markers: it is left out of the count.)
set -uo pipefail
build=$1
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source tests/scripts/lib.sh

for lesson in chapters/[0-9][0-9]-*/README.md; do
  ch=ch${lesson:9:2}
  said=$(grep -oE 'tests failed out of [0-9]+' "$lesson" | grep -oE '[0-9]+$')
  names=$(ctest --test-dir "$build" -N -L "^$ch\$" | grep -E "^ *Test +#" | grep -v "$ch\.stub-markers$")
  count=$(grep -c . <<<"$names")
  if [[ -z $said ]]; then
    [[ $count == 0 ]] || fail "$lesson: no \"tests failed out of N\" line, and $ch has $count tests"
    continue
  fi
  [[ $said == "$count" ]] || fail "$lesson says $said tests, $ch has $count in $build: update the lesson"
done
exit $((failures > 0))
