"""The operator rules IMS001-IMS007: case files through the engine, then focused behaviour."""

from __future__ import annotations

import glob
import os

import pytest

import imslint.rules.email_index as email_index
import imslint.rules.operators as ro
from imslint.config import Config
from imslint.engine import lint
from imslint.model import Fact, Location, OperatorRecord, Problem
from imslint.plugins import load_plugins
from imslint.readers.operators import OperatorCsvReader, OperatorXmlReader
from imslint.rule import RunContext, validate_rule_class
from imslint.rules.email_index import EmailIndex
from imslint.rules.operators import (
    DEFAULT_ALLOWED_LOGINS,
    RULES,
    DisabledOperator,
    DuplicateEmail,
    InvalidEmail,
    MissingEmail,
    NativeOperator,
    OperatorGroup,
    TechnicalOperator,
    email_problem,
)
from imslint.testing import check_case, load_case_file

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CASES = sorted(glob.glob(os.path.join(ROOT, "fixtures", "cases", "IMS00[0-9].toml")))
FIXTURES = os.path.join(ROOT, "fixtures", "operators")


ALL_CASES = [c for path in CASES for c in load_case_file(path)]


def test_every_rule_has_pass_and_fail_cases():
    for rule in RULES:
        kinds = {c.kind for c in ALL_CASES if c.rule == rule.id}
        assert kinds == {"pass", "fail"}, rule.id


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_case(case, op_registry):
    check_case(case, op_registry)


# --------------------------------------------------------------------------- helpers


def op(login="asmith", **kw) -> OperatorRecord:
    kw.setdefault("label", login.title())
    kw.setdefault("path", "ops.xml")
    kw.setdefault("line", 1)
    return OperatorRecord(login=login, **kw)


def run_rules(records, facts=(), options=None):
    """Every operator rule over ``records`` (interleaved as the engine does): {rule id: [Problem]}."""
    context = RunContext()
    for f in facts:
        context.add(f)
    rules = [cls() for cls in RULES]
    out = {cls.id: [] for cls in RULES}
    opts = {r.id: dict(r.defaults, **(options or {}).get(r.id, {})) for r in rules}
    for r in rules:
        r.context = context
    for rec in records:
        for r in rules:
            out[r.id].extend(r.check(rec, opts[r.id]) or ())
    for r in rules:
        out[r.id].extend(r.finish(opts[r.id]) or ())
    return out


def read_fixture(name, reader=None):
    from imslint.readers import InputFile

    reader = reader or OperatorXmlReader()
    return list(reader.read(InputFile(os.path.join(FIXTURES, name), f"fixtures/operators/{name}")))


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("cls", RULES, ids=[c.id for c in RULES])
def test_rule_metadata(cls):
    assert validate_rule_class(cls) is None
    assert cls.subject is OperatorRecord
    help_text = cls.help_text()
    assert "Failing example" in help_text and "Passing example" in help_text
    assert cls.summary() and not cls.summary().endswith(".") and cls.description()


def test_hook_returns_the_seven_rules():
    assert [r.id for r in ro.imslint_register_rules()] == [f"IMS00{i}" for i in range(1, 8)]
    assert len({r.name for r in RULES}) == 7


# --------------------------------------------------------------------------- the package fixture


def test_package_fixture_findings():
    out = run_rules(read_fixture("package-export.xml"))
    logins = {rid: sorted(p.properties["login"] for p in probs) for rid, probs in out.items()}
    assert logins["IMS001"] == sorted(
        ["asmith", "jdoe", "pmartin", "tester", "newsletter", "mlopez", "kchen", "bwhite", "hdurand"]
    )
    assert logins["IMS002"] == ["jdoe"]
    assert logins["IMS003"] == ["newsletter", "pmartin", "tester"]
    assert logins["IMS004"] == ["bwhite", "kchen", "mlopez"]
    assert logins["IMS005"] == ["api_crm", "mc", "webapp"]
    assert logins["IMS006"] == ["admin", "content", "delivery", "workflow"]
    assert logins["IMS007"] == ["oldintern", "svc_export"]


def test_native_and_technical_never_both_fire():
    records = read_fixture("package-export.xml") + read_fixture("soap-executequery.xml")
    records += read_fixture("operators.csv", OperatorCsvReader())
    facts = [Fact("campaign-login", "asmith", Location("lib/sync.js", 3))]
    out = run_rules(records, facts)
    native = {(p.location.path, p.location.line) for p in out["IMS001"]}
    technical = {(p.location.path, p.location.line) for p in out["IMS005"]}
    assert native and technical and not native & technical


def test_every_problem_carries_the_worklist_properties():
    out = run_rules(read_fixture("package-export.xml"))
    keys = {"login", "label", "email", "authentication_type", "status", "type"}
    for rid, probs in out.items():
        for p in probs:
            assert keys <= set(p.properties), (rid, p.properties)
            assert p.key == p.properties["login"]
            assert p.properties["status"] in ("active", "disabled")
            assert p.properties["type"] == ("group" if rid == "IMS006" else "operator")
            assert p.properties["login"] in p.message


# --------------------------------------------------------------------------- IMS001 / IMS002 / IMS007


def test_native_operator_message_names_login_and_label():
    (p,) = NativeOperator().check(op("asmith", label="Alice Smith", email="a@acme.com"), NativeOperator.defaults)
    assert "'asmith' (Alice Smith)" in p.message and "IMS" in p.message
    assert p.properties["status"] == "active" and p.location == Location("ops.xml", 1, 1)


@pytest.mark.parametrize("login", [*DEFAULT_ALLOWED_LOGINS, "ADMIN", " internal "])
def test_allowed_logins_are_never_reported(login):
    records = [op(login), op(login, disabled=True), op(login, no_console_cnx=True)]
    out = run_rules(records)
    assert not any(out[r] for r in ("IMS001", "IMS002", "IMS005", "IMS007"))


def test_ims_accounts_get_no_finding():
    records = [
        op("bob@acme.com", authentication_type="ims", email="test@test.com"),
        op("x@techacct.adobe.com", no_console_cnx=True),
        op("svc", email="D42@techacct.adobe.com", disabled=True),
        op("carol", ims_user_id="C3@AdobeID", email=""),
    ]
    out = run_rules(records)
    assert not any(out.values())


def test_missing_email_only_for_people():
    rule = MissingEmail()
    assert list(rule.check(op("jdoe"), rule.defaults))
    assert not list(rule.check(op("jdoe", email="j@acme.com"), rule.defaults))
    assert not list(rule.check(op("api_jobs"), rule.defaults))
    assert not list(rule.check(op("jdoe", disabled=True), rule.defaults))


def test_disabled_operator_reports_technical_ones_too():
    rule = DisabledOperator()
    (p,) = rule.check(op("api_old", disabled=True, no_console_cnx=True), rule.defaults)
    assert p.properties["status"] == "disabled" and "delete" in p.message


# --------------------------------------------------------------------------- IMS003


@pytest.mark.parametrize(
    "email,reason",
    [
        ("pierre martin@acme.com", "spaces"),
        ("jdoe", "name@domain"),
        ("a@b@acme.com", "name@domain"),
        ("@acme.com", "name@domain"),
        ("jdoe@", "name@domain"),
        (".jdoe@acme.com", "before '@'"),
        ("j,doe@acme.com", "before '@'"),
        ("jdoe@acme", "no dot"),
        ("jdoe@acme..com", "not valid"),
        ("jdoe@-acme.com", "not valid"),
        ("jdoe@acme.c", "not valid"),
        ("jdoe@10.0.0.1", "not valid"),
        ("jdoe@[10.0.0.1]", "not valid"),
        ("jdoe@example.com", "reserved"),
        ("jdoe@mail.example.org", "reserved"),
        ("jdoe@acme.test", "reserved"),
        ("jdoe@corp.local", "reserved"),
        ("test@test.com", "placeholder"),
        ("someone@yourcompany.com", "placeholder"),
        ("no-reply@acme.com", "unattended"),
        ("NoReply@acme.com", "unattended"),
        ("xxx@xxx.fr", "placeholder"),
        ("a@a.com", "placeholder"),
        ("x" * 65 + "@acme.com", "too long"),
        ("a.b@acme.com, c.d@acme.com", "a list of 2 addresses"),
        ("a.b@acme.com;c.d@acme.com", "a list of 2 addresses"),
        ("Ann <a.b@acme.com>, Carl <c.d@acme.com>", "a list of 2 addresses"),
        ("name@", "nothing after '@'"),
        ("@acme.com", "nothing before '@'"),
        ("Lin Wu <lin wu@acme.com>", "spaces"),  # the address in brackets is judged
        ("Desk <noreply@acme.com>", "unattended"),
    ],
)
def test_email_problem_rejects(email, reason):
    got = email_problem(email)
    assert got is not None and reason in got, (email, got)


@pytest.mark.parametrize(
    "email",
    [
        "alice.smith@acme.com",
        " alice@acme.com ",
        "bob.martin+campaign@eu.acme.co.uk",
        "o'brien@acme.ie",
        "helene@acmé.fr",
        "info@acme.com",
        "it-ops@acme-group.com",
        "amy@amy.design",  # same name and domain, but a long one: a real vanity domain
        "Peter Fischer <p.fischer@acme.com>",  # a display name: the address in brackets is what maps
        '"Fischer, Peter" <p.fischer@acme.com>',
        "<p.fischer@acme.com>",
    ],
)
def test_email_problem_accepts(email):
    assert email_problem(email) is None


def test_email_problem_allowed_domains():
    assert email_problem("a.b@acme.com", ["acme.com"]) is None
    assert email_problem("a.b@fr.ACME.com", ["@acme.com"]) is None
    assert "allowed-domains" in email_problem("a.b@notacme.com", ["acme.com"])
    assert email_problem("a.b@gmail.com", ["", " "]) is None  # blank entries mean no restriction


def test_invalid_email_placeholder_domains_option():
    rule = InvalidEmail()
    opts = dict(rule.defaults, **{"placeholder-domains": ["acme-test.com"]})
    (p,) = rule.check(op("jdoe", email="jdoe@acme-test.com"), opts)
    assert p.properties["reason"] == "its domain is a placeholder"
    assert not list(rule.check(op("jdoe", email="jdoe@test.com"), opts))  # the option replaces the list


# --------------------------------------------------------------------------- IMS004


def test_duplicates_point_at_each_other():
    records = [
        op("mlopez", label="Maria Lopez", email="team@acme.com", line=3),
        op("kchen", label="Kevin Chen", email="TEAM@acme.com ", line=7),
        op("team@acme.com", email="team@acme.com", authentication_type="ims", line=9),
        op("asmith", email="alice@acme.com", line=11),
    ]
    probs = sorted(run_rules(records)["IMS004"], key=lambda p: p.location.line)
    assert [p.location.line for p in probs] == [3, 7]
    first, second = probs
    assert [(r.location.line, r.message) for r in first.related] == [
        (7, "also held by 'kchen'"),
        (9, "also held by an operator already on IMS"),
    ]
    assert "2 other operators (1 already on IMS)" in first.message
    assert [r.location.line for r in second.related] == [3, 9]
    assert second.properties["email"] == "TEAM@acme.com" and second.properties["shared_with"] == 2
    assert first.key == "mlopez"


def test_duplicate_email_scales_past_the_bitmap_growth():
    records = [
        op(f"u{i}@acme.com", email=f"u{i}@acme.com", authentication_type="ims", line=i + 1) for i in range(20000)
    ]
    records.append(op("dup1", email="u12345@acme.com", line=30000))
    records.append(op("dup2", email="u19999@ACME.com", line=30001))
    rule = DuplicateEmail()
    for r in records:
        assert not list(rule.check(r, rule.defaults))
    probs = list(rule.finish(rule.defaults))
    assert sorted((p.location.line, [r.location.line for r in p.related]) for p in probs) == [
        (30000, [12346]),
        (30001, [20000]),
    ]
    # Memory stays in flat arrays: 8 + 4 + 4 bytes per operator plus the bitmap (32 bits per operator,
    # doubled as the run grows), at most 24 bytes per operator (the two persons' details add a few bytes).
    assert rule.index.held == len(records)
    assert 16 < rule.index.bytes_per_operator <= EmailIndex.ENTRY_BYTES + 0.01


def test_duplicate_email_verifies_people_on_hash_collision(monkeypatch):
    monkeypatch.setattr(email_index, "hash", lambda s: 42, raising=False)  # every email collides
    rule = DuplicateEmail()
    for r in (op("a", email="a@acme.com", line=1), op("b", email="b@acme.com", line=2)):
        rule.check(r, rule.defaults)
    assert list(rule.index.duplicate_groups()) == [[0, 1]]  # one hash for both
    assert list(rule.finish(rule.defaults)) == []


def test_duplicate_email_caps_related_locations():
    records = [op(f"p{i}", email="shared@acme.com", line=i + 1) for i in range(30)]
    probs = run_rules(records)["IMS004"]
    assert len(probs) == 30
    assert all(len(p.related) == ro.MAX_RELATED for p in probs)
    assert all("29 other operators" in p.message for p in probs)


def test_duplicate_email_across_exports_reports_paths():
    records = [op("a", email="x@acme.com", path="one.xml", line=4), op("b", email="x@acme.com", path="two.csv", line=2)]
    probs = run_rules(records)["IMS004"]
    assert sorted((p.location.path, p.related[0].location.path) for p in probs) == [
        ("one.xml", "two.csv"),
        ("two.csv", "one.xml"),
    ]


# --------------------------------------------------------------------------- IMS005


def test_technical_operator_from_code_facts():
    facts = [
        Fact("campaign-login", "CRM_Sync", Location("lib/sync.js", 2)),
        Fact("campaign-login", "crm_sync", Location("workflows/WKF.xml", 40)),
        Fact("campaign-login", "crm_sync", Location("lib/sync.js", 2)),  # the same place twice
        Fact("campaign-login", "", Location("x.js", 1)),
        Fact("campaign-login", "ghost", None),
    ]
    records = [op("crm_sync", label="CRM sync", email="crm@acme.com", line=5), op("ghost", email="g@acme.com", line=6)]
    out = run_rules(records, facts)
    assert not out["IMS001"] and not out["IMS002"] and not out["IMS003"]
    crm, ghost = sorted(out["IMS005"], key=lambda p: p.location.line)
    assert [(r.location.path, r.location.line) for r in crm.related] == [("lib/sync.js", 2), ("workflows/WKF.xml", 40)]
    assert "the scanned code logs on with it in 2 places" in crm.message
    assert "Developer Console" in crm.message and "OAuth Server-to-Server" in crm.message and "delete" in crm.message
    assert crm.properties["code_uses"] == 2
    assert ghost.related == () and "in 1 place)" in ghost.message


@pytest.mark.parametrize(
    "login,technical",
    [
        ("webapp", True),
        ("WebApp", True),
        ("mc", True),
        ("mc7", True),
        ("mc12", True),
        ("mcdonald", False),
        ("interactionEngine", True),
        ("api", True),
        ("api_crm", True),
        ("crm-api", True),
        ("apiary", False),
        ("svc_export", True),
        ("ws_orders", True),
        ("tech_bot", True),
        ("local", True),
        ("localization", False),
        ("central", True),
        ("billing", True),
        ("billingteam", False),
        ("jdoe", False),
    ],
)
def test_technical_login_patterns(login, technical):
    classifier = ro.Classifier(TechnicalOperator.defaults, {})
    assert (classifier.kind(op(login)) == "technical") is technical


def test_rules_with_the_same_options_classify_a_batch_once_through_its_memo(monkeypatch):
    calls = []
    real = ro.Classifier.buckets

    def spy(self, ops):
        calls.append(len(ops))
        return real(self, ops)

    monkeypatch.setattr(ro.Classifier, "buckets", spy)
    context = RunContext()
    a, b, c = NativeOperator(), MissingEmail(), TechnicalOperator()
    a.context = b.context = c.context = context
    batch = [op("jdoe"), op("api_sync", email="")]
    assert a.buckets(batch, a.defaults) is b.buckets(batch, b.defaults)
    assert calls == [2]  # classified once for both rules
    c.buckets(batch, dict(c.defaults, **{"technical-logins": ["x*"]}))
    assert calls == [2, 2]  # other options: classified again
    context.forget_memos()  # what the engine does once the batch's rules ran
    a.buckets(batch, a.defaults)
    assert calls == [2, 2, 2]


# --------------------------------------------------------------------------- IMS006


def test_operator_group_profile_and_admin_note():
    rule = OperatorGroup()
    (p,) = rule.check(op("cusAdmins", label="Custom admins", type=1), {"instance": "acme-mkt-prod"})
    assert p.properties["product_profile"] == "campaign - acme-mkt-prod - cusAdmins"
    assert p.properties["admin"] is True and "Control Panel" in p.message
    (q,) = rule.check(op("delivery", type=1), rule.defaults)
    assert "'campaign - <instance> - delivery'" in q.message and "Control Panel" not in q.message
    assert not list(rule.check(op("delivery", type=0), rule.defaults))


# --------------------------------------------------------------------------- through the engine


def test_engine_run_on_the_fixtures(tmp_path, op_registry):
    cfg = Config(root=ROOT, select=["IMS0"], respect_gitignore=False)
    result = lint([FIXTURES], cfg, op_registry, cwd=ROOT)
    assert not result.errors
    assert result.subjects.get("operator") == 27 + 6 + 9 + 3 + 1
    by_rule = result.by_rule()
    assert by_rule["IMS001"] == 9 + 2 + 5 + 1 + 1  # package, SOAP, CSV, UTF-16, Write
    native = {(f.location.path, f.location.line) for f in result.findings if f.rule_id == "IMS001"}
    technical = {(f.location.path, f.location.line) for f in result.findings if f.rule_id == "IMS005"}
    assert not native & technical
    assert all(f.fingerprint for f in result.findings)
    # Fingerprints are keyed on the login: they survive lines moving.
    moved = tmp_path / "moved"
    moved.mkdir()
    text = open(os.path.join(FIXTURES, "package-export.xml"), encoding="utf-8-sig").read()
    (moved / "package-export.xml").write_text(text.replace("<package ", "\n\n<package "), encoding="utf-8")
    (tmp_path / "orig").mkdir()
    (tmp_path / "orig" / "package-export.xml").write_text(text, encoding="utf-8")
    fps = []
    for sub in ("orig", "moved"):
        cfg = Config(root=str(tmp_path / sub), select=["IMS0"], respect_gitignore=False)
        res = lint(["."], cfg, op_registry, cwd=str(tmp_path / sub))
        fps.append(sorted(f.fingerprint for f in res.findings))
    assert fps[0] == fps[1]


def test_problem_type():
    assert all(
        isinstance(p, Problem) for probs in run_rules(read_fixture("package-export.xml")).values() for p in probs
    )


def test_logins_used_by_scanned_code_reach_the_operator_rules(tmp_path):
    """Across families: the credential rules (phase 0) publish the login, IMS005 (phase 1) cites it."""
    try:
        registry = load_plugins()
    except Exception as exc:  # pragma: no cover - another family is broken: its own tests say why
        pytest.skip(f"full plugin set unavailable: {exc}")
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "sync.js").write_text(
        'var cnx = new HttpSoapConnection("https://acme-mkt.campaign.adobe.com/nl/jsp/soaprouter.jsp", "utf-8", 0);\n'
        'var svc = new SoapService(cnx, "urn:xtk:session");\n'
        'var r = svc.Logon("", "crm_sync", getOption("cusCrmPwd"), <params/>);\n',
        encoding="utf-8",
    )
    (tmp_path / "operators.xml").write_text(
        '<package name="x" namespace="cus"><entities schema="xtk:operator">\n'
        '<operator label="CRM sync" name="crm_sync" email="crm@acme.com"/>\n'
        '<operator label="Alice" name="asmith" email="alice@acme.com"/>\n</entities></package>\n',
        encoding="utf-8",
    )
    cfg = Config(root=str(tmp_path), select=["IMS001", "IMS005", "IMS1"], respect_gitignore=False)
    result = lint(["."], cfg, registry, cwd=str(tmp_path))
    assert not result.errors
    ops = {(f.rule_id, f.location.line) for f in result.findings if f.location.path == "operators.xml"}
    assert ops == {("IMS005", 2), ("IMS001", 3)}
    (tech,) = [f for f in result.findings if f.rule_id == "IMS005"]
    assert [(r.location.path, r.location.line) for r in tech.related] == [("lib/sync.js", 3)]


# --------------------------------------------------------------------------- batches


def _batch_records():
    """Every kind of operator, with shared emails across kinds, in two exports."""
    return [
        op("asmith", email="team@acme.com", authentication_type="native", line=2),
        op("bob@acme.com", email="Team@acme.com", authentication_type="ims", line=3),
        op("jdoe", authentication_type="native", line=4),
        op("carl", email="test@test.com", authentication_type="native", line=5),
        op("api_crm", authentication_type="native", line=6),
        op("webapp", email="team@acme.com", authentication_type="native", no_console_cnx=True, line=7),
        op("old", disabled=True, authentication_type="native", line=8),
        op("admin", authentication_type="native", line=9),
        op("delivery", type=1, line=10),
        op("adminGroup", type=1, line=11),
        op("weird", type=7, line=12),
        op("imsid", ims_user_id="ABC@AdobeID", email="x@acme.com", line=13),
        op("IMSUPPER", authentication_type=" IMS ", email="team@acme.com", line=14),
        op("asmith", email="team@acme.com", authentication_type="native", path="other.xml", line=2),
        op("dave", email="dave@acme.com", authentication_type="native", path="other.xml", line=3),
    ]


@pytest.mark.parametrize("size", [1, 4, 100])
def test_check_batch_finds_what_check_finds(size):
    records = _batch_records()
    expected = run_rules(records, facts=[Fact("campaign-login", "dave", Location("lib/a.js", 3))])
    context = RunContext()
    context.add(Fact("campaign-login", "dave", Location("lib/a.js", 3)))
    rules = [cls() for cls in RULES]
    for r in rules:
        r.context = context
    got = {r.id: [] for r in rules}
    batch: list = []
    for start in range(0, len(records), size):
        batch[:] = records[start : start + size]  # one list refilled in place, as an engine may do
        for r in rules:
            pairs = r.check_batch(batch, r.defaults)
            assert all(rec in batch for rec, _ in pairs)
            got[r.id].extend(p for _, p in pairs)
        context.forget_memos()  # as the engine does once the rules of a batch ran
    for r in rules:
        got[r.id].extend(r.finish(r.defaults) or ())
    assert got == expected
    assert sum(len(v) for v in got.values()) > 10  # every kind fired somewhere


def test_check_batch_pairs_each_problem_with_its_record():
    records = _batch_records()
    rule = NativeOperator()
    pairs = rule.check_batch(records, rule.defaults)
    assert [(rec.login, p.location.line) for rec, p in pairs] == [
        ("asmith", 2),
        ("jdoe", 4),
        ("carl", 5),
        ("asmith", 2),
        ("dave", 3),
    ]
    assert all(p.location == rec.location for rec, p in pairs)


def test_address_character_classes_are_the_documented_ones():
    # What an address may hold, written plainly: ASCII letters, digits, a few signs, U+00A0 to U+FFFF.
    # The rule's patterns are negated classes (cheaper to compile); they must accept exactly the same.
    import re

    local = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-\u00a0-\uffff]+$")
    label = re.compile(r"^[a-z0-9\u00a0-\uffff](?:[a-z0-9\u00a0-\uffff-]*[a-z0-9\u00a0-\uffff])?$")
    points = list(range(0x3000)) + [0xD7FF, 0xE000, 0xFEFF, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF]
    for cp in points:
        c = chr(cp)
        for s in (c, "a" + c + "b", c + "a", "a" + c, c + c):
            assert bool(ro._LOCAL_RE.match(s)) == bool(local.match(s)), (hex(cp), s)
            assert bool(ro._LABEL_RE.match(s)) == bool(label.match(s)), (hex(cp), s)
