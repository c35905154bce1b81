#!/usr/bin/env python3
"""A stand-in for a chapter's Catch2 test program (bin/hs-chNN-tests), for test_progress.py: it
answers the three calls scripts/progress makes, with the results in <its name>.json beside it:

  {"file": "/abs/path/of/a/test.cpp", "0.1": {"test name": "pass" | "fail MESSAGE" | "crash"}}

--list-tags; SPEC... --list-test-names-only; SPEC... --abort --reporter xml --invisibles --out
FILE. Test specs are read as Catch2 2.13 reads them: a comma separates alternatives (any may
match), while separate arguments are ANDed (all must match); a backslash escapes the next
character; [tag] matches a tag, anything else a test's whole name (case aside). As Catch2's
--abort does, a run stops after the first test that fails. A "crash" test kills the program
(SIGSEGV) before its report is written, as a crash in the learner's code would.
"""
import json
import os
import re
import signal
import sys
from xml.sax.saxutils import escape, quoteattr

program = os.path.abspath(sys.argv[0])
with open(program + '.json') as f:
    results = json.load(f)
source = results.pop('file')
args = sys.argv[1:]

if args == ['--list-tags']:
    print('All available tags:')
    for number, tests in results.items():
        print(f'  {len(tests):2}  [ex{number}]')
    sys.exit(0)


def filters(specs):
    """The alternatives the specs name: each a list of ('tag' | 'name', text), all to match."""
    found, current, name = [], [], ''

    def end_name():
        nonlocal name
        if name.strip():
            current.append(('name', name.strip().lower()))
        name = ''

    for spec in specs:
        i = 0
        while i < len(spec):
            if spec[i] == '\\' and i + 1 < len(spec):
                name, i = name + spec[i + 1], i + 2
                continue
            if spec[i] == ',':
                end_name()
                found.append(current)
                current = []
            elif spec[i] == '[':
                end_name()
                close = spec.index(']', i)
                current.append(('tag', spec[i + 1:close]))
                i = close
            else:
                name += spec[i]
            i += 1
        end_name()  # an argument ends a pattern, not an alternative: the next one is ANDed
    return found + [current] if current else found


def matches(alternative, number, name):
    return all(text == f'ex{number}' if kind == 'tag' else text == name.lower()
               for kind, text in alternative)


specs = filters(args[:next(i for i, arg in enumerate(args) if arg.startswith('-'))])
chosen = [(number, name, outcome) for number, tests in results.items()
          for name, outcome in tests.items()
          if any(matches(alternative, number, name) for alternative in specs)]
if args[-1] == '--list-test-names-only':
    print('\n'.join(name for _, name, _ in chosen))
    sys.exit(0)

assert '--abort' in args, 'scripts/progress stops each run at its first failure'
report = open(args[args.index('--out') + 1], 'w')
report.write('<?xml version="1.0" encoding="UTF-8"?>\n<Catch name="fake">\n  <Group name="fake">\n')
failed = 0
for number, name, outcome in chosen:
    report.write(f'    <TestCase name={quoteattr(name)} tags="[ex{number}]">\n')
    if outcome == 'crash':
        report.flush()
        os.kill(os.getpid(), signal.SIGSEGV)
    if outcome.startswith('fail '):
        failed += 1
        report.write(f'      <Failure filename={quoteattr(source)} line="7">'
                     f'{escape(outcome[5:])}</Failure>\n')
    report.write(f'      <OverallResult success="{str(outcome == "pass").lower()}"/>\n'
                 '    </TestCase>\n')
    if failed:
        break
report.write('  </Group>\n</Catch>\n')
report.close()
sys.exit(failed)
