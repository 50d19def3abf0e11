"""A big streamed file read in pieces: one forked process per piece, results back through a pipe, states merged."""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, Iterable, List, Optional, Tuple

from ..discovery import Discovered
from ..plugins import Registry
from ..protocols import SplittableReader, supports
from ..readers import InputFile, Reader
from ..rule import RunContext
from ..suppressions import parse_directives_from_file
from .checker import Checker
from .faults import _FAULTS
from .outcome import FileOutcome, Plan


def check_split(checker: Checker, item: Discovered, reader: Reader, jobs: int) -> Optional[FileOutcome]:
    """:meth:`Checker.check_split`: the pieces of ``item`` read at once, their rule states merged into ``checker``."""
    if jobs < 2 or not supports(reader, SplittableReader) or not _can_fork():
        return None
    if not all(type(rule).mergeable() for rule in checker.rules.values()):
        return None
    try:
        pieces = reader.split(item.path, jobs)  # type: ignore[attr-defined]
    except _FAULTS:
        return None
    if not pieces or len(pieces) < 2:
        return None
    # The first piece is read here, the others by forked children, all at once. Every piece gets
    # fresh rule instances (with a copy of the facts), so nothing is kept if one piece fails.
    piece_context = checker.context.copy()
    piece_context.memory_share = checker.context.memory_share / len(pieces)  # all pieces are held at once
    run = (checker.registry, checker.plan, piece_context)
    try:
        children = _fork_pieces(run, [(item, reader, piece) for piece in pieces[1:]])
    except OSError:
        return None  # no more processes or pipes to be had: the file is read whole, here
    try:
        first = _read_piece(run, item, reader, pieces[0])
        results = [first, *_collect_pieces(children)]
    finally:
        _reap(children)
    if any(r is None for r in results):
        return None
    # Each worker looked for the suppression marker in its range: the file is read once more
    # for directives only when one of them saw it.
    marked = any(r[2] for r in results)  # type: ignore[index]
    directives = parse_directives_from_file(item.path) if marked else {}
    out = FileOutcome(scanned=True)
    results.reverse()
    while results:  # each piece's state is dropped once merged: memory stays near one copy
        outcome, states, _ = results.pop()  # type: ignore[misc]
        for kind, n in outcome.subjects.items():
            out.subjects[kind] = out.subjects.get(kind, 0) + n
        for fact in outcome.facts:
            checker.context.add(fact)
            out.facts.append(fact)
        for rid in list(states):
            checker.rules[rid].merge_state(states.pop(rid))
        out.findings.extend(outcome.findings)
        out.errors.extend(outcome.errors)
    if out.findings and directives:
        kept = []
        for finding in out.findings:
            suppressed = checker.stamper.suppression(finding, directives.get(finding.location.line, ()))
            if suppressed is None:
                kept.append(finding)
            else:
                out.suppressed.append(suppressed)
        out.findings = kept
    return out


def _can_fork() -> bool:
    """True where worker processes are forked (Linux): they share the parent's state and hash seed."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class _PieceReader:
    """A reader of one piece of a file (``read_piece``); records whether the piece failed to read."""

    streaming = True

    def __init__(self, reader: Reader, piece: Any) -> None:
        self.reader, self.piece, self.name = reader, piece, reader.name
        self.failed = False

    def read(self, source: InputFile) -> Iterable[Any]:
        try:
            yield from self.reader.read_piece(source, self.piece)  # type: ignore[attr-defined]
        except Exception:
            self.failed = True


def _fork_pieces(
    run: Tuple[Registry, Plan, RunContext], tasks: List[Tuple[Discovered, Reader, Any]]
) -> List[List[Any]]:
    """Fork one child per task; each reads its piece and sends back the pickled result: [pid, pipe]."""
    import pickle

    children: List[List[Any]] = []
    for task in tasks:
        try:
            read_end, write_end = os.pipe()
        except OSError:
            _reap(children)
            raise
        try:
            pid = os.fork()
        except OSError:
            os.close(read_end)
            os.close(write_end)
            _reap(children)
            raise
        if pid == 0:  # the child: read the piece, send the result, leave without any clean-up of the parent's
            code = 1
            try:
                import signal

                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops its children
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                os.close(read_end)
                data = pickle.dumps(_read_piece(run, *task), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write_end, "wb") as fh:
                    fh.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(write_end)
        children.append([pid, read_end])
    return children


def _collect_pieces(children: List[List[Any]]) -> List[Optional[Tuple[FileOutcome, Dict[str, Any], bool]]]:
    """The result of each child, in order: None for a child that failed or died (nothing came through)."""
    import pickle

    results: List[Optional[Tuple[FileOutcome, Dict[str, Any], bool]]] = []
    for child in children:
        pid, read_end = child
        with os.fdopen(read_end, "rb") as fh:
            try:
                # Unpickled as it comes: the whole pickle is never held next to what it makes.
                result = pickle.load(fh)
            except Exception:  # noqa: BLE001 - nothing, or a truncated pickle: the child failed or died
                result = None
        child[1] = None
        _, status = os.waitpid(pid, 0)
        child[0] = None
        results.append(result if status == 0 else None)
    return results


def _reap(children: List[List[Any]]) -> None:
    """Stop and wait for the children still running (the parent failed or was interrupted)."""
    import signal

    for child in children:
        pid, read_end = child
        if read_end is not None:
            os.close(read_end)
        if pid is not None:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except OSError:
                pass


def _has_marker(path: str, start: int, end: int) -> bool:
    """True when a suppression marker starts in the bytes ``start:end`` of ``path`` (``end`` -1: to the end)."""
    from ..suppressions import MARKER

    keep = len(MARKER) - 1
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            stop = size if end < 0 else min(size, end + keep)  # a marker may straddle the end
            pos, tail = start, b""
            fh.seek(start)
            while pos < stop:
                block = fh.read(min(1 << 20, stop - pos))
                if not block:
                    break
                if MARKER in block or MARKER in tail + block[:keep]:
                    return True
                tail, pos = block[-keep:], pos + len(block)
    except OSError:
        return True  # the main process will find out
    return False


def _read_piece(
    run: Tuple[Registry, Plan, RunContext], item: Discovered, reader: Reader, piece: Any
) -> Optional[Tuple[FileOutcome, Dict[str, Any], bool]]:
    """Check one piece of a file with fresh rules: (outcome, rule states, marker seen), None if unreadable."""
    registry, plan, context = run
    # Fresh rule instances for each piece, so that a state holds that piece only; a copy of the
    # facts, so that those the piece publishes travel in the outcome whichever process reads it.
    checker = Checker(registry, plan, context.copy())
    checker.defer_directives = True
    piece_reader = _PieceReader(reader, piece)
    outcome = checker.check_data(item, piece_reader, None)  # type: ignore[arg-type]
    if piece_reader.failed:
        return None
    states = {rid: rule.export_state() for rid, rule in checker.rules.items() if rule.has_finish()}
    start, end = getattr(piece, "start", None), getattr(piece, "end", None)
    marked = _has_marker(item.path, start, end) if isinstance(start, int) and isinstance(end, int) else True
    return outcome, states, marked
