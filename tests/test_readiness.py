"""`imslint operators` as the periodic compliance scan: a verdict with evidence, counts per login, the worklist."""

from __future__ import annotations

import csv
import io
import json
import os

import pytest
from click.testing import CliRunner
from conftest import ROOT, write

from imslint.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main

ENVELOPE = (
    "<?xml version='1.0'?>\n<SOAP-ENV:Envelope xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'>"
    "<SOAP-ENV:Body><ExecuteQueryResponse xmlns='urn:xtk:queryDef'><pdomOutput>\n<operator-collection>\n{body}\n"
    "</operator-collection>\n</pdomOutput></ExecuteQueryResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>\n"
)


def operators(n=300):
    """Operators of every kind: people native and on IMS, no email, shared emails, technical, disabled, groups."""
    out = []
    for i in range(n):
        if i % 50 == 0:
            out.append(f'<operator id="{i}" name="group{i}" label="Group {i}" type="1"/>')
        elif i % 10 == 1:
            out.append(
                f'<operator id="{i}" name="svc_{i}" label="API {i}" type="0">'
                '<access authenticationType="native" noConsoleCnx="true"/></operator>'
            )
        elif i % 10 == 2:
            out.append(
                f'<operator id="{i}" name="old{i}" label="Former {i}" email="old{i}@acme.com" disable="1">'
                '<access authenticationType="native"/></operator>'
            )
        elif i % 10 == 3:
            out.append(
                f'<operator id="{i}" name="nomail{i}" label="No Mail {i}">'
                '<access authenticationType="Native"/></operator>'
            )
        elif i % 10 == 4:
            out.append(
                f'<operator id="{i}" name="team{i}" label="Team {i}" email="team{i // 20}@acme.com">'
                '<access authenticationType=""/></operator>'
            )
        elif i % 10 == 5:
            out.append(f'<operator id="{i}" name="native{i}" label="Native {i}" email="native{i}@acme.com"/>')
        else:
            out.append(
                f'<operator id="{i}" name="p{i}@acme.com" label="Person {i}" email="p{i}@acme.com">'
                '<access authenticationType="ims"/></operator>'
            )
    return out


def soap(ops, one_line):
    text = ENVELOPE.format(body="\n".join(ops))
    return text.replace("\n", "") if one_line else text


def run(*args):
    return CliRunner().invoke(main, list(args))


def readiness(tmp_path, *args):
    r = run("operators", "--no-config", "-f", "json", "-o", "report.json", *args)
    with open(tmp_path / "report.json", encoding="utf-8") as fh:
        return r, json.load(fh)["readiness"]


def read_worklist(path, encoding="utf-8-sig"):
    with open(path, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


# --------------------------------------------------------------------------- identity, never the line


def test_single_line_and_pretty_printed_exports_give_the_same_worklist_and_counts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ops = operators()
    results = {}
    for name, one_line in (("pretty", False), ("oneline", True)):
        os.mkdir(name)
        write(tmp_path, f"{name}/ops.xml", soap(ops, one_line))
        r, block = readiness(tmp_path, f"{name}/ops.xml", "--worklist", f"{name}.csv")
        assert r.exit_code == EXIT_FINDINGS, r.output
        rows = read_worklist(tmp_path / f"{name}.csv")
        for row in rows:
            row.pop("sources")
        block.pop("exports")
        results[name] = (block, rows)
    assert results["pretty"] == results["oneline"]
    block, rows = results["oneline"]
    # 300 records, one per login; 6 groups; per 10: 1 technical, 1 disabled, 3 native people, 4 on IMS
    # (the group slots aside)
    assert block["records"] == block["logins"] == 300
    assert block["groups"]["total"] == 6
    assert block["technical"]["total"] == 30 and block["technical"]["blocking"] == 30
    people = block["people"]
    assert people["on_ims"] == sum(1 for o in ops if 'authenticationType="ims"' in o) == 144
    assert people["blocking"] == 90 and people["disabled"] == 30
    assert people["total"] == 300 - 6 - 30
    assert people["ready"] == people["total"] - 90
    assert people["percent_ready"] == int(people["ready"] * 1000 // people["total"]) / 10
    assert len({r["login"] for r in rows}) == len(rows) == 30 + 30 + 90 + 6  # one row per login
    assert block["verdict"] == "not ready"


def test_a_login_in_several_exports_is_counted_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    ops = operators(100)
    write(tmp_path, "a.xml", soap(ops, False))
    write(tmp_path, "b.xml", soap(ops, True))
    _, one = readiness(tmp_path, "a.xml")
    _, both = readiness(tmp_path, "a.xml", "b.xml")
    assert both["records"] == 2 * one["records"] == 200
    for key in ("logins", "people", "technical", "groups", "by_rule", "blocking_logins", "percent_ready"):
        assert both[key] == one[key], key


# --------------------------------------------------------------------------- a verdict needs evidence

NATIVE = """<?xml version='1.0'?>
<package><entities schema="xtk:operator">
<operator name="asmith" label="Alice Smith" email="alice.smith@acme.com">
<access authenticationType="native"/></operator>
<operator name="bob@acme.com" label="Bob" email="bob@acme.com"><access authenticationType="ims"/></operator>
</entities></package>
"""


def test_no_export_recognised_is_unknown_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("operators", "--no-config", os.path.join(ROOT, "fixtures", "repo"))
    assert r.exit_code == EXIT_ERROR
    assert "Unknown:" in r.output and "Ready:" not in r.output


def test_an_empty_folder_is_unknown_and_exit_2(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("exports")
    r = run("operators", "--no-config", "exports")
    assert r.exit_code == EXIT_ERROR
    assert "Unknown: no operator export was read" in r.output


@pytest.mark.parametrize("how", ["option", "config-ignore", "select"])
def test_a_blocking_rule_left_out_makes_the_verdict_unknown(tmp_path, monkeypatch, how):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ops.xml", NATIVE)
    args = ["operators", "ops.xml"]
    if how == "option":
        args += ["--no-config", "--ignore", "IMS001"]
    elif how == "config-ignore":
        write(tmp_path, ".imslint.toml", 'ignore = ["IMS001"]\n')
    else:
        args += ["--no-config", "--select", "IMS002,IMS003"]
    r = run(*args)
    assert r.exit_code == EXIT_ERROR, r.output
    assert "Ready:" not in r.output and "Unknown: blocking rule(s) not applied:" in r.output
    assert "IMS001" in r.output.split("Unknown:")[1]


def test_a_clean_export_with_every_blocking_rule_is_ready(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ops.xml", NATIVE.replace('"native"', '"ims"'))
    r, block = readiness(tmp_path, "ops.xml")
    assert r.exit_code == EXIT_OK
    assert block["verdict"] == "ready" and block["percent_ready"] == 100.0 and block["unknown_because"] == []


def test_write_baseline_then_baseline(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ops.xml", NATIVE)
    r = run("operators", "--no-config", "ops.xml", "--write-baseline", "base.json")
    assert r.exit_code == EXIT_OK, r.output
    assert "wrote 1 finding(s) to baseline base.json" in r.output
    r = run("operators", "--no-config", "ops.xml", "--baseline", "base.json")
    assert r.exit_code == EXIT_OK, r.output  # nothing new
    assert "Not ready: 1 login(s)" in r.output  # a baseline quiets the gate, it does not migrate anyone
    write(
        tmp_path,
        "ops.xml",
        NATIVE.replace("</entities>", '<operator name="jnew" label="J New" email="j.new@acme.com"/></entities>'),
    )
    r = run("operators", "--no-config", "ops.xml", "--baseline", "base.json")
    assert r.exit_code == EXIT_FINDINGS and "jnew" in r.output and "asmith" not in r.output.split("IMS migration")[0]


def test_the_readiness_block_is_in_the_json_report_and_the_summary_on_stdout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "ops.xml", NATIVE)
    r = run("operators", "--no-config", "ops.xml", "-f", "json")
    doc = json.loads(r.output[: r.output.rindex("}") + 1])
    block = doc["readiness"]
    assert block["verdict"] == "not ready" and block["people"]["total"] == 2 and block["people"]["on_ims"] == 1
    assert block["people"]["percent_ready"] == 50.0 and block["by_rule"] == {"IMS001": 1}
    r = run("operators", "--no-config", "ops.xml")
    assert "People:" in r.output and "on IMS 1, ready 1 (50.0 %)" in r.output


# --------------------------------------------------------------------------- the worklist

CSV_A = (
    "Name;Label;Email;Account disabled;Authentication type\n"
    "jdoe;John Doe;;No;Native\n"
    "jmuller;Jürgen Müller;juergen.mueller@acme.de;No;native\n"
    'kchen;=HYPERLINK("http://evil.example");shared@acme.com;No;\n'
    "shared@acme.com;Shared IMS;shared@acme.com;No;IMS\n"
)
XML_B = """<?xml version='1.0'?>
<package><entities schema="xtk:operator">
<operator name="jdoe" label="John Doe" email="john.doe@acme.com"><access authenticationType="native"/></operator>
<operator name="mlopez" label="Maria Lopez" email="Shared@acme.com"/>
<operator name="svc_sync" label="Sync" ><access authenticationType="native" noConsoleCnx="true"/></operator>
<operator name="delivery" label="Delivery operators" type="1"/>
</entities></package>
"""


@pytest.fixture
def two_exports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("exports")
    write(tmp_path, "exports/a.csv", CSV_A)
    write(tmp_path, "exports/b.xml", XML_B)
    return tmp_path


def test_worklist_one_row_per_login_with_sources_conflicts_kind_and_holders(two_exports):
    r = run("operators", "--no-config", "exports", "--worklist", "wl.csv")
    assert r.exit_code == EXIT_FINDINGS, r.output
    raw = (two_exports / "wl.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads "Jürgen Müller" right
    rows = {row["login"]: row for row in read_worklist(two_exports / "wl.csv")}
    assert list(rows) == ["jdoe", "jmuller", "kchen", "mlopez", "svc_sync", "delivery"]
    jdoe = rows["jdoe"]
    assert jdoe["sources"] == "exports/a.csv | exports/b.xml"
    assert jdoe["findings"] == "IMS001 IMS002" and jdoe["kind"] == "person"
    assert jdoe["conflicts"] == "email: '' in exports/a.csv; 'john.doe@acme.com' in exports/b.xml"
    assert jdoe["email"] == "john.doe@acme.com"
    assert {rows[x]["authentication_type"] for x in ("jdoe", "jmuller", "kchen", "mlopez")} == {"native"}
    assert rows["jmuller"]["label"] == "Jürgen Müller"
    assert rows["kchen"]["label"] == '\'=HYPERLINK("http://evil.example")'  # shown as text, never run
    assert rows["kchen"]["shared_with"] == "mlopez | shared@acme.com"
    assert rows["mlopez"]["shared_with"] == "kchen | shared@acme.com"
    assert rows["svc_sync"]["kind"] == "technical" and rows["delivery"]["kind"] == "group"
    assert all(row["new_email"] == "" for row in rows.values())


def test_worklist_without_bom_and_the_campaign_layout(two_exports):
    r = run(
        "operators",
        "--no-config",
        "exports",
        "--worklist",
        "wl.csv",
        "--worklist-encoding",
        "utf-8",
        "--worklist-format",
        "campaign",
    )
    assert r.exit_code == EXIT_FINDINGS, r.output
    raw = (two_exports / "wl.csv").read_bytes()
    assert raw.startswith(b"name,label,email\r\n")
    rows = read_worklist(two_exports / "wl.csv", "utf-8")
    assert [(x["name"], x["email"]) for x in rows] == [
        ("jdoe", "john.doe@acme.com"),
        ("jmuller", "juergen.mueller@acme.de"),
        ("kchen", "shared@acme.com"),
        ("mlopez", "Shared@acme.com"),
    ]  # people only: technical operators are replaced, groups become product profiles


def test_worklist_round_trips_through_the_csv_module(two_exports):
    write(
        two_exports,
        "exports/c.csv",
        'Name;Label;Email\nodd;"Quote "" comma, semi; line\nbreak";odd@acme.com\ntab;\tTabbed;tab@acme.com\n',
    )
    run("operators", "--no-config", "exports", "--worklist", "wl.csv")
    with open(two_exports / "wl.csv", encoding="utf-8-sig", newline="") as fh:
        text = fh.read()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    again = io.StringIO(newline="")
    csv.writer(again).writerows(rows)
    assert again.getvalue() == text  # written exactly as the csv module writes what it read
    by_login = {r[0]: r for r in rows[1:]}
    assert by_login["odd"][2] == 'Quote " comma, semi; line\nbreak'
    assert by_login["tab"][2] in ("'\tTabbed", "Tabbed")  # a leading tab, if the reader keeps it, is escaped


# --------------------------------------------------------------------------- through a spreadsheet


def test_worklist_round_trips_through_libreoffice(two_exports, soffice, tmp_path):
    """CSV -> xlsx -> CSV with LibreOffice headless: names intact, formula-looking labels stay text.

    The import names UTF-8 (76) as LibreOffice's text import dialog does for a file with a BOM;
    headless ``--convert-to`` without it takes the system's 8-bit charset and ignores the BOM.
    """
    import subprocess

    run("operators", "--no-config", "exports", "--worklist", "wl.csv")
    profile = (tmp_path / "lo-profile").as_uri()
    base = [soffice, "--headless", f"-env:UserInstallation={profile}"]
    subprocess.run(
        base + ["--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", "xlsx", "wl.csv"],
        check=True,
        capture_output=True,
        timeout=180,
    )
    subprocess.run(
        base + ["--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", "back", "xlsx/wl.xlsx"],
        check=True,
        capture_output=True,
        timeout=180,
    )
    before = read_worklist(two_exports / "wl.csv")
    after = read_worklist(two_exports / "back" / "wl.csv", "utf-8-sig")
    assert len(after) == len(before) == 6
    for b, a in zip(before, after):
        assert {k: a[k] for k in ("login", "label", "email", "kind", "findings")} == {
            k: b[k] for k in ("login", "label", "email", "kind", "findings")
        }
    labels = {a["login"]: a["label"] for a in after}
    assert labels["jmuller"] == "Jürgen Müller"
    assert labels["kchen"] == '\'=HYPERLINK("http://evil.example")'  # text, not a formula that ran


def test_huge_values_are_cut_in_the_worklist_and_the_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    big = "L" * 100_000
    write(tmp_path, "a.csv", f"Name;Label;Email;Account disabled;Authentication type\nhuge;{big};;No;Native\n")
    write(tmp_path, "b.csv", f"Name;Label;Email;Account disabled;Authentication type\nhuge;{big}x;;No;Native\n")
    r = run("operators", "--no-config", "a.csv", "b.csv", "--worklist", "wl.csv", "--report", "r.html")
    assert r.exit_code == EXIT_FINDINGS, r.output
    assert os.path.getsize(tmp_path / "wl.csv") < 10_000 and os.path.getsize(tmp_path / "r.html") < 30_000


def test_a_big_export_counted_in_pieces_gives_the_census_of_one_reading(tmp_path, monkeypatch):
    import imslint.readers.operators as readers_mod
    from imslint.readers.operators import OperatorXmlReader

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(readers_mod, "SPLIT_MIN_BYTES", 0)
    write(tmp_path, "ops.xml", soap(operators(400), False))
    assert len(OperatorXmlReader().split(str(tmp_path / "ops.xml"), 2) or ()) == 2  # it is read in two pieces
    got = {}
    for jobs in ("1", "2"):
        r, block = readiness(tmp_path, "ops.xml", "-j", jobs, "--worklist", f"wl{jobs}.csv")
        assert r.exit_code == EXIT_FINDINGS, r.output
        got[jobs] = (block, read_worklist(tmp_path / f"wl{jobs}.csv"))
    assert got["1"] == got["2"]
    assert got["2"][0]["records"] == 400


def test_a_login_held_under_two_ids_is_flagged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    op = '<operator id="{}" name="jdoe" label="John Doe" email="john.doe@acme.com"/>'
    write(tmp_path, "prod.xml", soap([op.format(1059)], False))
    write(tmp_path, "stage.xml", soap([op.format(2001)], True))
    write(tmp_path, "list.csv", "Name;Label;Email\njdoe;John Doe;john.doe@acme.com\n")  # no id: no conflict
    r = run("operators", "--no-config", "prod.xml", "stage.xml", "list.csv", "--worklist", "wl.csv")
    assert r.exit_code == EXIT_FINDINGS, r.output
    (row,) = read_worklist(tmp_path / "wl.csv")
    assert row["conflicts"] == "id: '1059' in prod.xml; '2001' in stage.xml"
    assert row["sources"] == "list.csv | prod.xml | stage.xml"
