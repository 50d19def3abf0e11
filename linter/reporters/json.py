"""Machine output: a versioned, sorted JSON document (schema documented in the README)."""

from __future__ import annotations

import json
import re
from json.encoder import encode_basestring as _string  # the C function behind ensure_ascii=False
from typing import Any, Dict, Mapping, Optional, Tuple

from .. import __version__
from ..model import Finding, RunResult
from ..own_output import JSON_HEAD_RE, JSON_TAIL_RE, JsonOutput
from ..rule import help_url
from . import finding_dict, findings_payload

JSON_SCHEMA_VERSION = 1


def result_payload(
    result: RunResult, include_suppressed: bool = False, include_findings: bool = True
) -> Dict[str, Any]:
    """The JSON document as a dict (``include_findings=False`` leaves the findings list empty, for streaming)."""
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
        "findings": findings_payload(result.findings, result.rules) if include_findings else [],
        "errors": [e.to_dict() for e in result.errors],
        "skipped": [{"path": p, "reason": r} for p, r in result.skipped],
    }
    notices = getattr(result, "notices", None)
    if notices:  # stale baseline entries, unknown rules in disable comments (see imslint.notices)
        doc["warnings"] = list(notices)
    if include_suppressed:
        doc["suppressed"] = findings_payload(result.suppressed + result.baselined, result.rules)
    for key, value in getattr(result, "extra", {}).items():
        doc.setdefault(key, value)  # what a command attached: never over the report's own keys
    return doc


class JsonReporter:
    """``--format json``."""

    format = "json"

    # imslint's own JSON reports found in a scanned tree are left out (see imslint.own_output)
    output_label = "JSON report or baseline"
    output_first_bytes = (b"{",)

    def sniff_output(self, head: bytes, tail: Any) -> bool:
        """True when ``head`` starts like a JSON report and ``tail()`` ends like one of imslint."""
        return bool(JSON_HEAD_RE.match(head)) and bool(JSON_TAIL_RE.search(tail()))

    def confirm_output(self, data: bytes, path: str) -> bool:
        """True when all of ``data`` is a JSON report of imslint (and the file is not named as code)."""
        return _OWN_JSON.confirm_output(data, path)

    def secret_checked_part(self, data: bytes) -> bytes:
        """All of it: a report holds no secret."""
        return data

    def render(self, result: RunResult, options: Mapping[str, Any]) -> str:
        """Serialise with sorted keys and two-space indentation."""
        import io

        buf = io.StringIO()
        self.write(result, options, buf)
        return buf.getvalue()

    def write(self, result: RunResult, options: Mapping[str, Any], out: Any) -> None:
        """Stream the document to ``out``: findings are serialised and written one at a time.

        A run that keeps tens of thousands of findings (a million-operator export)
        never holds their dicts, nor the whole text, at once.
        """
        doc = result_payload(result, bool(options.get("show_suppressed")), include_findings=False)
        doc["findings"] = [_PLACEHOLDER]
        head = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False)
        if not result.findings:
            out.write(head.replace(f'[\n    "{_PLACEHOLDER}"\n  ]', "[]") + "\n")
            return
        before, after = head.split(f'    "{_PLACEHOLDER}"', 1)
        out.write(before)
        text = _FindingText(result.rules)
        sep = ""
        for f in result.findings:
            out.write(sep + "    " + text(f))
            sep = ",\n"
        out.write(after + "\n")


_PLACEHOLDER = "@@imslint-findings-placeholder@@"


class _FindingText:
    """``pretty(finding_dict(f, rules), "\\n    ")`` for the findings of one run, about twice as fast.

    A finding's keys are known and sorted once; what repeats from one finding
    to the next (the rule's id, name, severity and help link; the path of a
    file) is encoded once. Findings of a subclass that serialises itself
    differently, or whose dict gains keys, take the general way. A test
    compares both ways over every finding of the fixtures.

    Kept because it shows to users: the ``json`` row of ``benchmarks/bench_operators.py``
    (a big export, ``--format json``) writes one such text per operator finding, and
    100,000 operator findings take 4.9 s this way against 16.5 s through
    ``json.dumps(..., indent=2)`` (measured on a loaded 2-CPU VM, Python 3.11).
    """

    def __init__(self, rules: Optional[Mapping[str, Any]]) -> None:
        self.rules = rules
        self._rule_text: Dict[Tuple[str, str, Any], Tuple[str, str]] = {}
        self._path: Tuple[str, str] = ("", _string(""))

    def __call__(self, f: Finding) -> str:
        if type(f) is not Finding:
            return pretty(finding_dict(f, self.rules), "\n    ")
        key = (f.rule_id, f.rule_name, f.severity)
        cached = self._rule_text.get(key)
        if cached is None:
            rule = self.rules.get(f.rule_id) if self.rules else None
            uri = help_url(rule) if rule is not None else None
            help_part = ',\n      "help_uri": ' + _string(uri) if uri else ""
            tail = (
                ',\n      "rule_id": ' + _string(f.rule_id) + ',\n      "rule_name": ' + _string(f.rule_name),
                ',\n      "severity": ' + _string(f.severity.label),
            )
            cached = self._rule_text[key] = (help_part, *tail)  # type: ignore[assignment]
        help_part, names, severity = cached  # type: ignore[misc]
        loc = f.location
        if self._path[0] != loc.path:
            self._path = (loc.path, _string(loc.path))
        line = loc.line
        end_line = loc.end_line if loc.end_line is not None else line
        location = (
            '{\n        "column": '
            + _scalar(loc.column)
            + ',\n        "end_column": '
            + _scalar(loc.end_column)
            + ',\n        "end_line": '
            + _scalar(end_line)
            + ',\n        "line": '
            + _scalar(line)
            + ',\n        "path": '
            + self._path[1]
            + "\n      }"
        )
        properties = pretty(dict(f.properties), "\n      ") if f.properties else "{}"
        related = pretty([r.to_dict() for r in f.related], "\n      ") if f.related else "[]"
        secret = ',\n      "secret_hash": ' + _string(f.secret_hash) if f.secret_hash else ""
        suppression = ""
        if f.suppression:
            suppression = ',\n      "suppression": ' + pretty(
                {"kind": f.suppression, "reason": f.suppression_reason}, "\n      "
            )
        fix = ',\n      "fix": ' + pretty(f.fix.to_dict(), "\n      ") if f.fix is not None else ""
        return (
            '{\n      "fingerprint": '
            + _string(f.fingerprint)
            + fix
            + help_part
            + ',\n      "location": '
            + location
            + ',\n      "message": '
            + _string(f.message)
            + ',\n      "properties": '
            + properties
            + ',\n      "related": '
            + related
            + names
            + secret
            + severity
            + suppression
            + "\n    }"
        )


def _scalar(value: Any) -> str:
    """An int or None (the fields of a location) as JSON."""
    return "null" if value is None else pretty(value)


def pretty(value: Any, newline: str = "\n") -> str:  # noqa: C901
    """``json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)``, twice as fast on findings.

    The standard encoder falls back to pure Python as soon as it indents; this
    walks the few shapes a finding holds (dicts with string keys, lists,
    strings, ints, booleans, None), scalars inline, and hands anything else to
    ``json.dumps``. ``newline`` is the line break plus the indentation the
    value starts at.
    """
    kind = type(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = newline + "  "
        parts = []
        for key in sorted(value):
            if type(key) is not str:
                return _standard(value, newline)
            item = value[key]
            t = type(item)
            if t is str:
                text = _string(item)
            elif t is dict or t is list or t is tuple:
                text = pretty(item, inner)
            elif item is None:
                text = "null"
            elif t is int:
                text = int.__repr__(item)
            else:
                text = pretty(item, inner)
            parts.append(_string(key) + ": " + text)
        return "{" + inner + ("," + inner).join(parts) + newline + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = newline + "  "
        return "[" + inner + ("," + inner).join([pretty(v, inner) for v in value]) + newline + "]"
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    return _standard(value, newline)


def _standard(value: Any, newline: str) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", newline)


_JSON_REPORT_KEYS = {"version", "tool", "summary", "findings", "errors", "skipped", "suppressed", "warnings"}
_JSON_FINDING_KEYS = {
    "fingerprint",
    "help_uri",
    "location",
    "message",
    "properties",
    "related",
    "rule_id",
    "rule_name",
    "secret_hash",
    "severity",
    "suppression",
    "fix",
}


_ATTACHED_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")


class _JsonReportDocument(JsonOutput):
    def confirm_document(self, doc: dict) -> bool:
        findings = doc.get("findings")
        if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
            return False
        tool = doc.get("tool")
        # Keys past the report's own are what a command attached (RunResult.extra): objects, never text to scan.
        attached = set(doc) - _JSON_REPORT_KEYS
        return (
            all(_ATTACHED_KEY_RE.fullmatch(k) and isinstance(doc[k], dict) for k in attached)
            and isinstance(tool, dict)
            and tool.get("name") == "imslint"
            and isinstance(doc.get("errors"), list)
            and all(set(f) <= _JSON_FINDING_KEYS for f in findings)
        )


_OWN_JSON = _JsonReportDocument()
