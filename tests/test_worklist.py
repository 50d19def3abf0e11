"""The operator worklist CSV written from the IMS00x findings."""

from __future__ import annotations

import csv
import dataclasses
import io
import os

import pytest

from imslint.config import Config
from imslint.engine import lint
from imslint.model import Finding, Location, Severity
from imslint.rules.worklist import COLUMNS, action_for, write_worklist

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "fixtures", "operators")


@pytest.fixture(scope="module")
def package_findings(op_registry):
    registry = op_registry
    cfg = Config(root=ROOT, select=["IMS0"], respect_gitignore=False)
    result = lint([os.path.join(FIXTURES, "package-export.xml")], cfg, registry, cwd=ROOT)
    assert not result.errors
    return result.findings


def rows_of(findings):
    out = io.StringIO(newline="")
    n = write_worklist(findings, out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert rows[0] == list(COLUMNS)
    assert n == len(rows) - 1
    return [dict(zip(COLUMNS, r)) for r in rows[1:]]


def finding(rule_id, line, path="ops.xml", suppression=None, **props):
    base = {
        "login": "x",
        "label": "X",
        "email": "",
        "authentication_type": "native",
        "status": "active",
        "type": "operator",
    }
    base.update(props)
    return Finding(
        rule_id, "r", Severity.ERROR, Location(path, line), "m", "fp", properties=base, suppression=suppression
    )


def test_one_row_per_login_people_then_technical_operators_then_groups(package_findings):
    rows = rows_of(package_findings)
    assert [r["login"] for r in rows] == [
        "asmith",
        "bwhite",
        "hdurand",
        "jdoe",
        "kchen",
        "mlopez",
        "newsletter",
        "oldintern",
        "pmartin",
        "svc_export",
        "tester",
        "api_crm",
        "mc",
        "webapp",
        "admin",
        "content",
        "delivery",
        "workflow",
    ]
    assert {r["kind"] for r in rows[:11]} == {"person"} and {r["kind"] for r in rows[-4:]} == {"group"}
    by_login = {r["login"]: r for r in rows}
    assert by_login["jdoe"]["findings"] == "IMS001 IMS002"
    assert by_login["kchen"]["findings"] == "IMS001 IMS004"
    assert by_login["kchen"]["email"] == "Marketing@Acme.com"
    assert by_login["hdurand"]["label"] == "Hélène Durand"
    assert by_login["svc_export"]["status"] == "disabled"
    assert all(r["new_email"] == "" for r in rows)
    assert all(r["action"] for r in rows)


def test_actions_say_what_to_do(package_findings):
    by_login = {r["login"]: r["action"] for r in rows_of(package_findings)}
    assert (
        by_login["jdoe"].startswith("Fill new_email with the person's Adobe ID")
        and "switch the operator to IMS" in by_login["jdoe"]
    )
    assert "cannot be an Adobe ID (it contains spaces)" in by_login["pmartin"]
    assert "shared with other operators" in by_login["mlopez"]
    assert by_login["asmith"].startswith("Check that the email is the person's Adobe ID")
    assert "Developer Console technical account" in by_login["api_crm"] and "delete the operator" in by_login["api_crm"]
    assert by_login["oldintern"].startswith("Delete this disabled operator")
    assert "'campaign - <instance> - delivery'" in by_login["delivery"]
    assert "keep it to administrators" in by_login["admin"] and "administrators" not in by_login["content"]


def test_merges_per_login_and_skips_other_findings():
    findings = [
        finding("IMS003", 5, login="b", reason="its domain has no dot"),
        finding("IMS001", 5, login="b"),
        finding("IMS001", 5, login="b"),  # the same finding twice
        finding("IMS001", 5, path="other.csv", login="b2"),
        finding("IMS101", 2, path="lib/sync.js", login="zzz"),
        finding("IMS001", 1, login="a", suppression="baseline"),
        finding("IMS001", 9, login="c", label='Doe, "J"\nsecond line'),
    ]
    rows = rows_of(findings)
    assert [(r["login"], r["findings"]) for r in rows] == [("b", "IMS001 IMS003"), ("b2", "IMS001"), ("c", "IMS001")]
    assert "(its domain has no dot)" in rows[0]["action"] and rows[0]["action"].endswith(
        "Then switch the operator to IMS."
    )
    assert rows[2]["label"] == 'Doe, "J"\nsecond line'  # quoting round-trips
    assert rows[0]["sources"] == "ops.xml"  # without a census, where the findings are


def test_empty_worklist_has_a_header():
    out = io.StringIO()
    assert write_worklist([], out) == 0
    assert out.getvalue() == ",".join(COLUMNS) + "\r\n"


def test_action_for_groups_uses_the_profile_property():
    text = action_for(["IMS006"], {"login": "report", "product_profile": "campaign - prod - report"})
    assert (
        text == "Create the Admin Console product profile 'campaign - prod - report' and add the group's members to it."
    )
    assert "campaign - <instance> - report" in action_for(["IMS006"], {"login": "report"})
    assert action_for([], {}) == ""


def test_findings_are_not_modified(package_findings):
    before = [dataclasses.replace(f) for f in package_findings]
    rows_of(package_findings)
    assert before == list(package_findings)
