"""Writing what imslint produces (reports, baselines, worklists): safely, and whatever bytes file names hold.

A file is never written in place. Each output goes to a new temporary file in
the destination's folder (created with ``O_EXCL`` and ``O_NOFOLLOW``: it cannot be
a link planted there), is flushed to disk, then renamed over the destination,
which is replaced only when it is a regular file: an interrupted run leaves the
previous report whole, and two runs writing the same file never mix. A
destination that is a symbolic link, a device, a folder, or one of the run's
inputs is refused. ``-`` is standard output.

File names are bytes on POSIX: a name that is not UTF-8 reaches imslint as a
string holding lone surrogates (Python's ``surrogateescape``). JSON outputs
write them as ``\\udcXX`` escapes, which a JSON parser gives back as they were;
text outputs escape them (see :func:`imslint.reporters.text.safe`).
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import sys
from typing import Any, Iterable, Iterator, Optional, TextIO

JSON_ERRORS = "imslint-json-escape"  # codec error handler: a lone surrogate becomes a JSON \uXXXX escape


def _json_escape(exc: UnicodeError) -> Any:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(f"\\u{ord(c):04x}" for c in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(JSON_ERRORS, _json_escape)


class OutputError(Exception):
    """An output that cannot or must not be written (printed as one line, exit 2)."""


def errors_for(fmt: str) -> str:
    """The codec error handler for an output format: JSON escapes in JSON, ``backslashreplace`` elsewhere."""
    return JSON_ERRORS if fmt in ("json", "sarif") else "backslashreplace"


def check_destination(path: str, inputs: Iterable[str] = ()) -> None:
    """Raise OutputError when ``path`` must not be replaced: a link, not a regular file, or one of ``inputs``."""
    if path == "-":
        return
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    import stat

    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"refusing to write {path}: it is a symbolic link")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"refusing to write {path}: not a regular file")
    names = {os.path.abspath(path), os.path.realpath(path)}
    if any(other in names for other in inputs):
        raise OutputError(f"refusing to write {path}: it is an input of this run")


@contextlib.contextmanager
def open_output(
    path: str, errors: str = "strict", newline: Optional[str] = "\n", inputs: Iterable[str] = ()
) -> Iterator[TextIO]:
    """A text stream to ``path`` (``-``: standard output) that replaces the file only once complete.

    Raises OutputError for a destination :func:`check_destination` refuses, or one
    that cannot be written; whatever goes wrong, the temporary file is removed.
    """
    if path == "-":
        try:
            with stdout_stream(errors) as out:
                yield out
        except BrokenPipeError:
            raise  # the reader left (`| head`): as any command reports it
        except OSError as exc:
            raise OutputError(f"cannot write standard output: {exc.strerror or exc}") from None
        return
    inputs = list(inputs)
    check_destination(path, inputs)
    folder = os.path.dirname(os.path.abspath(path))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    tmp = fd = None
    for _ in range(100):
        candidate = os.path.join(folder, f".{os.path.basename(path)}.{os.urandom(6).hex()}.tmp")
        try:
            fd = os.open(candidate, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        tmp = candidate
        break
    if tmp is None or fd is None:  # pragma: no cover - 100 collisions of 48 random bits
        raise OutputError(f"cannot write {path}: no temporary file name free")
    try:
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors=errors, newline=newline) as fh:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)  # a report replaced keeps its permissions
            except OSError:
                pass
            check_destination(path, inputs)  # again: it may have changed while the report was written
            os.replace(tmp, path)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@contextlib.contextmanager
def stdout_stream(errors: str) -> Iterator[TextIO]:
    """Standard output as UTF-8 text with the ``errors`` handler (whatever the locale says)."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a replaced sys.stdout (click's test runner, an IDE): write to it as it is
        yield sys.stdout
        return
    out = io.TextIOWrapper(buffer, encoding="utf-8", errors=errors, newline="\n", write_through=False)
    try:
        yield out
        out.flush()
    finally:
        out.detach()  # leave sys.stdout's buffer open
