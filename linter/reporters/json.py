"""Machine output: a versioned, sorted JSON document (schema documented in the README)."""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping

from .. import __version__
from ..engine import RunResult
from . import findings_payload

JSON_SCHEMA_VERSION = 1


def result_payload(result: RunResult, include_suppressed: bool = False) -> Dict[str, Any]:
    """The JSON document as a dict."""
    doc: Dict[str, Any] = {
        "version": JSON_SCHEMA_VERSION,
        "tool": {"name": "imslint", "version": __version__},
        "summary": {
            "files_scanned": result.files_scanned,
            "findings": len(result.findings),
            "by_severity": result.counts(),
            "by_rule": result.by_rule(),
            "suppressed": len(result.suppressed),
            "baselined": len(result.baselined),
            "errors": len(result.errors),
            "skipped": len(result.skipped),
        },
        "findings": [],
        "errors": [e.to_dict() for e in result.errors],
        "skipped": [{"path": p, "reason": r} for p, r in result.skipped],
    }
    if include_suppressed:
        doc["suppressed"] = findings_payload(result.suppressed + result.baselined)
    return doc


class JsonReporter:
    """``--format json``."""

    format = "json"

    def render(self, result: RunResult, options: Mapping[str, Any]) -> str:
        """Serialise with sorted keys and two-space indentation.

        Findings are serialised one at a time and spliced in, so a run with tens of
        thousands of findings never holds all their dicts at once.
        """
        doc = result_payload(result, bool(options.get("show_suppressed")))
        doc["findings"] = [_PLACEHOLDER]
        head = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
        if not result.findings:
            return head.replace(f'[\n    "{_PLACEHOLDER}"\n  ]', "[]") + "\n"
        body = ",\n".join(
            "    " + json.dumps(f.to_dict(), indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n    ")
            for f in result.findings
        )
        return head.replace(f'    "{_PLACEHOLDER}"', body, 1) + "\n"


_PLACEHOLDER = "@@imslint-findings-placeholder@@"
