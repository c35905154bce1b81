"""Waits until a file under a folder is saved: the change detection of `scripts/progress --watch`.

Editors save in two ways and both count: in place (the file is written, then closed), or by writing
a temporary file and renaming it over the original (vim with backupcopy=no, VS Code's atomic save,
JetBrains), which the folder sees as a file moved in. Only C++ sources and headers count, so an
editor's scratch files (vim's .swp and 4913, backups ending in ~, *___jb_tmp___) never do. A burst
of saves ("save all", a formatter) is one change: wait() returns once no save came for `quiet` s.

With inotifywait (Debian's inotify-tools) the kernel reports each save. Without it, or when it
cannot watch (the inotify watch limit is reached), the folder is scanned every second instead.
"""
import os
import select
import shutil
import signal
import subprocess
import time

QUIET = 0.3  # seconds without a save that end a burst of saves
POLL = 1.0   # seconds between two scans of the folder, without inotifywait


def counts(path):
    """Whether saving this file is a change of the code (not an editor's scratch file)."""
    name = os.path.basename(path)
    return name.endswith(('.cpp', '.hpp')) and not name.startswith('.')


class Watcher:
    """with Watcher(folder) as saves: changed = saves.wait()  # the paths saved, relative to folder

    Saves made while the caller is busy (say, during a build) are kept for its next wait().
    """

    def __init__(self, folder, quiet=QUIET, poll=False):
        self.folder = os.path.abspath(folder)
        self.quiet = quiet
        self.polling = poll or shutil.which('inotifywait') is None
        self.process = None
        self.snapshot = {}
        self.pending = b''

    def __enter__(self):
        if not self.polling:
            self._start_inotifywait()
        if self.polling:
            self.snapshot = self._scan()
        return self

    def __exit__(self, *_):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    @property
    def how(self):
        return 'scanning it every second' if self.polling else 'inotifywait'

    def wait(self, timeout=None):
        """The files saved since the last call, once no save came for `quiet` seconds; an empty set
        if none was saved within `timeout` seconds (None: wait as long as it takes)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        return self._wait_polling(deadline) if self.polling else self._wait_inotify(deadline)

    def _start_inotifywait(self):
        # Its own process group, so that stopping it never signals the caller's; stdin closed, so
        # that a terminal's Ctrl-C reaches the caller alone, which then stops it (__exit__).
        self.process = subprocess.Popen(
            ['inotifywait', '--monitor', '--recursive', '--event', 'close_write,moved_to',
             '--format', '%w%f', self.folder],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            process_group=0)
        # It says "Watches established." once every watch is in place: a save before that would be
        # missed. If it stops instead (no inotify, too many watches), fall back to scanning.
        for line in self.process.stderr:
            if b'Watches established' in line:
                return
        self.process.wait()
        self.process = None
        self.polling = True

    def _wait_inotify(self, deadline):
        changed = set()
        out, err = self.process.stdout.fileno(), self.process.stderr.fileno()
        streams = [out, err]
        while True:
            if changed:
                wait = self.quiet
            elif deadline is None:
                wait = None
            else:
                wait = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select(streams, [], [], wait)
            if not ready:
                return changed
            if err in ready:  # warnings: read so that the pipe never fills
                if not os.read(err, 65536):
                    streams.remove(err)
            if out in ready:
                data = os.read(out, 65536)
                if not data:
                    raise RuntimeError('inotifywait stopped watching ' + self.folder)
                *lines, self.pending = (self.pending + data).split(b'\n')
                for line in lines:
                    path = os.fsdecode(line)
                    if counts(path):
                        changed.add(os.path.relpath(path, self.folder))

    def _scan(self):
        found = {}
        for top, _, names in os.walk(self.folder):
            for name in names:
                path = os.path.join(top, name)
                if counts(path):
                    try:
                        info = os.stat(path)
                    except FileNotFoundError:  # removed since the walk listed it
                        continue
                    found[os.path.relpath(path, self.folder)] = (info.st_mtime_ns, info.st_size,
                                                                 info.st_ino)
        return found

    def _wait_polling(self, deadline):
        changed = set()
        while True:
            now = self._scan()
            differ = {path for path in now.keys() | self.snapshot.keys()
                      if now.get(path) != self.snapshot.get(path)}
            self.snapshot = now
            if changed and not differ:
                return changed
            changed |= differ
            if changed or deadline is None:
                time.sleep(POLL)
            elif time.monotonic() < deadline:
                time.sleep(min(POLL, deadline - time.monotonic()))
            else:
                return changed
