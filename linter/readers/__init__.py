"""Readers turn files into subjects. Built-in readers register through the same hook as a plugin's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, FrozenSet, Iterator, Mapping, Optional, Tuple

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


_XML_ERROR_NAMES: Optional[dict] = None


def xml_error_message(exc: Exception) -> str:
    """``malformed XML: <kind> at column N``: what lxml found wrong, without the source text it quotes.

    libxml2's messages quote the input (``Entity 'Zq8' not defined``, a tag or an
    attribute name), which may be a fragment of a password: the message is made
    from the error's code and position only.
    """
    global _XML_ERROR_NAMES
    code = getattr(exc, "code", None)
    if _XML_ERROR_NAMES is None:
        from lxml import etree

        _XML_ERROR_NAMES = {v: k for k, v in vars(etree.ErrorTypes).items() if isinstance(v, int) and k.isupper()}
    name = _XML_ERROR_NAMES.get(code) if isinstance(code, int) else None
    if name is None:
        return f"malformed XML ({type(exc).__name__})"
    kind = name[4:] if name.startswith("ERR_") else name
    kind = kind.lower().replace("_", " ")
    if kind == "resource limit" and "depth" in str(getattr(exc, "msg", "")).lower():
        kind = "resource limit: nesting depth over the limit"  # libxml2's message here quotes no input
    position = getattr(exc, "position", None)
    column = position[1] if isinstance(position, tuple) and len(position) > 1 and position[1] else None
    return f"malformed XML: {kind} (libxml2 error {code})" + (f" at column {column}" if column else "")


class Reader:
    """Recognises a kind of input by content and yields subjects from it.

    ``name``      short identifier (shown with ``imslint plugins`` and in errors)
    ``priority``  readers are asked in descending priority; the first whose
                  :meth:`sniff` says yes reads the file
    ``phase``     files are read phase by phase (0 first): facts published by rules
                  in an earlier phase (e.g. logins found in code) are visible later
    ``streaming`` True when the reader streams a file of any size (no size limit);
                  streaming readers run in the main process, one file at a time
    ``subjects``  the subject classes it yields (None: unknown). A file whose raw
                  bytes leave no selected rule that takes one of them (no rule's
                  keywords are in it) is not read by this reader: it is never
                  decoded or parsed, and a malformed one is not reported

    A streaming reader may also define ``split(path, parts)`` (pieces with
    ``start``/``end`` byte offsets, or None) and ``read_piece(source, piece)``
    (the :class:`imslint.protocols.SplittableReader` protocol):
    the engine then reads a big file in pieces, one process each, and falls
    back to :meth:`read` when a piece raises :class:`ReadError`.
    """

    name: ClassVar[str] = ""
    priority: ClassVar[int] = 0
    phase: ClassVar[int] = 0
    streaming: ClassVar[bool] = False
    subjects: ClassVar[Optional[Tuple[type, ...]]] = None

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
