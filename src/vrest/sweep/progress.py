"""Progress of a running sweep: cells done, rate and time left.

On a terminal a rich progress bar is redrawn in place; elsewhere (a log file, a pipe, CI) there
is no bar and no escape codes, only one plain line per chunk. ``NO_COLOR``, ``TERM=dumb`` and
``FORCE_COLOR`` are honoured as rich honours them.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn


class ProgressBar:
    """A sweep's ``progress(cells_done, cells_total, chunks_done)`` callback for a stream."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.console = Console(file=self.stream, highlight=False)
        self.tty = self.console.is_terminal
        self.t0: float | None = None
        self.first = 0
        self.bar: Progress | None = None
        self.task: TaskID | None = None

    def numbers(self, done: int, total: int) -> tuple[str, str, str]:
        """(cells done of total with percent, rate, time left) as text."""
        now = time.perf_counter()
        if self.t0 is None:
            self.t0, self.first = now, done
        ran, elapsed = done - self.first, now - self.t0
        rate = ran / elapsed if elapsed > 0 and ran > 0 else 0.0
        left = f"{(total - done) / rate:,.0f} s left" if rate > 0 else "time left: ?"
        cells = f"{done:,}/{total:,} cells ({100 * done / max(total, 1):.0f}%)"
        return cells, f"{rate:,.0f} cells/s", left

    def __call__(self, done: int, total: int, chunks: int) -> None:
        cells, rate, left = self.numbers(done, total)
        if not self.tty:
            self.stream.write(f"vrest sweep {cells} | {rate} | {left}\n")
            self.stream.flush()
            return
        if self.bar is None:
            self.bar = Progress(TextColumn("vrest sweep"), BarColumn(bar_width=self.width),
                                TextColumn("{task.fields[cells]} | {task.fields[rate]} | "
                                           "{task.fields[left]}"),
                                console=self.console, auto_refresh=False)
            self.task = self.bar.add_task("sweep", total=max(total, 1), cells=cells, rate=rate,
                                          left=left)
            self.bar.start()
        assert self.task is not None
        self.bar.update(self.task, completed=done, cells=cells, rate=rate, left=left)
        self.bar.refresh()
        if done >= total:
            self.close()

    def close(self) -> None:
        """Leave the bar as it is drawn and give the terminal back (the cursor included)."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
