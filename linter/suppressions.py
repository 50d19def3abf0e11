"""Host policy for silencing findings: inline ``imslint: disable`` comments and the baseline file."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Type

from .model import sha256_hex
from .rule import Rule

# A directive must stand in a comment: one of //, /*, #, <!--, --, ; or ' (VB/INI) precedes it on the line.
_DIRECTIVE_RE = re.compile(
    r"(?://|/\*|#|<!--|--|;|')[^\n]*?\bimslint:\s*(disable-next-line|disable)\b"
    r"(?:\s*=\s*(?P<sel>[A-Za-z0-9_\-]+(?:\s*,\s*[A-Za-z0-9_\-]+)*))?"
    r"(?:\s+--(?!>)\s*(?P<reason>.*?))?\s*(?:\*/|-->)?\s*$",
    re.MULTILINE,
)
MARKER = b"imslint:"


@dataclass(frozen=True)
class Directive:
    """One inline suppression: which rules (None = all), why, and where it was written."""

    selectors: Optional[Tuple[str, ...]]
    reason: str
    line: int


def parse_directives(text: str) -> Dict[int, List[Directive]]:
    """Map each real line to the directives that apply to it."""
    out: Dict[int, List[Directive]] = {}
    if "imslint:" not in text:
        return out
    for m in _DIRECTIVE_RE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        sel = m.group("sel")
        selectors = tuple(s.strip() for s in sel.split(",")) if sel else None
        reason = (m.group("reason") or "").strip()
        target = line + 1 if m.group(1) == "disable-next-line" else line
        out.setdefault(target, []).append(Directive(selectors, reason, line))
    return out


def parse_directives_from_file(path: str, chunk_size: int = 1 << 20) -> Dict[int, List[Directive]]:
    """Like :func:`parse_directives` for a file that is too large to hold: streams it line by line."""
    out: Dict[int, List[Directive]] = {}
    try:
        with open(path, "rb") as fh:
            found = False
            tail = b""
            while True:
                chunk = fh.read(chunk_size)
                if not chunk:
                    break
                if MARKER in tail + chunk:
                    found = True
                    break
                tail = chunk[-len(MARKER) :]
            if not found:
                return out
            fh.seek(0)
            for n, raw in enumerate(fh, 1):
                if MARKER in raw:
                    text = raw.decode("utf-8", "replace").rstrip("\r\n")
                    for line, dirs in parse_directives(text).items():
                        for d in dirs:
                            out.setdefault(n + line - 1, []).append(Directive(d.selectors, d.reason, n))
    except OSError:
        return out
    return out


def directive_matches(directive: Directive, rule_id: str, rules: Mapping[str, Type[Rule]]) -> bool:
    """True when ``directive`` silences ``rule_id``."""
    if directive.selectors is None:
        return True
    from .config import match_selector

    return any(rule_id in match_selector(s, rules) for s in directive.selectors)


# --------------------------------------------------------------------------- fingerprints and baseline


def fingerprint(rule_id: str, rel_path: str, key: str, secret_hash: Optional[str]) -> str:
    """Content-keyed identity of a finding: survives lines moving, never holds the secret."""
    basis = "\0".join((rule_id, rel_path, " ".join(key.split()), secret_hash or ""))
    return sha256_hex(basis.encode("utf-8", "surrogatepass"))[:32]


BASELINE_VERSION = 1


class BaselineError(Exception):
    """The baseline file is missing, unreadable or not an imslint baseline."""


def write_baseline(path: str, findings: Iterable, inputs: Iterable[str] = ()) -> int:
    """Write the fingerprints of ``findings`` to ``path``; return how many entries were written.

    Written safely (see :mod:`imslint.outputs`); raises :class:`BaselineError` when it cannot be.
    """
    from .outputs import JSON_ERRORS, OutputError, open_output

    entries = sorted(
        (
            {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "path": f.location.path, "message": f.message}
            for f in findings
        ),
        key=lambda e: (e["path"], e["rule_id"], e["fingerprint"], e["message"]),
    )
    doc = {"version": BASELINE_VERSION, "tool": "imslint", "findings": entries}
    try:
        with open_output(path, JSON_ERRORS, inputs=inputs) as fh:
            json.dump(doc, fh, indent=2, sort_keys=True, ensure_ascii=False)
            fh.write("\n")
    except OutputError as exc:
        raise BaselineError(str(exc)) from None
    return len(entries)


def read_baseline(path: str) -> Counter:
    """Fingerprint counts recorded in a baseline file."""
    try:
        with open(path, "r", encoding="utf-8") as fh:
            doc = json.load(fh)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read baseline: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise BaselineError(f"{path}: not a valid baseline (invalid JSON: {exc})") from None
    except RecursionError:
        raise BaselineError(f"{path}: not a valid baseline (JSON nested too deeply)") from None
    if not isinstance(doc, dict) or doc.get("tool") != "imslint" or not isinstance(doc.get("findings"), list):
        raise BaselineError(
            f'{path}: not an imslint baseline (expected a JSON object with "tool": "imslint" and "findings")'
        )
    if doc.get("version") != BASELINE_VERSION:
        raise BaselineError(
            f"{path}: unsupported baseline version {doc.get('version')!r} (expected {BASELINE_VERSION})"
        )
    counts: Counter = Counter()
    for entry in doc["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            shown = repr(entry)
            shown = shown if len(shown) <= 200 else shown[:200] + "…"  # an entry may be megabytes long
            raise BaselineError(f"{path}: baseline entry without a fingerprint: {shown}")
        counts[entry["fingerprint"]] += 1
    return counts


def apply_baseline(findings: Sequence, known: Counter) -> Tuple[list, list]:
    """Split ``findings`` into (new, baselined); each recorded fingerprint absorbs as many findings as it counted."""
    remaining = Counter(known)
    new, old = [], []
    for f in findings:
        if remaining.get(f.fingerprint, 0) > 0:
            remaining[f.fingerprint] -= 1
            old.append(f)
        else:
            new.append(f)
    return new, old


# --------------------------------------------------------------------------- what no longer matches


def read_baseline_entries(path: str) -> List[Dict[str, str]]:
    """The entries of a baseline file (call :func:`read_baseline` first: it validates the file)."""
    with open(path, "r", encoding="utf-8") as fh:
        doc = json.load(fh)
    return [e for e in doc["findings"] if isinstance(e, dict) and isinstance(e.get("fingerprint"), str)]


def stale_baseline_entries(
    entries: Sequence[Mapping[str, Any]], baselined: Iterable[Any], scanned: Callable[[str], bool]
) -> List[Dict[str, Any]]:
    """The baseline entries that matched no finding of this run, among those of files it scanned.

    ``scanned(path)`` says whether the entry's file (its path as recorded) was
    scanned by this run, or should have been: an entry for a file the run did
    not look at (a pre-commit run on two files) is not stale. Like ruff's
    unused ``noqa``: the finding was fixed, or its line changed.
    """
    used = Counter(f.fingerprint for f in baselined)
    out: List[Dict[str, Any]] = []
    for e in entries:
        fp = e["fingerprint"]
        if used.get(fp, 0) > 0:
            used[fp] -= 1
            continue
        path = e.get("path")
        if isinstance(path, str) and scanned(path):
            out.append({k: e.get(k) for k in ("fingerprint", "rule_id", "path", "message")})
    return out


def unknown_directive_rules(
    files: Iterable[Tuple[str, Optional[str], Optional[str]]], rules: Mapping[str, Type[Rule]]
) -> List[Dict[str, Any]]:
    """(display path, line, selector) of each rule name in an ``imslint: disable`` comment that names no loaded rule.

    ``files`` holds (display path, path on disk, text): the text when it is
    given (standard input), else the file is read (only files holding the
    ``imslint:`` marker are parsed). Like ruff's invalid-rule-code in ``noqa``:
    a misspelt name silences nothing.
    """
    from .config import match_selector

    out: List[Dict[str, Any]] = []
    for display, path, text in files:
        if text is not None:
            directives = parse_directives(text)
        elif path is not None:
            directives = parse_directives_from_file(path)
        else:
            continue
        seen = set()
        for target in sorted(directives):
            for d in directives[target]:
                for sel in d.selectors or ():
                    if (d.line, sel) in seen or match_selector(sel, rules):
                        continue
                    seen.add((d.line, sel))
                    out.append({"path": display, "line": d.line, "selector": sel})
    return out
