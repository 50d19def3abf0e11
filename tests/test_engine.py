"""Engine behaviour with a toy plugin: isolation, stamping, redaction, suppression, baseline, phases."""

from __future__ import annotations

import json
import os

from conftest import registry_with, write

from imslint import Rule
from imslint.config import Config
from imslint.engine import lint
from imslint.suppressions import read_baseline, write_baseline


def run(tmp_path, registry, **cfg):
    config = Config(root=str(tmp_path), respect_gitignore=False, **cfg)
    return lint(["."], config, registry, cwd=str(tmp_path))


def test_findings_are_stamped_sorted_and_redacted(tmp_path, toy_registry):
    write(tmp_path, "b.toy", "x\npassword=hunter2\n")
    write(tmp_path, "a.toy", "password=swordfish legacy\n")
    result = run(tmp_path, toy_registry)
    got = [(f.location.path, f.location.line, f.rule_id) for f in result.findings]
    assert got == [("a.toy", 1, "TOY001"), ("a.toy", 1, "TOY003"), ("b.toy", 2, "TOY001")]
    secret = result.findings[0]
    assert "swordfish" not in secret.message
    assert "<redacted:" in secret.message
    assert secret.secret_hash and len(secret.secret_hash) == 8
    assert secret.severity.label == "error"
    assert secret.location.column == 1 and secret.location.end_column == len("password=swordfish") + 1


def test_crashing_rule_is_isolated(tmp_path, toy_registry):
    write(tmp_path, "a.toy", "boom password=abc\n")
    write(tmp_path, "b.toy", "password=def\n")
    result = run(tmp_path, toy_registry)
    assert [e.rule_id for e in result.errors] == ["TOY002"]
    assert result.errors[0].path == "a.toy"
    assert "boom went the rule" in result.errors[0].message
    assert sorted(f.location.path for f in result.findings if f.rule_id == "TOY001") == ["a.toy", "b.toy"]


def test_read_error_keeps_findings_before_the_fault(tmp_path, toy_registry):
    write(tmp_path, "a.toy", "password=one\nTRUNCATED password=two\n")
    write(tmp_path, "b.toy", "password=three\n")
    result = run(tmp_path, toy_registry)
    assert [(e.path, e.line) for e in result.errors] == [("a.toy", 2)]
    assert "unexpected end" in result.errors[0].message
    assert [f.location.path for f in result.findings if f.rule_id == "TOY001"] == ["a.toy", "b.toy"]


def test_selection_severity_and_options(tmp_path, toy_registry):
    write(tmp_path, "a.toy", "password=x1 legacy widget\n")
    result = run(
        tmp_path,
        toy_registry,
        select=["TOY0"],
        ignore=["toy-secret"],
        severity={"TOY003": "error"},
        rules={"toy-word": {"word": "widget"}},
    )
    assert [(f.rule_id, f.severity.label, f.message) for f in result.findings] == [
        ("TOY003", "error", "the word 'widget'")
    ]


def test_finish_step_and_related_locations(tmp_path, toy_registry):
    write(tmp_path, "a.toy", "legacy\n")
    write(tmp_path, "b.toy", "\nlegacy\n")
    result = run(tmp_path, toy_registry, select=["TOY003"])
    total = [f for f in result.findings if "occurrences" in f.message]
    assert len(total) == 1
    assert [(r.location.path, r.location.line) for r in total[0].related] == [("b.toy", 2)]


def test_inline_suppression_same_line_next_line_and_reason(tmp_path, toy_registry):
    write(
        tmp_path,
        "a.toy",
        "password=a1  # imslint: disable=TOY001 -- test fixture\n"
        "// imslint: disable-next-line=toy-secret\n"
        "password=a2\n"
        "password=a3  <!-- imslint: disable -->\n"
        "password=a4  # imslint: disable=TOY003\n"
        "password=a5\n",
    )
    result = run(tmp_path, toy_registry, select=["TOY001"])
    assert [f.location.line for f in result.findings] == [5, 6]
    assert [(f.location.line, f.suppression, f.suppression_reason) for f in result.suppressed] == [
        (1, "inline", "test fixture"),
        (3, "inline", ""),
        (4, "inline", ""),
    ]


def test_directive_outside_comment_is_ignored(tmp_path, toy_registry):
    write(tmp_path, "a.toy", 'password=a1 text="imslint: disable"\n')
    result = run(tmp_path, toy_registry, select=["TOY001"])
    assert len(result.findings) == 1


def test_per_file_ignores(tmp_path, toy_registry):
    write(tmp_path, "tests/a.toy", "password=a1\n")
    write(tmp_path, "src/a.toy", "password=a2\n")
    result = run(tmp_path, toy_registry, select=["TOY001"], per_file_ignores={"tests/*": ["TOY001"]})
    assert [f.location.path for f in result.findings] == ["src/a.toy"]


def test_baseline_survives_moved_lines_and_catches_new(tmp_path, toy_registry):
    write(tmp_path, "a.toy", "password=p1\npassword=p2\n")
    first = run(tmp_path, toy_registry, select=["TOY001"])
    base = tmp_path / "baseline.json"
    assert write_baseline(str(base), first.findings) == 2
    text = base.read_text()
    assert "p1" not in text and "p2" not in text
    # Lines inserted above, an unrelated edit, and one new secret.
    write(tmp_path, "a.toy", "# header\n\nunrelated\npassword=p1\nmore\npassword=p2\npassword=p3\n")
    second = lint(
        ["."],
        Config(root=str(tmp_path), respect_gitignore=False, select=["TOY001"]),
        toy_registry,
        baseline=read_baseline(str(base)),
        cwd=str(tmp_path),
    )
    assert [f.location.line for f in second.findings] == [7]
    assert len(second.baselined) == 2


def test_baseline_counts_identical_findings(tmp_path, toy_registry):
    write(tmp_path, "a.toy", "password=same\n")
    first = run(tmp_path, toy_registry, select=["TOY001"])
    base = tmp_path / "b.json"
    write_baseline(str(base), first.findings)
    write(tmp_path, "a.toy", "password=same\npassword=same\n")
    second = lint(
        ["."],
        Config(root=str(tmp_path), respect_gitignore=False, select=["TOY001"]),
        toy_registry,
        baseline=read_baseline(str(base)),
        cwd=str(tmp_path),
    )
    assert len(second.findings) == 1 and len(second.baselined) == 1


def test_different_secret_on_same_line_is_new(tmp_path, toy_registry):
    write(tmp_path, "a.toy", "password=old\n")
    first = run(tmp_path, toy_registry, select=["TOY001"])
    write(tmp_path, "a.toy", "password=new\n")
    second = run(tmp_path, toy_registry, select=["TOY001"])
    assert first.findings[0].fingerprint != second.findings[0].fingerprint


def test_parallel_jobs_give_identical_results(tmp_path, toy_registry):
    for i in range(40):
        write(tmp_path, f"d{i % 3}/f{i}.toy", f"line\npassword=v{i}\nlegacy\n")
    serial = run(tmp_path, toy_registry, select=["TOY001", "TOY003"])
    parallel = lint(
        ["."],
        Config(root=str(tmp_path), respect_gitignore=False, select=["TOY001", "TOY003"], jobs=2),
        toy_registry,
        cwd=str(tmp_path),
    )
    assert [f.to_dict() for f in serial.findings] == [f.to_dict() for f in parallel.findings]
    assert len(serial.findings) == 81  # 40 + 40 + the finish() total


def test_keyword_prefilter_skips_rules(tmp_path, toy_registry):
    write(tmp_path, "a.toy", "nothing to see\n")
    result = run(tmp_path, toy_registry, select=["TOY001"])
    assert result.files_scanned == 1 and result.subjects == {}


def test_missing_path_is_an_error(tmp_path, toy_registry):
    config = Config(root=str(tmp_path), respect_gitignore=False)
    result = lint(["nope"], config, toy_registry, cwd=str(tmp_path))
    assert [(e.path, e.message) for e in result.errors] == [("nope", "no such file or directory")]


def test_size_limit_skips_file(tmp_path, toy_registry):
    write(tmp_path, "big.toy", "password=x\n" * 100)
    result = run(tmp_path, toy_registry, max_file_size=50)
    assert result.findings == [] and result.skipped[0][0] == "big.toy"
    assert "size limit" in result.skipped[0][1]


def test_reporters_never_show_the_secret(tmp_path, toy_registry):
    write(tmp_path, "a.toy", "password=Sup3rS3cret!\n")
    result = run(tmp_path, toy_registry)
    for fmt, reporter in toy_registry.reporters.items():
        out = reporter.render(result, {"statistics": True, "show_suppressed": True})
        assert "Sup3rS3cret!" not in out, fmt
        assert "redacted" in out, fmt


def test_json_streaming_equals_plain_serialisation(tmp_path, toy_registry):
    from imslint.reporters import findings_payload
    from imslint.reporters.json import result_payload

    write(tmp_path, "a.toy", "password=p1 legacy\nlegacy\n")
    for result in (run(tmp_path, toy_registry), run(tmp_path, toy_registry, select=["TOY002"])):
        doc = result_payload(result)
        assert doc["findings"] == findings_payload(result.findings, result.rules)
        # a rule documented nowhere (the toy rules have no help_uri) gets no link, never one into imslint's docs
        assert all(f.get("help_uri") == result.rules[f["rule_id"]].help_uri for f in doc["findings"])

        expected = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        assert toy_registry.reporters["json"].render(result, {}) == expected
    links = {f["rule_id"]: f.get("help_uri") for f in result_payload(run(tmp_path, toy_registry))["findings"]}
    assert links["TOY001"] == "https://example.com/toy/TOY001" and links["TOY003"] is None


def test_keyword_tree_puts_longer_keywords_below_the_shorter_they_contain():
    from imslint.engine.prefilter import _keyword_tree

    tree = dict(_keyword_tree({b"logon", b"logonremote", b"logonwithuser", b"sessiontoken", b"zq"}))
    assert sorted(tree) == [b"logon", b"sessiontoken", b"zq"]
    assert sorted(k for k, _ in tree[b"logon"]) == [b"logonremote", b"logonwithuser"]


class _Counted(bytes):
    """Bytes that count the keyword searches made in them."""

    searches = 0

    def __contains__(self, item):
        type(self).searches += 1
        return bytes.__contains__(self, item)


def test_keyword_plan_chooses_the_rules_whose_keywords_are_present():
    import random

    from imslint.engine.prefilter import _KeywordTree

    rules = [
        {b"logon", b"pass", b"pwd"},
        {b"sessiontoken"},
        {b"logon", b"soapmethodcall", b"sessiontoken", b"pass"},
        {b"__sessiontoken="},
        {b"exchange/jwt", b"setims", b"authimstaprivatekey"},
        {b"___", b"eyj", b"setimsoauth", b"client_secret"},
        {b"zz"},
    ]
    plan = _KeywordTree(rules)
    words = sorted(set().union(*rules)) + [b"log", b"session", b"ims", b"token"]
    rnd = random.Random(5)
    for _ in range(500):
        text = b" ".join(rnd.choice(words) for _ in range(rnd.randrange(0, 6)))
        expected = sum(1 << i for i, kws in enumerate(rules) if any(k in text for k in kws))
        assert plan.rules_in(text) == expected, text


def test_keyword_plan_stops_looking_for_the_keywords_of_chosen_rules():
    from imslint.engine.prefilter import _KeywordTree

    rules = [{b"pass", b"pwd", b"logon", b"credential"}, {b"pass", b"secret"}, {b"zz"}]
    plan = _KeywordTree(rules)
    _Counted.searches = 0
    assert plan.rules_in(_Counted(b"password = x")) == 0b011
    assert _Counted.searches == 2  # "pass" (both rules chosen), then "zz"; never pwd, logon, credential, secret
    _Counted.searches = 0
    assert plan.rules_in(_Counted(b"nothing here")) == 0
    assert _Counted.searches == 6  # every keyword once


def test_automatic_jobs():
    import os

    from imslint.engine import auto_jobs

    assert auto_jobs(3) == 1 and auto_jobs(399) == 1
    assert auto_jobs(100000) == (os.cpu_count() or 1)


def test_batch_rules_get_lists_of_subjects(tmp_path, toy_registry):
    import toy_plugin

    toy_plugin.ToyBatch.calls.clear()
    write(tmp_path, "a.lines", "\n".join("batchme" if i % 500 == 0 else "x" for i in range(2500)))
    result = run(tmp_path, toy_registry, select=["TOY004"])
    assert [f.location.line for f in result.findings] == [1, 501, 1001, 1501, 2001]
    assert toy_plugin.ToyBatch.calls == [1024, 1024, 452]
    assert result.subjects == {"source": 2500}


def test_crashing_batch_rule_is_reported_at_the_batch(tmp_path, toy_registry):
    write(tmp_path, "a.lines", "x\ncrash-batch\nbatchme\n")
    write(tmp_path, "b.lines", "batchme\n")
    result = run(tmp_path, toy_registry, select=["TOY004"])
    assert [(e.path, e.line, e.rule_id) for e in result.errors] == [("a.lines", 1, "TOY004")]
    assert [f.location.path for f in result.findings] == ["b.lines"]


def test_keywords_are_found_in_utf16_files(tmp_path, toy_registry):
    (tmp_path / "a.toy").write_bytes("password=u16secret\n".encode("utf-16"))
    result = run(tmp_path, toy_registry, select=["TOY001"])
    assert result.subjects == {"source": 1}  # the pre-filter let the UTF-16 file through to its reader


def test_utf16_files_without_bom_are_read_and_their_findings_located(tmp_path, registry):
    text = '// soaprouter.jsp\nvar r = xtk.session.Logon("", "api_crm", "Winter2024!", <params/>);\n'
    (tmp_path / "le.js").write_bytes(text.encode("utf-16-le"))
    (tmp_path / "be.js").write_bytes(text.encode("utf-16-be"))
    config = Config(root=str(tmp_path), respect_gitignore=False, select=["IMS101"])
    result = lint(["."], config, registry, cwd=str(tmp_path))
    assert not result.skipped and not result.errors
    assert [(f.location.path, f.location.line, f.location.column) for f in result.findings] == [
        ("be.js", 2, 43),
        ("le.js", 2, 43),
    ]
    assert all("Winter2024!" not in f.message for f in result.findings)


MAIN_PID = os.getpid()


class DiesOnAFile(Rule):
    """Kills its worker process on one file (a stand-in for a crash in a native library)"""

    id = "TST902"
    name = "dies-on-a-file"
    keywords = None

    def check(self, subject, options):
        if "CRASH-NOW" in subject.text and os.getpid() != MAIN_PID:
            os._exit(3)
        return ()


def test_a_worker_process_that_dies_costs_one_file_not_the_run(tmp_path):
    registry = registry_with(DiesOnAFile)
    for i in range(40):
        extra = "// CRASH-NOW\n" if i == 17 else "\n"
        write(
            tmp_path,
            f"src/job{i:02}.js",
            f'{extra}var r = xtk.session.Logon("", "api{i}", "Secret{i}!", <params/>); // soaprouter.jsp\n',
        )
    config = Config(root=str(tmp_path), respect_gitignore=False, select=["IMS101", "TST902"], jobs=2)
    result = lint(["."], config, registry, cwd=str(tmp_path))
    assert [(e.path, e.line) for e in result.errors] == [("src/job17.js", None)]
    assert "worker process checking this file died" in result.errors[0].message
    assert sorted(f.location.path for f in result.findings) == [f"src/job{i:02}.js" for i in range(40) if i != 17]


def test_jobs_follow_the_cpus_this_process_may_use(monkeypatch):
    import imslint.engine as engine

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 3}, raising=False)
    assert engine.usable_cpus() == 2
    assert engine.auto_jobs(100_000) == 2 and engine.auto_jobs(10) == 1
    monkeypatch.delattr(os, "sched_getaffinity", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert engine.usable_cpus() == 6


def test_rules_of_other_languages_are_left_out(tmp_path, registry, monkeypatch):
    # IMS201 (security zones) is limited to XML: a JavaScript file holding its keyword is not given to it.
    text = '<securityZone name="lan" allowUserPassword="true"/>\n'
    write(tmp_path, "zones.js", "var doc = '" + text.strip() + "';\n")
    write(
        tmp_path, "serverConf.xml", "<serverconf><shared><dataStore>\n" + text + "</dataStore></shared></serverconf>\n"
    )
    seen = []
    cls = registry.rules["IMS201"]
    check = cls.check

    def spy(self, subject, options):
        seen.append((subject.path.rsplit("/", 1)[-1], subject.language))
        return check(self, subject, options)

    monkeypatch.setattr(cls, "check", spy)
    result = run(tmp_path, registry)
    assert {(f.location.path.rsplit("/", 1)[-1], f.rule_id) for f in result.findings if f.rule_id == "IMS201"} == {
        ("serverConf.xml", "IMS201")
    }
    assert seen and {name for name, _ in seen} == {"serverConf.xml"}
    checker = result_checker(tmp_path, registry)
    data = b"x = '" + text.encode() + b"'"
    assert "IMS201" in {r.id for r in checker.applicable(data)}
    assert "IMS201" not in {r.id for r in checker.applicable(data, frozenset({"js"}))}
    assert "IMS201" in {r.id for r in checker.applicable(data, frozenset({"js", "xml"}))}


def test_pure_python_looks_for_language_limited_keywords_only_in_their_languages(tmp_path, registry, monkeypatch):
    from imslint.engine.prefilter import _KeywordTree

    # Each keyword is a pass over the file in pure Python: IMS201's (XML only) is not looked for in a .js file.
    monkeypatch.setenv("IMSLINT_PREFILTER", "python")
    text = '<securityZone name="lan" allowUserPassword="true"/>\n'
    write(tmp_path, "zones.js", "var doc = '" + text.strip() + "';\n")
    write(
        tmp_path, "serverConf.xml", "<serverconf><shared><dataStore>\n" + text + "</dataStore></shared></serverconf>\n"
    )
    asked = {}
    rules_in = _KeywordTree.rules_in

    def spy(self, low, mask=-1):
        asked.setdefault(b"var doc" in low, []).append(mask)
        return rules_in(self, low, mask)

    monkeypatch.setattr(_KeywordTree, "rules_in", spy)
    result = run(tmp_path, registry, jobs=1)
    found = {(f.location.path, f.rule_id) for f in result.findings if f.rule_id == "IMS201"}
    assert found == {("serverConf.xml", "IMS201")}
    checker = result_checker(tmp_path, registry)
    bit = 1 << [r.id for r, _ in checker.prefilter.keyed].index("IMS201")
    assert not any(m & bit for m in asked[True])  # the .js file
    assert any(m & bit for m in asked[False])  # the XML file


def result_checker(tmp_path, registry):
    import imslint.engine as engine

    return engine.Checker(
        registry,
        engine.Plan(
            rule_ids=sorted(registry.rules),
            severities={},
            options={},
            root=str(tmp_path),
            per_file_ignores={},
            max_file_size=1 << 20,
        ),
    )


def test_a_reader_that_cannot_tell_its_languages_gets_every_rule():
    from imslint.engine.intake import _languages
    from imslint.readers.source import SourceReader

    class Plain:  # a third-party reader that does not derive from Reader
        pass

    class Broken:
        def languages(self, path, head):
            raise ValueError("no idea")

    assert _languages(Plain(), "a.js", b"x") is None
    assert _languages(Broken(), "a.js", b"x") is None
    assert _languages(SourceReader(), "a.js", None) is None  # streamed: not known before reading
    assert _languages(SourceReader(), "tools/run", b"#!/usr/bin/env python3\n") == frozenset({"python"})
    assert _languages(SourceReader(), "conf/serverConf.xml", b"<x/>") == frozenset({"xml"})


def test_the_built_in_sha256_gives_hashlib_s_digest():
    import hashlib

    from imslint.model import secret_hash, sha256_hex
    from imslint.suppressions import fingerprint

    for data in (b"", b"abc", "J\u00fcrgen \U0001f600".encode("utf-8"), bytes(range(256)) * 300):
        assert sha256_hex(data) == hashlib.sha256(data).hexdigest()
    assert secret_hash("s3cret") == hashlib.sha256(b"s3cret").hexdigest()[:8]
    basis = "\0".join(("IMS101", "a/b.js", "login x", "abcd1234")).encode()
    assert fingerprint("IMS101", "a/b.js", "login   x", "abcd1234") == hashlib.sha256(basis).hexdigest()[:32]


# --------------------------------------------------------------------------- the per-subject memo

_MEMO_WORK = []  # subjects the shared (expensive) work was done for
_MEMO_SEEN = []  # (rule id, what the memo held when the rule first looked, the memo's identity)
_MEMO_SUBJECTS = []  # weak references to every subject checked


def _shared_work(rule, subject):
    memo = rule.context.memo(subject)
    _MEMO_SEEN.append((rule.id, subject.path, sorted(memo), id(memo)))
    if "words" not in memo:
        _MEMO_WORK.append(subject.path)
        memo["words"] = subject.text.split()
    return memo["words"]


class CountsWords(Rule):
    """Counts the words of a file (test rule sharing its work through the memo)."""

    id = "TST911"
    name = "counts-words"

    def check(self, subject, options):
        import weakref

        _MEMO_SUBJECTS.append(weakref.ref(subject))
        _shared_work(self, subject)
        return ()


class LongestWord(Rule):
    """Finds the longest word of a file (test rule sharing its work through the memo)."""

    id = "TST912"
    name = "longest-word"

    def check(self, subject, options):
        _shared_work(self, subject)
        return ()


def test_rules_share_work_on_a_subject_through_its_memo_and_nothing_is_kept_after_it(tmp_path):
    import gc

    del _MEMO_WORK[:], _MEMO_SEEN[:], _MEMO_SUBJECTS[:]
    registry = registry_with(CountsWords, LongestWord)
    write(tmp_path, "a.txt", "alpha beta\n")
    write(tmp_path, "b.txt", "gamma\n")
    config = Config(root=str(tmp_path), respect_gitignore=False, select=["TST911", "TST912"], jobs=1)
    lint(["."], config, registry, cwd=str(tmp_path))
    assert _MEMO_WORK == ["a.txt", "b.txt"]  # the work is done once per subject, not once per rule
    by_path = {}
    for rule_id, path, keys, ident in _MEMO_SEEN:
        by_path.setdefault(path, []).append((rule_id, keys, ident))
    for _path, seen in by_path.items():
        (first_id, first_keys, first_memo), (second_id, second_keys, second_memo) = seen
        assert (first_id, first_keys) == ("TST911", [])  # every subject starts with an empty memo
        assert (second_id, second_keys) == ("TST912", ["words"]) and second_memo == first_memo  # the same dict
    gc.collect()
    assert len(_MEMO_SUBJECTS) == 2 and all(ref() is None for ref in _MEMO_SUBJECTS)  # no memo keeps a subject alive
