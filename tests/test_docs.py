"""Documentation is part of the feature: README rules section generated from docstrings, every rule documented."""

from __future__ import annotations

import os
import re

from imslint.docs import update_readme

from conftest import ROOT


def test_readme_rules_section_is_up_to_date(registry):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    assert update_readme(text, registry) == text, "run: python -m imslint.docs README.md"


def test_every_builtin_rule_is_documented_with_examples(registry):
    for rid, cls in registry.rules.items():
        assert cls.summary() and not cls.summary().endswith("."), rid  # summaries are titles, not sentences
        help_text = cls.help_text()
        assert len(help_text.split()) > 25, f"{rid}: help text too short"
        assert re.search(r"(?i)fail", help_text) and re.search(r"(?i)pass", help_text), f"{rid}: needs failing and passing examples"


def test_every_builtin_rule_has_cases(registry):
    cases = os.path.join(ROOT, "fixtures", "cases")
    for rid in registry.rules:
        assert os.path.isfile(os.path.join(cases, f"{rid}.toml")), f"{rid} has no case file"


def test_readme_covers_the_reference_sections():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    for heading in ("## Two commands", "## Exit codes", "## Rules", "## Configuration", "## Suppressing a finding",
                    "## Baseline", "## Output formats", "## Pre-commit", "## CI", "## Writing a rule plugin"):
        assert heading in text


def test_ci_runs_the_readme_test_command():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        ci = fh.read()
    command = [l for l in ci.splitlines() if l.startswith("python3 -m venv")][0]
    assert command in readme


def test_the_readme_configuration_example_is_valid(registry, tmp_path):
    from imslint.config import load_config, resolve_rule_options, resolve_selection, resolve_severities

    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    section = text[text.index("## Configuration") :]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "pyproject.toml"
    path.write_text(example, encoding="utf-8")
    cfg = load_config(str(path))
    options = resolve_rule_options(cfg, registry.rules)
    assert "backup_admin" in options["IMS001"]["allowed-logins"] == options["IMS005"]["allowed-logins"]
    assert options["IMS003"]["allowed-domains"] == ["acme.com", "acme.fr"]
    assert options["IMS004"]["max-memory"] == 64
    assert resolve_severities(cfg, registry.rules)["IMS105"].label == "error"
    assert "IMS104" not in resolve_selection(cfg, registry.rules)
