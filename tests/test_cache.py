"""The result cache: unchanged files are not analysed again, and the results are those of a run without it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT, registry_with, write

from imslint import Problem, Rule, Severity
from imslint.cache import decode_outcome, encode_outcome
from imslint.config import Config, load_config
from imslint.engine import Checker, FileOutcome, lint

SOAP_LOGON = (
    "var url = 'https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp';\n"
    "var body = '<urn:Logon xmlns:urn=\"urn:xtk:session\"><urn:strLogin>svc_api</urn:strLogin>'\n"
    "  + '<urn:strPassword>Zq8#long-Pa55word</urn:strPassword></urn:Logon>';\n"
)


def run(tmp_path, registry, cache_dir, paths=("."), jobs=1, **cfg):
    config = Config(root=str(tmp_path), respect_gitignore=False, **cfg)
    return lint(list(paths), config, registry, cwd=str(tmp_path), jobs=jobs, cache_dir=cache_dir)


def same(a, b):
    """Two RunResults report the same thing."""
    assert a.findings == b.findings
    assert a.suppressed == b.suppressed
    assert a.errors == b.errors
    # The cache folder itself is listed as skipped once it exists: the same files otherwise.
    assert [s for s in a.skipped if "result cache" not in s[1]] == [s for s in b.skipped if "result cache" not in s[1]]
    assert a.files_scanned == b.files_scanned
    assert a.subjects == b.subjects


@pytest.fixture
def counted(monkeypatch):
    """How many files were analysed (Checker.check_data calls, in this process)."""
    calls = []
    original = Checker.check_data

    def check_data(self, item, reader, data, out=None, **kwargs):
        calls.append(item.display)
        return original(self, item, reader, data, out, **kwargs)

    monkeypatch.setattr(Checker, "check_data", check_data)
    return calls


def test_a_second_run_reuses_every_result_and_reports_the_same(tmp_path, registry, counted):
    shutil.copytree(os.path.join(ROOT, "fixtures", "repo"), tmp_path / "repo")
    write(
        tmp_path, "repo/known.js", SOAP_LOGON.replace("Logon>';\n", "Logon>'; // imslint: disable=IMS101 -- rotated\n")
    )
    cache = str(tmp_path / "cache")
    plain = run(tmp_path, registry, None)
    counted.clear()
    cold = run(tmp_path, registry, cache)
    analysed = len(counted)
    assert cold.cache["hits"] == 0 and analysed > 20
    counted.clear()
    warm = run(tmp_path, registry, cache)
    assert counted == []  # nothing analysed again
    assert warm.cache["hits"] == cold.files_scanned + len(cold.skipped)
    same(plain, cold)
    same(plain, warm)
    assert plain.findings and plain.suppressed  # the fixture repository has both


def test_parallel_runs_use_the_cache_too(tmp_path, registry):
    shutil.copytree(os.path.join(ROOT, "fixtures", "repo"), tmp_path / "repo")
    cache = str(tmp_path / "cache")
    plain = run(tmp_path, registry, None, jobs=2)
    cold = run(tmp_path, registry, cache, jobs=2)
    for path, _, files in os.walk(tmp_path / "repo"):  # new stat, same bytes: found by digest, in the workers
        for name in files:
            os.utime(os.path.join(path, name), ns=(1, 1))
    touched = run(tmp_path, registry, cache, jobs=2)
    same(plain, cold)
    same(plain, touched)
    assert touched.cache["hits"] == cold.files_scanned  # the skipped binary file is only sniffed again


def test_a_changed_file_is_checked_again_and_the_others_are_not(tmp_path, registry, counted):
    write(tmp_path, "a.js", "var x = 1;\n")
    write(tmp_path, "b.js", "var y = 2;\n")
    cache = str(tmp_path / "cache")
    assert run(tmp_path, registry, cache).findings == []
    write(tmp_path, "a.js", SOAP_LOGON)
    counted.clear()
    result = run(tmp_path, registry, cache)
    assert counted == ["a.js"]
    assert [(f.rule_id, f.location.path) for f in result.findings] == [("IMS101", "a.js")]
    write(tmp_path, "a.js", "var x = 1;\n")  # fixed: the finding goes, whatever the cache held
    assert run(tmp_path, registry, cache).findings == []


def test_same_bytes_with_a_new_stat_are_not_analysed_again(tmp_path, registry, counted):
    write(tmp_path, "a.js", SOAP_LOGON)
    cache = str(tmp_path / "cache")
    first = run(tmp_path, registry, cache)
    write(tmp_path, "a.js", SOAP_LOGON)  # rewritten: new mtime and ctime (a fresh checkout)
    os.utime(tmp_path / "a.js", ns=(10**18, 10**18))
    counted.clear()
    second = run(tmp_path, registry, cache)
    assert counted == [] and second.cache["hits"] == 1
    assert second.findings == first.findings
    with open(second.cache["path"], encoding="utf-8") as fh:
        entry = json.load(fh)["entries"][os.path.join(str(tmp_path), "a.js")]
    assert entry[2] == 10**18  # the entry was refreshed with the new stat


def test_a_file_whose_size_changes_but_not_its_mtime_is_checked_again(tmp_path, registry):
    path = write(tmp_path, "a.js", "var x = 1;\n")
    cache = str(tmp_path / "cache")
    os.utime(path, ns=(5 * 10**17, 5 * 10**17))
    run(tmp_path, registry, cache)
    write(tmp_path, "a.js", SOAP_LOGON)
    os.utime(path, ns=(5 * 10**17, 5 * 10**17))  # the same mtime: the size (and ctime) tell
    assert [f.rule_id for f in run(tmp_path, registry, cache).findings] == ["IMS101"]


def test_other_settings_use_another_cache_file(tmp_path, registry, counted):
    write(tmp_path, "a.js", SOAP_LOGON)
    cache = str(tmp_path / "cache")
    full = run(tmp_path, registry, cache)
    counted.clear()
    narrow = run(tmp_path, registry, cache, ignore=["IMS101"])
    assert counted == ["a.js"] and narrow.cache["hits"] == 0
    assert narrow.cache["path"] != full.cache["path"]
    assert [f.rule_id for f in narrow.findings] == []
    severity = run(tmp_path, registry, cache, severity={"IMS101": "note"})
    assert severity.cache["hits"] == 0 and severity.findings[0].severity is Severity.NOTE
    again = run(tmp_path, registry, cache)  # the first settings' file is still there
    assert again.cache["hits"] == 1 and again.findings == full.findings


def test_the_cache_never_holds_a_secret(tmp_path, registry):
    write(tmp_path, "a.js", SOAP_LOGON)
    result = run(tmp_path, registry, str(tmp_path / "cache"))
    assert result.findings
    with open(result.cache["path"], encoding="utf-8") as fh:
        text = fh.read()
    assert "Zq8#long-Pa55word" not in text
    assert "svc_api" in text  # the login is named, as in every report


def test_a_damaged_cache_is_rebuilt_with_a_warning(tmp_path, registry):
    write(tmp_path, "a.js", SOAP_LOGON)
    cache = str(tmp_path / "cache")
    first = run(tmp_path, registry, cache)
    with open(first.cache["path"], "w", encoding="utf-8") as fh:
        fh.write('{"key": "')  # truncated
    second = run(tmp_path, registry, cache)
    assert "could not be read" in second.cache["warning"]
    assert second.findings == first.findings and second.cache["hits"] == 0
    assert run(tmp_path, registry, cache).cache["hits"] == 1  # written again


@pytest.mark.parametrize("touch", [False, True])
def test_hand_edited_entries_are_not_trusted(tmp_path, registry, touch):
    write(tmp_path, "a.js", SOAP_LOGON)
    write(tmp_path, "b.js", SOAP_LOGON.replace("svc_api", "svc_b"))
    write(tmp_path, "c.js", SOAP_LOGON.replace("svc_api", "svc_c"))
    cache = str(tmp_path / "cache")
    first = run(tmp_path, registry, cache)
    with open(first.cache["path"], encoding="utf-8") as fh:
        doc = json.load(fh)
    entries = doc["entries"]
    entries[os.path.join(str(tmp_path), "a.js")] = {"not": "a list"}
    entries[os.path.join(str(tmp_path), "b.js")][6]["findings"][0]["severity"] = 99  # no such severity
    entries[os.path.join(str(tmp_path), "c.js")][6]["findings"] = [{"rule_id": "IMS101"}]  # fields missing
    with open(first.cache["path"], "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    if touch:  # the stat changes: the entries' digests would decide
        for name in "abc":
            os.utime(tmp_path / f"{name}.js", ns=(10**18, 10**18))
    second = run(tmp_path, registry, cache)
    assert second.cache["hits"] == 0 and second.findings == first.findings and not second.errors
    assert run(tmp_path, registry, cache).cache["hits"] == 3  # written again, sound


def test_the_cache_folder_is_marked_and_never_scanned(tmp_path, registry):
    write(tmp_path, "a.js", SOAP_LOGON)
    cache = str(tmp_path / ".imslint-cache")
    first = run(tmp_path, registry, cache)
    second = run(tmp_path, registry, cache)
    assert first.files_scanned == second.files_scanned == 1
    assert os.path.exists(os.path.join(cache, "CACHEDIR.TAG"))
    with open(os.path.join(cache, ".gitignore"), encoding="utf-8") as fh:
        assert "*" in fh.read().split()


def test_deleted_files_leave_the_cache_and_files_outside_the_scan_stay(tmp_path, registry):
    write(tmp_path, "src/a.js", SOAP_LOGON)
    write(tmp_path, "src/b.js", "var y = 2;\n")
    write(tmp_path, "other/c.js", "var z = 3;\n")
    cache = str(tmp_path / "cache")
    run(tmp_path, registry, cache)
    os.remove(tmp_path / "src" / "b.js")
    result = run(tmp_path, registry, cache, paths=["src/a.js", "src"])
    with open(result.cache["path"], encoding="utf-8") as fh:
        entries = json.load(fh)["entries"]
    names = sorted(os.path.relpath(p, str(tmp_path)).replace(os.sep, "/") for p in entries)
    assert names == ["other/c.js", "src/a.js"]
    # a pre-commit run on one file keeps every other entry
    run(tmp_path, registry, cache, paths=["other/c.js"])
    with open(result.cache["path"], encoding="utf-8") as fh:
        assert len(json.load(fh)["entries"]) == 2


def test_a_run_from_another_folder_does_not_reuse_other_display_paths(tmp_path, registry):
    write(tmp_path, "src/a.js", SOAP_LOGON)
    cache = str(tmp_path / "cache")
    config = Config(root=str(tmp_path), respect_gitignore=False)
    first = lint(["src"], config, registry, cwd=str(tmp_path), jobs=1, cache_dir=cache)
    second = lint(["."], config, registry, cwd=str(tmp_path / "src"), jobs=1, cache_dir=cache)
    assert first.findings[0].location.path == "src/a.js"
    assert second.findings[0].location.path == "a.js" and second.cache["hits"] == 0


class Crashes(Rule):
    """Crashes on every JS file (test rule)."""

    id = "TST901"
    name = "tst-crashes"
    severity = Severity.WARNING

    def check(self, subject, options):
        if subject.path.endswith(".js"):
            raise RuntimeError("no")
        return ()


class Uncacheable(Rule):
    """Says its results depend on more than the file (test rule)."""

    id = "TST902"
    name = "tst-uncacheable"
    severity = Severity.NOTE
    cacheable = False
    languages = ("text",)  # not the JS file: only its error keeps that one out of the cache

    def check(self, subject, options):
        if "note-me" in subject.text:
            yield Problem(subject.location(0, 1), "noted")


def test_files_with_errors_or_uncacheable_rules_are_checked_every_time(tmp_path, counted):
    write(tmp_path, "a.js", "var x = 1;\n")
    write(tmp_path, "b.txt", "note-me\n")
    write(tmp_path, "c.txt", "plain\n")
    registry = registry_with(Crashes, Uncacheable)
    cache = str(tmp_path / "cache")
    first = run(tmp_path, registry, cache)
    counted.clear()
    second = run(tmp_path, registry, cache)
    assert sorted(counted) == ["a.js", "b.txt", "c.txt"]
    assert [e.rule_id for e in second.errors] == ["TST901"]  # the error is reported again
    assert [f.rule_id for f in second.findings] == ["TST902"]
    same(first, second)


def test_operator_exports_are_not_cached(tmp_path, registry, counted):
    shutil.copytree(os.path.join(ROOT, "fixtures", "operators"), tmp_path / "ops")
    cache = str(tmp_path / "cache")
    first = run(tmp_path, registry, cache)
    counted.clear()
    second = run(tmp_path, registry, cache)
    assert len(counted) == len(os.listdir(tmp_path / "ops"))  # IMS004 sees every export every time
    same(first, second)
    assert {f.rule_id for f in second.findings} >= {"IMS001", "IMS004"}


def test_logins_of_cached_code_still_mark_operators_technical(tmp_path, registry):
    shutil.copytree(os.path.join(ROOT, "fixtures", "repo"), tmp_path / "repo")
    shutil.copytree(os.path.join(ROOT, "fixtures", "operators"), tmp_path / "ops")
    cache = str(tmp_path / "cache")
    plain = run(tmp_path, registry, None)
    run(tmp_path, registry, cache)
    warm = run(tmp_path, registry, cache)
    assert warm.cache["hits"] > 20
    assert any(f.rule_id == "IMS005" for f in warm.findings)
    same(plain, warm)


def test_outcomes_that_json_would_change_are_not_kept():
    from imslint.model import Finding, Location

    finding = Finding("TST001", "t", Severity.NOTE, Location("a", 1), "m", "fp", properties={"x": (1, 2)})
    assert encode_outcome(FileOutcome(findings=[finding], scanned=True)) is None  # a tuple comes back a list
    ok = Finding("TST001", "t", Severity.NOTE, Location("a", 1, 2, 1, 5), "m", "fp", properties={"x": [1, 2]})
    encoded = encode_outcome(FileOutcome(findings=[ok], scanned=True, subjects={"source": 2}))
    back = decode_outcome(json.loads(json.dumps(encoded)), FileOutcome)
    assert back.findings == [ok] and back.subjects == {"source": 2} and back.scanned


def test_an_unwritable_cache_warns_and_the_run_goes_on(tmp_path):
    write(tmp_path, "a.js", SOAP_LOGON)
    blocker = write(tmp_path, "cache", "a file where the folder should be\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "imslint.cli",
            "check",
            "--no-config",
            "--cache-dir",
            os.path.join(blocker, "sub"),
            "-f",
            "json",
            "a.js",
        ],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": ROOT},
    )
    assert proc.returncode == 1, proc.stderr  # findings: 1, as without a cache
    assert "could not be written" in proc.stderr
    assert [f["rule_id"] for f in json.loads(proc.stdout)["findings"]] == ["IMS101"]


def test_cache_dir_from_configuration_and_no_cache(tmp_path):
    write(tmp_path, "a.js", SOAP_LOGON)
    write(tmp_path, ".imslint.toml", 'cache-dir = ".imslint-cache"\n')
    cfg = load_config(str(tmp_path / ".imslint.toml"))
    assert cfg.cache_dir == os.path.join(str(tmp_path), ".imslint-cache")
    env = {**os.environ, "PYTHONPATH": ROOT}
    env.pop("IMSLINT_CACHE_DIR", None)
    cmd = [sys.executable, "-m", "imslint.cli", "check", "a.js"]
    assert subprocess.run(cmd + ["--no-cache"], cwd=str(tmp_path), capture_output=True, env=env).returncode == 1
    assert not os.path.exists(tmp_path / ".imslint-cache")
    assert subprocess.run(cmd, cwd=str(tmp_path), capture_output=True, env=env).returncode == 1
    assert any(n.startswith("imslint-") for n in os.listdir(tmp_path / ".imslint-cache"))


def test_editing_a_plugin_or_its_helpers_changes_the_settings_key(tmp_path, monkeypatch):
    import importlib

    from imslint.cache import settings_key
    from imslint.engine import Plan
    from imslint.plugins import load_plugins

    write(tmp_path, "acmepkg/__init__.py", "")
    write(tmp_path, "acmepkg/helpers.py", "WORD = 'x'\n")
    write(
        tmp_path,
        "acmepkg/plugin.py",
        (
            "from imslint import Rule, hookimpl\n"
            "from . import helpers\n"
            "class R(Rule):\n"
            "    '''A test rule.'''\n"
            "    id = 'ACME001'\n"
            "    name = 'acme-rule'\n"
            "@hookimpl\n"
            "def imslint_register_rules():\n"
            "    return [R]\n"
        ),
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin = importlib.import_module("acmepkg.plugin")
    try:
        registry = load_plugins(use_entry_points=False, extra=[("acme", plugin)])
        plan = Plan(["ACME001"], {}, {"ACME001": {}}, str(tmp_path), {}, 100)
        before = settings_key(plan, registry)
        assert settings_key(plan, registry) == before  # stable
        os.utime(tmp_path / "acmepkg" / "plugin.py", ns=(10**18, 10**18))  # installed again: same code, new times
        assert settings_key(plan, registry) == before
        write(tmp_path, "acmepkg/helpers.py", "WORD = 'y'\n")
        assert settings_key(plan, registry) != before
        plan.max_file_size = 200
        assert settings_key(plan, registry) != before
    finally:
        for name in [n for n in sys.modules if n.startswith("acmepkg")]:
            del sys.modules[name]


def test_a_run_over_a_few_files_leaves_a_big_cache_alone(tmp_path, registry, monkeypatch, counted):
    import imslint.cache

    for i in range(30):
        write(tmp_path, f"src/f{i}.js", f"var x{i} = {i};\n")
    write(tmp_path, "src/a.js", SOAP_LOGON)
    cache = str(tmp_path / "cache")
    full = run(tmp_path, registry, cache)
    size = os.path.getsize(full.cache["path"])
    mtime = os.stat(full.cache["path"]).st_mtime_ns
    monkeypatch.setattr(imslint.cache, "BYTES_PER_FILE", size // 2)  # a cache worth two files' checking
    counted.clear()
    few = run(tmp_path, registry, cache, paths=["src/a.js"])
    assert few.cache["used"] is False and counted == ["src/a.js"]
    assert [f.rule_id for f in few.findings] == ["IMS101"]
    assert os.stat(full.cache["path"]).st_mtime_ns == mtime  # neither read nor written
    counted.clear()
    many = run(tmp_path, registry, cache)
    assert many.cache["used"] is True and many.cache["hits"] == 31 and counted == []


def test_the_digest_is_blake2b_128():
    import hashlib

    from imslint.cache import digest

    for data in (b"", b"abc", os.urandom(100_000)):
        assert digest(data) == hashlib.blake2b(data, digest_size=16).hexdigest()


def test_a_cache_written_with_other_settings_under_the_same_name_is_not_trusted(tmp_path, registry):
    write(tmp_path, "a.js", SOAP_LOGON)
    cache = str(tmp_path / "cache")
    first = run(tmp_path, registry, cache)
    with open(first.cache["path"], encoding="utf-8") as fh:
        doc = json.load(fh)
    doc["key"] = "0" * 32
    with open(first.cache["path"], "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
    second = run(tmp_path, registry, cache)
    assert "is not one this version of imslint wrote" in second.cache["warning"]
    assert second.cache["hits"] == 0 and second.findings == first.findings


def test_outcomes_json_cannot_hold_are_not_kept():
    from imslint.model import Finding, Location

    finding = Finding("TST001", "t", Severity.NOTE, Location("a", 1), "m", "fp", properties={"x": {1, 2}})
    assert encode_outcome(FileOutcome(findings=[finding], scanned=True)) is None


def test_a_failed_write_leaves_no_temporary_file(tmp_path, registry, monkeypatch):
    write(tmp_path, "a.js", SOAP_LOGON)
    cache = str(tmp_path / "cache")

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    result = run(tmp_path, registry, cache)
    assert "could not be written: No space left on device" in result.cache["warning"]
    assert [f.rule_id for f in result.findings] == ["IMS101"]
    assert sorted(os.listdir(cache)) == [".gitignore", "CACHEDIR.TAG"]


def test_a_file_that_cannot_be_read_is_reported_every_time(tmp_path, registry, monkeypatch):
    import builtins

    import imslint.engine.checker

    path = write(tmp_path, "a.js", SOAP_LOGON)
    cache = str(tmp_path / "cache")
    run(tmp_path, registry, cache)
    write(tmp_path, "a.js", SOAP_LOGON + "\n")  # changed: the cache sends it to be read

    def refuse(file, *args, **kwargs):
        if file == path:
            raise PermissionError(13, "Permission denied")
        return builtins.open(file, *args, **kwargs)

    monkeypatch.setattr(imslint.engine.checker, "open", refuse, raising=False)
    for _ in range(2):
        result = run(tmp_path, registry, cache)
        assert [(e.path, e.message) for e in result.errors] == [("a.js", "cannot read file: Permission denied")]
        assert result.findings == []
    monkeypatch.undo()
    assert [f.rule_id for f in run(tmp_path, registry, cache).findings] == ["IMS101"]


def test_the_settings_key_does_not_depend_on_set_order(tmp_path):
    from imslint.cache import settings_key
    from imslint.engine import Plan
    from imslint.plugins import load_plugins

    code = (
        "import sys; sys.path.insert(0, {root!r})\n"
        "from imslint.cache import settings_key\n"
        "from imslint.engine import Plan\n"
        "from imslint.plugins import load_plugins\n"
        "plan = Plan(['IMS101'], {{}}, {{'IMS101': {{'words': frozenset(['alpha', 'beta', 'gamma', 'delta'])}}}}, '/r', {{}}, 5)\n"
        "print(settings_key(plan, load_plugins()))\n"
    ).format(root=ROOT)
    keys = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2, 3, 4)
    }
    assert len(keys) == 1
    plan = Plan(["IMS101"], {}, {"IMS101": {"words": frozenset(["alpha", "beta"])}}, "/r", {}, 5)
    other = Plan(["IMS101"], {}, {"IMS101": {"words": frozenset(["alpha", "gamma"])}}, "/r", {}, 5)
    assert settings_key(plan, load_plugins()) != settings_key(other, load_plugins())


def test_cache_dir_from_the_environment(tmp_path):
    write(tmp_path, "a.js", SOAP_LOGON)
    env = {**os.environ, "PYTHONPATH": ROOT, "IMSLINT_CACHE_DIR": str(tmp_path / "envcache")}
    proc = subprocess.run(
        [sys.executable, "-m", "imslint.cli", "check", "--no-config", "a.js"],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 1, proc.stderr
    assert any(n.startswith("imslint-") for n in os.listdir(tmp_path / "envcache"))


def test_random_edits_between_runs_never_make_the_cache_disagree(tmp_path, registry):
    import random

    rng = random.Random(7)
    shutil.copytree(os.path.join(ROOT, "fixtures", "repo"), tmp_path / "repo")
    cache = str(tmp_path / "cache")
    snippets = [SOAP_LOGON, "var ok = 1;\n", "password=\n", "__sessiontoken=svc_x/Pw-Long-9911\n"]
    for round_no in range(6):
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(tmp_path / "repo") for f in fs)
        for path in rng.sample(files, 4):
            action = rng.choice(["append", "truncate", "touch", "delete", "copy"])
            if action == "append":
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write(rng.choice(snippets))
            elif action == "truncate":
                with open(path, "rb") as fh:
                    data = fh.read()
                with open(path, "wb") as fh:
                    fh.write(data[: len(data) // 2])
            elif action == "touch":
                os.utime(path, ns=(round_no * 10**15, round_no * 10**15))
            elif action == "delete":
                os.remove(path)
            else:
                shutil.copy(path, path + f".copy{round_no}.js")
        for jobs in (1, 2):
            plain = run(tmp_path, registry, None, jobs=jobs)
            cached = run(tmp_path, registry, cache, jobs=jobs)
            same(plain, cached)
        assert cached.cache["hits"] > 0


def test_an_oversized_cache_is_not_read(tmp_path, registry, monkeypatch):
    import imslint.cache

    write(tmp_path, "a.js", SOAP_LOGON)
    cache = str(tmp_path / "cache")
    first = run(tmp_path, registry, cache)
    monkeypatch.setattr(imslint.cache, "MAX_BYTES", os.path.getsize(first.cache["path"]) - 1)
    second = run(tmp_path, registry, cache)
    assert "not read, and rebuilt" in second.cache["warning"] and second.cache["hits"] == 0
    assert second.findings == first.findings


def test_a_finding_comes_back_from_its_one_serialisation():
    from imslint.model import Finding, Location, Related, Severity

    finding = Finding(
        "IMS101",
        "hardcoded-credentials",
        Severity.ERROR,
        Location("a.js", 3, 5),
        "a <redacted:1234abcd> password",
        "f" * 32,
        secret_hash="1234abcd",
        related=(Related(Location("b.js", 1, 2, 1, 9), "defined here"),),
        properties={"login": "svc", "count": 2},
        suppression="inline",
        suppression_reason="a test account",
    )
    assert Finding.from_dict(finding.to_dict(exact=True)) == finding  # what the cache keeps
    report = finding.to_dict()  # what JSON and SARIF show: a missing end line is the start line
    assert report["location"]["end_line"] == 3
    assert Finding.from_dict(report).location == Location("a.js", 3, 5, 3, None)
