"""The configuration rules IMS201-IMS203: their case files through the engine, and focused checks."""

from __future__ import annotations

import os
from typing import List

import pytest
from conftest import ROOT, write

import imslint.rules.config as config_rules
from imslint import builtin
from imslint.config import Config
from imslint.engine import lint
from imslint.model import Fact, Problem, Severity, SourceText
from imslint.plugins import load_plugins
from imslint.readers import InputFile, ReadError
from imslint.readers.campaign_xml import CampaignXmlReader
from imslint.rule import validate_rule_class
from imslint.testing import check_case, load_case_file

CASES = os.path.join(ROOT, "fixtures", "cases")
RULE_IDS = ("IMS201", "IMS202", "IMS203")


@pytest.fixture(scope="module")
def config_registry():
    """The built-in readers and reporters plus this module's rules only (independent of other rule modules)."""
    return load_plugins(use_entry_points=False, extra=[("core", builtin), ("config", config_rules)])


def _cases():
    for rid in RULE_IDS:
        for case in load_case_file(os.path.join(CASES, f"{rid}.toml")):
            yield pytest.param(case, id=case.id)


@pytest.mark.parametrize("case", list(_cases()))
def test_case_files(case, config_registry):
    check_case(case, config_registry)


def test_each_rule_has_pass_and_fail_cases():
    for rid in RULE_IDS:
        kinds = [c.kind for c in load_case_file(os.path.join(CASES, f"{rid}.toml"))]
        assert kinds.count("fail") >= 3 and kinds.count("pass") >= 3, rid


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("cls", config_rules.RULES)
def test_rule_metadata(cls):
    assert validate_rule_class(cls) is None
    assert cls.subject is SourceText
    assert cls.languages == ("xml",)
    assert cls.keywords and all(isinstance(k, bytes) and k == k.lower() for k in cls.keywords)
    assert cls.summary() and not cls.summary().endswith(".")  # a title, shown by `imslint rules`
    help_text = cls.help_text()
    assert "Failing example::" in help_text and "Passing example::" in help_text
    assert "What to do instead" in help_text


def test_ids_names_severities():
    got = [(c.id, c.name, c.severity, c.security_severity) for c in config_rules.RULES]
    assert got == [
        ("IMS201", "zone-allows-password", Severity.ERROR, "7.5"),
        ("IMS202", "native-api-open", Severity.WARNING, None),
        ("IMS203", "plaintext-account-password", Severity.ERROR, "7.5"),
    ]
    assert "security" in config_rules.PlaintextAccountPassword.tags
    assert config_rules.NativeApiOpen.defaults["allowed-logins"] == [
        "admin",
        "aemserver",
        "campaign-loginmonitor",
        "internal",
        "monitoring",
    ]


def test_registered_through_the_hook(config_registry):
    assert [config_registry.rule_plugin[r] for r in RULE_IDS] == ["config"] * 3


# --------------------------------------------------------------------------- focused checks


def subjects_of(xml: str, path: str = "conf/serverConf.xml") -> List[SourceText]:
    """What the campaign-xml reader yields for ``xml`` (stopping at a read error)."""
    out: List[SourceText] = []
    try:
        for s in CampaignXmlReader().read(InputFile(path, path, xml.encode("utf-8"))):
            out.append(s)
    except ReadError:
        pass
    return out


def check_all(rule_cls, xml: str, options=None, path: str = "conf/serverConf.xml") -> list:
    """Everything the rule yields (problems and facts) on what the reader yields for ``xml``."""
    rule = rule_cls()
    opts = dict(rule_cls.defaults)
    opts.update(options or {})
    out: list = []
    for subject in subjects_of(xml, path):
        out.extend(rule.check(subject, opts))
    return out


def check(rule_cls, xml: str, options=None, path: str = "conf/serverConf.xml") -> List[Problem]:
    return [p for p in check_all(rule_cls, xml, options, path) if isinstance(p, Problem)]


def facts(rule_cls, xml: str, path: str = "p.xml"):
    return [(f.kind, f.value, f.location.line) for f in check_all(rule_cls, xml, path=path) if isinstance(f, Fact)]


def positions(problems: List[Problem]):
    return [(p.location.line, p.location.column, p.location.end_line, p.location.end_column) for p in problems]


class TestZoneAllowsPassword:
    def test_location_spans_the_attribute(self):
        xml = '<serverConf>\n  <securityZone name="public" allowUserPassword="true"/>\n</serverConf>'
        (p,) = check(config_rules.ZoneAllowsPassword, xml)
        assert positions([p]) == [(2, 31, 2, 55)]
        assert xml.split("\n")[1][30:54] == 'allowUserPassword="true"'
        assert p.key == "securityZone:public:allowUserPassword"
        assert "'public'" in p.message and 'allowUserPassword="false"' in p.message
        assert p.secret is None

    def test_malformed_file_is_checked_on_its_raw_text(self):
        xml = '<serverConf>\n  <securityZone name="public"\n     allowEmptyPassword="true">\n  </securityZon>\n</serverConf>'
        subjects = subjects_of(xml)
        assert [s.tree for s in subjects] == [None]
        problems = check(config_rules.ZoneAllowsPassword, xml)
        assert positions(problems) == [(3, 6, 3, 31)]
        assert problems[0].key == "securityZone:public:allowEmptyPassword"

    def test_raw_text_skips_comments(self):
        xml = '<serverConf>\n<!-- <securityZone name="old" allowUserPassword="true"/> -->\n<broken>\n</serverConf>'
        assert check(config_rules.ZoneAllowsPassword, xml) == []

    @pytest.mark.parametrize("cls", config_rules.RULES)
    def test_only_xml_documents_are_inspected(self, cls):
        rule = cls()
        text = (
            '<securityZone name="x" allowUserPassword="true"/><imsConfig/>'
            '<extAccount name="e" account="a" password="N0tXml!"/>'
        )
        opts = dict(cls.defaults)
        for subject in (
            SourceText(path="a.js", text=text, language="js"),
            SourceText(path="a.xml", text=text, language="xml", embedded=True),
        ):
            assert list(rule.check(subject, opts)) == []
        got = [
            p for p in rule.check(SourceText(path="a.html", text=text, language="xml"), opts) if isinstance(p, Problem)
        ]
        assert len(got) == 1


class TestNativeApiOpen:
    LOCKDOWN = """<serverConf>
  <shared>
    <imsConfig>
      <nonIMSAuthnAPI disableAPI="{value}">
        <allowOperator name="admin"/>
        <allowOperator name="Internal|MONITORING"/>
        <allowOperator name="api_crm|mc"/>
      </nonIMSAuthnAPI>
    </imsConfig>
  </shared>
</serverConf>"""

    def test_switch_and_extra_operators(self):
        problems = check(config_rules.NativeApiOpen, self.LOCKDOWN.format(value="false"))
        assert [(p.location.line, p.key) for p in problems] == [
            (4, "nonIMSAuthnAPI:disableAPI"),
            (7, "allowOperator:api_crm"),
            (7, "allowOperator:mc"),
        ]
        assert 'disableAPI="false"' in problems[0].message
        assert problems[1].properties == {"login": "api_crm"}
        assert positions(problems[:1]) == [(4, 23, 4, 41)]

    def test_option_is_case_insensitive_and_replaces_the_defaults(self):
        xml = self.LOCKDOWN.format(value="true")
        problems = check(
            config_rules.NativeApiOpen, xml, {"allowed-logins": ["admin", "internal", "monitoring", "API_CRM"]}
        )
        assert [p.key for p in problems] == ["allowOperator:mc"]
        problems = check(config_rules.NativeApiOpen, xml, {"allowed-logins": ["admin"]})
        assert [p.key for p in problems] == [
            "allowOperator:Internal",
            "allowOperator:MONITORING",
            "allowOperator:api_crm",
            "allowOperator:mc",
        ]

    def test_extra_operators_are_published_as_logins(self):
        got = facts(config_rules.NativeApiOpen, self.LOCKDOWN.format(value="true"))
        assert got == [("campaign-login", "api_crm", 7), ("campaign-login", "mc", 7)]

    def test_self_closing_imsconfig(self):
        problems = check(config_rules.NativeApiOpen, "<serverConf><shared><imsConfig/></shared></serverConf>")
        assert [p.key for p in problems] == ["imsConfig:no-nonIMSAuthnAPI"]

    def test_raw_text_fallback(self):
        broken = '<serverConf>\n<imsConfig>\n  <nonIMSAuthnAPI disableAPI="true"/>\n</imsConfig>\n<oops>\n</serverConf>'
        assert check(config_rules.NativeApiOpen, broken) == []
        broken = '<serverConf>\n<imsConfig>\n  <other/>\n</imsConfig>\n<nonIMSAuthnAPI disableAPI="true"/>\n<oops>\n</serverConf>'
        problems = check(config_rules.NativeApiOpen, broken)
        assert [(p.location.line, p.key) for p in problems] == [(2, "imsConfig:no-nonIMSAuthnAPI")]


class TestPlaintextAccountPassword:
    def test_secret_passed_and_kept_out_of_the_message(self):
        xml = '<package>\n<entities schema="nms:extAccount">\n<extAccount name="acme_mid" account="mid_mkt" password="M1d&amp;Pwd"/>\n</entities>\n</package>'
        (p,) = check(config_rules.PlaintextAccountPassword, xml, path="p.xml")
        assert p.secret == "M1d&Pwd"
        assert "M1d" not in p.message and "acme_mid" in p.message and "mid_mkt" in p.message
        assert p.key == "extAccount:acme_mid:mid_mkt"
        line = xml.split("\n")[2]
        col = line.index("password=") + 1
        assert positions([p]) == [(3, col, 3, col + len('password="M1d&amp;Pwd"'))]

    def test_plaintext_prefix_is_not_part_of_the_secret(self):
        xml = '<extAccount name="a" account="b" password="__PLAINTEXT__Pr3fixed!"/>'
        (p,) = check(config_rules.PlaintextAccountPassword, xml, path="p.xml")
        assert p.secret == "Pr3fixed!"

    @pytest.mark.parametrize(
        "value",
        [
            "",
            "   ",
            "@abc",
            "@n3k1dR0cCiRmnXQ3j2Ltdw==",
            "__PLAINTEXT__",
            "${PWD}",
            "{{ pwd }}",
            "********",
            "changeme",
        ],
    )
    def test_not_plaintext(self, value):
        xml = f'<extAccount name="a" account="b" password="{value}"/>'
        assert check(config_rules.PlaintextAccountPassword, xml, path="p.xml") == []

    def test_campaign_account_logins_are_published(self):
        xml = """<package><entities schema="nms:extAccount">
<extAccount name="rt" account="mc" type="11" password="@n3k1dR0cCiRmnXQ3j2Ltdw=="/>
<extAccount name="mid" account="mid_mkt" type="3" password="Pl41n!"/>
<extAccount name="sftp" account="crmdrop" type="1" password="@n3k1dR0cCiRmnXQ3j2Ltdw=="/>
<extAccount name="tpl" account="${MID_USER}" type="3" password="@n3k1dR0cCiRmnXQ3j2Ltdw=="/>
<extAccount name="soap" account="api_crm" password="@n3k1dR0cCiRmnXQ3j2Ltdw=="/>
<extAccount name="ims" type="11"/>
</entities></package>"""
        assert facts(config_rules.PlaintextAccountPassword, xml) == [
            ("campaign-login", "mc", 2),
            ("campaign-login", "mid_mkt", 3),
            ("campaign-login", "api_crm", 6),
        ]

    def test_raw_text_fallback(self):
        xml = '<package>\n  <extAccount name="a" account="b"\n      password="Br0ken!"/>\n  <unclosed>\n</package>'
        (p,) = check(config_rules.PlaintextAccountPassword, xml, path="p.xml")
        assert (p.location.line, p.secret) == (3, "Br0ken!")


# --------------------------------------------------------------------------- through the engine


def run(tmp_path, registry):
    cfg = Config(root=str(tmp_path), select=list(RULE_IDS), respect_gitignore=False)
    return lint(["."], cfg, registry, cwd=str(tmp_path))


def test_fingerprint_survives_lines_moving(tmp_path, config_registry):
    body = '<extAccount name="acme_mid" account="mid_mkt" password="Mov1ng!"/>\n'
    write(tmp_path, "a.xml", "<package>\n" + body + "</package>\n")
    first = run(tmp_path, config_registry).findings
    write(tmp_path, "a.xml", "<package>\n<!-- a\nnew\ncomment -->\n" + body + "</package>\n")
    second = run(tmp_path, config_registry).findings
    assert [f.location.line for f in first] == [2] and [f.location.line for f in second] == [5]
    assert first[0].fingerprint == second[0].fingerprint
    assert "Mov1ng!" not in first[0].message and first[0].secret_hash


def test_malformed_config_gives_a_finding_and_an_error(tmp_path, config_registry):
    write(
        tmp_path,
        "conf/serverConf.xml",
        '<serverConf>\n<securityZone name="p" allowUserPassword="true">\n</serverConf>\n',
    )
    result = run(tmp_path, config_registry)
    assert [(f.rule_id, f.location.line) for f in result.findings] == [("IMS201", 2)]
    assert [(e.path, e.line) for e in result.errors] == [("conf/serverConf.xml", 3)]
    assert result.errors[0].message.startswith("campaign-xml: malformed XML")


def test_fixture_repository(config_registry):
    """fixtures/repo: exactly the IMS2xx findings fixtures/repo/EXPECTED.md lists, no read error, the PNG skipped."""
    root = os.path.join(ROOT, "fixtures", "repo")
    cfg = Config(root=root, select=list(RULE_IDS), respect_gitignore=False)
    result = lint(["."], cfg, config_registry, cwd=root)
    got = [(f.location.path, f.location.line, f.location.column, f.rule_id) for f in result.findings]
    assert got == [
        ("campaign/packages/extaccounts.xml", 7, 17, "IMS203"),
        ("config/config-acme.xml", 15, 23, "IMS202"),
        ("config/config-acme.xml", 20, 24, "IMS202"),
        ("config/serverConf.xml", 11, 19, "IMS201"),
    ]
    assert result.errors == []
    assert result.skipped == [("assets/logo.png", "binary or unsupported file")]
    with open(os.path.join(root, "EXPECTED.md"), encoding="utf-8") as fh:
        expected = fh.read()
    for path, line, col, rid in got:
        assert f"| `{path}` | {line}:{col} | {rid} |" in expected
