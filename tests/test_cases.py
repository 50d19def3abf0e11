"""The generic, data-driven runner: every case of every fixtures/cases/<RULE>.toml through the real engine."""

from __future__ import annotations

import os

import pytest
from conftest import ROOT

from imslint.testing import check_case, iter_case_files

CASES = list(iter_case_files(os.path.join(ROOT, "fixtures", "cases")))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(case, registry):
    check_case(case, registry)


def test_every_rule_has_pass_and_fail_cases(registry):
    kinds = {}
    for case in CASES:
        kinds.setdefault(case.rule, set()).add(case.kind)
    for rid in registry.rules:
        assert kinds.get(rid) == {"pass", "fail"}, f"{rid}: needs pass and fail cases, has {kinds.get(rid)}"
