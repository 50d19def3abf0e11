"""The README's third-party plugin example, installed as a distribution would be (entry point metadata)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, write

from imslint.plugins import load_plugins
from imslint.testing import Case, check_case

EXAMPLE = os.path.join(ROOT, "examples", "imslint-acme")


@pytest.fixture
def site(tmp_path):
    """A folder that looks like site-packages with imslint-acme installed in it."""
    site = tmp_path / "site"
    dist = site / "imslint_acme-1.2.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: imslint-acme\nVersion: 1.2.0\n")
    (dist / "entry_points.txt").write_text("[imslint]\nacme = imslint_acme\n")
    shutil.copy(os.path.join(EXAMPLE, "imslint_acme.py"), site / "imslint_acme.py")
    return site


def imslint(site, cwd, *args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), ROOT]))
    return subprocess.run(
        [sys.executable, "-m", "imslint.cli", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_installed_plugin_is_listed_run_and_in_sarif(site, tmp_path):
    work = tmp_path / "work"
    write(work, "sync.py", 'URL = "https://acme-mkt.campaign.adobe.com/nl/jsp/soaprouter.jsp"\n')
    listed = imslint(site, work, "rules")
    assert "ACME001  hardcoded-instance-url" in listed.stdout, listed.stderr
    plugins = imslint(site, work, "plugins")
    assert "acme 1.2.0 (imslint_acme, entry point)" in plugins.stdout
    run = imslint(
        site, work, "check", "--no-config", "--select", "ACME001", "--fail-on", "note", "-f", "sarif", "sync.py"
    )
    assert run.returncode == 1, run.stderr
    sarif = json.loads(run.stdout)
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "ACME001" and result["level"] == "note"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 1
    assert sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "ACME001"


def test_plugin_authors_reuse_the_case_harness():
    sys.path.insert(0, EXAMPLE)
    try:
        import imslint_acme
    finally:
        sys.path.remove(EXAMPLE)
    registry = load_plugins(extra=[("acme", imslint_acme)])
    check_case(
        Case(
            "ACME001",
            "hard-coded",
            "fail",
            {"a.js": 'var u = "https://acme-mkt.campaign.adobe.com/x";\n'},
            [("a.js", 1)],
        ),
        registry,
    )
    check_case(
        Case(
            "ACME001",
            "allowed",
            "pass",
            {"a.js": 'var u = "https://acme-mkt.campaign.adobe.com/x";\n'},
            [],
            options={"allowed-instances": ["acme-mkt"]},
        ),
        registry,
    )
    with pytest.raises(AssertionError, match="expected ACME001 at"):
        check_case(Case("ACME001", "wrong", "fail", {"a.js": "nothing\n"}, [("a.js", 1)]), registry)
