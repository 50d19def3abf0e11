"""The data-driven rule test harness, importable so plugin authors reuse it.

A case file (``fixtures/cases/<RULEID>.toml``) names a rule and lists cases::

    rule = "IMS101"

    [[case]]
    name = "literal password in a Logon call"
    kind = "fail"              # or "pass"
    file = "lib/sync.js"
    content = '''
    var r = svc.Logon("", "api_crm", "S3cret!", <params/>);
    '''
    expect = [1]               # lines where the rule fires (or {path=..., line=...} tables)
    secrets = ["S3cret!"]      # must appear in no output
    options = {}               # [tool.imslint.rules.<name>] for this case

Each case runs through the real engine (readers, selection, stamping, reporters)
in a temporary folder with only its rule selected.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .config import Config
from .engine import lint
from .model import RunResult
from .plugins import Registry, load_plugins


@dataclass
class Case:
    """One named pass or fail case of a rule."""

    rule: str
    name: str
    kind: str
    files: Dict[str, str]
    expect: List[Tuple[str, int]]
    secrets: List[str] = field(default_factory=list)
    options: Dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def id(self) -> str:
        """pytest id: ``IMS101-fail-literal password``."""
        return f"{self.rule}-{self.kind}-{self.name}"


class CaseFileError(Exception):
    """A case file is malformed."""


def load_case_file(path: str) -> List[Case]:
    """Parse one case file into :class:`Case` objects."""
    with open(path, "rb") as fh:
        try:
            doc = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise CaseFileError(f"{path}: invalid TOML: {exc}") from None
    rule = doc.get("rule")
    if not isinstance(rule, str):
        raise CaseFileError(f"{path}: missing 'rule'")
    cases = []
    for n, raw in enumerate(doc.get("case", []), 1):
        name = raw.get("name") or f"case {n}"
        kind = raw.get("kind")
        if kind not in ("pass", "fail"):
            raise CaseFileError(f"{path}: case {name!r}: kind must be 'pass' or 'fail'")
        if "files" in raw:
            files = dict(raw["files"])
        elif "file" in raw and "content" in raw:
            files = {raw["file"]: raw["content"]}
        else:
            raise CaseFileError(f"{path}: case {name!r}: needs 'file' and 'content', or 'files'")
        default_path = next(iter(files))
        expect: List[Tuple[str, int]] = []
        for e in raw.get("expect", []):
            if isinstance(e, int):
                expect.append((default_path, e))
            elif isinstance(e, dict) and isinstance(e.get("line"), int):
                expect.append((e.get("path", default_path), e["line"]))
            else:
                raise CaseFileError(f"{path}: case {name!r}: bad expect entry {e!r}")
        if kind == "fail" and not expect:
            raise CaseFileError(f"{path}: case {name!r}: a fail case needs 'expect'")
        if kind == "pass" and expect:
            raise CaseFileError(f"{path}: case {name!r}: a pass case cannot have 'expect'")
        cases.append(
            Case(rule, name, kind, files, expect, list(raw.get("secrets", [])), dict(raw.get("options", {})), path)
        )
    return cases


def iter_case_files(directory: str) -> Iterator[Case]:
    """Every case of every ``*.toml`` file in ``directory``, in file order."""
    for name in sorted(os.listdir(directory)):
        if name.endswith(".toml"):
            yield from load_case_file(os.path.join(directory, name))


@dataclass
class CaseRun:
    """What running a case produced: the result and each format's output."""

    result: RunResult
    outputs: Dict[str, str]

    def lines(self, rule: str) -> List[Tuple[str, int]]:
        """(path, line) of the rule's findings."""
        return sorted((f.location.path, f.location.line) for f in self.result.findings if f.rule_id == rule)


def run_case(case: Case, registry: Optional[Registry] = None, select: Optional[Sequence[str]] = None) -> CaseRun:
    """Write the case's files to a temporary folder and lint them with the case's rule selected."""
    registry = registry or load_plugins()
    rule_cls = registry.rules.get(case.rule)
    if rule_cls is None:
        raise CaseFileError(f"{case.source}: rule {case.rule} is not loaded")
    with tempfile.TemporaryDirectory(prefix="imslint-case-") as tmp:
        for rel, content in case.files.items():
            target = os.path.join(tmp, *rel.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="") as fh:
                fh.write(content)
        cfg = Config(root=tmp, select=list(select or [case.rule]), respect_gitignore=False)
        if case.options:
            cfg.rules = {rule_cls.name: dict(case.options)}
        result = lint(["."], cfg, registry, cwd=tmp)
        outputs = {fmt: rep.render(result, {"show_suppressed": True}) for fmt, rep in registry.reporters.items()}
    return CaseRun(result, outputs)


def check_case(case: Case, registry: Optional[Registry] = None) -> CaseRun:
    """Run a case and assert its expectations; raises AssertionError with a readable diff."""
    run = run_case(case, registry)
    errors = [e.to_dict() for e in run.result.errors]
    assert not errors, f"{case.id}: errors while checking: {errors}"
    got = run.lines(case.rule)
    if case.kind == "pass":
        assert not got, f"{case.id}: expected no {case.rule} finding, got {got}: " + "; ".join(
            f.message for f in run.result.findings
        )
    else:
        assert got == sorted(case.expect), (
            f"{case.id}: expected {case.rule} at {sorted(case.expect)}, got {got}: "
            + "; ".join(f"{f.location.line}: {f.message}" for f in run.result.findings)
        )
    for secret in case.secrets:
        for fmt, text in run.outputs.items():
            assert secret not in text, f"{case.id}: secret {secret!r} leaked into {fmt} output"
    return run
