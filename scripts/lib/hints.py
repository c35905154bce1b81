"""The hints of every exercise, read from the chapters' hints.md files.

One reader for the two places that show hints: scripts/hint (one hint at a time, in a terminal)
and docs/markdown-filter (each hint behind a click in the site's lessons). A hints.md holds, per
exercise, a heading "## Hints for exercise N.M" and then blocks
"<details><summary>Hint K</summary>", a blank line (GitHub needs it), the text, "</details>".
"""
import pathlib
import re
import signal

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEADING = re.compile(r'^## Hints for exercise (\d+\.\d+)[ \t]*$', re.M)
BLOCK = re.compile(r'<details><summary>Hint (\d+)</summary>\n(.*?)\n</details>', re.S)


def read(hints_file):
    """{"1.2": ["text of hint 1", ...]} for one hints.md, in order."""
    parts = HEADING.split(pathlib.Path(hints_file).read_text())[1:]
    found = {}
    for exercise, section in zip(parts[0::2], parts[1::2]):
        blocks = BLOCK.findall(section)
        numbers = [int(number) for number, _ in blocks]
        if numbers != list(range(1, len(blocks) + 1)):
            raise ValueError(f'{hints_file}: exercise {exercise} numbers its hints {numbers}')
        found[exercise] = [text.strip() for _, text in blocks]
    return found


def every_exercise():
    """{"N.M": (hints file, [hint texts])} over every chapter."""
    found = {}
    for hints_file in sorted(ROOT.glob('chapters/*/hints.md')):
        for exercise, hints in read(hints_file).items():
            found[exercise] = (hints_file, hints)
    return found


def end_quietly_on_closed_pipe():
    """A reader that stops early (`scripts/hint --list | head`) ends the program as it ends `cat`:
    quietly, by SIGPIPE, instead of with a BrokenPipeError traceback (Python ignores SIGPIPE)."""
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
