"""Optional features of plugin objects, declared as :class:`typing.Protocol` s: what the host looks for.

A rule, reader or reporter offers an optional feature by defining the methods
of its protocol; the host asks :func:`supports` (never ``getattr`` at the call
site), so every optional feature is declared, documented and found one way.
"""

from __future__ import annotations

import functools
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    Optional,
    Protocol,
    Sequence,
    TextIO,
    Tuple,
    Type,
    cast,
)

if TYPE_CHECKING:
    from .model import RunResult, Subject, Yielded
    from .readers import InputFile


class Reporter(Protocol):
    """An output format (``imslint_register_reporters``): a ``format`` name and ``render``. Never prints or exits."""

    format: str

    def render(self, result: "RunResult", options: Mapping[str, Any]) -> str:
        """The whole output for ``result`` as text."""


class StreamingReporter(Protocol):
    """A reporter that can also write its output to a stream as it goes (big results need not be held twice)."""

    def write(self, result: "RunResult", options: Mapping[str, Any], out: TextIO) -> None:
        """Write exactly what :meth:`Reporter.render` returns to ``out``."""


class BatchChecker(Protocol):
    """A rule that checks a list of subjects at once (see :class:`imslint.Rule`): exports of a million operators."""

    def check_batch(
        self, subjects: Sequence["Subject"], options: Mapping[str, Any]
    ) -> Iterable[Tuple["Subject", "Yielded"]]:
        """``(subject, Problem or Fact)`` pairs: exactly what ``check`` would yield for each subject, in order."""


class SplittableReader(Protocol):
    """A streaming reader that can read a big file in pieces, one process per piece (see :class:`imslint.Reader`)."""

    def split(self, path: str, parts: int) -> Optional[Sequence[Any]]:
        """About ``parts`` pieces of the file (objects with ``start``/``end`` byte offsets), or None."""

    def read_piece(self, source: "InputFile", piece: Any) -> Iterator["Subject"]:
        """The subjects of one piece; raise :class:`imslint.ReadError` when the piece does not read cleanly."""


class OutputRecogniser(Protocol):
    """Recognises the files a reporter or a plugin writes, so that a scan leaves them out (see :mod:`imslint.own_output`).

    imslint's outputs quote what they found: a report, baseline or worklist left
    in a scanned tree would be flagged on the next run. A reporter offers this
    protocol for its own reports; a plugin registers recognisers for the files it
    writes through ``imslint_register_output_recognisers``.

    ``output_label`` names the kind in the skip reason (``imslint's own output
    (<label>)``); ``output_first_bytes`` are the first non-blank bytes such a file
    starts with (``None``: any byte that no other recogniser claims).
    """

    output_label: str
    output_first_bytes: Optional[Tuple[bytes, ...]]

    def sniff_output(self, head: bytes, tail: Callable[[], bytes]) -> bool:
        """Whether a file starting with ``head`` may be this output (``tail()``: its last 512 bytes, read on demand)."""

    def confirm_output(self, data: bytes, path: str) -> bool:
        """Whether all of ``data`` is this output, in a file named ``path`` (never a file named as code)."""

    def secret_checked_part(self, data: bytes) -> bytes:
        """The part of the file that holds no secret when it is really this output (usually all of ``data``)."""


@functools.lru_cache(maxsize=None)
def _methods(protocol: Any) -> Tuple[str, ...]:
    return tuple(name for name, value in vars(protocol).items() if callable(value) and not name.startswith("_"))


def supports(obj: Any, protocol: Type[Any]) -> bool:
    """True when ``obj`` offers ``protocol``: each of its methods is there and callable."""
    return all(callable(getattr(obj, name, None)) for name in _methods(cast(Hashable, protocol)))
