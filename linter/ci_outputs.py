"""imslint's own GitLab code quality and JUnit reports, recognised when a later run finds them in the scanned tree.

A CI job that writes ``gl-code-quality-report.json`` and then runs imslint again must not
flag the first report (it quotes the patterns it found). As for the other formats (see
:mod:`imslint.own_output`), a file is left out only when all of it is such a report,
under a name that is not code's.
"""

from __future__ import annotations

import json
import re
from typing import Any, Optional

GITLAB = "GitLab code quality report"
JUNIT = "JUnit report"
KINDS = (GITLAB, JUNIT)

_GITLAB_RE = re.compile(rb'\A\s*\[\s*\{\s*"type"\s*:\s*"issue"\s*,\s*"description"\s*:')
_JUNIT_RE = re.compile(rb'\A<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="imslint" ')
_CHECK_NAME_RE = re.compile(r"[A-Z]{2,5}[0-9]{3} [a-z0-9]+(?:-[a-z0-9]+)*|imslint-error")
_ISSUE_KEYS = {"type", "description", "check_name", "fingerprint", "severity", "location"}
_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
_JUNIT_ELEMENTS = {
    "testsuites": None,
    "testsuite": "testsuites",
    "testcase": "testsuite",
    "failure": "testcase",
    "error": "testcase",
}


def sniff(head: bytes) -> Optional[str]:
    """The kind of report ``head`` (a file's first bytes) starts like, or None."""
    if _GITLAB_RE.match(head):
        return GITLAB
    if _JUNIT_RE.match(head):
        return JUNIT
    return None


def confirm(kind: str, data: bytes, path: str) -> bool:
    """True when the whole of ``data`` is the report ``kind``, in a file named as such a report may be."""
    from .readers.source import language_for

    if language_for(path) not in (("json", "text") if kind == GITLAB else ("xml", "text")):
        return False
    try:
        return _gitlab(json.loads(data.decode("utf-8"))) if kind == GITLAB else _junit(data)
    except (ValueError, RecursionError, MemoryError):
        return False


def _gitlab(doc: Any) -> bool:
    if not isinstance(doc, list) or not doc:
        return False
    for issue in doc:
        if not (isinstance(issue, dict) and set(issue) == _ISSUE_KEYS and issue["type"] == "issue"):
            return False
        if not (isinstance(issue["check_name"], str) and _CHECK_NAME_RE.fullmatch(issue["check_name"])):
            return False
        loc = issue["location"]
        if issue["severity"] not in _SEVERITIES or not isinstance(loc, dict) or set(loc) != {"path", "lines"}:
            return False
        if not (
            isinstance(loc["lines"], dict) and set(loc["lines"]) == {"begin"} and isinstance(loc["lines"]["begin"], int)
        ):
            return False
        if not all(isinstance(issue[k], str) for k in ("description", "fingerprint")):
            return False
    return True


def _junit(data: bytes) -> bool:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.fromstring(data, parser)
    if root.tag != "testsuites" or root.get("name") != "imslint":
        return False
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag not in _JUNIT_ELEMENTS:
            return False  # a comment, a processing instruction or another element
        parent = el.getparent()
        if (parent.tag if parent is not None else None) != _JUNIT_ELEMENTS[el.tag]:
            return False
        if el.tag not in ("failure", "error") and (el.text or "").strip():
            return False
        if (el.tail or "").strip():
            return False
    return True
