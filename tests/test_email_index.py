"""The email index of IMS004 through its public surface: groups, lookups, the budget, merged states."""

from __future__ import annotations

import pickle
import random

import pytest

import imslint.rules.email_index as email_index
from imslint.model import Location, OperatorRecord
from imslint.rules.email_index import IMS, PERSON, EmailIndex


def _operators(n, emails, seed, path="a.xml"):
    """``n`` operators over ``emails`` distinct addresses (about 70% on IMS), and their kinds."""
    rnd = random.Random(seed)
    ops, kinds = [], []
    for i in range(n):
        ims = rnd.random() < 0.7
        email = f" M{rnd.randrange(emails)}@Acme.com" if i % 3 else f"m{rnd.randrange(emails)}@acme.com"
        ops.append(
            OperatorRecord(
                path, i + 1, f"u{seed}_{i}", label=f"U {i}", email=email, authentication_type="ims" if ims else "native"
            )
        )
        kinds.append(IMS if ims else PERSON)
    return ops, kinds


def _groups(index):
    """Each duplicate group as the sorted places of its members (comparable across indexes)."""
    return sorted(
        tuple(sorted((index.location(i).path, index.location(i).line) for i in members))
        for members in index.duplicate_groups()
    )


def _every_range(index, ops, kinds, budget=None):
    """The groups of ``index`` (filled already), then of each hash range above it, adding ``ops`` again."""
    found = _groups(index)
    passes = 1
    while index.truncated:
        index.count_next_range()
        for at in range(0, len(ops), 700):
            index.add_batch(ops[at : at + 700], kinds[at : at + 700])
            if budget is not None:
                assert index.held <= budget
        found += _groups(index)
        passes += 1
    return sorted(found), passes


def _whole(ops, kinds):
    index = EmailIndex()
    index.add_batch(ops, kinds)
    return index


def test_groups_lookups_and_ids():
    index = EmailIndex()
    ops = [
        OperatorRecord("a.xml", 3, "jdoe", label="John Doe", email=" John@Acme.com ", authentication_type="native"),
        OperatorRecord("a.xml", 4, "alone", email="alone@acme.com", authentication_type="native"),
        OperatorRecord("b.xml", 1, "team", email="john@acme.com", authentication_type="ims"),
        OperatorRecord("c.xml", 1, "asmith", label="Alice", email="JOHN@acme.com", column=120),
        OperatorRecord("c.xml", 2, "blank", email="   "),
    ]
    index.add_batch(ops, [PERSON, PERSON, IMS, PERSON, PERSON])
    assert index.held == 4  # a blank email is passed over
    assert list(index.duplicate_groups()) == [[0, 2, 3]]
    assert index.person(0) == ("jdoe", "John Doe", "John@Acme.com", "native")
    assert index.person(2) is None and index.ims_id(0) is None
    assert index.ims_id(2) == EmailIndex.ims_id_of("team") < 0
    assert index.location(0) == Location("a.xml", 3, 1)
    assert index.location(2) == Location("b.xml", 1, 1)
    assert index.location(3) == Location("c.xml", 1, 120, 1, 120 + len("<operator"))  # a one-line export


def test_add_and_add_batch_hold_the_same():
    ops, kinds = _operators(3000, 800, seed=1)
    one_by_one = EmailIndex()
    for op, kind in zip(ops, kinds):
        one_by_one.add(op, person=kind == PERSON)
    batched = _whole(ops, kinds)
    assert one_by_one.held == batched.held == 3000
    assert _groups(one_by_one) == _groups(batched) and len(_groups(batched)) > 300
    assert [batched.person(i) for i in range(3000)] == [one_by_one.person(i) for i in range(3000)]


def test_memory_per_operator_stays_flat_as_the_index_grows():
    ops = [OperatorRecord("a.xml", i + 1, f"u{i}", email=f"u{i}@acme.com") for i in range(40000)]
    index = EmailIndex()
    for at in range(0, len(ops), 1024):
        index.add_batch(ops[at : at + 1024], [IMS] * len(ops[at : at + 1024]))  # no details kept
        assert index.bytes_per_operator <= EmailIndex.ENTRY_BYTES
    assert index.held == 40000 and index.bytes_per_operator > 16
    assert not list(index.duplicate_groups())
    # A late holder of an early email is still a duplicate once the bitmap grew.
    index.add(OperatorRecord("b.xml", 9, "late", email=" U5@Acme.com"), person=True)
    assert [[index.location(i) for i in g] for g in index.duplicate_groups() if index.held - 1 in g] == [
        [Location("a.xml", 6, 1), Location("b.xml", 9, 1)]
    ]


def test_a_budget_keeps_memory_down_and_every_range_finds_its_duplicates():
    ops, kinds = _operators(6000, 2500, seed=3)
    whole = _whole(ops, kinds)
    index = EmailIndex()
    index.limit(1024)
    assert index.budget == 1024
    for at in range(0, len(ops), 500):
        index.add_batch(ops[at : at + 500], kinds[at : at + 500])
        assert index.held <= 1024
    assert index.truncated and 0 < index.hi  # the upper part of the hash range was dropped
    found, passes = _every_range(index, ops, kinds, budget=1024)
    assert passes >= 5  # 6,000 operators through a window of 1,024
    assert found == _groups(whole) and len(found) > 500
    assert not index.truncated


def test_a_share_of_the_budget_is_never_below_1024():
    index = EmailIndex()
    index.limit(3000, share=0.25)
    assert (index.budget, index.run_budget) == (1024, 3000)
    index.limit(40000, share=0.25)
    assert (index.budget, index.run_budget) == (10000, 40000)


def test_one_email_over_the_budget_lifts_the_limit():
    ops = [OperatorRecord("a.xml", i + 1, f"d{i}", email="desk@acme.com") for i in range(1500)]
    index = EmailIndex()
    index.limit(1024)
    index.add_batch(ops, [IMS if i % 3 else PERSON for i in range(1500)])
    assert index.budget is None and not index.truncated  # its holders cannot be split
    assert [len(g) for g in index.duplicate_groups()] == [1500]


@pytest.mark.parametrize("budget", [None, 1024])
def test_an_index_built_in_pieces_and_merged_finds_what_one_built_whole_finds(budget):
    ops, kinds = _operators(6000, 2000, seed=4)
    ops += [OperatorRecord("b.xml", op.line, op.login, email=op.email) for op in ops[:300]]  # a second export
    kinds += [PERSON] * 300
    whole = _whole(ops, kinds)
    cuts = [0, 10, 2500, 4200, len(ops)]
    pieces = []
    for lo, hi in zip(cuts, cuts[1:]):
        piece = EmailIndex()
        if budget:
            piece.limit(budget * 3, share=1 / 3)
        piece.add_batch(ops[lo:hi], kinds[lo:hi])
        pieces.append(piece)
    main = pieces[0]  # the main index already holds some operators
    for piece in pieces[1:]:
        state = pickle.loads(pickle.dumps(piece.export_state()))  # as it comes from another process
        assert state.held == piece.held
        main.merge_state(state)
        if budget:
            assert main.held <= budget
    assert main.truncated == bool(budget)
    found, _ = _every_range(main, ops, kinds)
    assert found == _groups(whole) and len(found) > 500
    assert any(path == "b.xml" for group in found for path, _ in group)


@pytest.mark.parametrize("held, merged", [(0, 4999), (1, 4999), (1, 100)])  # adopted, or appended
def test_operators_added_after_a_merge_meet_the_merged_ones(held, merged):
    worker, main = EmailIndex(), EmailIndex()
    main.add_batch([OperatorRecord("m.xml", 1, "first", email="first@acme.com")][:held], [IMS] * held)
    worker.add_batch(
        [OperatorRecord("a.xml", i, f"p{i}", email=f"p{i}@acme.com") for i in range(1, merged + 1)], [IMS] * merged
    )
    main.merge_state(worker.export_state())
    main.add_batch([OperatorRecord("b.xml", 1, "late", email=f"P{merged - 1}@acme.com ")], [PERSON])
    main.add(OperatorRecord("b.xml", 2, "later", email="p17@acme.com"), person=True)
    groups = [[main.location(i) for i in g] for g in main.duplicate_groups()]
    assert sorted(groups) == sorted(
        [
            [Location("a.xml", 17, 1), Location("b.xml", 2, 1)],
            [Location("a.xml", merged - 1, 1), Location("b.xml", 1, 1)],
        ]
    )


def test_a_hash_collision_joins_two_emails_in_one_group(monkeypatch):
    # Groups hold the operators of one hash: the person details tell the emails apart (the rule does).
    monkeypatch.setattr(email_index, "hash", lambda s: 42, raising=False)
    index = EmailIndex()
    index.add(OperatorRecord("a.xml", 1, "a", email="a@acme.com"), person=True)
    index.add(OperatorRecord("a.xml", 2, "b", email="b@acme.com"), person=True)
    assert [[index.person(i)[2] for i in g] for g in index.duplicate_groups()] == [["a@acme.com", "b@acme.com"]]
