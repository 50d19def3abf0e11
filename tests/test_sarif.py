"""SARIF 2.1.0 output: the OASIS schema (jsonschema) and Microsoft's SARIF Multitool (GitHub + SARIF rules)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess

import pytest
from conftest import HERE, ROOT, write

from imslint.config import Config
from imslint.engine import lint

SCHEMA = os.path.join(HERE, "data", "sarif-schema-2.1.0.json")
MULTITOOL_DIR = os.path.join(HERE, "sarif-multitool")


def schema_errors(doc):
    import jsonschema

    with open(SCHEMA, encoding="utf-8") as fh:
        schema = json.load(fh)
    validator = jsonschema.Draft4Validator(schema)
    return sorted(f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc))


def multitool():
    """Path of the Sarif.Multitool binary, installing the pinned npm package on first use."""
    binary = os.path.join(MULTITOOL_DIR, "node_modules", "@microsoft", "sarif-multitool-linux", "Sarif.Multitool")
    if not os.path.exists(binary):
        npm = shutil.which("npm")
        if npm is None:
            if os.environ.get("CI"):
                pytest.fail("npm is needed in CI to install the SARIF Multitool")
            pytest.skip("npm is not installed: cannot install the SARIF Multitool")
        subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"], cwd=MULTITOOL_DIR, check=True, timeout=300
        )
    mode = os.stat(binary).st_mode
    if not mode & stat.S_IXUSR:
        os.chmod(binary, mode | stat.S_IXUSR)  # npm may skip the package's own chmod install script
    return binary


def validate_with_multitool(path):
    proc = subprocess.run(
        [multitool(), "validate", "--rule-kind", "Gh;Sarif", "--level", "Error;Warning", path],
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    problems = [l for l in out.splitlines() if ": error " in l.lower() or ": warning " in l.lower()]  # noqa: E741
    return proc.returncode, problems, out


def toy_sarif(tmp_path, toy_registry):
    write(tmp_path, "src/a.toy", "password=p1 legacy\nlegacy\n")
    write(tmp_path, "src/b.toy", "password=p2\nTRUNCATED\n")
    result = lint(["."], Config(root=str(tmp_path), respect_gitignore=False), toy_registry, cwd=str(tmp_path))
    return toy_registry.reporters["sarif"].log(result), result


def test_toy_log_matches_schema_and_github_needs(tmp_path, toy_registry):
    log, result = toy_sarif(tmp_path, toy_registry)
    assert schema_errors(log) == []
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "imslint" and driver["version"] and driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert ids == ["TOY001", "TOY002", "TOY003", "TOY004"]
    secret_rule = driver["rules"][0]
    assert secret_rule["properties"]["security-severity"] == "8.0"
    assert "security" in secret_rule["properties"]["tags"]
    for r in driver["rules"]:
        assert (
            r["shortDescription"]["text"]
            and r["fullDescription"]["text"]
            and r["help"]["text"]
            and r["help"]["markdown"]
        )
        assert r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    for res in run["results"]:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not loc["artifactLocation"]["uri"].startswith("/")
        assert set(loc["region"]) == {"startLine", "startColumn", "endLine", "endColumn"}
        assert res["partialFingerprints"]["imslintFingerprint/v1"]
    total = [r for r in run["results"] if "occurrences" in r["message"]["text"]]
    assert total[0]["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 2
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is False
    assert [
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in inv["toolExecutionNotifications"]
    ] == ["src/b.toy"]
    text = json.dumps(log)
    assert "p1" not in text.replace("TOY", "") or "password=p1" not in text
    assert run["redactionTokens"] and all(t.startswith("<redacted:") for t in run["redactionTokens"])


def test_toy_log_passes_the_sarif_multitool(tmp_path, toy_registry):
    log, _ = toy_sarif(tmp_path, toy_registry)
    path = tmp_path / "out.sarif"
    path.write_text(json.dumps(log))
    code, problems, out = validate_with_multitool(str(path))
    assert problems == [], out
    assert code == 0, out


def test_fixtures_log_passes_schema_and_multitool(tmp_path, registry, monkeypatch):
    """The realistic run (sample repository + operator exports) is valid for both consumers."""
    monkeypatch.chdir(ROOT)
    from imslint.config import find_config, load_config

    cfg = load_config(find_config(os.path.join(ROOT, "fixtures")))
    result = lint(["fixtures"], cfg, registry, cwd=ROOT)
    log = registry.reporters["sarif"].log(result)
    assert schema_errors(log) == []
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"IMS001", "IMS004", "IMS101", "IMS201"}
    assert any(r.get("relatedLocations") for r in results if r["ruleId"] == "IMS004")
    path = tmp_path / "fixtures.sarif"
    path.write_text(json.dumps(log))
    code, problems, out = validate_with_multitool(str(path))
    assert problems == [] and code == 0, out


def test_a_run_over_githubs_result_limit_keeps_the_most_severe_and_says_so(tmp_path, registry, monkeypatch):
    import imslint.reporters.sarif as sarif

    monkeypatch.chdir(ROOT)
    from imslint.config import find_config, load_config

    cfg = load_config(find_config(os.path.join(ROOT, "fixtures")))
    result = lint(["fixtures"], cfg, registry, cwd=ROOT)
    errors = [f for f in result.findings if f.severity.label == "error"]
    monkeypatch.setattr(sarif, "MAX_RESULTS", len(errors) + 2)
    log = registry.reporters["sarif"].log(result)
    results = log["runs"][0]["results"]
    assert len(results) == len(errors) + 2
    assert [r["level"] for r in results].count("error") == len(errors)  # every error kept
    assert [r["level"] for r in results].count("note") == 0  # the least severe left out first
    fingerprints = [r["partialFingerprints"]["imslintFingerprint/v1"] for r in results]
    assert fingerprints == [f.fingerprint for f in result.findings if f.fingerprint in set(fingerprints)]  # order kept
    notes = [n["message"]["text"] for n in log["runs"][0]["invocations"][0]["toolExecutionNotifications"]]
    left_out = len(result.findings) - len(results)
    assert f"{left_out} of {len(result.findings)} results were left out" in " ".join(notes)
    assert schema_errors(log) == []
    path = tmp_path / "capped.sarif"
    path.write_text(json.dumps(log))
    code, problems, out = validate_with_multitool(str(path))
    assert problems == [] and code == 0, out
    monkeypatch.setattr(sarif, "MAX_RESULTS", 25_000)
    assert len(registry.reporters["sarif"].log(result)["runs"][0]["results"]) == len(result.findings)
