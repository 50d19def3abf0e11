"""SARIF 2.1.0 output, fit for GitHub code scanning (validated against the OASIS schema and the SARIF Multitool)."""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, List, Mapping, Tuple, Type
from urllib.parse import quote

from .. import __version__
from ..model import Finding, RunResult
from ..own_output import JsonOutput
from ..rule import PROJECT_URI, Rule, help_url
from . import findings_payload

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = PROJECT_URI
SRCROOT = "%SRCROOT%"
_REDACTION_RE = re.compile(r"<redacted:[0-9a-f]{8}>")


# GitHub code scanning rejects a SARIF run of more than 25,000 results (and shows the 5,000 most
# severe): a bigger log is cut to the most severe results, and a notification says so.
MAX_RESULTS = 25_000
# The run's category: GitHub keeps the analyses of different categories side by side (a code
# run and an operator run of one commit); the CLI sets imslint/<command>/ or --automation-id.
DEFAULT_AUTOMATION_ID = "imslint/check/"


def _within_limit(findings: List[Finding]) -> Tuple[List[Finding], int]:
    """(the findings to write, in their order, the most severe when there are too many; how many were left out)."""
    if len(findings) <= MAX_RESULTS:
        return findings, 0
    ranked = sorted(range(len(findings)), key=lambda i: -int(findings[i].severity))  # stable: file order kept
    kept = sorted(ranked[:MAX_RESULTS])
    return [findings[i] for i in kept], len(findings) - MAX_RESULTS


def _root_uri(folder: str) -> str:
    from pathlib import Path  # only when SARIF is written: pathlib is slow to import

    return Path(folder).resolve().as_uri().rstrip("/") + "/"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _uri(path: str) -> str:
    # The bytes of the name (a name that is not UTF-8 holds lone surrogates), percent-encoded.
    path = path.replace(os.sep, "/")
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no byte stands for
        raw = path.encode("utf-8", "backslashreplace")
    return quote(raw, safe="/:@!$&'()*+,;=-._~")


def _region(loc: Mapping[str, Any]) -> Dict[str, Any]:
    region = {"startLine": loc["line"], "startColumn": loc["column"], "endLine": loc["end_line"]}
    end_col = loc.get("end_column")
    if end_col is None or (loc["end_line"] == loc["line"] and end_col <= loc["column"]):
        end_col = loc["column"] + 1
    region["endColumn"] = end_col
    return region


def _physical(loc: Mapping[str, Any]) -> Dict[str, Any]:
    artifact: Dict[str, Any] = {"uri": _uri(loc["path"])}
    if not os.path.isabs(loc["path"]):
        artifact["uriBaseId"] = SRCROOT
    return {"artifactLocation": artifact, "region": _region(loc)}


def rule_descriptor(rule: Type[Rule], severity_label: str) -> Dict[str, Any]:
    """``reportingDescriptor`` of one rule: tags, precision and security severity come from the rule class only."""
    from ..docs import rst_to_markdown

    help_text = rule.help_text() or rule.summary()
    tags = set(rule.tags)
    props: Dict[str, Any] = {}
    if rule.security_severity:
        props["security-severity"] = str(rule.security_severity)
        tags.add("security")  # GitHub reads security-severity only on rules tagged security
    if tags:
        props["tags"] = sorted(tags)
    if rule.precision:
        props["precision"] = rule.precision
    descriptor: Dict[str, Any] = {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.name.split("-")),
        "shortDescription": {"text": _sentence(rule.summary())},
        "fullDescription": {"text": _sentence(rule.description())},
        "help": {
            "text": help_text,
            "markdown": f"**{rule.id} {rule.name}**: {rule.summary()}\n\n{rst_to_markdown(help_text)}",
        },
        "defaultConfiguration": {"level": severity_label},
    }
    uri = help_url(rule)
    if uri:
        descriptor["helpUri"] = uri
    if props:
        descriptor["properties"] = props
    return descriptor


def _escape_brackets(text: str) -> str:
    """Message text that holds embedded links must escape its literal brackets (SARIF 3.11.6)."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _linked(message: str, related: List[Dict[str, Any]]) -> str:
    """The message with a link to each related location (``[text](id)``): GitHub shows only those linked."""
    links = ", ".join(
        f"[{_escape_brackets(r['message'] or 'related location')}]({n})" for n, r in enumerate(related, 1)
    )
    body = _escape_brackets(message)
    return f"{body[:-1] if body.endswith('.') else body} (see {links})."


def _fixes(fix: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """SARIF ``fixes`` of a finding's fix: one artifact change per file, its replacements in order."""
    changes: Dict[str, List[Dict[str, Any]]] = {}
    for r in fix["replacements"]:
        loc = r["location"]
        region = {
            "startLine": loc["line"],
            "startColumn": loc["column"],
            "endLine": loc["end_line"],
            "endColumn": loc["end_column"] if loc.get("end_column") is not None else loc["column"],
        }
        changes.setdefault(loc["path"], []).append({"deletedRegion": region, "insertedContent": {"text": r["text"]}})
    return [
        {
            "description": {"text": _sentence(fix["description"])},
            "artifactChanges": [
                {
                    "artifactLocation": _physical({"path": path, "line": 1, "column": 1, "end_line": 1})[
                        "artifactLocation"
                    ],
                    "replacements": reps,
                }
                for path, reps in changes.items()
            ],
        }
    ]


class SarifReporter:
    """``--format sarif``: one run, rules with full documentation, relative URIs under ``%SRCROOT%``."""

    format = "sarif"

    # imslint's own SARIF logs found in a scanned tree are left out (see imslint.own_output)
    output_label = "SARIF report"
    output_first_bytes = (b"{",)

    def sniff_output(self, head: bytes, tail: Any) -> bool:
        """True when ``head`` starts like a SARIF log of imslint."""
        return bool(_OWN_SARIF_RE.match(head))

    def confirm_output(self, data: bytes, path: str) -> bool:
        """True when all of ``data`` is a SARIF log of imslint (and the file is not named as code)."""
        return _OWN_SARIF.confirm_output(data, path)

    def secret_checked_part(self, data: bytes) -> bytes:
        """The log without its rules' documentation, whose examples hold sample passwords."""
        doc = json.loads(data.decode("utf-8"))
        for run in doc["runs"]:
            run["tool"]["driver"].pop("rules", None)
        return json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8", "replace")

    def render(self, result: RunResult, options: Mapping[str, Any]) -> str:
        """Serialise the SARIF log."""
        log = self.log(result, options.get("automation_id") or DEFAULT_AUTOMATION_ID)
        return json.dumps(log, indent=2, sort_keys=False, ensure_ascii=False) + "\n"

    def log(self, result: RunResult, automation_id: str = "") -> Dict[str, Any]:
        """The SARIF log as a dict (``automation_id``: the run's category, e.g. ``imslint/check/``)."""
        rule_ids = sorted(result.rules)
        index = {rid: i for i, rid in enumerate(rule_ids)}
        rules = [rule_descriptor(result.rules[rid], result.severities[rid].label) for rid in rule_ids]

        results = []
        tokens = set()
        findings, left_out = _within_limit(result.findings)
        for f in findings_payload(findings):
            loc = f["location"]
            message = _sentence(f["message"])
            tokens.update(_REDACTION_RE.findall(message))
            entry: Dict[str, Any] = {
                "ruleId": f["rule_id"],
                "ruleIndex": index[f["rule_id"]],
                "level": f["severity"],
                "message": {"text": message},
                "locations": [{"physicalLocation": _physical(loc)}],
                "partialFingerprints": {"imslintFingerprint/v1": f["fingerprint"]},
            }
            if f["related"]:
                related = []
                for n, r in enumerate(f["related"], 1):
                    rl = r["location"]
                    related.append(
                        {
                            "id": n,
                            "physicalLocation": _physical(rl),
                            "message": {"text": _sentence(r["message"] or "Related location")},
                        }
                    )
                entry["relatedLocations"] = related
                entry["message"] = {"text": _linked(message, f["related"])}
                tokens.update(_REDACTION_RE.findall(entry["message"]["text"]))
            if f.get("fix"):
                entry["fixes"] = _fixes(f["fix"])
            props = dict(f["properties"])
            if f.get("secret_hash"):
                props["secretHash"] = f["secret_hash"]
            if props:
                entry["properties"] = props
            results.append(entry)

        notifications = []
        for e in result.errors:
            note: Dict[str, Any] = {
                "level": "error",
                "message": {"text": _sentence(e.message)},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": _uri(e.path),
                                **({} if os.path.isabs(e.path) else {"uriBaseId": SRCROOT}),
                            },
                            **({"region": {"startLine": e.line}} if e.line else {}),
                        }
                    }
                ],
            }
            if e.rule_id and e.rule_id in index:
                note["associatedRule"] = {"id": e.rule_id, "index": index[e.rule_id]}
            notifications.append(note)
        if left_out:
            notifications.append(
                {
                    "level": "warning",
                    "message": {
                        "text": (
                            f"{left_out} of {len(result.findings)} results were left out, the least severe first: GitHub code "
                            f"scanning rejects a run of more than {MAX_RESULTS} results. The JSON output lists them all."
                        )
                    },
                }
            )
        for path, reason in result.skipped:  # every file or folder left out, with why
            notifications.append(
                {
                    "level": "warning" if "size limit" in reason else "note",
                    "message": {"text": _sentence(f"Skipped: {reason}")},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {
                                    "uri": _uri(path),
                                    **({} if os.path.isabs(path) else {"uriBaseId": SRCROOT}),
                                }
                            }
                        }
                    ],
                }
            )

        run: Dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "imslint",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                }
            },
            "originalUriBaseIds": {SRCROOT: {"uri": _root_uri(result.base)}},
            "invocations": [
                {
                    "executionSuccessful": not result.errors,
                    "toolExecutionNotifications": notifications,
                }
            ],
            "results": results,
            "columnKind": "unicodeCodePoints",
        }
        if automation_id:
            run["automationDetails"] = {"id": automation_id}
        if tokens:
            run["redactionTokens"] = sorted(tokens)
        return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


_OWN_SARIF_RE = re.compile(rb'\A\s*\{[^\0]{0,400}?"driver"\s*:\s*\{\s*"name"\s*:\s*"imslint"')
_SARIF_RUN_KEYS = {
    "tool",
    "originalUriBaseIds",
    "invocations",
    "results",
    "columnKind",
    "redactionTokens",
    "automationDetails",
}


class _SarifDocument(JsonOutput):
    def confirm_document(self, doc: dict) -> bool:
        runs = doc.get("runs")
        return (
            set(doc) <= {"$schema", "version", "runs"}
            and isinstance(runs, list)
            and bool(runs)
            and all(
                isinstance(run, dict)
                and set(run) <= _SARIF_RUN_KEYS
                and isinstance(run.get("tool"), dict)
                and isinstance(run["tool"].get("driver"), dict)
                and run["tool"]["driver"].get("name") == "imslint"
                for run in runs
            )
        )


_OWN_SARIF = _SarifDocument()
