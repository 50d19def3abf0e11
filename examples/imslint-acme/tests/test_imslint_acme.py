"""ACME's own tests: the case files run through imslint's real engine with imslint's case harness."""

from __future__ import annotations

import os
import sys

import pytest

# The plugin's source folder (an installed plugin needs nothing here).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import imslint_acme  # noqa: E402

from imslint.plugins import load_plugins
from imslint.testing import check_case, iter_case_files

CASES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
REGISTRY = load_plugins(extra=[("acme", imslint_acme)])


@pytest.mark.parametrize("case", list(iter_case_files(CASES)), ids=lambda c: c.id)
def test_case(case):
    check_case(case, REGISTRY)


def test_every_rule_has_cases_and_documentation():
    ruled = {case.rule for case in iter_case_files(CASES)}
    for rule in imslint_acme.imslint_register_rules():
        assert rule.id in ruled
        assert rule.help_uri and rule.summary()
