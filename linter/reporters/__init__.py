"""Reporters turn a RunResult into text: ``render(result, options) -> str``. They never print or exit."""

from __future__ import annotations

from typing import Any, Dict, List

from ..model import Finding


def findings_payload(findings: List[Finding]) -> List[Dict[str, Any]]:
    """The serialised findings shared by the JSON and SARIF reporters."""
    return [f.to_dict() for f in findings]
