"""Documentation is part of the feature: the rule reference generated from docstrings, every rule documented, links alive."""

from __future__ import annotations

import os
import re

from conftest import ROOT

from imslint.docs import update_readme


def _read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as fh:
        return fh.read()


def test_the_rule_reference_is_up_to_date(registry):
    text = _read("docs", "rules.md")
    assert update_readme(text, registry) == text, "run: python -m imslint.docs docs/rules.md"
    for cls in registry.rules.values():  # every built-in rule's help link lands on its own section
        assert cls.help_uri.endswith(f"docs/rules.md#{cls.id.lower()}-{cls.name}")
        assert f"### {cls.id} {cls.name}\n" in text


def test_every_builtin_rule_is_documented_with_examples(registry):
    for rid, cls in registry.rules.items():
        assert cls.summary() and not cls.summary().endswith("."), rid  # summaries are titles, not sentences
        help_text = cls.help_text()
        assert len(help_text.split()) > 25, f"{rid}: help text too short"
        assert re.search(r"(?i)fail", help_text) and re.search(r"(?i)pass", help_text), (
            f"{rid}: needs failing and passing examples"
        )


def test_every_builtin_rule_has_cases(registry):
    cases = os.path.join(ROOT, "fixtures", "cases")
    for rid in registry.rules:
        assert os.path.isfile(os.path.join(cases, f"{rid}.toml")), f"{rid} has no case file"


def test_the_readme_is_short_and_the_reference_lives_in_docs():
    readme = _read("README.md")
    assert len(readme.splitlines()) <= 160
    for heading in ("## Two commands", "## Exit codes", "## Documentation", "## Architecture"):
        assert heading in readme
    where = {
        "usage.md": ("## Usage", "## Exit codes", "## What it reads"),
        "configuration.md": ("## Configuration", "## Suppressing a finding", "## Baseline", "## Result cache"),
        "output-formats.md": ("### sarif", "### json", "### github"),
        "ci.md": ("## Pre-commit", "## GitHub Action", "## Diff-aware gating", "## Suggested fixes"),
        "plugins.md": ("## Writing a rule plugin", "## Hook reference"),
        "performance.md": ("## Performance",),
    }
    for name, headings in where.items():
        text = _read("docs", name)
        assert f"(docs/{name})" in readme, f"the README does not link docs/{name}"
        for heading in headings:
            assert heading in text, (name, heading)


def _anchor(heading):
    """GitHub's anchor for a Markdown heading."""
    text = heading.strip().lstrip("#").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def test_relative_links_in_the_readme_and_docs_lead_somewhere():
    docs = [os.path.join("docs", n) for n in sorted(os.listdir(os.path.join(ROOT, "docs"))) if n.endswith(".md")]
    broken = []
    for name in ["README.md", *docs]:
        text = re.sub(r"`[^`\n]*`", "", re.sub(r"```.*?```", "", _read(name), flags=re.S))
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue
            path, _, anchor = target.partition("#")
            full = (
                os.path.normpath(os.path.join(ROOT, os.path.dirname(name), path)) if path else os.path.join(ROOT, name)
            )
            if not os.path.exists(full):
                broken.append(f"{name}: {target}")
            elif anchor and full.endswith(".md"):
                with open(full, encoding="utf-8") as fh:
                    anchors = {_anchor(l) for l in fh if l.startswith("#")}  # noqa: E741
                if anchor not in anchors:
                    broken.append(f"{name}: {target}")
    assert not broken


def test_the_hook_reference_names_every_hook():
    from imslint import hookspecs

    text = _read("docs", "plugins.md")
    for name in (n for n in dir(hookspecs) if n.startswith("imslint_")):
        assert f"`{name}(" in text, name


def test_ci_runs_the_readme_test_command():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        readme = fh.read()
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        ci = fh.read()
    command = [l for l in ci.splitlines() if l.startswith("python3 -m venv")][0]  # noqa: E741
    assert command in readme


def test_the_documented_configuration_example_is_valid(registry, tmp_path):
    from imslint.config import load_config, resolve_rule_options, resolve_selection, resolve_severities

    text = _read("docs", "configuration.md")
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
