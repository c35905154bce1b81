#!/usr/bin/env python3
"""A stand-in for a chapter's Catch2 test program (bin/hs-chNN-tests), for test_progress.py: it
answers the three calls scripts/progress makes, with the results in <its name>.json beside it:

  {"file": "/abs/path/of/a/test.cpp", "0.1": {"test name": "pass" | "fail MESSAGE" | "crash"}}

--list-tags; SPEC... --list-test-names-only; SPEC... --abort --reporter xml --invisibles --out
FILE, where a SPEC is [exN.M] or a test's name (with , [ ] escaped). As Catch2's --abort does, a
run stops after the first test that fails. A "crash" test kills the program (SIGSEGV) before its
report is written, as a crash in the learner's code would.
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

specs = args[:next(i for i, arg in enumerate(args) if arg.startswith('-'))]
chosen = [(number, name, outcome) for number, tests in results.items()
          for name, outcome in tests.items()
          if f'[ex{number}]' in specs or re.sub(r'([,\[\]])', r'\\\1', name) in specs]
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
