"""SARIF details GitHub uses: linked related locations, security severity, Markdown help, categories, rule tags."""

from __future__ import annotations

import json
import os
import re

from click.testing import CliRunner
from conftest import ROOT, write

from imslint.cli import main
from imslint.config import Config
from imslint.docs import rst_to_markdown
from imslint.engine import lint


def runner():
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()  # click 8.2+: stderr is always apart


def sarif(args, cwd=ROOT):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner().invoke(main, args, catch_exceptions=False)
    finally:
        os.chdir(old)
    return json.loads(result.stdout)


def test_fixtures_log_links_related_locations_and_has_githubs_details():
    log = sarif(["check", "-f", "sarif", "fixtures"])
    run = log["runs"][0]
    assert run["automationDetails"] == {"id": "imslint/check/"}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["IMS201"]["properties"]["security-severity"] == "7.5"
    assert "security" in rules["IMS201"]["properties"]["tags"]
    for rule in rules.values():
        md = rule["help"]["markdown"]
        assert "``" not in md.replace("```", "") and not re.search(r"::\s*$", md, re.M), rule["id"]
        assert rule["properties"]["precision"] == "high" and "ims-migration" in rule["properties"]["tags"]
    assert "```\n<securityZone" in rules["IMS201"]["help"]["markdown"]
    linked = [r for r in run["results"] if r.get("relatedLocations")]
    assert linked
    for r in linked:
        for rel in r["relatedLocations"]:
            assert f"]({rel['id']})" in r["message"]["text"]
    assert any(r.get("fixes") for r in run["results"])


def test_automation_id_option_and_the_operators_command_category():
    log = sarif(["check", "-f", "sarif", "--automation-id", "imslint/nightly/", "fixtures/repo/config"])
    assert log["runs"][0]["automationDetails"] == {"id": "imslint/nightly/"}
    log = sarif(["operators", "-f", "sarif", "fixtures/operators/operators.csv"])
    assert log["runs"][0]["automationDetails"] == {"id": "imslint/operators/"}


def test_a_third_party_rule_gets_only_what_it_declares(tmp_path, toy_registry):
    write(tmp_path, "src/a.toy", "password=p1 legacy\n")
    result = lint(["."], Config(root=str(tmp_path), respect_gitignore=False), toy_registry, cwd=str(tmp_path))
    rules = {r["id"]: r for r in toy_registry.reporters["sarif"].log(result)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["TOY001"]["properties"] == {"security-severity": "8.0", "tags": ["security"]}
    assert "properties" not in rules["TOY003"]  # no tags, no precision: nothing invented (no ims-migration)


def test_rst_to_markdown():
    text = 'Use ``a`` here.\n\nFailing example::\n\n    <x a="1"/>\n      <y/>\n\nAfter.\n\n::\n\n    raw\n'
    assert rst_to_markdown(text) == (
        'Use `a` here.\n\nFailing example:\n\n```\n<x a="1"/>\n  <y/>\n```\n\nAfter.\n\n```\nraw\n```'
    )
