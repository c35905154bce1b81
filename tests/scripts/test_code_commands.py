#!/usr/bin/env python3
"""Every command quoted in a comment of exercises/ and solutions/ works as written: a learner
copies it from the file beside the stub, and it must do what it promises. Usage:

    test_code_commands.py BUILD_DIR [FILE...]     (default: every .cpp and .hpp of exercises/, solutions/)

A comment names a command by its first word: `ctest`, `cmake`, a script `scripts/NAME`, or a
program `build/PRESET/bin/NAME` (run from the repository's root, as the lessons' commands are).
Each must be quoted in backticks, whole, and:
  - a program exists in BUILD_DIR/bin (the build this test runs in stands for build/PRESET);
  - a test spec given to a test program matches at least one of its tests (--list-test-names-only);
  - a preset exists in CMakePresets.json; with `ctest --preset chNN`, a -R regex matches at least one
    test of chapter NN in BUILD_DIR (ctest -N with the preset's label, as test_lesson_counts.sh counts);
  - a script exists and can be run; `scripts/hint N.M [K]` prints that hint.
"""
import json
import pathlib
import re
import shlex
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPAN = re.compile(r'`([^`\n]+)`')
# What a command looks like, quoted or not: a bare one is a failure (it cannot be told from prose).
COMMANDS = re.compile(r'(?<![\w/.-])(ctest|cmake|scripts/[\w-]+|(?:build/[\w-]+/)?bin/[\w-]+)(?=[\s`\'")]|$)')

failures = []


def fail(where, message):
    failures.append(f'{where}: {message}')


def comments(path):
    """Each comment as (text, line_of): consecutive // lines joined with spaces (a command may go on
    to the next line), and line_of(offset) the line number of a character of the text."""
    blocks, starts, text = [], [], ''
    lines = path.read_text().splitlines() + ['']
    for number, line in enumerate(lines, 1):
        at = line.find('//')
        if at >= 0 and line[:at].count('"') % 2 == 0:
            starts.append((len(text), number))
            text += line[at:].lstrip('/').strip() + ' '
        elif starts:
            blocks.append((text, lambda offset, s=tuple(starts): max(n for o, n in s if o <= offset)))
            starts, text = [], ''
    return blocks


def presets(kind):
    """{name: preset} of CMakePresets.json's configurePresets, testPresets, ..."""
    data = json.loads((ROOT / 'CMakePresets.json').read_text())
    return {p['name']: p for p in data.get(kind, [])}


def run(argv):
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)


def check_ctest(where, words, build):
    argv = ['ctest', '--test-dir', str(build), '-N']
    rest = iter(words[1:])
    for word in rest:
        if word == '--preset':
            name = next(rest, '')
            preset = presets('testPresets').get(name)
            if preset is None:
                return fail(where, f'no test preset "{name}" in CMakePresets.json')
            label = preset.get('filter', {}).get('include', {}).get('label')
            if label:
                argv += ['-L', label]
        elif word in ('-N', '--show-only', '--output-on-failure', '-V', '--verbose'):
            continue
        else:
            argv.append(word)
    listed = run(argv)
    found = re.search(r'Total Tests: (\d+)', listed.stdout)
    if listed.returncode != 0 or not found or found.group(1) == '0':
        fail(where, f'runs no test ({" ".join(argv)} lists none)')


def check_cmake(where, words):
    kinds = {'--workflow': 'workflowPresets', '--build': 'buildPresets'}
    kind = 'configurePresets'
    for i, word in enumerate(words):
        if word in kinds:
            kind = kinds[word]
        if word == '--preset' and i + 1 < len(words) and words[i + 1] not in presets(kind):
            fail(where, f'no {kind[:-7]} preset "{words[i + 1]}" in CMakePresets.json')


def check_program(where, words, build):
    if not words[0].startswith('build/'):
        return fail(where, f'{words[0]} runs only from build/PRESET: write build/dev/{words[0]}')
    program = build / 'bin' / pathlib.PurePath(words[0]).name
    if not program.is_file():
        return fail(where, f'{program.name} is not a program of this build ({program} does not exist)')
    specs = [w for w in words[1:] if not w.startswith('-')]
    if specs and program.name.endswith('-tests'):
        listed = run([str(program), *specs, '--list-test-names-only'])
        if not listed.stdout.strip():
            fail(where, f'{" ".join(shlex.quote(s) for s in specs)} matches no test of {program.name}')


def check_script(where, words):
    script = ROOT / words[0]
    if not script.is_file() or not script.stat().st_mode & 0o111:
        return fail(where, f'{words[0]} is not a script of this repository')
    if words[0] == 'scripts/hint':
        shown = run([str(script), *words[1:]])
        if shown.returncode != 0:
            fail(where, f'it exits {shown.returncode}: {shown.stderr.strip()}')


def check(where, command, build):
    try:
        words = shlex.split(command)
    except ValueError as e:
        return fail(where, f'`{command}` is not a shell command: {e}')
    first = words[0]
    if first == 'ctest':
        check_ctest(where, words, build)
    elif first == 'cmake':
        check_cmake(where, words)
    elif first.startswith('scripts/'):
        check_script(where, words)
    else:
        check_program(where, words, build)


def main(argv):
    if not argv or argv[0] in ('-h', '--help'):
        print(__doc__.strip())
        return 0 if argv else 2
    build = pathlib.Path(argv[0]).resolve()
    files = [pathlib.Path(f).resolve() for f in argv[1:]] or [
        f for folder in ('exercises', 'solutions') for f in sorted((ROOT / folder).rglob('*.[ch]pp'))
        if not f.is_symlink()]  # a link is its exercise's header, read once
    checked = 0
    for path in files:
        name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        for text, line_of in comments(path):
            for span in SPAN.finditer(text):
                if COMMANDS.match(span.group(1)):
                    check(f'{name}:{line_of(span.start())}: `{span.group(1)}`', span.group(1), build)
                    checked += 1
            prose = SPAN.sub(lambda span: ' ' * len(span.group(0)), text)  # the offsets stay
            for bare in COMMANDS.finditer(prose):
                fail(f'{name}:{line_of(bare.start())}',
                     f'"{bare.group(1)} ..." is a command outside backticks: quote it whole, `like this`')
    for failure in failures:
        print(f'FAIL: {failure}')
    print(f'{checked} quoted commands checked, {len(failures)} failure(s)')
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
