"""Readers turn files into subjects. Built-in readers register through the same hook as a plugin's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, FrozenSet, Iterator, Mapping, Optional

from ..model import Subject


@dataclass(frozen=True)
class InputFile:
    """A file handed to a reader.

    ``path`` is where to open it, ``display_path`` what findings show (relative,
    ``/``-separated), ``data`` its bytes for non-streaming readers (None for
    streaming ones, which open ``path`` themselves), ``options`` the reader's
    options from the configuration.
    """

    path: str
    display_path: str
    data: Optional[bytes] = None
    options: Optional[dict] = None


class ReadError(Exception):
    """Raised (or yielded) by a reader when its input is malformed; carries the line where known.

    A reader may yield subjects before raising: they are still checked.
    """

    def __init__(self, message: str, line: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Reader:
    """Recognises a kind of input by content and yields subjects from it.

    ``name``      short identifier (shown with ``imslint plugins`` and in errors)
    ``priority``  readers are asked in descending priority; the first whose
                  :meth:`sniff` says yes reads the file
    ``phase``     files are read phase by phase (0 first): facts published by rules
                  in an earlier phase (e.g. logins found in code) are visible later
    ``streaming`` True when the reader streams a file of any size (no size limit);
                  streaming readers run in the main process, one file at a time

    A streaming reader may also define ``split(path, parts)`` (pieces with
    ``start``/``end`` byte offsets, or None) and ``read_piece(source, piece)``:
    the engine then reads a big file in pieces, one process each, and falls
    back to :meth:`read` when a piece raises :class:`ReadError`.
    """

    name: ClassVar[str] = ""
    priority: ClassVar[int] = 0
    phase: ClassVar[int] = 0
    streaming: ClassVar[bool] = False

    def sniff(self, path: str, head: bytes) -> bool:
        """Return True when this reader handles the file whose first bytes are ``head`` (up to 8 KiB)."""
        raise NotImplementedError

    def languages(self, path: str, head: bytes) -> Optional[FrozenSet[str]]:
        """The languages of the subjects this reader will yield for the file, when known before reading it.

        ``path`` is the file's display path, ``head`` its first bytes. The engine
        then skips the keyword pre-filter of the rules limited to other languages.
        None (the default) means any language.
        """
        return None

    def configure(self, options: Mapping[str, Any]) -> None:
        """Take this reader's options from the configuration (called once per run, before any file)."""
        return None

    def read(self, source: InputFile) -> Iterator[Subject]:
        """Yield subjects from ``source``; locations use ``source.display_path``.

        Raise :class:`ReadError` for malformed input (after yielding what was read).
        """
        raise NotImplementedError


class NothingRead(ReadError):
    """Raised by a reader when a file it recognised holds nothing it reads (an export with no operator).

    The message says why (a header with no row, a SOAP ``count`` response...). The
    engine lists the file as skipped with that reason, never as read; ``imslint
    operators`` reports it as an error, since every input there is meant to be an export.
    """
