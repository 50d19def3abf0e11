"""CI formats: GitHub annotations (errors first) and job summary, GitLab code quality, JUnit XML."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from conftest import write
from lxml import etree

from imslint.cli import main


def zones(n, name="z{}"):
    return (
        "<serverConf>\n"
        + "".join(f'  <securityZone name="{name.format(i)}" allowUserPassword="true"/>\n' for i in range(n))
        + "</serverConf>\n"
    )


def api_open():
    return '<serverConf><shared><imsConfig>\n<nonIMSAuthnAPI disableAPI="false"/>\n</imsConfig></shared></serverConf>\n'


def runner():
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()  # click 8.2+: stderr is always apart


def run(tmp_path, *args, env=None):
    cwd = os.getcwd()
    os.chdir(str(tmp_path))
    try:
        return runner().invoke(main, ["check", "--no-config", *args], env=env or {}, catch_exceptions=False)
    finally:
        os.chdir(cwd)


def test_github_annotations_put_errors_first(tmp_path):
    write(tmp_path, "a/config.xml", api_open())  # a warning, in the first file
    write(tmp_path, "b/serverConf.xml", zones(2))  # two errors, in a later file
    result = run(tmp_path, "-f", "github", ".", env={"GITHUB_STEP_SUMMARY": ""})
    levels = [line.split(" ", 1)[0] for line in result.stdout.splitlines()]
    assert levels == ["::error", "::error", "::warning"]


def test_job_summary_counts_rules_links_findings_and_says_when_annotations_are_cut(tmp_path):
    write(tmp_path, "conf/serverConf.xml", zones(12))
    write(tmp_path, "conf/config.xml", api_open())
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "acme/campaign",
        "GITHUB_SHA": "0123abc",
        "GITHUB_WORKSPACE": str(tmp_path),
    }
    result = run(tmp_path, "-f", "github", "conf", env=env)
    assert result.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## imslint: 13 findings (12 errors, 1 warning)\n")  # appended, never replaced
    assert "| [IMS201 zone-allows-password](" in text and "| error | 12 |" in text
    assert "| [IMS202 native-api-open](" in text and "| warning | 1 |" in text
    assert "https://github.example/acme/campaign/blob/0123abc/conf/serverConf.xml#L2" in text
    assert (
        "GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (50 per job): 2 findings of 13"
        in text
    )
    # the stdout report is unchanged: annotations only
    assert all(line.startswith("::") for line in result.stdout.splitlines())


def test_job_summary_without_too_many_findings_has_no_warning(tmp_path):
    write(tmp_path, "serverConf.xml", zones(3))
    summary = tmp_path / "s.md"
    run(tmp_path, "-f", "github", "serverConf.xml", env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = summary.read_text(encoding="utf-8")
    assert "## imslint: 3 findings (3 errors)" in text
    assert "at most" not in text
    assert "serverConf.xml:2 |" in text  # no link without GITHUB_REPOSITORY/GITHUB_SHA


def test_job_summary_is_written_for_github_only_and_only_when_asked(tmp_path):
    write(tmp_path, "serverConf.xml", zones(1))
    summary = tmp_path / "s.md"
    run(tmp_path, "-f", "json", "serverConf.xml", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert not summary.exists()
    run(tmp_path, "-f", "github", "serverConf.xml")
    assert not summary.exists()


def test_job_summary_keeps_repository_text_inert(tmp_path):
    hostile = "x | [click](https://evil.example) &lt;img src=y&gt; `code` *b*"
    write(tmp_path, "serverConf.xml", zones(1, name=hostile))
    summary = tmp_path / "s.md"
    run(tmp_path, "-f", "github", "serverConf.xml", env={"GITHUB_STEP_SUMMARY": str(summary)})
    row = [line for line in summary.read_text(encoding="utf-8").splitlines() if line.startswith("| error | IMS201")][0]
    assert row.count(" | ") == 3  # the message did not open table cells
    assert "<img" not in row and "&lt;img" in row
    assert "\\[click\\]" in row and "\\`code\\`" in row and "\\*b\\*" in row


def test_job_summary_clean_run(tmp_path):
    write(tmp_path, "ok.js", "console.log(1);\n")
    summary = tmp_path / "s.md"
    result = run(tmp_path, "-f", "github", "ok.js", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 0
    assert summary.read_text(encoding="utf-8").startswith("## imslint: no findings\n")


def test_gitlab_code_quality_report(tmp_path):
    write(tmp_path, "conf/serverConf.xml", zones(2))
    write(tmp_path, "conf/config.xml", api_open())
    result = run(tmp_path, "-f", "gitlab", "conf")
    assert result.exit_code == 1
    issues = json.loads(result.stdout)
    assert len(issues) == 3
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in {"info", "minor", "major", "critical", "blocker"}
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["path"].startswith("conf/")
    assert len({i["fingerprint"] for i in issues}) == 3
    assert sorted((i["check_name"], i["severity"]) for i in issues) == [
        ("IMS201 zone-allows-password", "critical"),
        ("IMS201 zone-allows-password", "critical"),
        ("IMS202 native-api-open", "major"),
    ]


def test_gitlab_fingerprints_stay_unique_for_identical_findings(tmp_path):
    write(tmp_path, "serverConf.xml", zones(2, name="same"))  # same zone name twice: same content key
    issues = json.loads(run(tmp_path, "-f", "gitlab", "serverConf.xml").stdout)
    assert len(issues) == 2 and issues[0]["fingerprint"] != issues[1]["fingerprint"]


def test_junit_report(tmp_path):
    write(tmp_path, "conf/serverConf.xml", zones(2, name="z\x01{}"))  # a control character XML 1.0 cannot hold
    write(tmp_path, "conf/broken.xml", "<serverConf><securityZone allowUserPassword='true'></serverConf")
    result = run(tmp_path, "-f", "junit", "conf")
    root = etree.fromstring(result.stdout.encode("utf-8"))
    assert root.tag == "testsuites"
    cases = root.findall(".//testcase")
    failures = root.findall(".//failure")
    assert int(root.get("failures")) == len(failures) >= 2
    assert int(root.get("tests")) == len(cases)
    assert all(f.get("type") in ("error", "warning", "note") for f in failures)
    errors = root.findall(".//error")  # the files that could not be parsed (a control character is not XML either)
    assert root.get("errors") == str(len(errors))
    assert sorted(e.getparent().get("file") for e in errors) == ["conf/broken.xml", "conf/serverConf.xml"]
    assert "z\\x010" in result.stdout  # shown escaped
    assert result.exit_code == 2


def test_junit_clean_run_is_one_passing_test(tmp_path):
    write(tmp_path, "ok.js", "console.log(1);\n")
    result = run(tmp_path, "-f", "junit", "ok.js")
    root = etree.fromstring(result.stdout.encode("utf-8"))
    assert root.get("failures") == "0" and len(root.findall(".//testcase")) == 1


@pytest.mark.parametrize("fmt", ["gitlab", "junit"])
def test_new_formats_are_listed(fmt):
    result = CliRunner().invoke(main, ["plugins", "--no-config"])
    assert fmt in result.stdout


def test_gitlab_and_junit_reports_left_in_the_tree_are_not_flagged_by_the_next_run(tmp_path):
    write(tmp_path, "conf/serverConf.xml", zones(2))
    write(tmp_path, "conf/config.xml", api_open())
    for fmt, name in (("gitlab", "gl-code-quality-report.json"), ("junit", "junit.xml")):
        assert run(tmp_path, "-f", fmt, "-o", name, "conf").exit_code == 1
    result = run(tmp_path, "-f", "json", "--show-suppressed", ".")
    doc = json.loads(result.stdout)
    assert sorted({f["location"]["path"] for f in doc["findings"]}) == ["conf/config.xml", "conf/serverConf.xml"]
    skipped = dict((s["path"], s["reason"]) for s in doc["skipped"])
    assert skipped["gl-code-quality-report.json"] == "imslint's own output (GitLab code quality report)"
    assert skipped["junit.xml"] == "imslint's own output (JUnit report)"


@pytest.mark.parametrize(
    "name, text",
    [
        # a look-alike with something more is read as any other file
        (
            "gl.json",
            '[{"type": "issue", "description": "x", "check_name": "IMS101 hardcoded-credentials", "fingerprint": "f",'
            ' "severity": "major", "location": {"path": "a", "lines": {"begin": 1}}, "password": "x"}]',
        ),
        (
            "junit.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="imslint" tests="1">'
            '<securityZone name="z" allowUserPassword="true"/></testsuites>\n',
        ),
        (
            "gl.js",
            '[{"type": "issue", "description": "x", "check_name": "IMS101 hardcoded-credentials", "fingerprint": "f",'
            ' "severity": "major", "location": {"path": "a", "lines": {"begin": 1}}}]',
        ),
    ],
)
def test_look_alikes_of_ci_reports_are_checked(tmp_path, name, text):
    from imslint import ci_outputs

    data = text.encode("utf-8")
    kind = ci_outputs.sniff(data)
    assert kind is not None
    assert not ci_outputs.confirm(kind, data, name)
