"""Generated variety (tests/variety.py): every carrier x call form x argument source through the real engine."""

from __future__ import annotations

import collections

import pytest
from variety import GENERATORS, carriers

from imslint.testing import Case, run_case

CARRIERS = carriers()
RULES = ("IMS101", "IMS102", "IMS103", "IMS104", "IMS105", "IMS106")


@pytest.mark.parametrize("c", CARRIERS, ids=[c.name for c in CARRIERS])
def test_carrier(c, registry):
    case = Case(c.rule or "IMS101", c.name, "fail" if c.rule else "pass", {c.path: c.content}, [])
    run = run_case(case, registry, select=RULES)
    assert not run.result.errors, [e.to_dict() for e in run.result.errors]
    found = collections.defaultdict(list)
    for f in run.result.findings:
        found[f.rule_id].append(f.location.line)
    shown = "; ".join(f"{f.rule_id}@{f.location.line}: {f.message}" for f in run.result.findings)
    if c.rule is None:
        for rid in c.quiet:
            assert not found[rid], f"{c.name}: expected no {rid}, got {shown}\n{c.content}"
    else:
        assert found[c.rule], f"{c.name}: expected {c.rule}, got {shown or 'nothing'}\n{c.content}"
        if c.line is not None:
            assert c.line in found[c.rule], f"{c.name}: expected {c.rule} on line {c.line}, got {shown}\n{c.content}"
        if c.rule == "IMS103":
            assert not found["IMS101"], f"{c.name}: a password from the environment is no hard-coded one: {shown}"
    if c.secret:
        for fmt, text in run.outputs.items():
            assert c.secret not in text, f"{c.name}: the secret leaked into {fmt} output"


def test_generator_covers_every_form_and_rule():
    assert all(any(True for _ in gen(__import__("random").Random(1))) for gen in GENERATORS)
    assert {c.rule for c in CARRIERS} >= {"IMS101", "IMS102", "IMS103", "IMS104", "IMS105", "IMS106", None}
    langs = {c.path.rsplit(".", 1)[-1] for c in CARRIERS}
    assert {
        "js",
        "py",
        "java",
        "kt",
        "cs",
        "php",
        "rb",
        "go",
        "ps1",
        "sh",
        "md",
        "xml",
        "yaml",
        "tf",
        "csv",
        "env",
        "json",
    } <= langs | {"env"}
