# Shared by the shell tests in tests/scripts: sourced, not run. Counts failures in $failures;
# a test ends with `exit $((failures > 0))` after its checks.
failures=0

# fail MESSAGE...: records one failure and says what it was.
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# expect_exit STATUS COMMAND...: runs it, keeps stdout in $out and stderr in $err.
expect_exit() {
  local want="$1"; shift
  local errfile; errfile=$(mktemp)
  out=$("$@" 2>"$errfile"); local got=$?
  err=$(cat "$errfile"); rm -f "$errfile"
  [[ $got -eq $want ]] || fail "$* exited $got, expected $want (stderr: $err)"
}
