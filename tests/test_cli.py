"""The command line through click's runner: exit codes, formats, options, errors without tracebacks."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner
from conftest import HERE, write

from imslint.cli import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, main


@pytest.fixture
def project(tmp_path, monkeypatch):
    shutil.copy(os.path.join(HERE, "plugins", "toy_plugin.py"), tmp_path / "toy_plugin.py")
    write(tmp_path, ".imslint.toml", 'plugins = ["toy_plugin"]\nselect = ["TOY"]\nexclude = ["*.py", "*.toml"]\n')
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_clean_tree_exits_0(project):
    write(project, "a.toy", "nothing here\n")
    r = invoke("check")
    assert r.exit_code == EXIT_OK, r.output
    assert (
        r.output == "No problems found in 1 file scanned; 2 files skipped.\n"
    )  # the excluded plugin and configuration


def test_findings_exit_1_with_clickable_lines(project):
    write(project, "src/a.toy", "x\npassword=hunter2\n")
    r = invoke("check", "src")
    assert r.exit_code == EXIT_FINDINGS
    first = r.output.splitlines()[0]
    assert first.startswith("src/a.toy:2:1: error TOY001 password <redacted:")
    assert first.endswith("in a toy file [toy-secret]")
    assert "hunter2" not in r.output and "\x1b[" not in r.output
    assert r.output.splitlines()[-1] == "Found 1 problem (1 error) in 1 file scanned."


def test_read_error_exits_2_and_still_reports(project):
    write(project, "a.toy", "password=one\nTRUNCATED\n")
    write(project, "b.toy", "password=two\n")
    r = invoke("check")
    assert r.exit_code == EXIT_ERROR
    assert "a.toy:2: error toy: unexpected end of toy file" in r.output
    assert r.output.count("TOY001") == 2


def test_fail_on_levels(project):
    write(project, "a.toy", "legacy\n")
    assert invoke("check", "--fail-on", "note").exit_code == EXIT_FINDINGS
    assert invoke("check", "--fail-on", "error").exit_code == EXIT_OK
    assert invoke("check", "--fail-on", "never").exit_code == EXIT_OK


def test_fail_on_default_is_warning(project):
    write(project, "a.toy", "legacy\n")
    write(project, ".imslint.toml", 'plugins = ["toy_plugin"]\nselect = ["TOY003"]\nexclude = ["*.py", "*.toml"]\n')
    r = invoke("check")
    assert r.exit_code == EXIT_OK and "note TOY003" in r.output


def test_json_output_is_versioned_and_sorted(project):
    write(project, "a.toy", "password=p1\n")
    r = invoke("check", "--format", "json")
    doc = json.loads(r.output)
    assert doc["version"] == 1
    assert doc["summary"]["by_rule"] == {"TOY001": 1}
    assert list(doc) == sorted(doc)
    f = doc["findings"][0]
    assert f["rule_id"] == "TOY001" and f["location"]["line"] == 1 and f["severity"] == "error"
    assert "p1" not in r.output


def test_output_file(project):
    write(project, "a.toy", "password=p1\n")
    r = invoke("check", "--format", "sarif", "--output", "out.sarif")
    assert r.exit_code == EXIT_FINDINGS and r.output == ""
    doc = json.loads((project / "out.sarif").read_text())
    assert doc["runs"][0]["results"][0]["ruleId"] == "TOY001"


def test_select_ignore_and_statistics(project):
    write(project, "a.toy", "password=p1 legacy\nlegacy\n")
    r = invoke("check", "--ignore", "toy-secret", "--statistics", "--fail-on", "never")
    lines = r.output.splitlines()
    assert "TOY001" not in r.output
    assert "3  TOY003  note     toy-word" in lines  # two occurrences + the finish() total
    r = invoke("check", "--select", "TOY001,TOY003", "--ignore", "TOY003")
    assert "TOY003" not in r.output and "TOY001" in r.output


def test_exclude_option(project):
    write(project, "keep/a.toy", "password=p1\n")
    write(project, "vendor/b.toy", "password=p2\n")
    r = invoke("check", "--exclude", "vendor", "--format", "json")
    assert [f["location"]["path"] for f in json.loads(r.output)["findings"]] == ["keep/a.toy"]


def test_force_exclude_applies_to_explicit_files(project):
    write(project, "vendor/b.toy", "password=p2\n")
    assert invoke("check", "--exclude", "vendor", "vendor/b.toy").exit_code == EXIT_FINDINGS
    r = invoke("check", "--exclude", "vendor", "--force-exclude", "vendor/b.toy")
    assert r.exit_code == EXIT_OK


def test_unknown_format_and_bad_config_exit_2_without_traceback(project):
    r = CliRunner().invoke(main, ["check", "--format", "xml"])
    assert r.exit_code == EXIT_ERROR
    formats = "github, gitlab, json, junit, sarif, text"
    assert f"imslint: error: unknown output format 'xml' (available: {formats})" in r.output
    write(project, ".imslint.toml", 'plugins = ["toy_plugin"]\nselect = ["NOPE1"]\n')
    r = CliRunner().invoke(main, ["check"])
    assert r.exit_code == EXIT_ERROR and "Traceback" not in r.output
    assert "unknown rule selector 'NOPE1' in 'select'" in r.output


def test_broken_plugin_exits_2(project):
    write(project, "broken_mod.py", "raise RuntimeError('nope')\n")
    write(project, ".imslint.toml", 'plugins = ["broken_mod"]\n')
    r = CliRunner().invoke(main, ["check"])
    assert r.exit_code == EXIT_ERROR
    assert "plugin 'broken_mod' (from the 'plugins' setting) failed to import: RuntimeError: nope" in r.output


def test_usage_error_exits_2(project):
    r = CliRunner().invoke(main, ["check", "--jobs", "-3"])
    assert r.exit_code == 2


def test_no_config_ignores_the_file(project):
    write(project, "a.toy", "password=p1\n")
    r = invoke("check", "--no-config", "--select", "IMS101", "a.toy")
    assert "TOY001" not in r.output  # the toy plugin is not even loaded


def test_baseline_round_trip(project):
    write(project, "a.toy", "password=p1\n")
    r = invoke("check", "--write-baseline", "base.json")
    assert r.exit_code == EXIT_OK
    assert invoke("check", "--baseline", "base.json").exit_code == EXIT_OK
    write(project, "a.toy", "new line\npassword=p1\npassword=p2\n")
    r = invoke("check", "--baseline", "base.json")
    assert r.exit_code == EXIT_FINDINGS
    assert r.output.count("TOY001") == 1 and "a.toy:3:1" in r.output
    assert "1 in the baseline" in r.output


def test_bad_baseline_exits_2(project):
    write(project, "base.json", "{}")
    r = CliRunner().invoke(main, ["check", "--baseline", "base.json"])
    assert r.exit_code == EXIT_ERROR and "not an imslint baseline" in r.output


def test_jobs_gives_the_same_report(project):
    for i in range(12):
        write(project, f"d/f{i}.toy", f"password=v{i}\n")
    assert invoke("check", "--jobs", "2", "-f", "json").output == invoke("check", "-f", "json").output


def test_rules_and_plugins_commands(project):
    r = invoke("rules")
    line = [l for l in r.output.splitlines() if l.startswith("TOY001")][0]  # noqa: E741
    assert line.split() == [
        "TOY001",
        "toy-secret",
        "error",
        "A",
        "password",
        "is",
        "written",
        "in",
        "a",
        "toy",
        "file.",
    ]
    assert "IMS101" in r.output  # the built-in rules load through the entry point too
    r = invoke("rules", "TOY003")
    assert "TOY003 toy-word (note, plugin toy_plugin)" in r.output and "word = 'legacy'" in r.output
    r = CliRunner().invoke(main, ["rules", "NOPE999"])
    assert r.exit_code == EXIT_ERROR and "unknown rule 'NOPE999'" in r.output
    r = invoke("plugins")
    assert "toy_plugin 9.9.9 (toy_plugin, config)" in r.output
    assert invoke("--version").output == f"imslint {__import__('imslint').__version__}\n"


def test_quiet_prints_nothing_when_clean(project):
    write(project, "a.toy", "fine\n")
    r = invoke("check", "--quiet")
    assert r.exit_code == EXIT_OK and r.output == ""


def test_github_annotations(project):
    write(project, "src/a,b.toy", "x\npassword=hunter2\n")
    write(project, "b.toy", "password=one\nTRUNCATED\n")
    r = invoke("check", "--format", "github")
    assert r.exit_code == EXIT_ERROR
    lines = r.output.splitlines()
    assert lines[0].startswith("::error file=b.toy,line=1,col=1,endLine=1,title=TOY001 toy-secret::password <redacted:")
    assert any(l.startswith("::error file=src/a%2Cb.toy,line=2,col=1") for l in lines)  # noqa: E741
    assert "::error file=b.toy,line=2,title=imslint::toy: unexpected end of toy file" in lines
    assert "hunter2" not in r.output


# --------------------------------------------------------------------------- how the imslint command leaves

_RUN = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('ATEXIT RAN', file=sys.stderr))\n"
    "sys.argv = ['imslint', *sys.argv[1:]]\n"
    "from imslint.cli import run\n"
    "run()\n"
)


def _run_command(args, tmp_path, **env_extra):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env.update(env_extra)
    env["PYTHONPATH"] = os.path.dirname(HERE)
    return subprocess.run(
        [sys.executable, "-c", _RUN, *args], cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120
    )


def test_the_command_leaves_the_usual_way_so_atexit_handlers_run(tmp_path):
    export = os.path.join(os.path.dirname(HERE), "fixtures", "operators")
    proc = _run_command(["check", "-f", "json", export], tmp_path)
    assert proc.returncode == EXIT_FINDINGS
    assert "ATEXIT RAN" in proc.stderr  # a plugin's atexit handler is not skipped
    assert json.loads(proc.stdout)["findings"]
    report = tmp_path / "report.json"
    written = _run_command(["check", "-f", "json", "-o", str(report), export], tmp_path)
    assert written.returncode == EXIT_FINDINGS and "ATEXIT RAN" in written.stderr
    assert json.loads(report.read_text(encoding="utf-8")) == json.loads(proc.stdout)


def test_the_command_exits_with_usage_and_error_codes(tmp_path):
    bad = _run_command(["check", "--format", "nope", "."], tmp_path)
    assert bad.returncode == EXIT_ERROR and "nope" in bad.stderr
    usage = _run_command(["check", "--no-such-option"], tmp_path)
    assert usage.returncode == 2 and "No such option" in usage.stderr
    clean = _run_command(["check", "."], tmp_path)
    assert clean.returncode == EXIT_OK and "No problems found" in clean.stdout


def test_leave_takes_what_sys_exit_takes(capsys):
    import imslint.cli as cli

    for code, status in ((None, None), (3, 3), (4, 4)):
        with pytest.raises(SystemExit) as info:
            cli._leave(code)
        assert info.value.code == status
