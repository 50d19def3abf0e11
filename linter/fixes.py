"""Suggested fixes: the host side of :class:`~imslint.model.Fix` (checks, spans, and ``--fix-diff``).

A rule attaches a :class:`Fix` to a :class:`Problem`; the engine keeps it on the
finding only when no secret of the file appears in it (:func:`secret_free`); JSON
and SARIF carry it; ``imslint check --fix-diff`` prints every fix as a unified diff
that ``git apply`` takes. imslint never rewrites a file itself.

A diff shows the lines it removes and three lines of context around them, taken
from the file as it is: a fix whose lines hold a secret a rule found (its hash
matches a literal of those lines, or a finding with a secret stands on them) is
left out of the diff, and said so; it stays in JSON and SARIF, which give where to
replace, never the text replaced.
"""

from __future__ import annotations

import difflib
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from .model import Finding, Fix, Location, Replacement, SourceText, secret_hash

CONTEXT = 3  # lines of context around each change (git apply's default expectation)
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_DELIMS_RE = re.compile(r"[\s\"'`<>=,;:/()\[\]{}&?|+]")
MAX_SCANNED_LINE = 4000  # a longer line near a fix is not searched for secrets: the fix is left out


def secret_free(fix: Optional[Fix], secrets: Iterable[str]) -> Optional[Fix]:
    """``fix`` when none of ``secrets`` appears in its texts, else None (called by the engine while stamping)."""
    if fix is None:
        return None
    if (
        not isinstance(fix, Fix)
        or not isinstance(fix.description, str)
        or not all(
            isinstance(r, Replacement) and isinstance(r.location, Location) and isinstance(r.text, str)
            for r in fix.replacements
        )
    ):
        raise TypeError("Problem.fix must be an imslint.Fix of imslint.Replacement objects")
    texts = [fix.description] + [r.text for r in fix.replacements]
    for s in secrets:
        if s and any(s in t for t in texts):
            return None
    return fix


def span(subject: SourceText, start: int, end: int, text: str) -> Replacement:
    """A replacement of ``subject.text[start:end]`` by ``text``, at its real position in the file."""
    line, col = subject.line_col(start)
    end_line, end_col = subject.line_col(end)
    return Replacement(Location(subject.path, line, col, end_line, end_col), text)


# --------------------------------------------------------------------------- --fix-diff


def _split(text: str) -> List[str]:
    """Lines with their own line ends (the readers' line model: ``\\r\\n``, ``\\r`` and ``\\n`` end a line)."""
    out, pos = [], 0
    for m in _NEWLINE_RE.finditer(text):
        out.append(text[pos : m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def _offset(lines: List[str], starts: List[int], line: int, column: int, bom: int = 0) -> Optional[int]:
    if not 1 <= line <= len(lines) + 1:
        return None
    if line == len(lines) + 1:
        return starts[-1] if column == 1 else None
    shift = bom if line == 1 else 0  # the readers do not count a byte-order mark
    body = lines[line - 1].rstrip("\r\n")
    if not 1 <= column + shift <= len(body) + 1:
        return None
    return starts[line - 1] + column - 1 + shift


def _candidates(line: str) -> Set[str]:
    """Every run of characters between two delimiters of ``line`` (a secret is one of them when it stands there)."""
    cuts = [0] + [m.start() for m in _DELIMS_RE.finditer(line)] + [len(line)]
    out: Set[str] = set()
    for i in range(len(cuts)):
        for j in range(i + 1, len(cuts)):
            a = cuts[i] + (1 if i > 0 else 0)
            piece = line[a : cuts[j]]
            if piece:
                out.add(piece)
            if len(out) > 200_000:
                return out
    return out


def _holds_secret(lines: Sequence[str], first: int, last: int, hashes: Set[str], secret_lines: Set[int]) -> bool:
    for n in range(max(1, first), min(len(lines), last) + 1):
        if n in secret_lines:
            return True
        text = lines[n - 1].rstrip("\r\n")
        if not hashes:
            continue
        if len(text) > MAX_SCANNED_LINE:
            return True
        if any(secret_hash(c) in hashes for c in _candidates(text)):
            return True
    return False


def _quote(path: str) -> str:
    """A path as git writes it in a patch header (C-quoted when it holds special bytes)."""
    raw = path.encode("utf-8", "surrogateescape")
    if not any(b < 0x20 or b >= 0x7F or b in (0x22, 0x5C) for b in raw):
        return path
    out = []
    for b in raw:
        if b in (0x22, 0x5C):
            out.append("\\" + chr(b))
        elif b == 0x0A:
            out.append("\\n")
        elif b == 0x09:
            out.append("\\t")
        elif b < 0x20 or b >= 0x7F:
            out.append("\\%03o" % b)
        else:
            out.append(chr(b))
    return '"' + "".join(out) + '"'


def fix_diff(result: Any) -> Tuple[str, List[str]]:
    """(a unified diff of every fix of the result's findings, notes on the fixes left out and why)."""
    by_path: Dict[str, List[Finding]] = {}
    for f in result.findings:
        if f.fix is not None:
            by_path.setdefault(f.location.path, []).append(f)
    everything = list(result.findings) + list(result.suppressed) + list(result.baselined)
    hashes = {f.secret_hash for f in everything if f.secret_hash}
    secret_lines: Dict[str, Set[int]] = {}
    for f in everything:
        if f.secret_hash:
            last = f.location.end_line or f.location.line
            secret_lines.setdefault(f.location.path, set()).update(range(f.location.line, last + 1))
    base = getattr(result, "base", ".") or "."
    chunks: List[str] = []
    notes: List[str] = []
    for path in sorted(by_path):
        findings = by_path[path]
        if os.path.isabs(path) or path.startswith(".."):
            notes.append(f"{path}: {len(findings)} fix(es) left out: the file is outside the folder imslint runs in")
            continue
        try:
            with open(os.path.join(base, path), "rb") as fh:
                text = fh.read().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            why = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else (exc.strerror or str(exc))
            notes.append(f"{path}: {len(findings)} fix(es) left out: cannot read the file ({why})")
            continue
        lines = _split(text)
        edits = _edits(path, text, lines, findings, hashes, secret_lines.get(path, set()), notes)
        if not edits:
            continue
        new = text
        for a, b, t in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
            new = new[:a] + t + new[b:]
        chunks.append(_file_diff(path, lines, _split(new)))
    return "".join(chunks), notes


def _edits(
    path: str,
    text: str,
    lines: List[str],
    findings: List[Finding],
    hashes: Set[str],
    secret_lines: Set[int],
    notes: List[str],
) -> List[Tuple[int, int, str]]:
    """The (start, end, text) edits of the fixes of one file that can go in a diff; a note for each left out."""
    bom = 1 if text.startswith("\ufeff") else 0
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits: List[Tuple[int, int, str]] = []
    taken: List[Tuple[int, int]] = []
    for f in findings:
        if f.fix is None:
            continue
        where = f"{path}:{f.location.line}: {f.rule_id} fix left out"
        spans = _spans(f.fix, path, lines, starts, bom)
        if spans is None:
            notes.append(f"{where}: it does not match the file any more")
            continue
        if any(a < tb and ta < b or a == b == ta for a, b, _ in spans for ta, tb in taken):
            notes.append(f"{where}: it overlaps another fix")
            continue
        first = min(r.location.line for r in f.fix.replacements)
        last = max(r.location.end_line or r.location.line for r in f.fix.replacements)
        if _holds_secret(lines, first - CONTEXT, last + CONTEXT, hashes, secret_lines) or any(
            _holds_secret(_split(t), 1, len(_split(t)), hashes, set()) for _, _, t in spans
        ):
            notes.append(
                f"{where} of the diff: its lines hold a secret (the JSON and SARIF reports give it without the text "
                "replaced)"
            )
            continue
        taken.extend((a, b) for a, b, _ in spans)
        edits.extend(spans)
    return edits


def _spans(fix: Fix, path: str, lines: List[str], starts: List[int], bom: int) -> Optional[List[Tuple[int, int, str]]]:
    """The offsets in the file's text of each replacement of ``fix``, or None when one does not fit the file."""
    spans = []
    for r in fix.replacements:
        loc = r.location
        if loc.path != path:
            return None
        a = _offset(lines, starts, loc.line, loc.column, bom)
        end_column = loc.end_column if loc.end_column is not None else loc.column
        b = _offset(lines, starts, loc.end_line or loc.line, end_column, bom)
        if a is None or b is None or b < a:
            return None
        spans.append((a, b, r.text))
    return spans


def _file_diff(path: str, old: List[str], new: List[str]) -> str:
    name = path.replace(os.sep, "/")
    a, b = _quote("a/" + name), _quote("b/" + name)
    out = [f"diff --git {a} {b}\n"]
    for line in difflib.unified_diff(old, new, fromfile=a, tofile=b, n=CONTEXT):
        if line.startswith(("---", "+++")):
            out.append(line if line.endswith("\n") else line + "\n")
            continue
        if line.endswith(("\n", "\r")):
            out.append(line)
        else:
            out.append(line + "\n\\ No newline at end of file\n")
    return "".join(out)
