"""The scanned repository is hostile input: it cannot hide a file, crash the run, or set the exit code (issue 11)."""

from __future__ import annotations

import json
import os
import shutil
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
        [sys.executable, "-m", "imslint.cli", *args], cwd=str(cwd), capture_output=True, text=True, env=environ
    )


def flagged(proc):
    """The (path, rule) pairs of a JSON report."""
    return sorted((f["location"]["path"], f["rule_id"]) for f in json.loads(proc.stdout)["findings"])


# --------------------------------------------------------------------------- 1. own output cannot hide code


@pytest.mark.parametrize(
    "name, text",
    [
        # a code file dressed up as a text report: first line a finding, last line the summary
        (
            "src/a.js",
            "x:1:1: error IMS101 a [hardcoded-credentials]\n" + SOAP_LOGON + "No problems found in 1 file scanned.\n",
        ),
        # the same in a text file: the lines between are not those of a report
        (
            "notes.txt",
            "x:1:1: error IMS101 a [hardcoded-credentials]\n" + SOAP_LOGON + "No problems found in 1 file scanned.\n",
        ),
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
    header = (
        "login,kind,label,email,authentication_type,status,findings,action,shared_with,conflicts,sources,new_email\n"
    )
    write(tmp_path, "worklist.csv", header + "svc,person,Svc,,native,active,IMS001,switch,,,ops.csv,\n" + SOAP_LOGON)
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
    assert (
        imslint(
            tmp_path, "check", "--no-config", "-f", "json", "--fail-on", "never", "-o", "report.json", "."
        ).returncode
        == 0
    )
    expected = [
        ("logo.png", "binary or unsupported file"),
        ("report.json", "imslint's own output (JSON report or baseline)"),
    ]

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
    assert [line for line in proc.stdout.splitlines() if ": skipped: " in line] == [
        f"{p}: skipped: {r}" for p, r in expected
    ]
    # and a verbose text report is still recognised as one
    assert (
        imslint(tmp_path, "check", "--no-config", "-v", "--fail-on", "never", "-o", "report.txt", ".").returncode == 0
    )
    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".")
    assert ("report.txt", "imslint's own output (text report)") in [
        (s["path"], s["reason"]) for s in json.loads(proc.stdout)["skipped"]
    ]


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
    assert (
        names[0] == "a.js" and len(names) > 1 and all(n.startswith("imslint-") for n in names[1:])
    )  # no tag, no .gitignore
    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".")
    assert flagged(proc) == [("lib/a.js", "IMS101")]


# --------------------------------------------------------------------------- 3. file names that are not UTF-8


@pytest.mark.skipif(sys.platform != "linux", reason="file names are bytes on Linux")
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_file_name_that_is_not_utf8_keeps_its_findings_in_every_format(tmp_path, fmt):
    (tmp_path / "src").mkdir()
    with open(os.path.join(os.fsencode(tmp_path), b"src", b"bad\xff.js"), "w", encoding="utf-8") as fh:
        fh.write(SOAP_LOGON)
    for out in (None, "report.out"):
        args = ["check", "--no-config", "-f", fmt, "src"] + (["-o", out] if out else [])
        proc = subprocess.run(
            [sys.executable, "-m", "imslint.cli", *args],
            cwd=str(tmp_path),
            capture_output=True,
            env={**os.environ, "PYTHONPATH": ROOT},
        )
        assert proc.returncode == 1, proc.stderr
        data = (tmp_path / out).read_bytes() if out else proc.stdout
        data.decode("utf-8")  # valid UTF-8 whatever the name
        assert SECRET.encode() not in data
        if fmt == "json":
            (finding,) = json.loads(data)["findings"]
            assert os.fsencode(finding["location"]["path"]) == b"src/bad\xff.js"  # lossless: \udcff
        elif fmt == "sarif":
            (result,) = json.loads(data)["runs"][0]["results"]
            assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/bad%FF.js"
        elif fmt == "github":
            assert data.startswith(b"::error file=src/bad%FF.js,line=3")
        else:
            assert data.startswith(b"src/bad\\xff.js:3:")
    proc = imslint(tmp_path, "check", "--no-config", "--write-baseline", "bl.json", "src")
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.load(open(tmp_path / "bl.json", encoding="utf-8"))["findings"]
    assert os.fsencode(entry["path"]) == b"src/bad\xff.js"
    assert imslint(tmp_path, "check", "--no-config", "--baseline", "bl.json", "src").returncode == 0
    assert sorted(os.listdir(tmp_path)) == ["bl.json", "report.out", "src"]  # no temporary file left


# --------------------------------------------------------------------------- 8. writes


def test_outputs_refuse_links_devices_and_inputs(tmp_path):
    write(tmp_path, "repo/a.js", SOAP_LOGON)
    write(tmp_path, "victim.txt", "precious\n")
    os.symlink(tmp_path / "victim.txt", tmp_path / "repo" / "imslint.sarif")
    os.mkfifo(tmp_path / "fifo")
    for args in (
        ("-f", "sarif", "-o", "repo/imslint.sarif"),  # a link planted in the repository
        ("-o", "repo/a.js"),  # an input of the run
        ("--write-baseline", "repo/imslint.sarif"),
        ("--write-baseline", "repo/a.js"),
        ("-o", "fifo"),  # not a regular file
        ("--write-baseline", "fifo"),
    ):
        proc = imslint(tmp_path, "check", "--no-config", *args, "repo")
        assert proc.returncode == 2, (args, proc.stderr)
        assert proc.stderr.startswith("imslint: error: refusing to write"), proc.stderr
    assert (tmp_path / "victim.txt").read_text() == "precious\n"
    assert (tmp_path / "repo" / "a.js").read_text() == SOAP_LOGON
    if os.path.exists("/dev/full"):
        proc = imslint(tmp_path, "check", "--no-config", "--write-baseline", "/dev/full", "repo")
        assert proc.returncode == 2 and os.path.exists("/dev/full") and not os.path.isfile("/dev/full")
    proc = imslint(tmp_path, "check", "--no-config", "--write-baseline", str(tmp_path / "nowhere" / "x.json"), "repo")
    assert proc.returncode == 2 and proc.stderr.startswith("imslint: error: cannot write"), proc.stderr
    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", "-o", "-", "repo")  # `-`: standard output
    assert proc.returncode == 1 and json.loads(proc.stdout)["findings"]
    assert sorted(os.listdir(tmp_path)) == ["fifo", "repo", "victim.txt"]


def test_the_worklist_never_replaces_an_export(tmp_path):
    shutil.copy(os.path.join(ROOT, "fixtures", "operators", "operators.csv"), tmp_path / "ops.csv")
    before = (tmp_path / "ops.csv").read_bytes()
    proc = imslint(tmp_path, "operators", "--no-config", "--worklist", "ops.csv", "ops.csv")
    assert proc.returncode == 2 and "refusing to write ops.csv: it is an input" in proc.stderr, proc.stderr
    assert (tmp_path / "ops.csv").read_bytes() == before


def test_a_report_replaced_is_whole_and_concurrent_baselines_do_not_clash(tmp_path):
    write(tmp_path, "repo/a.js", SOAP_LOGON)
    write(tmp_path, "report.txt", "previous\n")
    env = {**os.environ, "PYTHONPATH": ROOT}
    env.pop("IMSLINT_CACHE_DIR", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "imslint.cli", "check", "--no-config", "--write-baseline", "bl.json", "repo"],
            cwd=str(tmp_path),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(8)
    ]
    for p in procs:
        _, err = p.communicate()
        assert p.returncode == 0, err
    assert len(json.load(open(tmp_path / "bl.json"))["findings"]) == 1
    os.chmod(tmp_path / "report.txt", 0o640)
    assert imslint(tmp_path, "check", "--no-config", "-o", "report.txt", "repo").returncode == 1
    assert "IMS101" in (tmp_path / "report.txt").read_text()
    assert os.stat(tmp_path / "report.txt").st_mode & 0o777 == 0o640  # a replaced report keeps its permissions
    assert sorted(os.listdir(tmp_path)) == ["bl.json", "repo", "report.txt"]


# --------------------------------------------------------------------------- 4. plugins that call sys.exit()

EXITING_RULE = '''
import sys
from imslint import Problem, Rule, SourceText, hookimpl

class Exits(Rule):
    """Calls sys.exit() on every file."""
    id = "TST990"
    name = "exits"
    subject = SourceText

    def check(self, subject, options):
        sys.exit(0)
        yield

class BadProblem(Rule):
    """Yields a Problem whose location is None and whose message is not a string."""
    id = "TST991"
    name = "bad-problem"
    subject = SourceText

    def check(self, subject, options):
        yield Problem(None, 42)

@hookimpl
def imslint_register_rules():
    return [Exits, BadProblem]
'''


def test_a_plugin_calling_sys_exit_on_import_is_a_plugin_error(tmp_path):
    write(tmp_path, "a.js", SOAP_LOGON)
    write(tmp_path, "exit_on_import.py", "import sys\nsys.exit(0)\n")
    write(tmp_path, ".imslint.toml", '[tool.imslint]\nplugins = ["exit_on_import"]\n')
    proc = imslint(tmp_path, "check", ".")
    assert proc.returncode == 2, proc.stderr
    assert "plugin 'exit_on_import'" in proc.stderr and "SystemExit" in proc.stderr


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_rule_calling_sys_exit_or_yielding_a_bad_problem_fails_alone(tmp_path, jobs):
    write(tmp_path, "a.js", SOAP_LOGON)
    write(tmp_path, "b.js", SOAP_LOGON)
    write(tmp_path, "exiting_rule.py", EXITING_RULE)
    write(
        tmp_path,
        ".imslint.toml",
        '[tool.imslint]\nplugins = ["exiting_rule"]\nextend-select = ["TST"]\nexclude = ["*.py", "*.toml"]\n',
    )
    proc = imslint(tmp_path, "check", "-f", "json", "-j", jobs, ".")
    assert proc.returncode == 2, proc.stderr
    doc = json.loads(proc.stdout)
    assert flagged(proc) == [("a.js", "IMS101"), ("b.js", "IMS101")]  # the other rules went on
    assert sorted((e["path"], e["rule_id"]) for e in doc["errors"]) == [
        ("a.js", "TST990"),
        ("a.js", "TST991"),
        ("b.js", "TST990"),
        ("b.js", "TST991"),
    ]
    assert "SystemExit" in doc["errors"][0]["message"] + doc["errors"][1]["message"]


# --------------------------------------------------------------------------- 5. an empty selection


@pytest.mark.parametrize(
    "args, config",
    [
        (("--select", ""), None),
        (("--select", " , "), None),
        ((), "[tool.imslint]\nselect = []\n"),
        ((), '[tool.imslint]\nignore = ["ALL"]\n'),
    ],
)
def test_selecting_no_rule_is_a_usage_error(tmp_path, args, config):
    write(tmp_path, "a.js", SOAP_LOGON)
    if config:
        write(tmp_path, ".imslint.toml", config)
    proc = imslint(tmp_path, "check", *args, ".")
    assert proc.returncode == 2 and proc.stderr.startswith("imslint: error:"), proc.stderr
    assert "no rule" in proc.stderr


# --------------------------------------------------------------------------- 6. error messages never quote secrets

LEAKY_RULE = '''
from imslint import Rule, SourceText, hookimpl

class Leaky(Rule):
    """Fails with the text of the file in its message."""
    id = "TST992"
    name = "leaky"
    subject = SourceText

    def check(self, subject, options):
        raise ValueError(subject.text[:400])
        yield

@hookimpl
def imslint_register_rules():
    return [Leaky]
'''


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_a_parse_error_gives_its_kind_and_position_never_the_source(tmp_path, fmt):
    write(
        tmp_path,
        "wf.xml",
        (
            '<?xml version="1.0"?>\n<workflow>\n<activities><js name="js1"><script>\n'
            'var s = new SoapService(cnx, "urn:xtk:session");\n'
            's.Logon("", "api_crm", "Zq&Leak;9", <params/>);\n'
            "</script></js></activities></workflow>\n"
        ),
    )
    proc = imslint(tmp_path, "check", "--no-config", "-f", fmt, ".")
    assert proc.returncode == 2, proc.stderr
    assert "Leak" not in proc.stdout + proc.stderr
    assert "undeclared entity" in proc.stdout + proc.stderr


def test_a_rule_error_quoting_the_file_is_redacted(tmp_path):
    write(tmp_path, "a.js", SOAP_LOGON)
    write(tmp_path, "leaky_rule.py", LEAKY_RULE)
    write(
        tmp_path,
        ".imslint.toml",
        '[tool.imslint]\nplugins = ["leaky_rule"]\nextend-select = ["TST"]\nexclude = ["*.py", "*.toml"]\n',
    )
    for fmt in ("text", "json", "sarif", "github"):
        proc = imslint(tmp_path, "check", "-f", fmt, ".")
        assert proc.returncode == 2, proc.stderr
        out = proc.stdout + proc.stderr
        assert "TST992" in out and "soaprouter.jsp" in out  # the message is there...
        assert SECRET not in out  # ... without the password IMS101 found


# --------------------------------------------------------------------------- 7. internal errors, signals, poisoned inputs

SLOW_RULE = '''
import os, time
from imslint import Rule, SourceText, hookimpl

class Slow(Rule):
    """Takes its time, and says which process it runs in."""
    id = "TST993"
    name = "slow"
    subject = SourceText

    def check(self, subject, options):
        open(os.path.join(os.environ["PIDS"], str(os.getpid())), "w").close()
        time.sleep(60)
        return ()

@hookimpl
def imslint_register_rules():
    return [Slow]
'''


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers")
@pytest.mark.parametrize("sig, status", [("SIGTERM", 143), ("SIGINT", 130)])
def test_a_signal_stops_the_run_and_its_workers(tmp_path, sig, status):
    import signal
    import time

    for i in range(4):
        write(tmp_path, f"src/f{i}.js", "var x = 1;\n")
    write(tmp_path, "slow_rule.py", SLOW_RULE)
    write(tmp_path, ".imslint.toml", '[tool.imslint]\nplugins = ["slow_rule"]\nselect = ["TST993"]\n')
    pids = tmp_path / "pids"
    pids.mkdir()
    env = {**os.environ, "PYTHONPATH": ROOT, "PIDS": str(pids)}
    env.pop("IMSLINT_CACHE_DIR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "imslint.cli", "check", "-j", "2", "src"],
        cwd=str(tmp_path),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 30
    while len(os.listdir(pids)) < 2 and time.time() < deadline:
        time.sleep(0.05)
    assert len(os.listdir(pids)) >= 2  # both workers are in the slow rule
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == status, err
    assert f"interrupted by {sig}" in err.decode()
    time.sleep(0.2)
    for pid in map(int, os.listdir(pids)):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # no worker left behind


def test_poisoned_inputs_are_errors_or_rebuilt_never_exit_1(tmp_path):
    for i in range(10):  # enough files for the cache to be worth reading
        write(tmp_path, f"repo/a{i}.js", "var x = 1;\n")
    deep = "[" * 100_000 + "]" * 100_000
    write(tmp_path, "bl.json", deep)
    proc = imslint(tmp_path, "check", "--no-config", "--baseline", "bl.json", "repo")
    assert proc.returncode == 2 and "nested too deeply" in proc.stderr and len(proc.stderr) < 400, proc.stderr
    write(tmp_path, "bl.json", json.dumps({"version": 1, "tool": "imslint", "findings": [{"x": "y" * 1_000_000}]}))
    proc = imslint(tmp_path, "check", "--no-config", "--baseline", "bl.json", "repo")
    assert proc.returncode == 2 and len(proc.stderr) < 600, len(proc.stderr)  # a bad entry is not echoed whole
    (tmp_path / "bad.toml").write_bytes(b'[tool.imslint]\nselect = ["\xff"]\n')
    proc = imslint(tmp_path, "check", "--config", "bad.toml", "repo")
    assert proc.returncode == 2 and "not UTF-8" in proc.stderr, proc.stderr
    # a cache nested 100,000 deep is rebuilt, with a warning
    assert imslint(tmp_path, "check", "--no-config", "--cache-dir", "c", "repo").returncode == 0
    (cache_file,) = [n for n in os.listdir(tmp_path / "c") if n.startswith("imslint-")]
    write(tmp_path, "c/" + cache_file, deep)
    proc = imslint(tmp_path, "check", "--no-config", "--cache-dir", "c", "repo")
    assert proc.returncode == 0 and "rebuilt" in proc.stderr, proc.stderr


def test_an_internal_error_is_exit_2_in_one_line(tmp_path):
    write(tmp_path, "a.js", "var x = 1;\n")
    write(
        tmp_path,
        "crash_plugin.py",
        (
            "from imslint import hookimpl\n"
            "class Boom:\n"
            "    format = 'boom'\n"
            "    def render(self, result, options):\n"
            "        raise MemoryError\n"
            "@hookimpl\n"
            "def imslint_register_reporters():\n"
            "    return [Boom()]\n"
        ),
    )
    write(tmp_path, ".imslint.toml", '[tool.imslint]\nplugins = ["crash_plugin"]\nexclude = ["*.py", "*.toml"]\n')
    proc = imslint(tmp_path, "check", "-f", "boom", ".")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "imslint: error: internal error: out of memory (run with --debug for the traceback)\n"
    proc = imslint(tmp_path, "check", "--debug", "-f", "boom", ".")
    assert proc.returncode == 2 and "Traceback" in proc.stderr


def test_jobs_are_capped(tmp_path):
    write(tmp_path, "a.js", "var x = 1;\n")
    write(tmp_path, "b.js", "var y = 1;\n")
    proc = imslint(tmp_path, "check", "--no-config", "-j", "99999999999999999999999", ".")
    assert proc.returncode == 0, proc.stderr
    assert "imslint: warning: 99999999999999999999999 jobs is more than 4 per CPU" in proc.stderr


# --------------------------------------------------------------------------- 9. terminal and spreadsheet injection


def test_export_values_cannot_inject_formulas_into_the_worklist(tmp_path):
    import csv

    labels = ['=HYPERLINK("http://evil.example","x")', "=cmd|' /C calc'!A0", "+1+1", "-2", "@SUM(A1)", "Plain"]
    rows = "".join(f"op{i};{label};op{i}@acme.com;No;Native\n" for i, label in enumerate(labels))
    write(tmp_path, "ops.csv", "Name;Label;Email;Account disabled;Authentication type\n" + rows)
    proc = imslint(tmp_path, "operators", "--no-config", "--worklist", "wl.csv", "ops.csv")
    assert proc.returncode == 1, proc.stderr
    with open(tmp_path / "wl.csv", encoding="utf-8-sig", newline="") as fh:
        got = [row[2] for row in list(csv.reader(fh))[1:]]
    assert got == ["'" + label for label in labels[:-1]] + ["Plain"]
    from imslint.rules.worklist import cell

    assert [cell(v) for v in ("\tx", "\rx", "a=b", "", None)] == ["'\tx", "'\rx", "a=b", "", ""]


def test_labels_cannot_forge_lines_or_drive_the_terminal(tmp_path):
    forged = "x\nsrc/forged.js:1:1: error IMS101 forged [hardcoded-credentials]\x1b]0;pwned\x07\x1b[2J"
    write(tmp_path, "ops.csv", f'Name;Label;Email;Account disabled;Authentication type\nop1;"{forged}";;No;Native\n')
    for fmt in ("text", "github"):
        proc = imslint(tmp_path, "check", "--no-config", "-f", fmt, "ops.csv")
        assert proc.returncode == 1, proc.stderr
        assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
        assert not any(line.startswith("src/forged.js") for line in proc.stdout.splitlines())
    assert "\\x1b]0;pwned\\x07" in imslint(tmp_path, "check", "--no-config", "ops.csv").stdout


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_standard_output_on_a_full_disk_is_exit_2(tmp_path):
    write(tmp_path, "a.js", SOAP_LOGON)
    env = {**os.environ, "PYTHONPATH": ROOT}
    env.pop("IMSLINT_CACHE_DIR", None)
    for fmt in ("text", "json"):
        with open("/dev/full", "w") as full:
            proc = subprocess.run(
                [sys.executable, "-m", "imslint.cli", "check", "--no-config", "-f", fmt, "."],
                cwd=str(tmp_path),
                env=env,
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
            )
        assert proc.returncode == 2, proc.stderr
        assert "cannot write standard output: No space left on device" in proc.stderr


# --------------------------------------------------------------------------- 11. a worker killed from outside

_MAIN_PID = os.getpid()


def test_a_worker_killed_once_is_retried_with_a_warning(tmp_path):
    from conftest import registry_with

    from imslint import Rule
    from imslint.config import Config
    from imslint.engine import lint

    marker = str(tmp_path / "killed-once")

    class KilledOnce(Rule):
        """Its worker process is killed the first time it checks one file (the OOM killer, a kill -9)."""

        id = "TST994"
        name = "killed-once"
        keywords = None

        def check(self, subject, options):
            if "KILL-ME" in subject.text and os.getpid() != _MAIN_PID and not os.path.exists(marker):
                open(marker, "w").close()
                os._exit(9)
            return ()

    for i in range(12):
        write(tmp_path, f"src/f{i:02}.js", ("// KILL-ME\n" if i == 5 else "") + SOAP_LOGON)
    config = Config(root=str(tmp_path), respect_gitignore=False, select=["IMS101", "TST994"], jobs=2)
    result = lint(["src"], config, registry_with(KilledOnce), cwd=str(tmp_path))
    assert result.errors == []  # the retry succeeded: nothing lost ...
    assert len(result.findings) == 12
    assert len(result.warnings) == 1 and "src/f05.js" in result.warnings[0]  # ... and the user is told
    assert "checked again" in result.warnings[0]


# --------------------------------------------------------------------------- 15. huge values


def test_a_huge_label_is_not_copied_whole_into_the_report(tmp_path):
    label = "L" * 100_000  # (the CSV reader refuses fields over 128 KiB)
    write(tmp_path, "ops.csv", f"Name;Label;Email;Account disabled;Authentication type\nop1;{label};;No;Native\n")
    proc = imslint(tmp_path, "check", "--no-config", "--max-file-size", "64MB", "-f", "json", "ops.csv")
    assert proc.returncode == 1, proc.stderr[-500:]
    assert len(proc.stdout) < 20_000
    for f in json.loads(proc.stdout)["findings"]:
        assert len(f["message"]) <= 1001 and f["message"].endswith("…")
        assert all(len(v) <= 501 for v in f["properties"].values() if isinstance(v, str))


# --------------------------------------------------------------------------- 12. a rule that hangs

HANGING_RULE = '''
import time
from imslint import Rule, SourceText, hookimpl

class Hangs(Rule):
    """Never returns on a file that asks for it."""
    id = "TST995"
    name = "hangs"
    subject = SourceText

    def check(self, subject, options):
        while "HANG" in subject.text:
            time.sleep(0.01)
        return ()

@hookimpl
def imslint_register_rules():
    return [Hangs]
'''


@pytest.mark.skipif(sys.platform != "linux", reason="forked workers")
def test_a_rule_that_hangs_is_stopped_by_the_time_limit(tmp_path):
    import time

    for i in range(6):
        write(tmp_path, f"src/f{i}.js", ("// HANG\n" if i == 2 else "") + SOAP_LOGON)
    write(tmp_path, "hanging_rule.py", HANGING_RULE)
    write(
        tmp_path,
        ".imslint.toml",
        (
            '[tool.imslint]\nplugins = ["hanging_rule"]\nextend-select = ["TST"]\nrule-timeout = 1\n'
            'exclude = ["*.py", "*.toml"]\n'
        ),
    )
    started = time.monotonic()
    proc = imslint(tmp_path, "check", "-f", "json", "-j", "2", ".")
    assert time.monotonic() - started < 30
    assert proc.returncode == 2, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(e["path"], e["rule_id"]) for e in doc["errors"]] == [("src/f2.js", "TST995")]
    assert "took longer than 1 s on this file (rule-timeout)" in doc["errors"][0]["message"]
    assert len(flagged(proc)) == 6  # IMS101 still ran on the file, and on every other


def test_rule_timeout_must_be_a_number(tmp_path):
    write(tmp_path, "a.js", "var x;\n")
    write(tmp_path, ".imslint.toml", '[tool.imslint]\nrule-timeout = "soon"\n')
    proc = imslint(tmp_path, "check", ".")
    assert proc.returncode == 2 and "rule-timeout" in proc.stderr


def test_excluded_paths_links_and_special_files_are_listed_as_skipped(tmp_path):
    write(tmp_path, "src/a.js", "var x = 1;\n")
    write(tmp_path, "src/vendor/v.js", "var y = 1;\n")
    write(tmp_path, "node_modules/m.js", "var z = 1;\n")
    os.symlink(tmp_path / "src", tmp_path / "linked")
    os.symlink(tmp_path / "missing", tmp_path / "dangling.js")
    os.mkfifo(tmp_path / "pipe")
    write(tmp_path, ".imslint.toml", '[tool.imslint]\nextend-exclude = ["src/vendor"]\n')
    proc = imslint(tmp_path, "check", "-f", "json", ".")
    assert proc.returncode == 0, proc.stderr
    assert [(s["path"], s["reason"]) for s in json.loads(proc.stdout)["skipped"]] == [
        ("dangling.js", "link to nothing, or to a special file"),
        ("linked", "link to a folder (not followed)"),
        ("node_modules", "excluded (exclude settings)"),
        ("pipe", "not a regular file (socket, fifo or device)"),
        ("src/vendor", "excluded (exclude settings)"),
    ]


# --------------------------------------------------------------------------- reporters: any text, any format


def _hostile_text(rng):
    alphabet = [
        "a",
        "Z",
        " ",
        "\n",
        "\r",
        "\t",
        "\x1b",
        "\x07",
        "\x00",
        "\x85",
        "\x9b",
        "\u2028",
        "%",
        ":",
        ",",
        '"',
        "'",
        "\\",
        "é",
        "日",
        "\U0001f600",
        "\udcff",
        "\udc80",
        "[",
        "]",
        "::",
        "<redacted:0123abcd>",
    ]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))


def hostile_result(registry, text, number, count):
    """A RunResult of ``count`` IMS101 findings whose every path, message and property is ``text()``.

    Returns (result, findings); ``number()`` gives the lines and columns. Shared with test_properties.py.
    """
    from imslint.engine import RunResult
    from imslint.model import FileError, Finding, Location, Related, Severity

    findings = []
    for _ in range(count):
        path = "src/" + text().replace("/", "") + ".js"
        findings.append(
            Finding(
                rule_id="IMS101",
                rule_name="hardcoded-credentials",
                severity=Severity.ERROR,
                location=Location(path, number(), number()),
                message=text() or "m",
                fingerprint="f" * 32,
                related=(Related(Location(path, 1, 1), text()),),
                properties={"login": text()},
            )
        )
    findings.sort(key=lambda f: f.sort_key)
    result = RunResult(
        findings=findings,
        errors=[FileError(text() or "p", text() or "e")],
        skipped=[(text() or "s", text() or "r")],
        rules={"IMS101": registry.rules["IMS101"]},
        severities={"IMS101": Severity.ERROR},
        files_scanned=1,
    )
    return result, findings


def check_reporters(result, findings):
    """Text and GitHub output inert on a terminal, JSON lossless, SARIF parseable: returns (JSON doc, SARIF doc)."""
    import io

    from imslint.outputs import JSON_ERRORS
    from imslint.reporters.github import GithubReporter
    from imslint.reporters.json import JsonReporter
    from imslint.reporters.sarif import SarifReporter
    from imslint.reporters.text import TextReporter

    for reporter in (TextReporter(), GithubReporter()):
        text = reporter.render(result, {"verbose": True, "show_related": True})
        assert not any(c in text for c in "\x1b\x07\x00\r\x85\x9b") and not any("\ud800" <= c <= "\udfff" for c in text)
        lines = text.splitlines()
        assert len(lines) == len(text.split("\n")) - 1  # no line break but the line ends
        # text: a line per finding and per related location, the error, the skip (verbose), the summary;
        # GitHub: a line per finding and the error. Nothing forged.
        expected = len(findings) * 2 + 3 if isinstance(reporter, TextReporter) else len(findings) + 1
        assert len(lines) == expected
    out = io.BytesIO()
    stream = io.TextIOWrapper(out, encoding="utf-8", errors=JSON_ERRORS, newline="\n")
    JsonReporter().write(result, {}, stream)
    stream.flush()
    doc = json.loads(out.getvalue().decode("utf-8"))  # valid UTF-8, valid JSON
    assert [f["message"] for f in doc["findings"]] == [f.message for f in findings]  # lossless
    assert [f["location"]["path"] for f in doc["findings"]] == [f.location.path for f in findings]
    sarif_text = SarifReporter().render(result, {}).encode("utf-8", JSON_ERRORS)
    sarif = json.loads(sarif_text.decode("utf-8"))
    run = sarif["runs"][0]
    assert len(run["results"]) == len(findings)
    for r in run["results"]:
        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert all(c.isascii() and c.isprintable() for c in uri)
    return doc, sarif


def test_any_finding_text_is_safe_in_text_and_github_and_round_trips_through_json_and_sarif(registry):
    import random

    rng = random.Random(11)
    for _ in range(200):
        result, findings = hostile_result(
            registry, lambda: _hostile_text(rng), lambda: rng.randint(1, 9), rng.randint(1, 3)
        )
        check_reporters(result, findings)


TOKEN_URL = "https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp?__sessiontoken=svc_api/Zq8long-Pa55word"


@pytest.mark.parametrize(
    "name, text",
    [
        # every line in the text report's grammar, a live session token in a "message"
        (
            "notes.txt",
            f"x:1:1: error IMS102 {TOKEN_URL} [password-session-token]\nNo problems found in 1 file scanned.\n",
        ),
        # a well-formed baseline whose message holds one
        (
            "bl.json",
            json.dumps(
                {
                    "findings": [{"fingerprint": "0" * 32, "message": TOKEN_URL, "path": "a", "rule_id": "IMS102"}],
                    "tool": "imslint",
                    "version": 1,
                },
                indent=2,
            ),
        ),
        # GitHub annotations
        ("gh.txt", f"::error file=a.js,line=1,col=1,title=IMS102 x::{TOKEN_URL}\n"),
        # a SARIF log with imslint's driver whose result message holds one
        (
            "log.sarif",
            json.dumps(
                {
                    "version": "2.1.0",
                    "runs": [{"tool": {"driver": {"name": "imslint"}}, "results": [{"message": {"text": TOKEN_URL}}]}],
                },
                indent=2,
            ),
        ),
    ],
)
def test_a_perfect_look_alike_holding_a_secret_is_scanned(tmp_path, name, text):
    # imslint's own outputs are redacted: one in which a rule finds a secret is not imslint's.
    write(tmp_path, name, text)
    proc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert (name, "IMS102") in flagged(proc)
    assert json.loads(proc.stdout)["skipped"] == []
    assert "Zq8long-Pa55word" not in proc.stdout
