"""Suggested fixes: in JSON and SARIF, printed by --fix-diff, applied with real `git apply`, never a secret."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess

import pytest
from conftest import ROOT, write
from lxml import etree

from imslint import Fix, Location, Problem, Replacement, Rule, Severity, SourceText, hookimpl
from imslint.config import Config
from imslint.engine import lint
from imslint.plugins import load_plugins

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
SECRET = "S3cr3t-Pw!9"


def imslint(cwd, *args):
    """The real command, in this process (so coverage sees it) with ``cwd`` as the working folder."""
    from click.testing import CliRunner

    from imslint.cli import main

    here = os.getcwd()
    os.chdir(str(cwd))
    try:
        run = CliRunner().invoke(main, list(args))
    finally:
        os.chdir(here)
    try:
        err = run.stderr_bytes or b""
    except ValueError:  # click < 8.2 mixes standard error into the output
        err = b""
    # bytes decoded by hand: a text stream would turn the \r\n of a patch into \n
    return subprocess.CompletedProcess(
        ["imslint", *args], run.exit_code, run.stdout_bytes.decode("utf-8"), err.decode("utf-8")
    )


def findings(cwd, *paths):
    proc = imslint(cwd, "check", "--no-config", "-f", "json", *(paths or (".",)))
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stdout.startswith("{"), (proc.returncode, proc.stdout, proc.stderr)
    return json.loads(proc.stdout)["findings"]


def git_apply(cwd, patch):
    (cwd / "fix.patch").write_bytes(patch.encode("utf-8"))
    for args in (["--check"], []):
        proc = subprocess.run(["git", "apply", *args, "fix.patch"], cwd=str(cwd), capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr + patch
    (cwd / "fix.patch").unlink()


def parse_xml(path):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    etree.parse(str(path), parser)


@needs_git
def test_fixture_fixes_apply_with_git_apply_and_the_findings_go(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(os.path.join(ROOT, "fixtures", "repo"), str(repo))
    before = findings(repo)
    fixed = [(f["rule_id"], f["location"]["path"], f["location"]["line"]) for f in before if f.get("fix")]
    proc = imslint(repo, "check", "--no-config", "--fix-diff", ".")
    assert proc.returncode == 1  # the gate's exit status: findings are still there
    patch = proc.stdout
    assert patch.startswith("diff --git ")
    assert "left out of the diff: its lines hold a secret" in proc.stderr  # push_events.js: a literal password
    in_diff = {line[6:] for line in patch.splitlines() if line.startswith("+++ b/")}
    assert in_diff == {"config/config-acme.xml", "config/serverConf.xml", "integrations/legacy/jwt_token.js"}
    git_apply(repo, patch)

    after = findings(repo)
    left = {(f["rule_id"], f["location"]["path"], f["location"]["line"]) for f in after}
    gone = [f for f in fixed if f[1] in in_diff]
    assert len(gone) == 3 and not set(gone) & left
    assert len(after) == len(before) - 3  # nothing else changed
    for rel in in_diff:
        if rel.endswith(".xml"):
            parse_xml(repo / rel)
    text = (repo / "integrations/legacy/jwt_token.js").read_text(encoding="utf-8")
    assert "/ims/token/v3`" in text and "exchange/jwt/`" not in text
    if shutil.which("node"):
        js = tmp_path / "check.mjs"
        shutil.copy(str(repo / "integrations/legacy/jwt_token.js"), str(js))
        proc = subprocess.run(["node", "--check", str(js)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    # nothing is rewritten by imslint itself
    assert imslint(repo, "check", "--no-config", "--fix-diff", ".").stdout.count("diff --git") == 0


@needs_git
def test_sdk_and_session_token_fixes_apply_and_still_parse(tmp_path):
    write(
        tmp_path,
        "push.js",
        (
            'const sdk = require("@adobe/acc-js-sdk");\n'
            "async function main() {\n"
            "  const cp = sdk.ConnectionParameters.ofUserAndPassword(\n"
            "    ENDPOINT, process.env.CAMPAIGN_USER, process.env.CAMPAIGN_PASSWORD);\n"
            "  const client = await sdk.init(cp);\n"
            "}\n"
        ),
    )
    write(
        tmp_path,
        "mc.js",
        (
            "// soaprouter.jsp urn:nms:rtEvent\n"
            "function push(evt) {\n"
            "  return '<urn:PushEvent><urn:sessiontoken xsi:type=\"xsd:string\">mc/</urn:sessiontoken>'\n"
            "    + evt + '</urn:PushEvent>';\n"
            "}\n"
        ),
    )
    write(
        tmp_path,
        "ims_token.py",
        (
            "import requests\n\n"
            "IMS = 'https://ims-na1.adobelogin.com'\n"
            "def token(form):\n"
            "    return requests.post(IMS + '/ims/exchange/jwt', data=form).json()['access_token']\n"
        ),
    )
    before = findings(tmp_path)
    assert {f["rule_id"] for f in before if f.get("fix")} == {"IMS102", "IMS103", "IMS105"}
    proc = imslint(tmp_path, "check", "--no-config", "--fix-diff", ".")
    git_apply(tmp_path, proc.stdout)
    push = (tmp_path / "push.js").read_text(encoding="utf-8")
    assert "sdk.ConnectionParameters.ofImsBearerToken(ENDPOINT, process.env.IMS_ACCESS_TOKEN);" in push
    mc = (tmp_path / "mc.js").read_text(encoding="utf-8")
    assert '<urn:sessiontoken xsi:type="xsd:string"/>\'\n    + evt' in mc
    ast.parse((tmp_path / "ims_token.py").read_text(encoding="utf-8"))
    assert "'/ims/token/v3'" in (tmp_path / "ims_token.py").read_text(encoding="utf-8")
    if shutil.which("node"):
        for name in ("push.js", "mc.js"):
            assert subprocess.run(["node", "--check", str(tmp_path / name)], capture_output=True).returncode == 0
    after = findings(tmp_path)
    assert not [f for f in after if f["rule_id"] in ("IMS102", "IMS105")]
    assert not [f for f in after if f["rule_id"] == "IMS103" and f["location"]["path"] == "push.js"]


@needs_git
@pytest.mark.parametrize("newline, bom, last", [("\r\n", "", "\r\n"), ("\n", "\ufeff", ""), ("\n", "", "")])
def test_diff_keeps_line_ends_bom_and_a_missing_final_newline(tmp_path, newline, bom, last):
    lines = ["<serverConf>", '  <securityZone name="a" allowUserPassword="true"/>', "</serverConf>"]
    raw = bom + newline.join(lines) + last
    (tmp_path / "serverConf.xml").write_bytes(raw.encode("utf-8"))
    proc = imslint(tmp_path, "check", "--no-config", "--fix-diff", ".")
    git_apply(tmp_path, proc.stdout)
    assert (tmp_path / "serverConf.xml").read_bytes() == raw.replace('"true"', '"false"').encode("utf-8")
    assert findings(tmp_path) == []


def test_a_fix_is_never_offered_in_a_diff_near_a_secret(tmp_path):
    write(
        tmp_path,
        "push.js",
        (
            'const sdk = require("@adobe/acc-js-sdk");\n'
            f'const pw = "{SECRET}";\n'
            "\n"
            "const cp = sdk.ConnectionParameters.ofUserAndPassword(ENDPOINT, 'api_crm', pw);\n"
        ),
    )
    proc = imslint(tmp_path, "check", "--no-config", "--fix-diff", ".")
    assert proc.stdout == ""
    assert "left out of the diff: its lines hold a secret" in proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    doc = imslint(tmp_path, "check", "--no-config", "-f", "json", ".").stdout
    assert SECRET not in doc
    (finding,) = [f for f in json.loads(doc)["findings"] if f.get("fix")]
    assert finding["fix"]["replacements"][0]["text"] == "ofImsBearerToken(ENDPOINT, process.env.IMS_ACCESS_TOKEN)"
    sarif = imslint(tmp_path, "check", "--no-config", "-f", "sarif", ".").stdout
    assert SECRET not in sarif and '"insertedContent"' in sarif


class LeakyFix(Rule):
    """Test rule whose fixes would carry secrets."""

    id = "TST701"
    name = "leaky-fix"
    subject = SourceText
    severity = Severity.WARNING

    def check(self, subject, options):
        loc = Location(subject.path, 1, 1, 1, 5)
        yield Problem(loc, "own secret", secret="hunter22", key="a", fix=Fix("use hunter22", (Replacement(loc, "x"),)))
        yield Problem(loc, "other's secret", key="b", fix=Fix("replace", (Replacement(loc, "pw=hunter22"),)))
        yield Problem(
            Location(subject.path, 2, 1, 2, 1),
            "safe",
            key="c",
            fix=Fix("insert", (Replacement(Location(subject.path, 2, 1, 2, 1), "# ok\n"),)),
        )


class BadFix(Rule):
    """Test rule whose fix is not a Fix."""

    id = "TST702"
    name = "bad-fix"
    subject = SourceText

    def check(self, subject, options):
        yield Problem(Location(subject.path, 1, 1), "bad", fix="rm -rf /")


class Plugin:
    @hookimpl
    def imslint_register_rules(self):
        return [LeakyFix, BadFix]


def test_the_engine_drops_a_fix_holding_any_secret_of_the_file_and_rejects_a_bad_fix(tmp_path):
    write(tmp_path, "a.txt", "line one\nline two\n")
    registry = load_plugins(extra=[("tst", Plugin())])
    cfg = Config(root=str(tmp_path), select=["TST"], respect_gitignore=False)
    result = lint(["."], cfg, registry, cwd=str(tmp_path))
    by_key = {f.message: f for f in result.findings}
    assert by_key["own secret"].fix is None and by_key["other's secret"].fix is None
    assert by_key["safe"].fix is not None and by_key["safe"].fix.replacements[0].text == "# ok\n"
    (error,) = result.errors
    assert error.rule_id == "TST702" and "Problem.fix must be an imslint.Fix" in error.message


def test_sarif_fix_and_json_fix_say_the_same(tmp_path):
    write(
        tmp_path, "serverConf.xml", '<serverConf>\n  <securityZone name="a" allowUserPassword="true"/>\n</serverConf>\n'
    )
    (f,) = findings(tmp_path)
    assert f["fix"] == {
        "description": 'Set allowUserPassword="false" on the security zone '
        "(first move the callers from this zone to IMS bearer tokens)",
        "replacements": [
            {
                "location": {"path": "serverConf.xml", "line": 2, "column": 45, "end_line": 2, "end_column": 49},
                "text": "false",
            }
        ],
    }
    log = json.loads(imslint(tmp_path, "check", "--no-config", "-f", "sarif", ".").stdout)
    (fix,) = log["runs"][0]["results"][0]["fixes"]
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "serverConf.xml", "uriBaseId": "%SRCROOT%"}
    assert change["replacements"] == [
        {
            "deletedRegion": {"startLine": 2, "startColumn": 45, "endLine": 2, "endColumn": 49},
            "insertedContent": {"text": "false"},
        }
    ]


def test_the_result_cache_keeps_fixes(tmp_path):
    write(
        tmp_path,
        "src/serverConf.xml",
        '<serverConf>\n  <securityZone name="a" allowUserPassword="true"/>\n</serverConf>\n',
    )
    args = ["check", "--no-config", "-f", "json", "--cache-dir", str(tmp_path / "cache"), "src"]
    first = imslint(tmp_path, *args)
    second = imslint(tmp_path, *args)
    assert json.loads(first.stdout)["findings"][0]["fix"]
    assert first.stdout == second.stdout


@needs_git
def test_zeep_logon_becomes_a_token_request_and_a_bearer_header(tmp_path):
    write(
        tmp_path,
        "sync.py",
        (
            '"""Sync."""\n\nfrom __future__ import annotations\n\nimport logging\n\nfrom zeep import Client\n\n'
            'WSDL = "https://acme.campaign.adobe.com/nl/jsp/schemawsdl.jsp?schema=xtk:session"\n\n\n'
            "def open_session(login, password):\n"
            "    client = Client(WSDL)\n"
            '    result = client.service.Logon(sessiontoken="", strLogin=login, strPassword=password,'
            " elemParameters=None)\n"
            "    return result\n"
        ),
    )
    assert [f["rule_id"] for f in findings(tmp_path) if f.get("fix")] == ["IMS103"]
    git_apply(tmp_path, imslint(tmp_path, "check", "--no-config", "--fix-diff", ".").stdout)
    text = (tmp_path / "sync.py").read_text(encoding="utf-8")
    tree = ast.parse(text)
    assert "from __future__ import annotations\n\nimport os\nimport logging\n" in text  # __future__ stays first
    assert isinstance(tree.body[1], ast.ImportFrom) and tree.body[1].module == "__future__"
    assert 'client.transport.session.headers["Authorization"] = "Bearer " + client.transport.session.post(' in text
    assert "ims/token/v3" in text and '"grant_type": "client_credentials"' in text
    assert findings(tmp_path) == []
