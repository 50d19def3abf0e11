"""The guard rails CI runs: ruff, mypy and the import-linter layer contracts (configured in pyproject.toml).

They run inside the test suite, so the README's one test command (and .ci/run) checks them too. mypy and
import-linter look for the package ``imslint``, whose folders are ``linter/`` and ``rules/`` (package-dir):
the tests give them a tree of links laid out as installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

BIN = os.path.dirname(sys.executable)


def _tool(name):
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        path = shutil.which(name)
    if not path:
        pytest.skip(f"{name} is not installed (pip install -e '.[test]' installs it)")
    return path


@pytest.fixture(scope="module")
def installed_layout(tmp_path_factory):
    """``imslint/`` (linter/) with ``imslint/rules/`` (rules/) inside: real folders, each file a link."""
    top = tmp_path_factory.mktemp("layout")
    for src, dst in (("linter", "imslint"), ("rules", os.path.join("imslint", "rules"))):
        for folder, dirs, files in os.walk(os.path.join(ROOT, src)):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            rel = os.path.relpath(folder, os.path.join(ROOT, src))
            target = os.path.normpath(os.path.join(str(top), dst, rel))
            os.makedirs(target, exist_ok=True)
            for name in files:
                if name.endswith((".py", ".typed")):
                    os.symlink(os.path.join(folder, name), os.path.join(target, name))
    return str(top)


def _run(args, **kw):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600, **kw)


def test_ruff_finds_nothing():
    r = _run([_tool("ruff"), "check", "--no-cache", "linter", "rules", "tests", "benchmarks", "examples"])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_the_code_is_formatted():
    r = _run([_tool("ruff"), "format", "--check", "--no-cache", "linter", "rules", "tests", "benchmarks", "examples"])
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_mypy_finds_nothing(installed_layout, tmp_path):
    env = dict(os.environ, MYPYPATH=installed_layout)
    r = _run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--config-file",
            os.path.join(ROOT, "pyproject.toml"),
            "-p",
            "imslint",
        ],
        env=env,
    )
    if "No module named mypy" in r.stderr:
        pytest.skip("mypy is not installed (pip install -e '.[test]' installs it)")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_the_layers_hold(installed_layout):
    env = dict(os.environ, PYTHONPATH=installed_layout)
    r = _run([_tool("lint-imports"), os.path.join(ROOT, "pyproject.toml"), "--no-cache"], env=env)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "2 kept, 0 broken" in r.stdout


def test_a_broken_layer_is_caught(installed_layout, tmp_path):
    """The contract is not vacuous: a host module that imports the rules breaks it."""
    layout = tmp_path / "layout"
    shutil.copytree(installed_layout, str(layout), symlinks=True)
    (layout / "imslint" / "docs.py").unlink()
    with open(os.path.join(ROOT, "linter", "docs.py"), encoding="utf-8") as fh:
        text = fh.read()
    (layout / "imslint" / "docs.py").write_text(
        text + "\nfrom imslint.rules import operators  # noqa\n", encoding="utf-8"
    )
    env = dict(os.environ, PYTHONPATH=str(layout))
    r = _run([_tool("lint-imports"), os.path.join(ROOT, "pyproject.toml"), "--no-cache"], env=env)
    assert r.returncode != 0 and "BROKEN" in r.stdout.upper()
