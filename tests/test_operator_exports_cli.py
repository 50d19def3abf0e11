"""Nothing read silently: generated exports through `imslint operators` and `imslint check`, in every output format."""

from __future__ import annotations

import importlib.util
import json
import os

import pytest
from click.testing import CliRunner

from imslint.cli import EXIT_ERROR, EXIT_FINDINGS, main

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "make_operator_exports.py")
_spec = importlib.util.spec_from_file_location("make_exports", SCRIPT)
make = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(make)


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    "lang,enc", [("fr", "utf-8-bom"), ("de", "utf-16-le-bom"), ("ja", "shift_jis"), ("en", "cp1252")]
)
def test_localized_lists_are_read_by_the_operators_command(tmp_path, monkeypatch, lang, enc):
    monkeypatch.chdir(tmp_path)
    path, expected = make.write_csv(".", lang, enc, "semicolon" if lang == "fr" else "tab", "crlf")
    r = run("operators", "--no-config", os.path.basename(path))
    assert r.exit_code == EXIT_FINDINGS, r.output + r.stderr
    assert f"Operators and groups read: {len(expected)} in 1 export(s); distinct logins: {len(expected)};" in r.output
    assert "Not ready:" in r.output
    # bob@acme.com is on IMS in every language: never reported as native
    assert "'bob@acme.com'" not in r.output


@pytest.mark.parametrize(
    "name,text,reason",
    [
        ("contacts.csv", "First name;Last name;Phone\nA;B;1\n", "no column holds the login"),
        ("liste.csv", "Utilisateur;Courriel\nasmith;a@acme.com\n", "no column holds the login"),
        ("header-only.csv", "Name;Label;Email;Account disabled\n", "header is followed by no row"),
        ("workflow.xml", "<workflow internalName='w'/>", "root is <workflow>"),
    ],
)
def test_an_input_that_is_not_read_is_an_error_and_never_ready(tmp_path, monkeypatch, name, text, reason):
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(text, encoding="utf-8")
    r = run("operators", "--no-config", name)
    assert r.exit_code == EXIT_ERROR, r.output + r.stderr
    assert f"{name}: error not read as an operator export" in r.output
    assert reason in r.output
    assert "Ready:" not in r.output
    assert "Unknown:" in r.output


@pytest.mark.parametrize("shape", ["count", "getIfExists-empty", "select-empty"])
def test_soap_responses_without_operators_fail_the_operators_command(tmp_path, monkeypatch, shape):
    monkeypatch.chdir(tmp_path)
    path, _ = make.write_soap(".", shape)
    r = run("operators", "--no-config", "--format", "json", os.path.basename(path))
    assert r.exit_code == EXIT_ERROR
    data = json.loads(r.stdout)
    assert [e["path"] for e in data["errors"]] == [os.path.basename(path)]
    assert "nothing read" in data["errors"][0]["message"]
    assert "Ready:" not in r.stderr


def test_one_unread_file_among_good_exports_still_fails_and_names_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("exports")
    make.write_csv("exports", "fr", "utf-8-bom", "semicolon", "crlf")
    make.write_soap("exports", "count")
    r = run("operators", "--no-config", "exports")
    assert r.exit_code == EXIT_ERROR
    assert "exports/soap-count.xml: error not read as an operator export" in r.output
    assert "44 operator(s) counted, none listed" in r.output
    assert "Not ready:" in r.output and "Some inputs could not be read" in r.output


def test_unusual_headers_mapped_in_the_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".imslint.toml").write_text(
        '[operators.columns]\n"Utilisateur" = "login"\n"Courriel" = "email"\n"Mode" = "authentication-type"\n',
        encoding="utf-8",
    )
    (tmp_path / "liste.csv").write_text("Utilisateur;Courriel;Mode\nasmith;alice@acme.com;Natif\n", encoding="utf-8")
    r = run("operators", "liste.csv")
    assert r.exit_code == EXIT_FINDINGS, r.output + r.stderr
    assert "Operators and groups read: 1 in 1 export(s)" in r.output
    assert "liste.csv:2:1: error IMS001" in r.output


def test_a_bad_column_mapping_is_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".imslint.toml").write_text('[operators.columns]\n"Courriel" = "mail"\n', encoding="utf-8")
    (tmp_path / "x.csv").write_text("Name;Email\n", encoding="utf-8")
    r = run("operators", "x.csv")
    assert r.exit_code == EXIT_ERROR
    assert "operators.columns.Courriel" in r.stderr and "login, label, email" in r.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_check_lists_an_export_that_yields_nothing_as_skipped_in_every_format(tmp_path, monkeypatch, fmt):
    monkeypatch.chdir(tmp_path)
    make.write_soap(".", "count")
    r = run("check", "--no-config", "--format", fmt, "soap-count.xml")
    out = r.stdout
    reason = "44 operator(s) counted, none listed"
    if fmt == "json":
        assert json.loads(out)["skipped"] == [
            {"path": "soap-count.xml", "reason": json.loads(out)["skipped"][0]["reason"]}
        ]
        assert reason in json.loads(out)["skipped"][0]["reason"]
    elif fmt == "sarif":
        notes = json.loads(out)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        assert any(reason in n["message"]["text"] and "soap-count.xml" in json.dumps(n) for n in notes)
    elif fmt == "github":
        assert "::warning file=soap-count.xml,title=imslint::skipped: " in out and reason in out
    else:
        assert f"soap-count.xml: skipped: operator-xml: nothing read: a SOAP count response: {reason}" in out
        assert "1 file skipped" in out
    assert r.exit_code == 0  # in check mode a skipped file is not an error


def test_one_line_export_findings_point_at_each_operator(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path, logins = make.write_soap(".", "select-one-line")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    natives = [login for login in logins if "@" not in login]  # every third operator is on IMS
    r = run("operators", "--no-config", "soap-select-one-line.xml")
    assert r.exit_code == EXIT_FINDINGS
    for login in natives:
        assert f"soap-select-one-line.xml:1:{make.column_of(text, login)}: error IMS001 operator '{login}'" in r.output
    assert f"Operators and groups read: {len(logins)} in 1 export(s); distinct logins: {len(logins)};" in r.output
    assert f"Not ready: {len(natives)} login(s) block the move to IMS" in r.output
    r = run("check", "--no-config", "--select", "IMS001", "--format", "sarif", "soap-select-one-line.xml")
    results = json.loads(r.stdout)["runs"][0]["results"]
    regions = {res["properties"]["login"]: res["locations"][0]["physicalLocation"]["region"] for res in results}
    assert sorted(regions) == sorted(natives)
    for login, region in regions.items():
        col = make.column_of(text, login)
        assert (region["startLine"], region["startColumn"], region["endColumn"]) == (1, col, col + len("<operator"))


def test_one_line_export_duplicate_emails_point_at_each_person(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text, logins = make.soap_text("select-one-line", 6)
    text = text.replace('email="user4@acme.com"', 'email="user2@acme.com"')  # user2 and user4: both native
    (tmp_path / "one-line.xml").write_text(text, encoding="utf-8")
    r = run("check", "--no-config", "--select", "IMS004", "--format", "json", "one-line.xml")
    found = {f["properties"]["login"]: f["location"] for f in json.loads(r.stdout)["findings"]}
    assert sorted(found) == ["user2", "user4"]
    for login, loc in found.items():
        col = make.column_of(text, login)
        assert (loc["line"], loc["column"], loc["end_column"]) == (1, col, col + len("<operator"))


def test_a_worklist_left_next_to_the_exports_is_not_an_unread_export(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("exports")
    make.write_csv("exports", "en", "utf-8", "comma", "lf")
    first = run("operators", "--no-config", "exports", "--worklist", "exports/worklist.csv")
    assert first.exit_code == EXIT_FINDINGS, first.output
    again = run("operators", "--no-config", "exports")
    assert again.exit_code == EXIT_FINDINGS, again.output
    assert "worklist.csv: error" not in again.output


def test_the_reason_never_quotes_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "creds.csv").write_text("ACC_PWD=Spr1ng2024!;ACC_USER=api_crm\n", encoding="utf-8")
    r = run("operators", "--no-config", "creds.csv")
    assert r.exit_code == EXIT_ERROR
    assert "no column holds the login (none of its 2 column titles" in r.output
    assert "Spr1ng2024" not in r.output and "Spr1ng2024" not in r.stderr
