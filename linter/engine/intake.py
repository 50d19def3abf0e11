"""What a file is, from its first bytes: a reader's input, or neither (imslint's own outputs: :mod:`imslint.own_output`)."""

from __future__ import annotations

import os
from typing import Any, FrozenSet, Optional, Sequence, Tuple

from ..own_output import TAIL_SIZE
from ..readers import Reader
from .faults import _FAULTS, _describe

HEAD_SIZE = 8192  # bytes read first, to sniff a file's kind


NO_RULE = "no selected rule's keywords"  # choose_reader's skip reason when no reader left could be useful


def choose_reader(
    readers: Sequence[Reader],
    path: str,
    head: bytes,
    useful: Optional[Sequence[bool]] = None,
) -> Tuple[Optional[Reader], Optional[str], Optional[str]]:
    """(reader, skip reason, error) for a file, from its first bytes and each reader's sniff.

    ``useful`` (one flag per reader, see :meth:`Checker.useful_readers`) stops the
    sniffing as soon as no reader left to ask is useful: the answer is then
    (None, :data:`NO_RULE`, None), since whichever of them took the file, no rule would read it.
    """
    for i, reader in enumerate(readers):
        if useful is not None and not any(useful[i:]):
            return None, NO_RULE, None
        try:
            if reader.sniff(path, head):
                return reader, None, None
        except _FAULTS as exc:
            return None, None, f"reader {reader.name} failed to recognise the file: {_describe(exc, ())}"
    # A NUL byte or a GIF header in a file named as code or text does not make it binary: it is read as
    # text, so that a few planted bytes cannot hide what the file holds.
    if _named_as_text(path):
        for i, reader in enumerate(readers):
            if reader.name == "source":
                if useful is not None and not useful[i]:
                    return None, NO_RULE, None
                return reader, None, None
    return None, "binary or unsupported file", None


def _named_as_text(path: str) -> bool:
    """True for a file whose name says code or text (``.js``, ``.env``, ``.txt``...; see :func:`language_for`)."""
    from ..readers.source import language_for

    return language_for(path) != "text" or path.lower().endswith(".txt")


def _languages(reader: Any, display: str, data: Optional[bytes]) -> Optional[FrozenSet[str]]:
    """``reader.languages`` for a file read whole (None when unknown, or when the reader fails to say)."""
    if data is None:
        return None
    try:
        languages = reader.languages(display, data[:HEAD_SIZE])
    except Exception:  # noqa: BLE001 - an optional hint: a reader without it, or failing, means any language
        return None
    return frozenset(languages) if languages is not None else None


def _tail(fh: Any, head: bytes, data: Optional[bytes], size: int = TAIL_SIZE) -> bytes:
    """The last ``size`` bytes of the open file ``fh`` (whose first bytes are ``head``), leaving its position as it was."""
    if data is not None:
        return data[-size:]
    if len(head) < HEAD_SIZE:
        return head[-size:]
    pos = fh.tell()
    try:
        fh.seek(-size, os.SEEK_END)
        return fh.read(size)
    finally:
        fh.seek(pos)
