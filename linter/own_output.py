"""imslint's own files found in a scanned tree (reports, baselines, a worklist, the cache): recognised, left out.

imslint's outputs quote the patterns they found, so a report left in a scanned
tree, or a committed baseline, would otherwise be flagged on the next run. Each
output is recognised by what writes it: reporters and plugins offer the
:class:`imslint.protocols.OutputRecogniser` protocol (a plugin registers its own
through ``imslint_register_output_recognisers``); the baseline and the result
cache, the host's own files, are recognised here.

A file is left out only when all of it is such an output (every line of a text
report matches its grammar, a JSON document parses as a whole and names
imslint...), and only in a file whose name is not that of code (``.txt``,
``.json``, ``.sarif``, ``.csv``, no extension...): a file made to look like a
report cannot hide code.
"""

from __future__ import annotations

import re
from typing import Any, Callable, List, Optional, Sequence, Tuple

TAIL_SIZE = 512  # the last bytes a recogniser may ask for (``tail()``)


def named_as(path: str, languages: Tuple[str, ...]) -> bool:
    """True when ``path`` is named as one of ``languages`` (see :func:`imslint.readers.source.language_for`)."""
    from .readers.source import language_for

    return language_for(path) in languages


class JsonOutput:
    """Helper base of recognisers of JSON outputs: the file must be named as JSON or text and parse whole."""

    output_label = ""
    output_first_bytes: Tuple[bytes, ...] = (b"{",)

    def confirm_output(self, data: bytes, path: str) -> bool:
        """True when ``data`` parses as JSON and :meth:`confirm_document` accepts it."""
        import json

        if not named_as(path, ("text", "json")):
            return False
        try:
            doc = json.loads(data.decode("utf-8"))
        except (ValueError, RecursionError, MemoryError):
            return False
        return isinstance(doc, dict) and self.confirm_document(doc)

    def confirm_document(self, doc: dict) -> bool:
        """True when the parsed document is this output."""
        raise NotImplementedError

    def secret_checked_part(self, data: bytes) -> bytes:
        """All of it: an imslint output holds no secret."""
        return data


# A JSON report or a baseline starts with one of these keys (sorted) ... and ends by naming imslint.
JSON_HEAD_RE = re.compile(rb'\A\s*\{\s*"(?:errors|findings)"\s*:\s*\[')
JSON_TAIL_RE = re.compile(rb'"tool"\s*:\s*(?:\{\s*"name"\s*:\s*)?"imslint"')
_BASELINE_ENTRY_KEYS = {"fingerprint", "rule_id", "path", "message"}


class BaselineOutput(JsonOutput):
    """The baseline file (``--write-baseline``)."""

    output_label = "JSON report or baseline"

    def sniff_output(self, head: bytes, tail: Callable[[], bytes]) -> bool:
        return bool(JSON_HEAD_RE.match(head)) and bool(JSON_TAIL_RE.search(tail()))

    def confirm_document(self, doc: dict) -> bool:
        findings = doc.get("findings")
        return (
            doc.get("tool") == "imslint"
            and isinstance(findings, list)
            and all(isinstance(f, dict) for f in findings)
            and set(doc) == {"version", "tool", "findings"}
            and all(set(f) <= _BASELINE_ENTRY_KEYS for f in findings)
        )


_CACHE_RE = re.compile(rb'\A\{"key":"[0-9a-f]{32}","imslint":')


class ResultCacheOutput(JsonOutput):
    """A result cache file (``--cache-dir``) copied into a scanned tree."""

    output_label = "result cache"

    def sniff_output(self, head: bytes, tail: Callable[[], bytes]) -> bool:
        return bool(_CACHE_RE.match(head))

    def confirm_document(self, doc: dict) -> bool:
        return (
            set(doc) == {"key", "imslint", "entries"}
            and isinstance(doc["entries"], dict)
            and all(isinstance(e, list) for e in doc["entries"].values())
        )


HOST_RECOGNISERS: Tuple[Any, ...] = (ResultCacheOutput(), BaselineOutput())


def text_lines(data: bytes, path: str) -> Optional[List[str]]:
    """The lines of ``data`` (without a final empty one) when it is UTF-8 in a file named as text, else None."""
    if not named_as(path, ("text",)):
        return None
    try:
        lines = data.decode("utf-8").split("\n")
    except ValueError:
        return None
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def candidates(head: bytes, tail: Callable[[], bytes], recognisers: Sequence[Any]) -> List[Any]:
    """The recognisers for which a file starting with ``head`` may be their output, in order.

    Only the recognisers that claim the file's first non-blank byte
    (``output_first_bytes``) are asked; those claiming none (``None``) are asked
    when no other does. ``tail()`` gives the file's last bytes, read at most once
    and only when a recogniser needs them.
    """
    first = head[:1]
    if first.isspace():
        first = head.lstrip()[:1]
    claimed = [r for r in recognisers if r.output_first_bytes is not None and first in r.output_first_bytes]
    pool = claimed or [r for r in recognisers if r.output_first_bytes is None]
    if not pool:
        return []
    cached: List[bytes] = []

    def tail_once() -> bytes:
        if not cached:
            cached.append(tail())
        return cached[0]

    return [r for r in pool if r.sniff_output(head, tail_once)]
