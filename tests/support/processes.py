"""Watching the process table: every process's arguments, read in a loop (secrets must
never appear on a command line)."""

from __future__ import annotations

import os
import threading


class CmdlineWatcher:
    """Reads every process's arguments (``/proc/*/cmdline``) in a loop while it runs."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.seen: set[bytes] = set()
        self.scans = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> CmdlineWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.scan()
            self._stop.wait(self.interval)

    def scan(self) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    self.seen.add(handle.read())
            except OSError:  # gone, or not ours to read
                continue
        self.scans += 1
