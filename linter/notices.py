"""Warnings about the run's own suppressions: stale baseline entries and unknown rules in disable comments.

Neither changes the exit code: they say that a suppression no longer does (or
never did) anything, as ruff's unused-noqa and invalid-rule-code do. They are
printed on standard error and listed under ``"warnings"`` in the JSON report.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

SHOWN_PER_KIND = 20  # on standard error; the JSON report lists them all


def collect(
    result: Any,
    registry: Any,
    paths: Sequence[str],
    baseline_file: Optional[str] = None,
    stdin: Optional[Tuple[str, bytes]] = None,
    cwd: Optional[str] = None,
    max_size: int = 5 * 1024 * 1024,
) -> List[Dict[str, Any]]:
    """The notices of a finished run (stale baseline entries first), each a dict with ``kind`` and ``message``."""
    from .suppressions import (
        read_baseline_entries,
        stale_baseline_entries,
        unknown_directive_rules,
    )

    cwd = cwd or os.getcwd()
    out: List[Dict[str, Any]] = []
    if baseline_file:
        inputs = set(getattr(result, "inputs", ()))
        roots = [os.path.normpath(os.path.join(cwd, p)) for p in (paths or ["."])]
        roots = [r for r in roots if os.path.isdir(r)]

        def scanned(recorded: str) -> bool:
            if stdin is not None:
                return recorded == stdin[0]
            where = os.path.normpath(os.path.join(cwd, recorded))
            if where in inputs:
                return True
            # A file that is gone, under a folder this run walked: its findings are gone with it.
            return not os.path.lexists(where) and any(where.startswith(r.rstrip(os.sep) + os.sep) for r in roots)

        for e in stale_baseline_entries(read_baseline_entries(baseline_file), result.baselined, scanned):
            what = str(e.get("message") or "")
            what = what if len(what) <= 100 else what[:100] + "…"
            out.append(
                {
                    "kind": "stale-baseline-entry",
                    "path": e["path"],
                    "line": None,
                    "rule_id": e.get("rule_id"),
                    "fingerprint": e["fingerprint"],
                    "message": f"baseline entry {e.get('rule_id')} ({what}) matches no finding any more: "
                    f"fixed or changed; refresh {baseline_file} with --write-baseline",
                }
            )
    files: List[Tuple[str, Optional[str], Optional[str]]]
    if stdin is not None:
        from .readers.source import decode_bytes, normalize_newlines

        files = [(stdin[0], None, normalize_newlines(decode_bytes(stdin[1])))]
    else:
        from .discovery import display_path

        # Within the size limit only: a streamed export of gigabytes is not read a second time for this.
        files = [(display_path(p, cwd), p, None) for p in sorted(getattr(result, "inputs", ())) if _size(p) <= max_size]
    for u in unknown_directive_rules(files, registry.rules):
        out.append(
            {
                "kind": "unknown-rule-in-directive",
                "path": u["path"],
                "line": u["line"],
                "rule_id": None,
                "selector": u["selector"],
                "message": f"unknown rule {u['selector']!r} in an imslint: disable comment: it silences nothing",
            }
        )
    return out


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def stderr_lines(notices: Sequence[Dict[str, Any]]) -> List[str]:
    """One ``imslint: warning: path[:line]: message`` line per notice, at most SHOWN_PER_KIND of each kind."""
    from .reporters.text import safe

    lines: List[str] = []
    counts: Dict[str, int] = {}
    for n in notices:
        counts[n["kind"]] = counts.get(n["kind"], 0) + 1
        if counts[n["kind"]] <= SHOWN_PER_KIND:
            where = f"{n['path']}:{n['line']}" if n.get("line") else n["path"]
            lines.append(f"imslint: warning: {safe(where)}: {safe(n['message'])}")
    for kind, count in counts.items():
        if count > SHOWN_PER_KIND:
            lines.append(
                f"imslint: warning: {count - SHOWN_PER_KIND} more {kind} warnings (all are listed by --format json)"
            )
    return lines
