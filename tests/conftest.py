"""Shared fixtures: a registry with the toy plugin only (host tests) and the full built-in registry."""

from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "plugins"))

from imslint import builtin, hookimpl  # noqa: E402
from imslint.plugins import load_plugins  # noqa: E402


class FormatsOnly:
    """The built-in reporters without the built-in readers, for host tests."""

    @hookimpl
    def imslint_register_reporters(self):
        return builtin.imslint_register_reporters()


@pytest.fixture
def toy_registry():
    import toy_plugin

    return load_plugins(use_entry_points=False, extra=[("toy", toy_plugin), ("formats", FormatsOnly())])


class OperatorReaders:
    """The operator readers and the built-in reporters, without the other families' plugins."""

    @hookimpl
    def imslint_register_readers(self):
        from imslint.readers.operators import OperatorCsvReader, OperatorXmlReader

        return [OperatorXmlReader, OperatorCsvReader]

    @hookimpl
    def imslint_register_reporters(self):
        return builtin.imslint_register_reporters()


@pytest.fixture(scope="session")
def op_registry():
    """The operator rules and readers only (their tests run without the code rules)."""
    import imslint.rules.operators as ro

    return load_plugins(use_entry_points=False, extra=[("operators", ro), ("operator-readers", OperatorReaders())])


@pytest.fixture(scope="session")
def registry():
    return load_plugins()


def write(base, rel, text):
    path = os.path.join(str(base), *rel.split("/"))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return path


def registry_with(*rule_classes):
    """The full built-in registry plus ``rule_classes``, registered by a throw-away plugin."""

    class Plugin:
        @hookimpl
        def imslint_register_rules(self):
            return list(rule_classes)

    return load_plugins(extra=[("tst", Plugin())])


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium (Debian package ``chromium``), installed once where apt allows; skips otherwise."""
    from tools import ensure

    path, why = ensure("chromium", ["/usr/bin/chromium", "chromium", "chromium-browser"], [["chromium"]])
    if path is None:
        pytest.skip(why)
    return path


@pytest.fixture(scope="session")
def soffice():
    """LibreOffice's ``soffice`` (Calc without a GUI), installed once where apt allows; skips otherwise."""
    from tools import ensure

    path, why = ensure(
        "libreoffice",
        ["soffice", "libreoffice", "/usr/bin/soffice"],
        [["libreoffice-calc-nogui"], ["libreoffice-calc"]],
    )
    if path is None:
        pytest.skip(why)
    return path
