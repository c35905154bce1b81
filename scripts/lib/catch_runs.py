"""Runs a chapter's Catch2 test program for scripts/progress, and reads what each test did.

The tests of one exercise run in one process, with Catch2's XML reporter writing to a file, until
the first failure; a test that crashes, or runs past its deadline (the test program stops it:
common/testing/src/test_deadline.cpp), also ends that process. The run then goes on from the next
test, so that each gets its own result. Every child runs in a process group of its own, so that
stopping one (a timeout, Ctrl-C) also stops what it started (a test's servers, a build's
compilers), and nothing else.
"""
import dataclasses
import os
import pathlib
import re
import signal
import subprocess
import tempfile
import xml.etree.ElementTree as ET

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Seconds for one run of an exercise's tests: only a backstop, since each test has its own
# deadline in the test program (20 s), unless HS_TEST_DEADLINE turned it off.
TIMEOUT = 300
STUB = re.compile(r'exercise (\d+\.\d+) is not done yet')  # what an untouched stub throws
# What a test prints where this machine cannot run it (tests/support/io_uring.hpp).
SKIPPED = re.compile(r'SKIPPED: (io_uring is unavailable: [^\n]*)')
# What the test program prints when a test runs past its deadline (test_deadline.cpp).
DEADLINE = re.compile(r'TEST DEADLINE: "(.*)" did not finish within (\S+), so it was stopped\.')
children = set()  # started and not yet reaped: what Ctrl-C must stop


@dataclasses.dataclass
class Result:
    name: str
    passed: bool
    failure: str = ''  # where and how it first failed: "tests/ch00/test_hello.cpp:101: ..."
    stubs: tuple = ()  # the exercises whose untouched stubs it reached ("4.4"), in order
    skipped: str = ''  # why it could not run on this machine ("io_uring is unavailable: ...")
    hung: bool = False  # stopped at its deadline
    not_run: bool = False  # left out: an earlier test of its exercise hung


def start(command, **options):
    """A child in a process group of its own: stopping it stops what it started, and only that."""
    child = subprocess.Popen(command, stdin=subprocess.DEVNULL, process_group=0, **options)
    children.add(child)
    return child


def reap(child, timeout=None, how=signal.SIGKILL):
    """Its exit status (None if it ran out of time), after stopping what it left running."""
    try:
        status = child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        status = None
    for sig in (how, signal.SIGKILL):  # a test's servers, or a build's compilers (ninja stops them)
        try:
            os.killpg(child.pid, sig)
            child.wait(timeout=5)
            break
        except ProcessLookupError:
            break
        except subprocess.TimeoutExpired:
            continue
    children.discard(child)
    return status


def output(command):
    child = start(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    text = child.stdout.read()
    reap(child, timeout=60)
    return text


def parse_report(path):
    """{test name: Result} from a Catch2 XML report, as far as it got (the run may have crashed)."""
    found = {}
    parser = ET.XMLPullParser(events=('end',))
    try:
        # XML reads a carriage return as a line end: keep it, as the text it is ("HELLO 2\r\n").
        parser.feed(pathlib.Path(path).read_bytes().replace(b'\r', b'&#13;'))
        for _, element in parser.read_events():
            overall = element.find('OverallResult') if element.tag == 'TestCase' else None
            if overall is not None:
                name = element.get('name')
                passed = overall.get('success') == 'true'
                text = ''.join(element.itertext())
                stubs = () if passed else tuple(dict.fromkeys(STUB.findall(text)))
                skipped = SKIPPED.search(text)
                found[name] = Result(name, passed, first_failure(element), stubs,
                                     skipped[1] if skipped and passed else '')
    except (OSError, ET.ParseError):
        pass
    return found


def first_failure(case):
    def one_line(text):
        text = (text or '').strip().replace('\r', '\\r')
        return ' '.join(line.strip() for line in text.splitlines())

    for element in case.iter():
        if element.tag == 'Expression' and element.get('success') == 'false':
            thrown = element.find('Exception')
            text = one_line(thrown.text) if thrown is not None else (
                f"{element.get('type')}( {one_line(element.findtext('Original'))} ), that is "
                f"{one_line(element.findtext('Expanded'))}")
        elif element.tag in ('Exception', 'FatalErrorCondition', 'Failure'):
            text = one_line(element.text)
        else:
            continue
        where = os.path.relpath(element.get('filename', '?'), ROOT)
        return f"{where}:{element.get('line', '?')}: {text}"
    return ''


def spec(name):
    """A test's name as a Catch2 test spec: \\ , [ ] " ~ * need a backslash."""
    return re.sub(r'([\\,\[\]"~*])', r'\\\1', name)


def run_tests(exe, specs):
    """Runs the tests the Catch2 specs select (any of them: one argument, joined by commas, as
    Catch2 ANDs separate arguments) in one process, until the first failure (the view shows no
    more, and a test that goes on after one may wait long): ({name: Result} of those it reported,
    how it ended if it ended before reporting one: a Result for the test that did not finish)."""
    with tempfile.TemporaryDirectory() as folder:
        report = os.path.join(folder, 'report.xml')
        printed = os.path.join(folder, 'printed')
        command = [exe, ','.join(specs), '--abort', '--reporter', 'xml', '--invisibles', '--out',
                   report]
        with open(printed, 'wb') as out:
            child = start(command, cwd=exe.parent, stdout=out, stderr=subprocess.STDOUT)
            status = reap(child, timeout=TIMEOUT)
        found = parse_report(report)
        text = pathlib.Path(printed).read_text(errors='replace')
    if status is None:
        return found, Result('', False, f'did not finish within {TIMEOUT} s: it was stopped')
    if stopped := DEADLINE.search(text):
        where = re.search(r'Read (\S+), then', text)
        return found, Result(stopped[1], False, f'did not finish within {stopped[2]}: it was '
                             'stopped (waiting for what never comes?)' +
                             (f' Read {where[1]}' if where else ''),
                             # (a stub a program it started reached, as that program said)
                             tuple(dict.fromkeys(STUB.findall(text[stopped.start():]))), hung=True)
    if status == 0 and (skipped := SKIPPED.search(text)):
        return found, Result('', True, skipped=skipped[1])
    if status < 0:
        return found, Result('', False, f'crashed ({signal.Signals(-status).name})')
    return found, Result('', False, f'ended with exit status {status} before reporting it')


def run_exercise(exe, number):
    """The results of the exercise's tests, in the order Catch2 lists (and runs) them. After a
    test that hangs, the rest are not run: they would most likely wait for the same thing, each
    until its deadline, and the one shown is the one to fix first."""
    names = [n.strip() for n in output([exe, f'[ex{number}]', '--list-test-names-only'])
             .splitlines() if n.strip()]
    found, ended = run_tests(exe, [f'[ex{number}]'])
    while missing := [name for name in names if name not in found]:
        if ended.name in missing:  # the test its deadline stopped
            found[ended.name] = ended
            for name in names:
                found.setdefault(name, Result(name, False, f'not run: "{ended.name}" did not '
                                              'finish', not_run=True))
            break
        # The run stopped at a failure, or died: go on from there. When none of the rest is
        # reported, the first of them (Catch2 runs them in order) is the one that died.
        more, ended = run_tests(exe, [spec(name) for name in missing])
        found.update(more)
        if not any(name in more for name in missing) and ended.name not in missing:
            found[missing[0]] = dataclasses.replace(ended, name=missing[0])
    return [found[name] for name in names]
