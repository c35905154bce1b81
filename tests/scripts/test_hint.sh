#!/usr/bin/env bash
# scripts/hint prints exactly the hint asked for, says how many there are, refuses what does not
# exist with exit status 2; and every lesson's "Stuck?" line matches its chapter's hints.md.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source tests/scripts/lib.sh

# The text of hint K of exercise N.M, straight from its hints.md (between its <details> lines).
hint_text() {
  awk -v ex="$1" -v k="$2" '
    $0 == "## Hints for exercise " ex { inside = 1; next }
    /^## / { inside = 0 }
    inside && $0 == "<details><summary>Hint " k "</summary>" { taking = 1; next }
    taking && $0 == "</details>" { exit }
    taking && (seen || $0 != "") { seen = 1; print }' "$3"
}

expect_exit 0 scripts/hint 1.2
[[ $out == "Exercise 1.2, hint 1 of 3:"* ]] || fail "the first line says which hint of how many: $out"
want=$(hint_text 1.2 1 chapters/01-blocking/hints.md)
[[ -n $want && $out == *"$want"* ]] || fail "scripts/hint 1.2 prints hint 1 of 1.2"
want2=$(hint_text 1.2 2 chapters/01-blocking/hints.md)
[[ $out != *"$want2"* ]] || fail "scripts/hint 1.2 must not show hint 2"
[[ $out == *"scripts/hint 1.2 2"* ]] || fail "scripts/hint 1.2 says how to get the next hint"

expect_exit 0 scripts/hint 4.6 3
want=$(hint_text 4.6 3 chapters/04-production/hints.md)
[[ -n $want && $out == *"$want"* ]] || fail "scripts/hint 4.6 3 prints hint 3 of 4.6"
[[ $out == *"last hint"* ]] || fail "the last hint says it is the last"

expect_exit 2 scripts/hint 9.9
[[ $err == *'no exercise "9.9"'* ]] || fail "an unknown exercise is named in the error: $err"
expect_exit 2 scripts/hint 1.4 3
[[ $err == *"exercise 1.4 has 2 hints"* ]] || fail "a hint out of range says how many there are: $err"
expect_exit 2 scripts/hint 1.2 zero
expect_exit 2 scripts/hint
expect_exit 0 scripts/hint --help

# A reader that stops early (`scripts/hint --help | head`) ends it quietly: no BrokenPipeError
# traceback. (The reader closes the pipe at once, before the hint is written.)
errfile=$(mktemp)
scripts/hint --list 2>"$errfile" | (exec <&-; sleep 0.5)
[[ ! -s $errfile ]] || fail "scripts/hint into a closed pipe prints: $(cat "$errfile")"
rm -f "$errfile"

# Every exercise of every lesson has a "Stuck?" line whose count matches its hints.md, and
# the lessons themselves hold no hint text (reading one with cat must not show a hint).
expect_exit 0 scripts/hint --list
listed=$out
for lesson in chapters/*/README.md; do
  grep -q '<details>' "$lesson" && fail "$lesson holds a <details> block: hints belong in hints.md"
  while read -r exercise; do
    line=$(grep -E "^Stuck\? \[[A-Za-z]+ hints?\]\(hints\.md#hints-for-exercise-${exercise//./}\)" "$lesson")
    [[ -n $line ]] || { fail "$lesson: exercise $exercise has no \"Stuck?\" line"; continue; }
    [[ $line == *"\`scripts/hint $exercise\`"* ]] || fail "$lesson: the line for $exercise names scripts/hint $exercise"
    count=$(awk -v ex="$exercise" '$1 == ex { print $2 }' <<<"$listed")
    words=(zero One Two Three Four Five)
    [[ $line == "Stuck? [${words[$count]} hint"* ]] || fail "$lesson: $exercise says '$line', hints.md has $count"
  done < <(grep -oE '^#+ Exercise [0-9]+\.[0-9]+' "$lesson" | grep -oE '[0-9]+\.[0-9]+')
done

[[ $failures -eq 0 ]] && echo "scripts/hint: all checks pass"
exit $((failures > 0))
