"""The scanned repository is hostile input: it cannot hide a file, crash the run, or set the exit code (issue 11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import ROOT, write

SOAP_LOGON = (
    "var url = 'https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp';\n"
    "var body = '<urn:Logon xmlns:urn=\"urn:xtk:session\"><urn:strLogin>svc_api</urn:strLogin>'\n"
    "  + '<urn:strPassword>Zq8#long-Pa55word</urn:strPassword></urn:Logon>';\n"
)
SECRET = "Zq8#long-Pa55word"


def imslint(cwd, *args, env=None):
    environ = {**os.environ, "PYTHONPATH": ROOT, **(env or {})}
    environ.pop("IMSLINT_CACHE_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "linter.cli", *args], cwd=str(cwd), capture_output=True, text=True, env=environ
    )


def flagged(proc):
    """The (path, rule) pairs of a JSON report."""
    return sorted((f["location"]["path"], f["rule_id"]) for f in json.loads(proc.stdout)["findings"])


# --------------------------------------------------------------------------- 1. own output cannot hide code


@pytest.mark.parametrize(
    "name, text",
    [
        # a code file dressed up as a text report: first line a finding, last line the summary
        ("src/a.js", "x:1:1: error IMS101 a [hardcoded-credentials]\n" + SOAP_LOGON + "No problems found in 1 file scanned.\n"),
        # the same in a text file: the lines between are not those of a report
        ("notes.txt", "x:1:1: error IMS101 a [hardcoded-credentials]\n" + SOAP_LOGON + "No problems found in 1 file scanned.\n"),
        # JSON that names imslint's driver but is a configuration
        ("config.json", '{"driver": {"name": "imslint"}, "runs": [], "url": ' + json.dumps(SOAP_LOGON) + "}\n"),
        ("sarif.json", '{"runs": [{"tool": {"driver": {"name": "imslint"}}, "x": ' + json.dumps(SOAP_LOGON) + "}]}\n"),
        # a JSON report's shape with a key of its own
        ("report.json", json.dumps({"errors": [], "findings": [], "code": SOAP_LOGON, "tool": {"name": "imslint"}})),
        # GitHub annotations, then code
        ("gh.txt", "::error file=a.js,line=1,col=1,title=IMS101 x::m\n" + SOAP_LOGON),
    ],
)
def test_a_file_dressed_up_as_imslint_output_is_scanned(tmp_path, name, text):
    write(tmp_path, name, text)
    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (name, "IMS101") in flagged(proc)
    assert json.loads(proc.stdout)["skipped"] == []


def test_a_worklist_with_code_in_it_is_scanned(tmp_path):
    header = "login,label,email,authentication_type,status,findings,action,new_email\n"
    write(tmp_path, "worklist.csv", header + "svc,Svc,,native,active,IMS001,switch,\n" + SOAP_LOGON)
    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".")
    # read (as an operator export, whose bad row is an error), not left out as imslint's worklist
    assert json.loads(proc.stdout)["skipped"] == [] and proc.returncode == 2
    assert "worklist.csv:3: operator-csv: row has 1 fields" in proc.stderr


@pytest.mark.parametrize("prefix", [b"\x00", b"GIF89a", b"\x89PNG\r\n\x1a\n"])
def test_binary_looking_bytes_do_not_hide_a_code_file(tmp_path, prefix):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.js").write_bytes(prefix + b"\n" + SOAP_LOGON.encode())
    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".")
    assert proc.returncode == 1 and flagged(proc) == [("src/a.js", "IMS101")], proc.stdout


def test_a_committed_cache_tag_does_not_hide_a_folder(tmp_path):
    write(tmp_path, "src/CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n")
    write(tmp_path, "src/a.js", SOAP_LOGON)
    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".")
    assert proc.returncode == 1 and flagged(proc) == [("src/a.js", "IMS101")], proc.stdout


def test_every_skip_is_listed_with_its_reason_in_every_format(tmp_path):
    write(tmp_path, "a.js", SOAP_LOGON)
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert imslint(tmp_path, "check", "--no-config", "-f", "json", "--fail-on", "never", "-o", "report.json", ".").returncode == 0
    expected = [("logo.png", "binary or unsupported file"), ("report.json", "imslint's own output (JSON report or baseline)")]

    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".")
    assert [(s["path"], s["reason"]) for s in json.loads(proc.stdout)["skipped"]] == expected

    proc = imslint(tmp_path, "check", "--no-config", "-f", "sarif", ".")
    notes = json.loads(proc.stdout)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [
        (n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], n["message"]["text"]) for n in notes
    ] == [(p, f"Skipped: {r}.") for p, r in expected]

    proc = imslint(tmp_path, "check", "--no-config", ".")
    assert proc.stdout.rstrip("\n").endswith("in 1 file scanned; 2 files skipped.")
    assert "skipped:" not in proc.stdout
    proc = imslint(tmp_path, "check", "--no-config", "--verbose", ".")
    assert [line for line in proc.stdout.splitlines() if ": skipped: " in line] == [f"{p}: skipped: {r}" for p, r in expected]
    # and a verbose text report is still recognised as one
    assert imslint(tmp_path, "check", "--no-config", "-v", "--fail-on", "never", "-o", "report.txt", ".").returncode == 0
    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".")
    assert ("report.txt", "imslint's own output (text report)") in [(s["path"], s["reason"]) for s in json.loads(proc.stdout)["skipped"]]


# --------------------------------------------------------------------------- 2. the cache folder


@pytest.mark.parametrize("cache_dir", [".", "..", "./"])
def test_a_cache_dir_at_or_above_the_scanned_folder_is_an_error(tmp_path, cache_dir):
    write(tmp_path, "repo/a.js", SOAP_LOGON)
    write(tmp_path, "repo/.imslint.toml", f'[tool.imslint]\ncache-dir = "{cache_dir}"\n')
    proc = imslint(tmp_path / "repo", "check", ".")
    assert proc.returncode == 2 and "cache-dir" in proc.stderr, proc.stderr
    assert sorted(os.listdir(tmp_path / "repo")) == [".imslint.toml", "a.js"]  # nothing written in the source
    proc = imslint(tmp_path / "repo", "check", "--cache-dir", cache_dir, "--no-config", ".")
    assert proc.returncode == 2
    proc = imslint(tmp_path / "repo", "check", "--no-config", ".")  # --no-config ignores the configured cache-dir
    assert proc.returncode == 1, proc.stderr


def test_a_cache_dir_holding_code_excludes_only_its_own_files(tmp_path):
    write(tmp_path, "lib/a.js", SOAP_LOGON)
    write(tmp_path, ".imslint.toml", '[tool.imslint]\ncache-dir = "lib"\n')
    for _ in range(2):
        proc = imslint(tmp_path, "check", "-f", "json", ".")
        assert proc.returncode == 1 and flagged(proc) == [("lib/a.js", "IMS101")], proc.stdout
    names = sorted(os.listdir(tmp_path / "lib"))
    assert names[0] == "a.js" and names[1].startswith("imslint-") and len(names) == 2  # no tag, no .gitignore
    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".")
    assert flagged(proc) == [("lib/a.js", "IMS101")]
