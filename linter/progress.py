"""Progress of a long scan on a terminal: files done, rate and time left, on standard error.

Shown only where a person watches: standard error is a terminal, the run is not
``--quiet`` or ``--no-progress``, and no CI system is detected (``CI`` set). It
never reaches a redirected stream, a CI log or a report. The line is redrawn at
most ten times a second and cleared when the scan ends.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any, Mapping, Optional, TextIO

_INTERVAL = 0.1  # seconds between redraws


def wanted(quiet: bool, disabled: bool, stream: Any = None, environ: Optional[Mapping[str, str]] = None) -> bool:
    """Whether to show progress: a terminal, not quiet, not turned off, not a CI job."""
    env = os.environ if environ is None else environ
    stream = sys.stderr if stream is None else stream
    if quiet or disabled or env.get("CI") or env.get("IMSLINT_NO_PROGRESS"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class Progress:
    """Counts files as the engine finishes them and redraws one status line."""

    def __init__(self, stream: Optional[TextIO] = None, clock: Any = time.monotonic) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.total = 0
        self.done = 0
        self._start = 0.0
        self._drawn = 0.0
        self._shown = False

    def start(self, total: int) -> None:
        """A phase of ``total`` files begins."""
        self.total, self.done = total, 0
        self._start = self._drawn = self.clock()

    def advance(self, n: int = 1) -> None:
        """``n`` more files are done."""
        self.done += n
        now = self.clock()
        if now - self._drawn >= _INTERVAL or self.done >= self.total:
            self._drawn = now
            self._draw(now)

    def line(self, now: float) -> str:
        """The status line: ``1,200/20,000 files (6 %), 850 files/s, about 20 s left``."""
        elapsed = max(now - self._start, 1e-9)
        rate = self.done / elapsed
        pct = 100 * self.done // max(self.total, 1)
        text = f"imslint: {self.done:,}/{self.total:,} files ({pct} %), {rate:,.0f} files/s"
        if rate > 0 and self.done < self.total:
            text += f", about {(self.total - self.done) / rate:,.0f} s left"
        return text

    def _draw(self, now: float) -> None:
        try:
            self.stream.write("\r\x1b[2K" + self.line(now))
            self.stream.flush()
            self._shown = True
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        """Clear the line (the report that follows starts on a clean line)."""
        if self._shown:
            try:
                self.stream.write("\r\x1b[2K")
                self.stream.flush()
            except (OSError, ValueError):
                pass
            self._shown = False
