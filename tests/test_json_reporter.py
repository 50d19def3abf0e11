"""The JSON reporter's fast way of writing findings gives exactly what the general way gives."""

from __future__ import annotations

import dataclasses
import io
import json
import os

from conftest import ROOT

from imslint.config import Config
from imslint.engine import lint
from imslint.model import Finding, Location, Related, Severity
from imslint.reporters import finding_dict
from imslint.reporters.json import JsonReporter, _FindingText, pretty


def _general(finding, rules):
    return pretty(finding_dict(finding, rules), "\n    ")


def test_every_fixture_finding_is_written_as_the_general_way_writes_it(registry):
    result = lint([os.path.join(ROOT, "fixtures")], Config(root=ROOT), registry, jobs=1)
    findings = result.findings
    assert len(findings) > 100
    assert any(f.secret_hash for f in findings) and any(f.related for f in findings)
    assert any(f.location.end_column is not None for f in findings)
    text = _FindingText(result.rules)
    for f in findings:
        assert text(f) == _general(f, result.rules)


def test_odd_findings_too():
    # suppressed findings, unusual paths and properties: the fixtures hold none of these
    rules = {}
    base = Finding(
        "X001", "x-rule", Severity.WARNING, Location('a "b"\\c.js', 3, 2, None, None), "m\u00e9ss\nage", "f" * 32
    )
    variants = [
        base,
        dataclasses.replace(base, location=Location("é/ü.xml", 7, 1, 9, 14), secret_hash="abcd1234"),
        dataclasses.replace(
            base, related=(Related(Location("b.xml", 1)), Related(Location("c.xml", 2, 3, 2, 8), "other"))
        ),
        dataclasses.replace(base, properties={"z": [1, {"b": None, "a": True}], "a": "\u2028"}, suppression="baseline"),
        dataclasses.replace(base, suppression="inline", suppression_reason="kept on purpose"),
    ]
    text = _FindingText(rules)
    for f in variants:
        assert text(f) == _general(f, rules)
        json.loads(text(f))


def test_a_finding_subclass_takes_the_general_way():
    class Extra(Finding):
        def to_dict(self):
            d = super().to_dict()
            d["extra"] = 1
            return d

    f = Extra("X001", "x-rule", Severity.NOTE, Location("a.js"), "m", "0" * 32)
    assert '"extra": 1' in _FindingText({})(f)


def test_the_document_parses_and_lists_every_finding(registry):
    result = lint([os.path.join(ROOT, "fixtures")], Config(root=ROOT), registry, jobs=1)
    buf = io.StringIO()
    JsonReporter().write(result, {}, buf)
    doc = json.loads(buf.getvalue())
    assert [f["fingerprint"] for f in doc["findings"]] == [f.fingerprint for f in result.findings]
    assert doc["findings"][0] == finding_dict(result.findings[0], result.rules)


def test_data_a_command_attaches_is_emitted_under_its_key_and_never_over_the_reports_own():
    from imslint.model import RunResult

    def confirm_own_output(label, data, path):
        reporter = JsonReporter()
        assert reporter.output_label == label
        return reporter.confirm_output(data, path)

    result = RunResult()
    result.extra["census"] = {"total": 3, "label": "</script>\u2028"}
    result.extra["findings"] = {"forged": True}  # a report key: the report's own value wins
    doc = json.loads(JsonReporter().render(result, {}))
    assert doc["census"] == {"total": 3, "label": "</script>\u2028"}
    assert doc["findings"] == []
    # A report with attached data left in a scanned tree is still recognised as imslint's own output.
    data = JsonReporter().render(result, {}).encode()
    assert confirm_own_output("JSON report or baseline", data, "report.json")
    forged = json.loads(data)
    forged["census"] = "var p = 'Zq8#long-Pa55word';"  # text, not an object: scanned as any file
    assert not confirm_own_output("JSON report or baseline", json.dumps(forged).encode(), "report.json")
