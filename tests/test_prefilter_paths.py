"""The native one-pass pre-filter (``imslint[fast]``) and the pure-Python one give the same answers and findings."""

from __future__ import annotations

import os
import random
import shutil
import sys

import pytest
from conftest import ROOT

from imslint.config import Config
from imslint.engine import lint
from imslint.engine.prefilter import Prefilter, _KeywordTree, native_available
from imslint.model import SourceText


def _hyperscan_installed():
    try:
        import hyperscan  # noqa: F401
    except Exception:  # noqa: BLE001 - missing, or a wheel that does not load here
        return False
    return True


needs_native = pytest.mark.skipif(
    not _hyperscan_installed(),
    reason='hyperscan is not installed (pip install "imslint[fast]"): only the pure-Python path runs',
)


def source_rules(registry):
    return [cls() for cls in registry.rules.values() if issubclass(cls.subject, SourceText)]


def test_imslint_prefilter_python_turns_the_native_path_off(monkeypatch):
    monkeypatch.setenv("IMSLINT_PREFILTER", "python")
    assert native_available() is False


@needs_native
def test_both_paths_find_the_same_keywords(registry):
    from imslint.engine.native import NativeKeywords

    keyed = Prefilter(source_rules(registry)).keyed
    plan = _KeywordTree([kws for _, kws in keyed])
    native = NativeKeywords([kws for _, kws in keyed])
    keywords = sorted({k for _, kws in keyed for k in kws})
    rnd = random.Random(16)
    samples = [b"", b"nothing here", bytes(range(256))]
    for _ in range(400):
        noise = [bytes(rnd.randrange(32, 127) for _ in range(rnd.randrange(1, 9))) for _ in range(8)]
        words = [rnd.choice(keywords) if rnd.random() < 0.3 else noise[i] for i in range(rnd.randrange(0, 8))]
        text = b" ".join(w.upper() if rnd.random() < 0.3 else w for w in words)
        samples.append(text)
        samples.append(text[: rnd.randrange(0, len(text) + 1)])  # keywords cut at the end
    for data in samples:
        assert native.mask(data) == plan.rules_in(data.lower()), data


def findings(root, registry, native, monkeypatch, jobs=1):
    if native:
        monkeypatch.delenv("IMSLINT_PREFILTER", raising=False)
    else:
        monkeypatch.setenv("IMSLINT_PREFILTER", "python")
    config = Config(root=str(root), respect_gitignore=False)
    result = lint(["."], config, registry, cwd=str(root), jobs=jobs)
    return (
        [(f.location.path, f.location.line, f.location.column, f.rule_id, f.message) for f in result.findings],
        sorted((e.path, e.message) for e in result.errors),
        result.files_scanned,
        result.subjects,
    )


@needs_native
def test_both_paths_give_the_same_findings_on_the_fixtures(tmp_path, registry, monkeypatch):
    from imslint.engine import native as native_module

    shutil.copytree(os.path.join(ROOT, "fixtures"), tmp_path / "fixtures")
    pure = findings(tmp_path, registry, False, monkeypatch)
    assert pure[0]
    calls = []
    mask = native_module.NativeKeywords.mask
    monkeypatch.setattr(native_module.NativeKeywords, "mask", lambda self, data: calls.append(1) or mask(self, data))
    assert findings(tmp_path, registry, True, monkeypatch) == pure
    assert len(calls) > 10  # the native search did answer (after the first files, see NATIVE_AFTER)


@needs_native
def test_both_paths_give_the_same_findings_on_a_generated_tree(tmp_path, registry, monkeypatch):
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        import gen_repo
    finally:
        sys.path.pop(0)
    tree = tmp_path / "tree"
    gen_repo.generate(str(tree), 400, 3.0, 7, 0.05, git=False, quiet=True, density=0.3)
    pure = findings(tree, registry, False, monkeypatch, jobs=2)
    assert pure[0]
    assert findings(tree, registry, True, monkeypatch, jobs=2) == pure
