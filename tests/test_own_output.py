"""imslint never flags its own reports, baselines, worklists or cache when they lie in a scanned tree."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, write

from imslint.config import Config
from imslint.engine import HEAD_SIZE, lint
from imslint.own_output import HOST_RECOGNISERS, candidates
from imslint.plugins import load_plugins

SOAP_LOGON = (
    "var url = 'https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp';\n"
    "var body = '<urn:Logon xmlns:urn=\"urn:xtk:session\"><urn:strLogin>svc_api</urn:strLogin>'\n"
    "  + '<urn:strPassword>Zq8#long-Pa55word</urn:strPassword></urn:Logon>';\n"
)


def imslint(cwd, *args):
    env = {**os.environ, "PYTHONPATH": ROOT}
    env.pop("IMSLINT_CACHE_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "imslint.cli", *args], cwd=str(cwd), capture_output=True, text=True, env=env
    )


def own_output(head, tail):
    """The label of the output a file starting with ``head`` may be (every recogniser of the built-ins), else None."""
    found = candidates(head, tail, [*HOST_RECOGNISERS, *_recognisers()])
    return found[0].output_label if found else None


def _recognisers():
    if not _RECOGNISERS:
        _RECOGNISERS.extend(load_plugins().output_recognisers)
    return _RECOGNISERS


_RECOGNISERS: list = []


def scan(tmp_path, registry):
    return lint(["."], Config(root=str(tmp_path), respect_gitignore=False), registry, cwd=str(tmp_path), jobs=1)


def test_reports_left_in_the_tree_are_skipped_not_flagged(tmp_path, registry):
    shutil.copytree(os.path.join(ROOT, "fixtures", "repo"), tmp_path / "repo")
    shutil.copytree(os.path.join(ROOT, "fixtures", "operators"), tmp_path / "ops")
    before = scan(tmp_path, registry)
    outputs = {
        "out/report.txt": ("check", "--no-config", "--fail-on", "never", "-o", "out/report.txt", "repo"),
        "out/report.json": (
            "check",
            "--no-config",
            "--fail-on",
            "never",
            "-f",
            "json",
            "-o",
            "out/report.json",
            "repo",
        ),
        "out/imslint.sarif": (
            "check",
            "--no-config",
            "--fail-on",
            "never",
            "-f",
            "sarif",
            "-o",
            "out/imslint.sarif",
            "repo",
        ),
        "out/annotations.txt": (
            "check",
            "--no-config",
            "--fail-on",
            "never",
            "-f",
            "github",
            "-o",
            "out/annotations.txt",
            "repo",
        ),
        ".imslint-baseline.json": ("check", "--no-config", "--write-baseline", ".imslint-baseline.json", "repo"),
        "out/worklist.csv": (
            "operators",
            "--no-config",
            "--fail-on",
            "never",
            "--worklist",
            "out/worklist.csv",
            "-o",
            "out/ops.json",
            "-f",
            "json",
            "ops",
        ),
    }
    os.makedirs(tmp_path / "out")
    for name, args in outputs.items():
        proc = imslint(tmp_path, *args)
        assert proc.returncode == 0, proc.stderr
        assert os.path.getsize(tmp_path / name) > 1000, name  # a real report, full of quoted patterns
    after = scan(tmp_path, registry)
    assert after.findings == before.findings
    assert after.errors == before.errors == []
    skipped = {path: reason for path, reason in after.skipped if "own output" in reason}
    assert skipped == {
        "out/report.txt": "imslint's own output (text report)",
        "out/report.json": "imslint's own output (JSON report or baseline)",
        "out/ops.json": "imslint's own output (JSON report or baseline)",
        "out/imslint.sarif": "imslint's own output (SARIF report)",
        "out/annotations.txt": "imslint's own output (GitHub annotations)",
        ".imslint-baseline.json": "imslint's own output (JSON report or baseline)",
        "out/worklist.csv": "imslint's own output (worklist)",
    }


def test_a_committed_baseline_does_not_fail_the_gate(tmp_path):
    write(tmp_path, "src/a.js", SOAP_LOGON)
    write(tmp_path, "src/b.js", "var s = new SoapMethodCall('xtk:session#Logon');\n")
    assert imslint(tmp_path, "check", "--no-config", "--write-baseline", ".imslint-baseline.json", ".").returncode == 0
    gate = imslint(tmp_path, "check", "--no-config", "--baseline", ".imslint-baseline.json", ".")
    assert gate.returncode == 0, gate.stdout
    assert "No problems found" in gate.stdout and "in the baseline" in gate.stdout


def test_a_cache_scanned_without_its_option_is_left_out(tmp_path, registry):
    write(tmp_path, "a.js", SOAP_LOGON)
    lint(
        ["."],
        Config(root=str(tmp_path), respect_gitignore=False),
        registry,
        cwd=str(tmp_path),
        jobs=1,
        cache_dir=str(tmp_path / "cache"),
    )
    result = scan(tmp_path, registry)
    assert [f.location.path for f in result.findings] == ["a.js"]
    assert result.files_scanned == 1  # its CACHEDIR.TAG keeps the folder out of the walk, with a word
    assert result.skipped == [("cache", "imslint's result cache folder")]
    (cache_file,) = [n for n in os.listdir(tmp_path / "cache") if n.startswith("imslint-")]
    shutil.copy(tmp_path / "cache" / cache_file, tmp_path / "old-cache.json")  # a copy outside its folder
    result = scan(tmp_path, registry)
    assert [f.location.path for f in result.findings] == ["a.js"]
    assert result.skipped == [
        ("cache", "imslint's result cache folder"),
        ("old-cache.json", "imslint's own output (result cache)"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '{"errors": [], "findings": [], "tool": {"name": "other"}}\n',  # another tool's report
        '{"findings": [{"fingerprint": "x"}], "tool": "gitleaks"}\n',
        '{"runs": [{"tool": {"driver": {"name": "semgrep"}}}]}\n',
        "src/a.js:1:2: error ABC123 a line of someone's log\nand more\n",  # no imslint summary at the end
        "::error file=a.js,title=eslint::something\n",
        "login,label,email\nsvc,Svc,svc@acme.com\n",  # an export, not a worklist
    ],
)
def test_other_files_that_look_alike_are_not_taken_for_imslint_output(text):
    data = text.encode()
    assert own_output(data, lambda: data[-512:]) is None


def test_a_big_look_alike_is_read_whole_after_its_end_was_checked(tmp_path, registry):
    # Starts like a JSON report but does not end like one: its end is read to tell, then the whole file is checked.
    url = "https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp?__sessiontoken=svc_api/Zq8long-Pa55word"
    write(tmp_path, "big.json", '{"errors": [\n' + " " * (HEAD_SIZE * 2) + '],\n"url": "' + url + '"}\n')
    result = scan(tmp_path, registry)
    assert result.skipped == []
    assert [(f.rule_id, f.location.path, f.location.line, f.location.column) for f in result.findings] == [
        ("IMS102", "big.json", 3, 86)
    ]


def test_the_tail_is_read_only_for_files_that_start_like_a_report():
    calls = []

    def tail():
        calls.append(1)
        return b""

    for head in (b"var x = 1;\n", b'{"name": "pkg"}', b"# README\n", b"<xml/>"):
        assert own_output(head, tail) is None
    assert calls == []
    assert own_output(b'{"errors": [', tail) is None and calls == [1]


def test_a_report_with_leading_blank_space_is_still_recognised(tmp_path):
    head = b'\n  {"errors": [], "findings": [\n'
    assert (
        own_output(head, lambda: b'"tool": {"name": "imslint", "version": "1"}, "version": 1}\n')
        == "JSON report or baseline"
    )


@pytest.mark.parametrize("sep", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_worklist_saved_back_by_a_spreadsheet_is_still_recognised(sep, bom):
    from imslint.rules.worklist import COLUMNS

    columns = list(COLUMNS)
    head = bom + (sep.join(columns) + "\r\njdoe" + sep + "John" + sep + "\r\n").encode()
    assert own_output(head, lambda: b"") == "worklist"
    assert own_output(head.replace(b"new_email", b"new_mail"), lambda: b"") is None
