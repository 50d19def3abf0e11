"""GitLab code quality report (``artifacts:reports:codequality``): a JSON array of Code Climate issues."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping

from .. import ci_outputs
from ..model import sha256_hex

# GitLab's severities: info, minor, major, critical, blocker.
SEVERITIES = {"error": "critical", "warning": "major", "note": "minor"}


def _text(value: str) -> str:
    """A file name that is not UTF-8 holds lone surrogates: JSON must carry valid text."""
    return (
        value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        if any("\ud800" <= c <= "\udfff" for c in value)
        else value
    )


class GitlabReporter:
    """``--format gitlab``: description, check_name, fingerprint, severity, location.path and lines.begin per finding.

    Paths are those of every other format (relative to the folder imslint runs in:
    run it from the repository root, as GitLab reads them from there). Each file that
    could not be checked is an issue too (``imslint-error``, severity ``blocker``).
    """

    format = "gitlab"

    # Its reports left in a scanned tree are recognised (imslint.protocols.OutputRecogniser; see imslint.ci_outputs).
    output_label = ci_outputs.GITLAB
    output_first_bytes = (b"[",)

    def sniff_output(self, head: bytes, tail: Any) -> bool:
        """Whether ``head`` starts like one of its reports."""
        return ci_outputs.sniff(head) == ci_outputs.GITLAB

    def confirm_output(self, data: bytes, path: str) -> bool:
        """Whether all of ``data`` is one of its reports, under a report's name."""
        return ci_outputs.confirm(ci_outputs.GITLAB, data, path)

    def secret_checked_part(self, data: bytes) -> bytes:
        """All of it: its messages are redacted like every report's."""
        return data

    def render(self, result: Any, options: Mapping[str, Any]) -> str:
        """Serialise the report (sorted like every output; fingerprints unique within it)."""
        issues: List[Dict[str, Any]] = []
        seen: Dict[str, int] = {}

        def unique(fp: str) -> str:
            n = seen.get(fp, 0) + 1
            seen[fp] = n
            return fp if n == 1 else sha256_hex(f"{fp}:{n}".encode("utf-8"))[:32]

        for f in result.findings:
            issues.append(
                {
                    "type": "issue",
                    "description": f"{f.rule_id} {f.message}",
                    "check_name": f"{f.rule_id} {f.rule_name}",
                    "fingerprint": unique(f.fingerprint),
                    "severity": SEVERITIES[f.severity.label],
                    "location": {"path": _text(f.location.path), "lines": {"begin": f.location.line}},
                }
            )
        for e in result.errors:
            fp = sha256_hex(f"imslint-error:{e.path}:{e.line}:{e.message}".encode("utf-8", "surrogateescape"))[:32]
            issues.append(
                {
                    "type": "issue",
                    "description": f"imslint could not check this file completely: {e.message}",
                    "check_name": "imslint-error",
                    "fingerprint": unique(fp),
                    "severity": "blocker",
                    "location": {"path": _text(e.path), "lines": {"begin": e.line or 1}},
                }
            )
        return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
