"""scripts/mutants without a build: the mutants it makes, and that a file always comes back.

- The generator, on a small C++ sample: exactly the expected mutants, none in comments, string or
  character literals, preprocessor lines, static_assert or code marked `// mutants: skip`; a
  deleted statement spans its lines, and the body of a brace-less if is never deleted.
- The restore: after an exception, after SIGTERM (in a child process), and by the next run after a
  kill -9 (the journal); a file that differs from git HEAD is reported.
- The command line: usage errors exit 2; --list builds nothing; --max samples the same mutants
  every time.
"""
import importlib.machinery
import importlib.util
import json
import pathlib
import select
import signal
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.dont_write_bytecode = True  # no __pycache__ in the tree
LIMIT = 30  # seconds anything awaited may take, on a loaded machine
failures = []

SAMPLE = r'''// A sample: one of each change, and what must never change.
#include <vector>
#define LIMIT(x) ((x) < 3 && !(x))
static_assert(1 < 2,
              "never");
namespace sample {
// a < b && !c in a comment
/* if (a == b) return true; */
bool check(int a, int b, std::vector<int>& v) {
  const char* text = "a < b || !c";
  const char* raw = R"(x > y && !z)";
  char c = '!';
  if (a < b && !v.empty()) return true;
  v.push_back(a + 1);
  ++a;
  if (a >= b) v.clear();
  for (int i = 0; i != b - 1'000; ++i) {
    v.push_back(i);
  }
  log(text,
      c, raw);
  if (a)
    v.pop_back();
  // mutants: skip
  v.push_back(a == b);
  // mutants: end
  v.push_back(a > b);  // mutants: skip
  return false;
}
}  // namespace sample
'''

EXPECTED = [
    (13, '`<` → `<=`', 'if (a <= b && !v.empty()) return true;'),
    (13, '`&&` → `||`', 'if (a < b || !v.empty()) return true;'),
    (13, '`true` → `false`', 'if (a < b && !v.empty()) return false;'),
    (13, '`!` removed', 'if (a < b && v.empty()) return true;'),
    (14, '`+ 1` → `+ 2`', 'v.push_back(a + 2);'),
    (14, 'call deleted', '(deleted) v.push_back(a + 1);'),
    (15, 'increment deleted', '(deleted) ++a;'),
    (16, '`>=` → `>`', 'if (a > b) v.clear();'),
    (17, '`!=` → `==`', "for (int i = 0; i == b - 1'000; ++i) {"),
    (17, "`- 1'000` → `- 999`", 'for (int i = 0; i != b - 999; ++i) {'),
    (18, 'call deleted', '(deleted) v.push_back(i);'),
    (20, 'call deleted', '(deleted) log(text,'),
    (28, '`false` → `true`', 'return true;'),
]


def check(condition, what, shown=''):
    if not condition:
        failures.append(what)
        print(f'FAIL: {what}' + (f'\n{shown}' if shown else ''))


def load_tool():
    loader = importlib.machinery.SourceFileLoader('mutants', str(ROOT / 'scripts' / 'mutants'))
    spec = importlib.util.spec_from_loader('mutants', loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def generator(tool):
    found = tool.generate('sample.cpp', SAMPLE)
    got = [(m.line, m.change, m.shown) for m in found]
    check(got == EXPECTED, 'the sample gives exactly the expected mutants',
          '\n'.join(f'  got {g}' for g in got if g not in EXPECTED) + '\n' +
          '\n'.join(f'  missing {e}' for e in EXPECTED if e not in got))
    deleted = next((m for m in found if m.line == 20), None)
    if deleted:
        after = deleted.apply(SAMPLE).split('\n')
        check(after[19] == '  if (a)' and len(after) == len(SAMPLE.split('\n')) - 2,
              'a deleted statement takes all its lines, and only those', '\n'.join(after[17:22]))
    masked = tool.mask(SAMPLE)
    check(len(masked) == len(SAMPLE) and masked.count('\n') == SAMPLE.count('\n'),
          'the mask keeps every column and line')


def restores(tool, tmp):
    path, journal = tmp / 'x.cpp', tmp / 'journal.json'
    path.write_text('original\n')
    try:
        with tool.Mutation(path, 'original\n', 'mutant\n', journal):
            check(path.read_text() == 'mutant\n' and journal.exists(),
                  'the mutant is written in place')
            raise RuntimeError('a failing build')
    except RuntimeError:
        pass
    check(path.read_text() == 'original\n' and not journal.exists(),
          'an exception restores the file')
    with tool.Mutation(path, 'original\n', 'mutant\n', journal):
        path.write_text('an edit made meanwhile\n')
    check(path.read_text() == 'an edit made meanwhile\n' and journal.exists(),
          'an edit made while the mutant is in place is left alone')
    journal.unlink()
    path.write_text('original\n')

    # SIGTERM, as a CI runner or `kill` sends it, while the mutant is in place.
    child_code = (f'import pathlib, sys\n'
                  f'sys.dont_write_bytecode = True\n'
                  f'sys.path.insert(0, {str(pathlib.Path(__file__).parent)!r})\n'
                  f'from test_mutants import load_tool\n'
                  f'tool = load_tool()\n'
                  f'tool.install_signal_handlers()\n'
                  f'with tool.Mutation(pathlib.Path({str(path)!r}), "original\\n", "mutant\\n", '
                  f'pathlib.Path({str(journal)!r})):\n'
                  f'    print("ready", flush=True)\n'
                  f'    sys.stdin.read()\n')
    child = subprocess.Popen([sys.executable, '-c', child_code], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([child.stdout], [], [], LIMIT)
    line = child.stdout.readline() if ready else ''
    check(line == 'ready\n' and path.read_text() == 'mutant\n',
          'the child has its mutant in place', line)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=LIMIT)
    check(child.returncode != 0 and 'Interrupted: SIGTERM' in err, 'SIGTERM ends the run', err)
    check(path.read_text() == 'original\n' and not journal.exists(), 'SIGTERM restores the file')

    # kill -9 leaves the mutant and its journal: the next run puts the original back.
    record = json.dumps({'path': str(path), 'original': 'original\n', 'mutated': 'mutant\n'})
    journal.write_text(record)
    path.write_text('mutant\n')
    check(tool.recover(journal) is None and path.read_text() == 'original\n'
          and not journal.exists(), 'the next run restores what a killed run left')
    journal.write_text(record)
    path.write_text('someone edited it\n')
    check(tool.recover(journal) is not None and path.read_text() == 'someone edited it\n',
          'an edit made since is never overwritten')
    journal.unlink()


def refuses_dirty(tool, tmp):
    repo = tmp / 'repo'
    repo.mkdir()
    (repo / 'a.cpp').write_text('int a = 1;\n')
    git = ['git', '-C', str(repo), '-c', 'user.name=t', '-c', 'user.email=t@localhost']
    for args in (['init', '-q'], ['add', 'a.cpp'], ['commit', '-qm', 'a']):
        subprocess.run(git + args, check=True, capture_output=True)
    tool.ROOT = repo
    check(tool.differs_from_head(['a.cpp']) == [], 'a file as HEAD has it is accepted')
    (repo / 'a.cpp').write_text('int a = 2;\n')
    check(tool.differs_from_head(['a.cpp']) == ['a.cpp'],
          'a file that differs from HEAD is refused')
    tool.ROOT = ROOT


def command_line():
    def mutants(*args):
        done = subprocess.run([ROOT / 'scripts' / 'mutants', *args], capture_output=True,
                              text=True, timeout=LIMIT)
        return done.returncode, done.stdout, done.stderr

    for args, says in ((['ch7'], '"ch7" is not a chapter'),
                       (['ch05'], '"ch05" is not a chapter with reference code'),
                       (['ch00', '--max', '0'], '--max needs'),
                       (['ch00', '--file', 'README.md'], 'is not one of')):
        status, _, err = mutants(*args)
        check(status == 2 and says in err, f'scripts/mutants {" ".join(args)}: exit 2, "{says}"',
              err)
    status, out, _ = mutants('ch00', '--list')
    check(status == 0 and out.splitlines()[-1].endswith(' mutants')
          and 'solutions/ch00/hello.cpp:' in out, '--list lists the mutants', out[-500:])
    first, second = (mutants('ch00', '--list', '--max', '5')[1] for _ in range(2))
    check(first == second and first.splitlines()[-1].startswith('5 mutants of '),
          '--max samples the same mutants every run', first + second)
    status, out, _ = mutants('--help')
    check(status == 0 and '// mutants: skip' in out and 'report.json' in out,
          '--help says how it works')


def main():
    tool = load_tool()
    generator(tool)
    with tempfile.TemporaryDirectory() as tmp:
        restores(tool, pathlib.Path(tmp))
        refuses_dirty(tool, pathlib.Path(tmp))
    command_line()
    if failures:
        print(f'{len(failures)} check(s) failed')
        return 1
    print('scripts/mutants: every check passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
