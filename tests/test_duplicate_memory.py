"""IMS004 keeps its memory under ``max-memory`` by counting one hash range at a time, reading exports again."""

from __future__ import annotations

import os
import random

import pytest
from conftest import write

import imslint.readers.operators as ops
import imslint.rules.operators as ro
from imslint.config import Config
from imslint.engine import lint
from imslint.engine.pieces import _can_fork
from imslint.model import OperatorRecord
from imslint.readers import InputFile
from imslint.rule import RunContext
from imslint.rules.email_index import EmailIndex


def _export(n: int, seed: int, shared: int = 40, one_mailbox: bool = False) -> str:
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        login = f"u{seed}_{i}"
        if one_mailbox or i % 37 == 0:
            email = "team@acme.com" if one_mailbox else f"Shared{rnd.randrange(shared)}@acme.com "
        else:
            email = f"{login}@acme.com"
        auth = "ims" if rnd.random() < 0.7 else "native"
        rows.append(
            f'  <operator name="{login}" label="U {i}" email="{email}"><access authenticationType="{auth}"/></operator>'
        )
    return '<package>\n <entities schema="xtk:operator">\n' + "\n".join(rows) + "\n </entities>\n</package>\n"


def _duplicates(result):
    return [
        (f.location.path, f.location.line, f.message, tuple((r.location.path, r.location.line) for r in f.related))
        for f in result.findings
        if f.rule_id == "IMS004"
    ]


@pytest.fixture
def exports(tmp_path):
    for k in range(3):
        write(tmp_path, f"export{k}.xml", _export(3000, k))
    return tmp_path


def _mib(operators: int) -> float:
    """The max-memory (MiB) that holds this many operators."""
    return operators * EmailIndex.ENTRY_BYTES / (1 << 20)


WINDOW = _mib(1024)  # max-memory for 1024 operators (the smallest budget)


@pytest.fixture
def watched(monkeypatch):
    """A record of the most operators an email index held after a call (in this process) and of the passes."""
    seen = {"largest": 0, "passes": 0}

    def spy(method):
        def after(self, *args, **kwargs):
            method(self, *args, **kwargs)
            seen["largest"] = max(seen["largest"], self.held)

        return after

    for name in ("add", "add_batch", "merge_state"):
        monkeypatch.setattr(EmailIndex, name, spy(getattr(EmailIndex, name)))
    read_again = RunContext.read_again

    def spy_read(self, kind, needles=None):
        if kind == "operator":
            seen["passes"] += 1
        return read_again(self, kind, needles)

    monkeypatch.setattr(RunContext, "read_again", spy_read)
    return seen


def _run(root, op_registry, jobs=1, max_memory=None):
    cfg = Config(root=str(root))
    if max_memory is not None:
        cfg.rules = {"duplicate-email": {"max-memory": max_memory}}
    return lint([str(root)], cfg, op_registry, jobs=jobs)


def test_a_memory_limit_gives_the_same_findings_in_several_passes(exports, op_registry, watched):
    unlimited = _duplicates(_run(exports, op_registry, max_memory=0))
    assert watched["passes"] == 0
    assert len(unlimited) > 50 and len({f[0] for f in unlimited}) == 3  # duplicates within and across exports
    assert watched["largest"] > 4096  # (without a limit, the arrays hold every counted operator)
    watched["largest"] = 0
    limited = _run(exports, op_registry, max_memory=WINDOW)
    assert _duplicates(limited) == unlimited
    assert not limited.errors
    assert watched["passes"] >= 5  # 6,300 counted operators through a window of 1,024
    assert watched["largest"] <= 1024


@pytest.mark.skipif(not _can_fork(), reason="pieces are read in forked processes (Linux)")
@pytest.mark.parametrize("jobs", [2, 3])
def test_pieces_read_in_other_processes_merge_within_the_limit(exports, op_registry, watched, monkeypatch, jobs):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    expected = _duplicates(_run(exports, op_registry, jobs=1, max_memory=0))
    watched["largest"] = 0
    limited = _run(exports, op_registry, jobs=jobs, max_memory=WINDOW)
    assert _duplicates(limited) == expected
    assert watched["passes"] >= 5 and watched["largest"] <= 1024  # (a merge holds both sides only for a moment)


def test_one_mailbox_for_everyone_cannot_be_split_and_is_still_reported(tmp_path, op_registry, watched):
    write(tmp_path, "export.xml", _export(2500, 1, one_mailbox=True))
    limited = _duplicates(_run(tmp_path, op_registry, max_memory=WINDOW))
    assert limited == _duplicates(_run(tmp_path, op_registry, max_memory=0))
    assert len(limited) > 500  # every native holder of the shared address


def test_without_a_second_reading_the_rule_keeps_everything(op_registry, watched):
    rule = ro.DuplicateEmail()
    rule.context = RunContext()  # not run by the engine: read_again is not available
    assert not rule.context.can_read_again
    with pytest.raises(RuntimeError):
        rule.context.read_again("operator")
    options = dict(ro.DuplicateEmail.defaults, **{"max-memory": WINDOW})
    ops_ = [OperatorRecord("x.xml", i + 1, f"u{i}", email=f"u{i % 1500}@acme.com") for i in range(3000)]
    rule.check_batch(ops_, options)
    assert rule.index.held == 3000 and rule.index.budget is None
    assert len(list(rule.finish(options))) == 3000


def test_a_file_gone_before_the_second_reading_is_passed_over(exports, op_registry, watched, monkeypatch):
    read_again = RunContext.read_again
    removed = []

    def remove_then_read(self, kind, needles=None):
        if kind == "operator" and not removed:
            removed.append(os.path.join(str(exports), "export2.xml"))
            os.remove(removed[0])
        return read_again(self, kind, needles)

    monkeypatch.setattr(RunContext, "read_again", remove_then_read)
    result = _run(exports, op_registry, max_memory=WINDOW)
    assert removed and not result.errors
    assert any(f[0].endswith("export0.xml") for f in _duplicates(result))


def test_read_again_yields_the_subjects_of_the_first_reading(exports, op_registry):
    seen = {}

    class Spy(ro.DuplicateEmail):
        def finish(self, options):
            seen["again"] = [(o.path, o.line, o.login) for o in self.context.read_again("operator")]
            seen["none"] = list(self.context.read_again("source"))
            return iter(())

    registry = op_registry
    original = registry.rules["IMS004"]
    registry.rules["IMS004"] = Spy
    try:
        lint([str(exports)], Config(root=str(exports)), registry, jobs=1)
    finally:
        registry.rules["IMS004"] = original
    first = [
        (o.path, o.line, o.login)
        for k in range(3)
        for o in ops.OperatorXmlReader().read(
            InputFile(os.path.join(str(exports), f"export{k}.xml"), os.path.join(str(exports), f"export{k}.xml"))
        )
    ]
    assert seen["again"] == first
    assert seen["none"] == []


def test_pieces_read_at_once_share_the_budget():
    context = RunContext()
    context.set_read_again(lambda kind: iter(()))
    options = dict(ro.DuplicateEmail.defaults, **{"max-memory": _mib(4096)})
    whole, piece = ro.DuplicateEmail(), ro.DuplicateEmail()
    whole.context = context
    piece.context = context.copy()
    piece.context.memory_share = 0.25
    assert piece.context.can_read_again
    for rule in (whole, piece):
        rule.check_batch([], options)
    assert (whole.index.budget, piece.index.budget) == (4096, 1024)
    # The main instance, which read no piece itself, takes the run's limit from the first state merged.
    main = ro.DuplicateEmail()
    main.context = context
    main.merge_state(piece.export_state())
    assert main.index.budget == 4096


@pytest.mark.skipif(not _can_fork(), reason="pieces are read in forked processes (Linux)")
def test_the_engine_gives_each_piece_its_share(exports, op_registry, monkeypatch):
    import imslint.engine.pieces as pieces

    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    shares = []
    read_piece = pieces._read_piece

    def spy(run, *args):
        shares.append(run[2].memory_share)
        return read_piece(run, *args)

    monkeypatch.setattr(pieces, "_read_piece", spy)
    _run(exports, op_registry, jobs=3)
    assert shares and all(
        abs(s - 1 / 3) < 1e-9 for s in shares
    )  # the main process's own piece (forked ones return nothing here)


def _csv_export(n: int, seed: int) -> str:
    rnd = random.Random(seed)
    rows = ["Name;Label;Email;Account disabled;Authentication type"]
    for i in range(n):
        email = f"shared{rnd.randrange(30)}@acme.com" if i % 41 == 0 else f"c{seed}_{i}@acme.com"
        rows.append(f"c{seed}_{i};C {i};{email};No;{'IMS' if rnd.random() < 0.7 else 'Native'}")
    return "\n".join(rows) + "\n"


def test_console_csv_exports_are_read_again_too(tmp_path, op_registry, watched):
    write(tmp_path, "console.csv", _csv_export(3000, 4))
    write(tmp_path, "package.xml", _export(2000, 9))
    unlimited = _duplicates(_run(tmp_path, op_registry, max_memory=0))
    assert {p.rsplit("/", 1)[-1] for p, *_ in unlimited} == {"console.csv", "package.xml"}
    watched["largest"] = 0
    assert _duplicates(_run(tmp_path, op_registry, max_memory=WINDOW)) == unlimited
    assert watched["passes"] >= 2 and watched["largest"] <= 1024


def test_one_big_shared_mailbox_costs_few_extra_readings(tmp_path, op_registry, watched):
    # 1,500 of 2,600 operators hold one address: that group alone is over the 1,024-operator window.
    rows = [
        f'<operator name="s{i}" email="{"desk@acme.com" if i < 1500 else f"s{i}@acme.com"}">'
        f'<access authenticationType="{"native" if i % 3 else "ims"}"/></operator>'
        for i in range(2600)
    ]
    write(
        tmp_path,
        "export.xml",
        "<package><entities schema='xtk:operator'>\n" + "\n".join(rows) + "\n</entities></package>\n",
    )
    unlimited = _duplicates(_run(tmp_path, op_registry, max_memory=0))
    limited = _duplicates(_run(tmp_path, op_registry, max_memory=WINDOW))
    assert limited == unlimited and len(unlimited) == 1000  # every native holder of desk@acme.com
    assert watched["passes"] <= 2
