"""scripts/progress and its change detection (scripts/lib/watch.py).

- Usage errors exit 2 with a message that says what is wrong.
- The view, from test programs whose results are known (tests/scripts/fake_catch.py stands in for
  hs-chNN-tests, so the learner's own progress does not matter): not started, a first failure, a
  crash (the tests after it still run), a test waiting for a later exercise (and "next" then
  skips ahead), a chapter done and what comes next, every exercise done.
- With a real Catch2 program (hs-progress-probe, its path the first argument) whose tests fail,
  hang, crash or are skipped as planted: progress counts exactly what Catch2 counts; a test that
  hangs is stopped at its deadline with a message that says so (the rest of its exercise is left
  out), and the child process it started does not outlive it; skipped tests are neither passed
  nor failed.
- Every exercise of the course has a title in its lesson, and the files to edit.
- --watch, in a temporary copy of the course: an editor's save re-runs the tests, Ctrl-C (SIGINT)
  stops it with exit status 0 and leaves no process behind.
- The watcher: a save counts however the editor makes it, scratch files never do, a burst of saves
  is one change; with inotifywait when installed, and always with the fallback that scans.
Every wait is bounded (LIMIT); what is awaited is output or an event, never the passing of time.
"""
import json
import os
import re
import pathlib
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.dont_write_bytecode = True  # no __pycache__ in the learner's tree
sys.path.insert(0, str(ROOT / 'scripts' / 'lib'))
import watch  # noqa: E402

LIMIT = 30  # seconds anything awaited may take, on a loaded machine
PROBE = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else None
STUB = 'exercise {} is not done yet: see chapters/somewhere'
failures = []


def check(condition, what, shown=''):
    if not condition:
        failures.append(what)
        print(f'FAIL: {what}' + (f'\n{shown}' if shown else ''))


def progress(*args, root=ROOT, env=None):
    done = subprocess.run([root / 'scripts' / 'progress', *args], capture_output=True, text=True,
                          timeout=LIMIT, env=env)
    return done.returncode, done.stdout, done.stderr


def fake_tests(build, nn, results, source):
    """bin/hs-chNN-tests in build: the stand-in, with these results."""
    program = build / 'bin' / f'hs-ch{nn}-tests'
    program.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / 'tests' / 'scripts' / 'fake_catch.py', program)
    pathlib.Path(f'{program}.json').write_text(json.dumps({'file': str(source), **results}))


def usage_errors():
    for args, says in ((['ch7'], '"ch7" is not a chapter'), (['ch05'], 'ch05 has no exercises'),
                       (['--bogus'], 'unrecognized arguments: --bogus'),
                       (['ch00', 'ch01'], 'unrecognized arguments: ch01'),
                       (['--build-dir'], 'expected one argument')):
        status, out, err = progress(*args)
        check(status == 2 and says in err, f'scripts/progress {" ".join(args)}: exit 2, "{says}"',
              f'exit {status}, stderr: {err}')
    status, out, _ = progress('--help')
    check(status == 0 and 'scripts/progress --watch [chNN]' in out, '--help describes --watch')


def views(build):
    source = ROOT / 'tests' / 'ch00' / 'test_fake.cpp'
    chapters = sorted(p.name[2:] for p in (ROOT / 'exercises').glob('ch[0-9][0-9]'))
    for nn in chapters:
        fake_tests(build, nn, {f'{int(nn)}.1': {'one': 'pass', 'two': 'pass'}}, source)
    status, out, _ = progress('--no-build', '--build-dir', build, 'ch00')
    check(status == 0 and 'Chapter 00 done. Next: chapters/01-blocking/README.md' in out and
          'Every exercise' not in out, 'a chapter done says which lesson is next', out)
    status, out, _ = progress('--no-build', '--build-dir', build)
    check(status == 0 and 'Every exercise passes' in out and 'Chapter 00 done' not in out,
          'every chapter done says so', out)

    fake_tests(build, '00', {'0.1': {'parses': 'pass', 'refuses': f'fail {STUB.format("0.1")}'},
                             '0.2': {'frames': f'fail {STUB.format("0.2")}'}}, source)
    status, out, _ = progress('--no-build', '--build-dir', build, 'ch00')
    check(status == 1 and '1/2 tests pass' in out and 'not started (1 test)' in out and
          'first failure: refuses' in out and '#exercise-01' in out, 'a started exercise', out)

    # A test of 4.1 that stops at 4.2's stub: 4.1 is not what to do next, 4.2 is.
    fake_tests(build, '04', {'4.1': {'a': 'pass', 'b': 'pass', 'c': 'pass',
                                     'server': f'fail {STUB.format("4.2")}'},
                             '4.2': {'x': f'fail {STUB.format("4.2")}',
                                     'y': f'fail {STUB.format("4.2")}'}}, source)
    status, out, _ = progress('--no-build', '--build-dir', build, 'ch04')
    check(status == 1 and '3/4 tests pass' in out and
          '1 failing test waits for exercise 4.2 to be done first' in out and
          'next: read chapters/04-production/README.md#exercise-42' in out and
          '#exercise-41' not in out and 'not started (2 tests)' in out,
          'a test waiting for a later exercise', out)

    # After a failure, the rest run in one process, selected by one spec: Catch2 ANDs separate
    # arguments, which would select none of them.
    fake_tests(build, '02', {'2.1': {'one': f'fail {STUB.format("2.1")}', 'two, too': 'pass',
                                     'three [3]': 'pass'}}, source)
    status, out, _ = progress('--no-build', '--build-dir', build, 'ch02')
    check(status == 1 and '2/3 tests pass' in out, 'the tests after a failure', out)

    # A crash ends the run of the exercise's tests: the ones after it run on their own.
    # Its first failure shows a carriage return as \r (Catch2 writes it as is: a terminal hides it).
    fake_tests(build, '01', {'1.1': {'one': 'pass', 'two': 'fail f() == "2\\n", that is '
                                     '"2\r\\n" == "2\\n"', 'three': 'crash', 'four': 'pass'}}, source)
    status, out, _ = progress('--no-build', '--build-dir', build, 'ch01')
    check(status == 1 and '2/4 tests pass' in out and 'first failure: two' in out and
          'tests/ch00/test_fake.cpp:7: f() == "2\\n", that is "2\\r\\n" == "2\\n"' in out,
          'a crash, and a first failure', out)


def catch2_count(program, plan):
    """(passed, total) of the tests of [ex0.1], as Catch2 itself reports them in one run."""
    done = subprocess.run([program, '[ex0.1]'], capture_output=True, text=True, timeout=LIMIT,
                          env={**os.environ, 'HS_PROBE_PLAN': plan})
    every = re.search(r'All tests passed \(\d+ assertions? in (\d+) test cases?\)', done.stdout)
    if every:
        return int(every[1]), int(every[1])
    counts = re.search(r'test cases: +(\d+) \| +(\d+) passed \| +(\d+) failed', done.stdout)
    return (int(counts[2]), int(counts[1])) if counts else (None, done.stdout)


def real_catch2(tmp):
    """progress over a real Catch2 program with planted outcomes, as chapter 00's tests."""
    build = tmp / 'probe-build'
    (build / 'bin').mkdir(parents=True)
    program = build / 'bin' / 'hs-ch00-tests'
    shutil.copy(PROBE, program)

    def run(plan, deadline='2s'):
        env = {**os.environ, 'HS_PROBE_PLAN': plan, 'HS_TEST_DEADLINE': deadline}
        return progress('--no-build', '--build-dir', build, 'ch00', env=env)

    # Failures anywhere among the tests: the count is Catch2's own, test by test.
    for plan in ('ffpppp', 'pfpfpp', 'pppppf', 'fpfpfp', 'pffffp', 'pppppp', 'papfap'):
        passed, total = catch2_count(program, plan)
        status, out, _ = run(plan)
        check(f'{passed}/{total} tests pass' in out and status == (0 if passed == total else 1),
              f'plan {plan}: progress counts what Catch2 counts ({passed}/{total})', out)
    status, out, _ = run('pfpppp')
    check('first failure: two [in brackets]' in out and 'planted failure in test 1' in out,
          'the first failure is named, with its message', out)
    # A test that sees a forked child abort on purpose passes, and its neighbours are counted.
    status, out, _ = run('aaaaaa')
    check(status == 0 and '6/6 tests pass' in out, 'a child that aborts on purpose fails nothing', out)

    # A test that hangs is stopped at its deadline, and is the exercise's last: the rest would
    # most likely wait for the same, each until its deadline.
    status, out, _ = run('pfphpp')
    check(status == 1 and '2/6 tests pass (2 not run after one that did not finish)' in out and
          'first failure: two [in brackets]' in out, 'a hang after a failure', out)
    status, out, _ = run('phpfpp')
    check(status == 1 and '1/6 tests pass (4 not run' in out and
          'first failure: two [in brackets]' in out and 'did not finish within 2s' in out and
          'chapters/00-protocol/README.md#exercise-01' in out, 'a hang says so, and where', out)

    # The program's own message: what happened, where to read, and a command that runs that test.
    done = subprocess.run([program, '[ex0.1]'], capture_output=True, text=True, timeout=LIMIT,
                          env={**os.environ, 'HS_PROBE_PLAN': 'ppkppp', 'HS_TEST_DEADLINE': '1s'})
    told = re.search(r"run it alone:\n +(\S+) '(.*)'", done.stderr)
    check(done.returncode == 124 and 'TEST DEADLINE: "three "quoted" with a \\ backslash" did not '
          'finish within 1s' in done.stderr and told, 'the deadline\'s message', done.stderr)
    if told:
        alone = subprocess.run([program, told[2], '--list-test-names-only'], capture_output=True,
                               text=True, timeout=LIMIT).stdout.split('\n')
        check([line for line in alone if line] == ['three "quoted" with a \\ backslash'],
              f'its command runs that test alone: {told[2]}', '\n'.join(alone))
    child = re.search(r'child (\d+)', done.stdout)
    check(child and ended(int(child[1])),
          'a child process of the stopped test does not outlive it', done.stdout)
    # HS_TEST_DEADLINE=0: no deadline (under a debugger); a bad value is said, and ignored.
    done = subprocess.run([program, '[ex0.1]'], capture_output=True, text=True, timeout=LIMIT,
                          env={**os.environ, 'HS_TEST_DEADLINE': 'soon'})
    check(done.returncode == 0 and 'HS_TEST_DEADLINE=soon is not a duration' in done.stderr,
          'a bad HS_TEST_DEADLINE is reported', done.stderr)

    # Skipped tests (io_uring refused) are neither passed nor failed; a crash fails one test.
    status, out, _ = run('sxssxs')
    check(status == 0 and 'skipped: io_uring is unavailable: planted' in out and
          'could not run here' in out and 'Chapter 00 done' not in out,
          'all skipped: said, and exit 0', out)
    status, out, _ = run('spxpcp')
    check(status == 1 and '3/4 tests pass, 2 skipped' in out and 'first failure: five' in out and
          'SIGSEGV' in out,
          'skips beside passes and a crash', out)


def ended(pid):
    """Whether the process has ended (gone, or a zombie nobody has reaped yet): SIGKILL takes
    effect soon after it is sent, not at once."""
    deadline = time.monotonic() + LIMIT
    while time.monotonic() < deadline:
        try:
            if pathlib.Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0] == 'Z':
                return True
        except (OSError, IndexError):
            return True
        time.sleep(0.05)  # polling for an exit that is already under way, not synchronising
    return False


def progress_module():
    import importlib.machinery
    return importlib.machinery.SourceFileLoader('progress',
                                                str(ROOT / 'scripts' / 'progress')).load_module()


def build_errors():
    """A failed build's first errors: a check's message whole (CMake wraps and indents it), and
    the compiler's error lines."""
    log = ['FAILED: designed-task.hpp.checked',
           'CMake Error at cmake/HsCheckDesigned.cmake:12 (message):',
           '  exercises/ch06/task.hpp: error: above its first', "  'private:' it differs.", '',
           '  What changed: git diff', '', 'src/a.cpp:3:1: error: expected ;',
           'ninja: build stopped']
    errors = progress_module().first_errors(log)
    check(errors == ["exercises/ch06/task.hpp: error: above its first 'private:' it differs. "
                     'What changed: git diff', 'src/a.cpp:3:1: error: expected ;'],
          'a build error\'s message is shown whole, once', '\n'.join(errors))


def titles():
    """Every exercise the tests name has a title in its lesson, and files to edit."""
    view = progress_module()
    for lesson in sorted((ROOT / 'chapters').glob('[0-9][0-9]-*')):
        nn = lesson.name[:2]
        tests = ''.join(f.read_text() for f in (ROOT / 'tests' / f'ch{nn}').glob('*.?pp'))
        numbers = sorted(set(re.findall(rf'\[ex({int(nn)}\.\d+)\]', tests)))
        named, files = view.exercise_titles(lesson.name), view.stubs(nn)
        for number in numbers:
            check(named.get(number), f'exercise {number} has a title: "### Exercise {number}" then '
                  f'"**Title.**" in chapters/{lesson.name}/README.md')
            check(files.get(number), f'exercise {number} has files with TODO(ex {number})')


def read_until(child, text, output):
    """Reads the child's output into output[0] until text appears in what is new."""
    start, deadline = len(output[0]), time.monotonic() + LIMIT
    with selectors.DefaultSelector() as selector:
        selector.register(child.stdout, selectors.EVENT_READ)
        while text not in output[0][start:]:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                return False
            data = os.read(child.stdout.fileno(), 65536)
            if not data:
                return False
            output[0] += data.decode()
    return True


def children_of(pid):
    found = []
    for stat in pathlib.Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def watching(tmp):
    course, build = tmp / 'course', tmp / 'course-build'
    shutil.copytree(ROOT / 'scripts' / 'lib', course / 'scripts' / 'lib')
    shutil.copy(ROOT / 'scripts' / 'progress', course / 'scripts')
    for lesson in ('00-protocol', '01-blocking'):
        (course / 'chapters' / lesson).mkdir(parents=True)
    hello = course / 'exercises' / 'ch00' / 'hello.cpp'
    hello.parent.mkdir(parents=True)
    hello.write_text('// Exercise 0.1: parse and format a HELLO message.\n')
    source = course / 'tests' / 'ch00' / 'test_hello.cpp'
    fake_tests(build, '00', {'0.1': {'parses': f'fail {STUB.format("0.1")}'}}, source)

    child = subprocess.Popen([course / 'scripts' / 'progress', '--watch', '--no-build',
                              '--build-dir', build, 'ch00'],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = ['']
    try:
        check(read_until(child, 'watching exercises/', output) and 'not started' in output[0],
              '--watch shows the view, then watches', output[0])
        helpers = children_of(child.pid)
        fake_tests(build, '00', {'0.1': {'parses': 'pass'}}, source)
        temporary = hello.with_name('.hello.cpp.tmp')  # the editor's save: a new file, renamed
        temporary.write_text(hello.read_text() + '// done\n')
        os.replace(temporary, hello)
        check(read_until(child, 'watching exercises/', output), 'a save re-runs', output[0])
        check('saved: exercises/ch00/hello.cpp' in output[0] and '1/1 tests pass' in output[0] and
              'Chapter 00 done. Next: chapters/01-blocking/README.md' in output[0],
              'the view after a save', output[0])
        child.send_signal(signal.SIGINT)
        status = child.wait(timeout=LIMIT)
        read_until(child, 'stopped.', output)
        check(status == 0 and 'stopped.' in output[0], f'Ctrl-C stops it: exit {status}', output[0])
        for pid in helpers:
            check(not pathlib.Path(f'/proc/{pid}').exists(), f'process {pid} left running')
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def save_in_place(path, text):
    path.write_text(text)


def save_renamed_over(path, text):  # VS Code's atomic save, JetBrains' ___jb_tmp___
    temporary = path.with_name(path.name + '___jb_tmp___')
    temporary.write_text(text)
    os.replace(temporary, path)


def save_like_vim(path, text):  # backupcopy=no: probe file 4913, swap file, backup, new file
    (path.parent / '4913').write_text('')
    (path.parent / '4913').unlink()
    (path.parent / f'.{path.name}.swp').write_text('swap')
    backup = path.with_name(path.name + '~')
    os.rename(path, backup)
    path.write_text(text)
    backup.unlink()


def watcher(tmp, polling):
    how = 'scanning' if polling else 'inotifywait'
    chapter = tmp / how / 'ch00'
    chapter.mkdir(parents=True)
    hello = chapter / 'hello.cpp'
    hello.write_text('// 0\n')
    with watch.Watcher(chapter.parent, poll=polling) as saves:
        check(saves.polling == polling, f'{how}: the watcher uses {saves.how}')
        for n, save in enumerate((save_in_place, save_renamed_over, save_like_vim), start=1):
            save(hello, '// ' + 'x' * n + '\n')  # each save a new size, so that a scan sees it
            changed = saves.wait(timeout=LIMIT)
            check(changed == {'ch00/hello.cpp'}, f'{how}: {save.__name__} gives {changed}')

        # Scratch files alone are no change: only the real save that follows is reported.
        (chapter / '.hello.cpp.swp').write_text('more swap')
        (chapter / 'hello.cpp~').write_text('backup')
        (chapter / 'notes.txt').write_text('notes')
        save_in_place(chapter / 'other.hpp', '// other\n')
        changed = saves.wait(timeout=LIMIT)
        check(changed == {'ch00/other.hpp'}, f'{how}: scratch files are ignored, got {changed}')

    if not polling:
        check(saves.process.poll() is not None, f'{how}: inotifywait stops with the watcher')

    # A burst: saves that keep coming while the first is reported (an editor's "save all", a
    # formatter) are one change. The first wait takes them all, and leaves nothing behind. It
    # lasts longer than a scan's interval (watch.POLL), so that a scan sees it under way.
    def burst():
        for n in range(30):
            save_renamed_over(hello, '// burst ' + 'y' * n + '\n')
            time.sleep(0.05)  # spaced as a formatter's writes are, well within `quiet`
    with watch.Watcher(chapter.parent, quiet=2.0, poll=polling) as saves:
        saving = threading.Thread(target=burst)
        saving.start()
        changed = saves.wait(timeout=LIMIT)
        saving.join()
        check(changed == {'ch00/hello.cpp'}, f'{how}: a burst is one change, got {changed}')
        check(saves.wait(timeout=0) == set(), f'{how}: the burst left nothing behind')


with tempfile.TemporaryDirectory() as folder:
    tmp = pathlib.Path(folder)
    usage_errors()
    views(tmp / 'build')
    build_errors()
    titles()
    if PROBE:
        real_catch2(tmp)
    else:
        check(False, 'the path of hs-progress-probe is the first argument')
    watching(tmp)
    if shutil.which('inotifywait'):
        watcher(tmp, polling=False)
    else:
        print('inotifywait is not installed (scripts/install-deps installs inotify-tools): '
              'only the scanning fallback is checked')
    watcher(tmp, polling=True)
print('scripts/progress: all checks pass' if not failures else f'{len(failures)} checks failed')
sys.exit(1 if failures else 0)
