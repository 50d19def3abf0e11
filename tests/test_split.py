"""Big operator exports read in pieces, one process per piece: same findings as one process, or no split."""

from __future__ import annotations

import json
import os
import random
import re

import pytest
from conftest import registry_with, write

import imslint.engine as engine
import imslint.engine.pieces as engine_pieces
import imslint.readers.operators as ops
from imslint import Problem, Rule, Severity
from imslint.config import Config
from imslint.engine import lint
from imslint.model import Location, OperatorRecord
from imslint.readers import InputFile, ReadError
from imslint.reporters.json import pretty
from imslint.rules.operators import DuplicateEmail

needs_fork = pytest.mark.skipif(not engine_pieces._can_fork(), reason="pieces are read in forked processes (Linux)")


def export(n: int, seed: int = 7, shape: str = "package", tricky: bool = True) -> str:
    """An export of ``n`` operators with every kind of finding, duplicates far apart, and markup to trip a cut."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        login = f"user{i}"
        email = f"{login}@acme.com"
        attrs = f'name="{login}" label="User {i} H&#233;l&#232;ne &amp; Zo\u00eb" email="{email}"'
        r = 0.2 if i in (10, n - 8) else rnd.random()  # active and native: used by code, suppressed
        if i in (3, n - 4):
            attrs = f'name="{login}" label="Shared {i}" email="Team@Acme.com "'  # IMS004 across the pieces
        elif i == n // 2 + 1:
            attrs = f'name="{login}" label="Ims twin" email="team@acme.com"'  # the same email on IMS
        elif r < 0.05:
            attrs = f'name="{login}" label="No mail {i}"'
        elif r < 0.08:
            attrs += ' disable="1"'
        elif r < 0.10:
            attrs = f'name="svc_api{i}" label="API {i}" email="{email}"'
        if i == n // 2 + 1 or (r > 0.3 and i not in (3, 10, n - 4)):
            body = '<access authenticationType="ims"/>'
        else:
            body = '<access authenticationType="native"/>'
        if i == n - 8:
            rows.append("  <!-- imslint: disable-next-line=IMS001 -->")
        if tricky and i % 7 == 3:
            # A commented-out operator and one in CDATA: a cut may land in either.
            rows.append(f'  <!-- old: <operator name="ghost{i}" email="ghost@acme.com">\n  </operator> -->')
            body += f"<memo><![CDATA[ <operator name='cdata{i}'/> & co ]]></memo>"
        if tricky and i % 11 == 5:
            rows.append(f"  <?imslint-test <operator name='pi{i}'/> ?>")
        sep = "\n      " if i % 3 else " "
        rows.append(f'  <operator {attrs} type="0">{sep}{body}\n  </operator>')
    body = "\n".join(rows)
    if shape == "package":
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<!-- <operator name="in-the-prolog"/> -->\n'
            '<package author="admin" buildNumber="9000">\n  <version buildNumber="9000"/>\n'
            f'  <entities schema="xtk:operator">\n{body}\n  </entities>\n</package>\n'
        )
    return (
        "<?xml version='1.0' encoding='ISO-8859-1'?>\n"
        '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">\n<SOAP-ENV:Body>\n'
        '<ExecuteQueryResponse xmlns="urn:xtk:queryDef" SOAP-ENV:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">\n'
        f'<pdomOutput xsi:type="ns:Element" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns="urn:x">\n'
        f"<operator-collection>\n{body}\n</operator-collection>\n</pdomOutput>\n</ExecuteQueryResponse>\n"
        "</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>\n"
    )


def _records(path: str):
    return list(ops.OperatorXmlReader().read(InputFile(path, "export.xml")))


def _opening(path: str):
    with open(path, "rb") as fh:
        head = fh.read(65536)
    prefix, stack = ops._opening(head)
    return prefix, b"".join(b"</" + n + b">" for n in reversed(stack))


# --------------------------------------------------------------------------- the reader


@pytest.mark.parametrize("shape", ["package", "soap"])
@pytest.mark.parametrize("parts", [2, 3, 7])
def test_pieces_read_exactly_what_the_whole_file_reads(tmp_path, monkeypatch, shape, parts):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    path = str(tmp_path / "export.xml")
    with open(path, "wb") as fh:  # the SOAP response declares ISO-8859-1: Zoë's ë is one byte there
        fh.write(export(300, shape=shape).encode("utf-8" if shape == "package" else "latin-1"))
    reader = ops.OperatorXmlReader()
    pieces = reader.split(path, parts)
    assert pieces is not None and len(pieces) == parts
    assert pieces[0].prefix == 0 and pieces[-1].end == -1 and pieces[-1].suffix == b""
    source = InputFile(path, "export.xml")
    got = [rec for piece in pieces for rec in reader.read_piece(source, piece)]
    assert got == _records(path)  # records, logins and real lines alike
    assert len(got) == 300
    assert got[0].label == "User 0 Hélène & Zoë"


def test_a_cut_anywhere_reads_the_same_records_or_fails_loudly(tmp_path):
    # Every '<operator' in the file, real or inside a comment, CDATA or PI, is tried as a cut:
    # a piece either reads exactly its operators or raises ReadError (then the engine reads the
    # whole file). It never returns other records quietly.
    path = write(tmp_path, "export.xml", export(40))
    whole = _records(path)
    data = open(path, "rb").read()
    prefix, suffix = _opening(path)
    reader, source = ops.OperatorXmlReader(), InputFile(path, "export.xml")
    starts = [m.start() for m in ops._OPERATOR_START_RE.finditer(data) if m.start() > prefix]

    def pieces(cut):
        with open(path, "rb") as fh:
            return ops.pieces_at(fh, [cut], prefix, suffix)

    good, bad = _try_cuts(reader, source, whole, starts, pieces)
    assert good >= 30 and bad >= 5  # both kinds of cut were really tried


def _try_cuts(reader, source, whole, cuts, pieces_for):
    """(cuts whose pieces read exactly ``whole``, cuts whose pieces raise ReadError); fails on anything else."""
    good = bad = 0
    for cut in cuts:
        try:
            got = [rec for piece in pieces_for(cut) for rec in reader.read_piece(source, piece)]
        except ReadError:
            bad += 1
            continue
        assert got == whole, f"cut at byte {cut}"
        good += 1
    return good, bad


@pytest.mark.parametrize(
    "text",
    [
        export(50).replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),  # UTF-16
        export(50).replace("<package", "<!DOCTYPE package [<!ELEMENT package ANY>]>\n<package").encode(),
        export(50).replace('schema="xtk:operator"', 'schema="xtk:operator"><!-- xtk:group -->').encode(),
        b"<package>" + b" " * 70000 + export(50).split("<package", 1)[1].split(">", 1)[1].encode(),
    ],
    ids=["utf16", "doctype", "groups", "operator-beyond-the-head"],
)
def test_shapes_that_are_not_cut(tmp_path, monkeypatch, text):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    path = tmp_path / "export.xml"
    path.write_bytes(text)
    assert ops.OperatorXmlReader().split(str(path), 4) is None


def test_small_exports_are_not_cut(tmp_path):
    path = write(tmp_path, "export.xml", export(200))
    assert os.path.getsize(path) < ops.SPLIT_MIN_BYTES
    assert ops.OperatorXmlReader().split(path, 2) is None


# --------------------------------------------------------------------------- the engine


def _run(tmp_path, jobs, select=("IMS0",)):
    config = Config(root=str(tmp_path), respect_gitignore=False, select=list(select), jobs=jobs)
    from imslint.plugins import load_plugins

    return lint(["."], config, load_plugins(), cwd=str(tmp_path))


def _dump(result):
    return (
        [f.to_dict() for f in result.findings],
        [f.to_dict() for f in result.suppressed],
        [e.to_dict() for e in result.errors],
        result.files_scanned,
        result.subjects,
    )


@needs_fork
def test_pieces_in_processes_give_what_one_process_gives(tmp_path, monkeypatch):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    write(tmp_path, "export.xml", export(600))
    # A login used by code in the same run makes its operator technical (IMS005): the facts of
    # the code phase reach the worker processes.
    write(
        tmp_path, "jobs/sync.js", 'var s = xtk.session.Logon("", "user10", "S3cret!pw", <params/>); // soaprouter.jsp\n'
    )
    splits = []
    real = engine.Checker.check_split

    def spy(self, item, reader, jobs):
        out = real(self, item, reader, jobs)
        splits.append(out is not None)
        return out

    monkeypatch.setattr(engine.Checker, "check_split", spy)
    one = _run(tmp_path, 1, ("IMS0", "IMS101"))
    assert splits == []  # --jobs 1: never cut
    many = _run(tmp_path, 3, ("IMS0", "IMS101"))
    assert splits == [True]
    assert _dump(many) == _dump(one)
    ids = {f.rule_id for f in one.findings}
    assert {"IMS001", "IMS002", "IMS004", "IMS005", "IMS007"} <= ids
    dup = [f for f in many.findings if f.rule_id == "IMS004"]
    assert {f.properties["login"] for f in dup} == {"user3", "user596"}  # the first and the last piece
    assert all(len(f.related) == 2 for f in dup)  # each other, and the IMS twin in the middle
    assert [f.properties["login"] for f in many.findings if f.rule_id == "IMS005" and "user10" == f.properties["login"]]
    assert [(f.rule_id, f.suppression_reason) for f in many.suppressed] == [("IMS001", "")]


@needs_fork
def test_a_truncated_export_read_in_pieces_reports_like_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    text = export(400)
    write(tmp_path, "export.xml", text[: int(len(text) * 0.8)])
    one, many = _run(tmp_path, 1), _run(tmp_path, 2)
    assert _dump(many) == _dump(one)
    assert len(one.errors) == 1 and "malformed XML" in one.errors[0].message and one.errors[0].line
    assert one.findings  # what was read before the fault is still reported


class KeepsStateWithoutMerge(Rule):
    """Counts operators and reports the total at the end (no way to merge its state)"""

    id = "TST901"
    name = "counts-operators"
    subject = OperatorRecord
    severity = Severity.NOTE

    def __init__(self):
        super().__init__()
        self.n = 0

    def check(self, op, options):
        self.n += 1
        return ()

    def finish(self, options):
        yield Problem(Location("export.xml", 1, 1), f"{self.n} operators")


def test_a_rule_whose_state_cannot_merge_keeps_the_file_in_one_process(tmp_path, monkeypatch):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    assert not KeepsStateWithoutMerge.mergeable()
    assert DuplicateEmail.mergeable() and Rule.mergeable()
    write(tmp_path, "export.xml", export(300))

    registry = registry_with(KeepsStateWithoutMerge)
    config = Config(root=str(tmp_path), respect_gitignore=False, select=["TST901", "IMS0"], jobs=2)
    result = lint(["."], config, registry, cwd=str(tmp_path))
    assert [f.message for f in result.findings if f.rule_id == "TST901"] == ["300 operators"]
    assert not result.errors


# --------------------------------------------------------------------------- IMS004 state merge


def _op(i, email, path="a.xml", auth="native", login=None):
    return OperatorRecord(
        path=path, line=i, login=login or f"u{i}", label=f"U {i}", email=email, authentication_type=auth
    )


def _report(rule):
    return sorted(
        (p.location.path, p.location.line, p.message, tuple((r.location.line, r.message) for r in p.related))
        for p in rule.finish(dict(rule.defaults))
    )


def test_duplicate_email_states_merge_to_what_one_instance_finds():
    rnd = random.Random(3)
    records = [
        _op(
            i,
            f"m{rnd.randrange(400)}@acme.com",
            auth=rnd.choice(["native", "ims"]),
            path=rnd.choice(["a.xml", "b.xml"]),
        )
        for i in range(1, 3000)
    ]
    one = DuplicateEmail()
    one.check_batch(records, one.defaults)
    parts = [records[:1000], records[1000:1700], records[1700:]]
    main = DuplicateEmail()
    main.check_batch(parts[0][:10], main.defaults)  # the main instance already counted some
    for part in [parts[0][10:]] + parts[1:]:
        worker = DuplicateEmail()
        worker.check_batch(part, worker.defaults)
        main.merge_state(worker.export_state())
    assert _report(main) == _report(one)
    assert len(_report(one)) > 100


def test_duplicate_email_keeps_counting_after_a_merge():
    # After a merge the bitmap is rebuilt before more operators are counted: a later
    # holder of an email seen only in a merged state is still a duplicate.
    worker, main = DuplicateEmail(), DuplicateEmail()
    worker.check_batch([_op(i, f"p{i}@acme.com", auth="ims") for i in range(1, 5000)], worker.defaults)
    main.merge_state(worker.export_state())
    main.check_batch([_op(9001, "P4321@acme.com ", path="b.xml")], main.defaults)
    main.check(_op(9002, "p17@acme.com", path="b.xml"), main.defaults)
    got = _report(main)
    assert [(path, line) for path, line, *_ in got] == [("b.xml", 9001), ("b.xml", 9002)]
    assert all("already on IMS" in msg for _, _, msg, _ in got)


# --------------------------------------------------------------------------- the rest


def test_marker_search_sees_a_marker_across_block_and_piece_boundaries(tmp_path):
    path = tmp_path / "f.xml"
    block = 1 << 20
    data = bytearray(b"x" * (3 * block))
    data[block - 3 : block + 5] = b"imslint:"  # straddles the first block boundary
    path.write_bytes(bytes(data))
    assert engine_pieces._has_marker(str(path), 0, -1)
    assert engine_pieces._has_marker(str(path), 0, block - 1)  # starts in the range, ends beyond it
    assert not engine_pieces._has_marker(str(path), block + 6, -1)
    assert not engine_pieces._has_marker(str(path), 0, block - 4)
    assert engine_pieces._has_marker(str(tmp_path / "missing.xml"), 0, -1)  # unknown: the main process looks


@pytest.mark.parametrize(
    "value",
    [
        {"b": 1, "a": [1, 'é\n"x"', None, True, False, {}, []], "c": {"z": {"y": []}}},
        {"float": 1.5, "zero": -0.0, "big": 10**30, "int-keys": {3: "c", 1: {"a": []}}, "t": (1, 2)},
        [],
        "plain",
    ],
)
def test_pretty_json_matches_the_standard_encoder(value):
    expected = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
    assert pretty(value) == expected
    assert pretty(value, "\n    ") == expected.replace("\n", "\n    ")


def test_cuts_fall_before_operator_start_tags(tmp_path, monkeypatch):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    path = write(tmp_path, "export.xml", export(500, tricky=False))
    data = open(path, "rb").read()
    pieces = ops.OperatorXmlReader().split(path, 4)
    for piece in pieces[1:]:
        assert re.match(rb"<operator[\s/>]", data[piece.start : piece.start + 10])
        assert piece.line == 0  # counted by the process that reads the piece
    sizes = [(p.end if p.end >= 0 else len(data)) - p.start for p in pieces]
    assert sizes == sorted(sizes, reverse=True)  # later pieces count more lines first: they are shorter
    assert sizes[-1] > 0.8 * sizes[0]
    with open(path, "rb") as fh:
        counted = ops.pieces_at(fh, [p.start for p in pieces[1:]], pieces[1].prefix, pieces[1].suffix)
    assert [p.line for p in counted] == [data.count(b"\n", 0, p.start) + 1 for p in pieces]


def test_each_piece_exports_its_own_state_alone(tmp_path, monkeypatch):
    # Pieces read one after the other in a process must each start from fresh rule instances,
    # or the state of the first piece would be merged twice.
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    from imslint.config import resolve_rule_options, resolve_selection, resolve_severities
    from imslint.discovery import Discovered
    from imslint.plugins import load_plugins
    from imslint.rule import RunContext

    path = write(tmp_path, "export.xml", export(300, tricky=False))
    registry = load_plugins()
    config = Config(root=str(tmp_path), select=["IMS004"])
    selected = resolve_selection(config, registry.rules)
    plan = engine.Plan(
        sorted(selected),
        resolve_severities(config, registry.rules),
        resolve_rule_options(config, registry.rules),
        str(tmp_path),
        {},
        1 << 30,
    )
    reader = ops.OperatorXmlReader()
    pieces = reader.split(path, 2)
    run = (registry, plan, RunContext(root=str(tmp_path)))
    item = Discovered(path, "export.xml")
    sizes = []
    for piece in pieces:
        outcome, states, marked = engine_pieces._read_piece(run, item, reader, piece)
        sizes.append(states["IMS004"].held)  # operators counted in this piece
        assert outcome.subjects == {"operator": len(list(reader.read_piece(InputFile(path, "export.xml"), piece)))}
    one = DuplicateEmail()
    one.context = RunContext(root=str(tmp_path))
    one.check_batch(_records(path), one.defaults)
    assert sum(sizes) == one.index.held and all(sizes)


class DiesInAWorker(Rule):
    """Kills the process of any piece but the first (a stand-in for a crash in a native library)"""

    id = "TST903"
    name = "dies-in-a-worker"
    subject = OperatorRecord

    def check(self, op, options):
        if os.getpid() != MAIN_PID:
            os._exit(3)
        return ()


MAIN_PID = os.getpid()


@needs_fork
def test_a_piece_whose_process_dies_makes_the_file_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    write(tmp_path, "export.xml", export(300))

    registry = registry_with(DiesInAWorker)
    attempts = []
    real = engine.Checker.check_split
    monkeypatch.setattr(engine.Checker, "check_split", lambda *a: attempts.append(real(*a)))
    runs = []
    for jobs in (1, 2):
        config = Config(root=str(tmp_path), respect_gitignore=False, select=["IMS0", "TST903"], jobs=jobs)
        runs.append(_dump(lint(["."], config, registry, cwd=str(tmp_path))))
    assert attempts == [None]  # cut, a worker died, read whole
    assert runs[0] == runs[1] and runs[0][0] and not runs[0][2]


# --------------------------------------------------------------------------- CSV exports


def csv_export(n: int, delim: str = ";", multiline_every: int = 0) -> str:
    rows = ["Name;Label;Email;Account disabled;Authentication type".replace(";", delim)]
    for i in range(n):
        label = (
            f'"Lopez{delim} Maria\n(marketing {i})"'
            if multiline_every and i % multiline_every == 5
            else f'"User ""{i}"" Zoë"'
        )
        auth = "Native" if i % 4 == 0 else "IMS"
        email = "" if i % 9 == 0 else f"user{i}@acme.com"
        rows.append(delim.join([f"user{i}", label, email, "Yes" if i % 13 == 0 else "No", auth]))
    return "\r\n".join(rows) + "\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delim", [";", ",", "\t"])
def test_csv_pieces_read_exactly_what_the_whole_file_reads(tmp_path, monkeypatch, encoding, delim):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    path = tmp_path / "operators.csv"
    path.write_bytes(csv_export(400, delim).encode(encoding))
    reader, source = ops.OperatorCsvReader(), InputFile(str(path), "operators.csv")
    pieces = reader.split(str(path), 3)
    assert pieces is not None and len(pieces) == 3
    whole = list(reader.read(source))
    assert [rec for piece in pieces for rec in reader.read_piece(source, piece)] == whole
    assert len(whole) == 400 and whole[7].label == 'User "7" Zoë' and whole[7].line == 9


def test_csv_cut_inside_a_quoted_field_fails_loudly(tmp_path):
    # Every line start is tried as a cut; those inside a multi-line quoted field leave the piece
    # before them in an open quote, which the strict parse reports.
    path = tmp_path / "operators.csv"
    path.write_bytes(csv_export(60, multiline_every=7).encode("utf-8"))
    reader, source = ops.OperatorCsvReader(), InputFile(str(path), "operators.csv")
    whole = list(reader.read(source))
    data = path.read_bytes()
    header_end = data.index(b"\n") + 1
    cuts = [i + 1 for i, b in enumerate(data) if b == 10 and header_end <= i + 1 < len(data)]
    good, bad = _try_cuts(
        reader, source, whole, cuts, lambda cut: [ops.CsvPiece(0, cut, "utf-8"), ops.CsvPiece(cut, -1, "utf-8")]
    )
    assert good == 60 and bad == sum(1 for i in range(60) if i % 7 == 5)  # one per row; one per multi-line label


@needs_fork
def test_csv_read_in_pieces_gives_what_one_process_gives(tmp_path, monkeypatch):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    (tmp_path / "operators.csv").write_bytes(csv_export(500).encode("utf-8"))
    attempts = []
    real = engine.Checker.check_split
    monkeypatch.setattr(engine.Checker, "check_split", lambda *a: attempts.append(real(*a)) or attempts[-1])
    one, many = _run(tmp_path, 1), _run(tmp_path, 2)
    assert attempts and attempts[0] is not None
    assert _dump(many) == _dump(one) and len(one.findings) > 100


def test_csv_shapes_that_are_not_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes(csv_export(50).encode("utf-16"))
    assert ops.OperatorCsvReader().split(str(utf16), 2) is None
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 1 << 20)
    small = tmp_path / "small.csv"
    small.write_bytes(csv_export(50).encode("utf-8"))
    assert ops.OperatorCsvReader().split(str(small), 2) is None


@needs_fork
def test_no_process_to_be_had_means_the_file_is_read_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(ops, "SPLIT_MIN_BYTES", 0)
    write(tmp_path, "export.xml", export(300))
    one = _run(tmp_path, 1)

    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    attempts = []
    real = engine.Checker.check_split
    monkeypatch.setattr(engine.Checker, "check_split", lambda *a: attempts.append(real(*a)) or attempts[-1])
    assert _dump(_run(tmp_path, 3)) == _dump(one)
    assert attempts == [None]
