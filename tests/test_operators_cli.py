"""`imslint operators`: compliance scan of exports with a readiness summary and a CSV worklist."""

from __future__ import annotations

import csv

from click.testing import CliRunner
from conftest import write

from imslint.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main

PACKAGE = """<?xml version='1.0'?>
<package name="ops" namespace="cus">
  <entities schema="xtk:operator">
    <operator name="asmith" label="Alice Smith" email="alice@acme.com" type="0">
      <access authenticationType="native"/>
    </operator>
    <operator name="bob@acme.com" label="Bob" email="bob@acme.com" type="0">
      <access authenticationType="ims"/>
    </operator>
    <operator name="api_crm" label="CRM integration" type="0">
      <access authenticationType="native" noConsoleCnx="true"/>
    </operator>
  </entities>
</package>
"""


def test_readiness_summary_and_worklist(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ops.xml", PACKAGE)
    r = CliRunner().invoke(main, ["operators", "--no-config", "ops.xml", "--worklist", "todo.csv"])
    assert r.exit_code == EXIT_FINDINGS, r.output
    assert "distinct logins: 3; ready: 33.3 %." in r.output
    assert "Not ready:" in r.output
    with open(tmp_path / "todo.csv", newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(row["login"], row["findings"]) for row in rows] == [
        ("asmith", "IMS001"),
        ("api_crm", "IMS005"),
    ]  # people first, then technical operators
    assert all(row["new_email"] == "" for row in rows)


def test_code_scanned_in_the_same_run_marks_operator_technical(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "ops.xml",
        PACKAGE.replace(
            '<access authenticationType="native" noConsoleCnx="true"/>', '<access authenticationType="native"/>'
        ).replace("api_crm", "crm_sync"),
    )
    write(
        tmp_path,
        "src/sync.js",
        'var svc = new SoapService(cnx, "urn:xtk:session");\n'
        'var r = svc.Logon("", "crm_sync", "Secr3t!", <params/>);\n',
    )
    for jobs in ("1", "2"):  # facts found by worker processes reach the operator rules too
        write(tmp_path, "src/other.js", "// nothing\n")
        r = CliRunner().invoke(main, ["operators", "--no-config", "ops.xml", "--code", "src", "-f", "json", "-j", jobs])
        assert r.exit_code == EXIT_FINDINGS
        assert '"rule_id": "IMS005"' in r.output and "Secr3t!" not in r.output
    r2 = CliRunner().invoke(main, ["operators", "--no-config", "ops.xml", "-f", "json"])
    assert '"rule_id": "IMS005"' not in r2.output  # without the code, crm_sync looks like a person


def test_clean_export_is_ready(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ops.xml", PACKAGE.replace('authenticationType="native"', 'authenticationType="ims"'))
    r = CliRunner().invoke(main, ["operators", "--no-config", "ops.xml"])
    assert r.exit_code == EXIT_OK and "Ready: no operator blocks the move to IMS." in r.output


def test_truncated_export_exits_2_and_keeps_what_was_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ops.xml", PACKAGE[: PACKAGE.index('<operator name="api_crm"') + 30])
    r = CliRunner().invoke(main, ["operators", "--no-config", "ops.xml"])
    assert r.exit_code == EXIT_ERROR
    assert "ops.xml:4:1: error IMS001" in r.output
    assert "ops.xml:" in r.output.split("error IMS001")[-1]  # the read error names the file (and line)


def test_one_family_table_keeps_every_operator_rule_in_agreement(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(
        tmp_path,
        "ops.xml",
        """<?xml version="1.0"?>
<package><entities schema="xtk:operator">
<operator name="svc_batch" label="Batch account" type="0"><access authenticationType="native"/></operator>
<operator name="jdoe" label="John Doe" email="john@acme.com" type="0"><access authenticationType="native"/></operator>
</entities></package>
""",
    )

    def findings():
        r = CliRunner().invoke(main, ["check", "ops.xml", "--format", "json"])
        import json

        return sorted((f["rule_id"], f["properties"]["login"]) for f in json.loads(r.output)["findings"])

    assert findings() == [("IMS001", "jdoe"), ("IMS005", "svc_batch")]
    # Set on one rule only, the option leaves the others classifying the account their own way.
    write(tmp_path, ".imslint.toml", '[rules.native-operator]\nallowed-logins = ["admin", "svc_batch"]\n')
    assert findings() == [("IMS001", "jdoe"), ("IMS005", "svc_batch")]
    # Set for the family, every operator rule leaves it alone.
    write(tmp_path, ".imslint.toml", '[rules.IMS0]\nallowed-logins = ["admin", "svc_batch"]\n')
    assert findings() == [("IMS001", "jdoe")]


def _separate_streams_runner():
    """A CliRunner whose result has stdout and stderr apart (Click < 8.2 mixes them unless told)."""
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:  # Click 8.2+: always separate
        return CliRunner()


def test_readiness_summary_goes_to_stderr_when_the_report_does_not_go_to_the_terminal(tmp_path, monkeypatch):
    import json

    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ops.xml", PACKAGE)
    runner = _separate_streams_runner()
    r = runner.invoke(main, ["operators", "--no-config", "ops.xml", "-f", "json"])
    assert r.exit_code == EXIT_FINDINGS
    assert len(json.loads(r.stdout)["findings"]) == 2  # standard output holds the JSON document only
    assert "distinct logins: 3; ready: 33.3 %." in r.stderr
    r = runner.invoke(main, ["operators", "--no-config", "ops.xml", "-o", "report.txt"])
    assert "distinct logins: 3;" in r.stderr and "distinct logins" not in (tmp_path / "report.txt").read_text()
    r = runner.invoke(main, ["operators", "--no-config", "ops.xml"])
    assert "distinct logins: 3;" in r.stdout
