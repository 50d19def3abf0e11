"""Golden files: `imslint check fixtures/` in every format. Regenerate with IMSLINT_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import HERE, ROOT

from imslint.cli import main

GOLDEN = os.path.join(HERE, "golden")


def render(fmt):
    os.chdir(ROOT)
    result = CliRunner().invoke(main, ["check", "--format", fmt, "--statistics", "fixtures"])
    text = result.output
    if fmt == "sarif":
        doc = json.loads(text)
        doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///ROOT/"
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    return result.exit_code, text


@pytest.mark.parametrize(
    "fmt, name",
    [
        ("text", "fixtures.txt"),
        ("json", "fixtures.json"),
        ("sarif", "fixtures.sarif"),
        ("github", "fixtures.github"),
        ("gitlab", "fixtures.gitlab.json"),
        ("junit", "fixtures.junit.xml"),
    ],
)
def test_golden(fmt, name, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    code, text = render(fmt)
    path = os.path.join(GOLDEN, name)
    if os.environ.get("IMSLINT_UPDATE_GOLDEN"):
        os.makedirs(GOLDEN, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")
    expected = Path(path).read_text(encoding="utf-8")
    assert text == expected, f"{name} differs: regenerate with IMSLINT_UPDATE_GOLDEN=1 and review the diff"
    assert code == 1  # the fixtures hold findings on purpose
    assert "timestamp" not in text.lower() or fmt == "text"
