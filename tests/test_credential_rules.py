"""Focused tests of the credential rules (IMS101-IMS106) and of their text helpers."""

from __future__ import annotations

from typing import Any, List, Optional

import pytest

from imslint.model import Fact, Problem, SourceText, redaction
from imslint.rule import validate_rule_class
from imslint.rules import _patterns as P
from imslint.rules import credentials as C
from imslint.rules.credentials import code_scanners as CS
from imslint.rules.credentials import config_scanner as CF
from imslint.rules.credentials import messages as CM


def subject(text: str, path: str = "lib/x.js", language: str = "js", **kw: Any) -> SourceText:
    return SourceText(path=path, text=text, language=language, **kw)


def run(
    rule_cls: type, text: str, path: str = "lib/x.js", language: str = "js", options: Optional[dict] = None, **kw: Any
) -> List[Any]:
    rule = rule_cls()
    opts = dict(rule_cls.defaults)
    opts.update(options or {})
    return list(rule.check(subject(text, path, language, **kw), opts))


def problems(items: List[Any]) -> List[Problem]:
    return [i for i in items if isinstance(i, Problem)]


def facts(items: List[Any]) -> List[Fact]:
    """The campaign-login facts (the cross-file step's own facts are tested apart)."""
    return [i for i in items if isinstance(i, Fact) and i.kind == C.FACT_KIND]


def lines(items: List[Any]) -> List[int]:
    return [p.location.line for p in problems(items)]


CTX = "// https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp\n"


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize("rule_cls", C.RULES, ids=lambda r: r.id)
def test_rule_classes_are_valid_and_documented(rule_cls: type) -> None:
    assert validate_rule_class(rule_cls) is None
    help_text = rule_cls.help_text()
    assert "Fails:" in help_text and "Passes:" in help_text
    assert all(k == k.lower() and isinstance(k, bytes) for k in rule_cls.keywords)
    if "security" in rule_cls.tags:
        assert rule_cls.security_severity is not None and 0 < float(rule_cls.security_severity) <= 10


def test_register_hook_returns_the_six_rules_in_id_order() -> None:
    assert [r.id for r in C.imslint_register_rules()] == ["IMS101", "IMS102", "IMS103", "IMS104", "IMS105", "IMS106"]


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    "value",
    [
        "%s",
        "%1$s",
        "$1",
        "$PW",
        "${ACC_PWD}",
        "{{acc_password}}",
        "{session_token}",
        "{0}",
        "{}",
        "<password>",
        "<IMS_Technical_Token>",
        "LOGIN_HERE",
        "PASSWORD_HERE",
        "SESSION_TOKEN",
        "ACC_PASSWORD",
        "xxx",
        "XXXXXXXX",
        "***",
        "...",
        "changeme",
        "change_me",
        "password",
        "Password",
        "pwd",
        "your_password",
        "yourPasswordHere",
        "mcPassword",
        "[PASSWORD]",
        "__PASSWORD__",
        "#{pw}",
        "<%= pw %>",
        "pre_{{x}}",
        "dummy",
        "%ACC_PWD%",
    ],
)
def test_is_placeholder_recognises_placeholders(value: str) -> None:
    assert P.is_placeholder(value)


@pytest.mark.parametrize(
    "value", ["S3cret!", "admin", "Adm1nPwd", "p8e-AbCdEf0123456789", "hunter2", "Pa$$w0rd", "__PLAINTEXT__abc", "test"]
)
def test_is_placeholder_keeps_real_looking_values(value: str) -> None:
    assert not P.is_placeholder(value)


def test_is_placeholder_extra_values_are_case_insensitive() -> None:
    assert P.is_placeholder("Acme2024", extra=["acme2024"])
    assert not P.is_placeholder("Acme2024")


def test_is_encrypted() -> None:
    assert P.is_encrypted("@Qm9sYmFzYWJhc2JhYmFz==")
    assert P.is_encrypted("ENC(G6N718UuyPE5bHyWKyuLQSm02auQPUtm)")
    assert not P.is_encrypted("@short")
    assert not P.is_encrypted("S3cret!")


@pytest.mark.parametrize(
    "content,kind",
    [
        ("S3cret!", P.LITERAL),
        ("", P.EMPTY),
        ("   ", P.EMPTY),
        ('" + password + "', P.DYNAMIC),
        ("' . $password . '", P.DYNAMIC),
        ('" & pwd & "', P.DYNAMIC),
        ("{{acc_password}}", P.PLACEHOLDER),
        ("$2", P.PLACEHOLDER),
        ("@Qm9sYmFzYWJhc2JhYmFz==", P.ENCRYPTED),
    ],
)
def test_classify_content(content: str, kind: str) -> None:
    assert P.classify_content(content) == kind


def test_concat_expression_extracts_the_spliced_expression() -> None:
    assert P.concat_expression('" + cfg.password + "') == "cfg.password"
    assert P.concat_expression("' . $pw . '") == "$pw"


@pytest.mark.parametrize(
    "src,lang,value,interpolated",
    [
        ('"S3cret!"', "js", "S3cret!", False),
        ("'S3cret!'", "js", "S3cret!", False),
        ("`S3cret!`", "js", "S3cret!", False),
        ("`${pw}`", "js", "${pw}", True),
        ('f"{pw}"', "python", "{pw}", True),
        ('r"a\\b"', "python", "a\\b", False),
        ('"""S3cret!"""', "python", "S3cret!", False),
        ('$"{pw}"', "csharp", "{pw}", True),
        ('@"a""b"', "csharp", 'a""b', False),
        ('"a\\"b"', "java", 'a\\"b', False),
        ('"pa$word"', "php", "pa$word", True),
        ("'pa$word'", "php", "pa$word", False),
        ('"$PW"', "shell", "$PW", True),
    ],
)
def test_parse_literal(src: str, lang: str, value: str, interpolated: bool) -> None:
    lit = P.parse_literal(src + ", next", 0, lang)
    assert lit is not None
    assert lit.value == value
    assert lit.interpolated is interpolated
    assert (src + ", next")[lit.close :] == ", next"


def test_parse_literal_refuses_unterminated_and_non_literals() -> None:
    assert P.parse_literal('"abc\n"', 0, "js") is None
    assert P.parse_literal("password", 0, "js") is None
    assert P.parse_literal('"never closed', 0, "js") is None


def test_split_args_handles_nesting_strings_comments_and_e4x() -> None:
    text = 'svc.Logon("", f(a, "b,c"), /* x, y */ "pw", <params a="1,2"/>)'
    res = P.split_args(text, text.index("("), "js")
    assert res is not None
    spans, close = res
    assert close == len(text) - 1
    assert [text[s:e].strip() for s, e in spans] == ['""', 'f(a, "b,c")', '/* x, y */ "pw"', '<params a="1,2"/>']
    assert P.split_args("f()", 1, "js") == ([], 2)
    assert P.split_args("f(a, b", 1, "js") is None


def test_value_of_classifies_arguments() -> None:
    def v(src: str, lang: str = "js") -> P.Value:
        return P.value_of(src, 0, len(src), lang)

    assert v('"S3cret!"').kind == P.LITERAL
    assert v('"S3cret!".toCharArray()', "java").kind == P.LITERAL
    assert v('"S3cret!" + suffix').kind == P.DYNAMIC
    assert v("decryptString(getOption('pw'))").kind == P.DYNAMIC
    assert v("decryptString(getOption('pw'))").text == "decryptString(getOption('pw'))"
    assert v('""').kind == P.EMPTY
    assert v("null").kind == P.EMPTY
    assert v('"%s"').kind == P.PLACEHOLDER
    assert v('f"{pw}"', "python").kind == P.DYNAMIC
    lit = v('  "S3cret!" ')
    assert ('  "S3cret!" ')[lit.start : lit.end] == "S3cret!"


def test_looks_like_declaration() -> None:
    assert P.looks_like_declaration("String password")
    assert P.looks_like_declaration(" pw string")
    assert P.looks_like_declaration("pw: string")
    assert not P.looks_like_declaration('"S3cret!"')
    assert not P.looks_like_declaration("vars.password")
    assert not P.looks_like_declaration("new String(pw)")


@pytest.mark.parametrize(
    "token,login,password,kind",
    [
        ("api_crm/S3cret!", "api_crm", "S3cret!", P.LITERAL),
        ("mc/", "mc", "", P.EMPTY),
        ("api_crm%2FS3cret", "api_crm", "S3cret", P.LITERAL),
        ("mc/PASSWORD", "mc", "PASSWORD", P.PLACEHOLDER),
        ("{{login}}/{{password}}", "{{login}}", "{{password}}", P.PLACEHOLDER),
        ("bob@example.com/Pw1", "bob@example.com", "Pw1", P.LITERAL),
    ],
)
def test_split_user_password(token: str, login: str, password: str, kind: str) -> None:
    pair = P.split_user_password(token, 10)
    assert pair is not None
    assert pair[0].text == login and pair[1].text == password and pair[1].kind == kind
    assert pair[0].start == 10


@pytest.mark.parametrize(
    "token",
    [
        "___9B4E1C3A-2D6F-4A8B-9C0D-1E2F3A4B5C6D",
        "@abc/def+ghi==",
        "https://x/y",
        "/nl/jsp",
        "static/js/app.js",
        "plain",
    ],
)
def test_split_user_password_refuses_other_tokens(token: str) -> None:
    assert P.split_user_password(token, 0) is None


def test_split_user_password_concatenation_is_dynamic() -> None:
    pair = P.split_user_password('" + login + "/" + pw + "', 0)
    assert pair is not None and pair[1].kind == P.DYNAMIC
    assert P.split_user_password('" + token + "', 0) is None


def test_key_segments() -> None:
    assert P.key_segments("adobeCampaign.soap_PWD") == ["adobe", "campaign", "soap", "pwd"]
    assert P.key_segments("ACC_PWD") == ["acc", "pwd"]


def test_campaign_context() -> None:
    assert P.has_campaign_context(subject("x", embedded=True))
    assert P.has_campaign_context(subject("x", path="a.jssp"))
    assert P.has_campaign_context(subject("x", language="jssp"))
    assert P.has_campaign_context(subject("new SoapService(cnx, 'urn:xtk:session')"))
    assert P.has_campaign_context(subject("x", context="<workflow/>  xtk:workflow"))
    assert not P.has_campaign_context(subject("sap.logon(user, pw); // connection parameters"))
    assert not P.has_campaign_context(subject("pika.ConnectionParameters(host)", language="python"))


# --------------------------------------------------------------------------- IMS101


def test_secret_never_in_message_key_or_properties() -> None:
    line = 'var r = svc.Logon("", "api_crm", "S3cret!", <params/>);'
    items = run(C.HardcodedCredentials, CTX + line + "\n")
    (p,) = problems(items)
    assert p.secret == "S3cret!"
    assert "S3cret!" not in p.message and "S3cret!" not in p.key and "S3cret!" not in repr(p.properties)
    assert "'api_crm'" in p.message and "Authorization: Bearer <token>" in p.message
    assert p.key == "logon:api_crm"
    col = line.index("S3cret!") + 1
    assert (p.location.line, p.location.column, p.location.end_column) == (2, col, col + len("S3cret!"))


def test_login_equal_to_password_is_not_named() -> None:
    (p,) = problems(run(C.HardcodedCredentials, CTX + 'var r = xtk.session.Logon("admin", "admin", <params/>);\n'))
    assert "admin" not in p.message and "admin" not in p.key
    assert redaction("admin") not in p.message


def test_ims101_publishes_the_login_fact_at_the_login() -> None:
    items = run(C.HardcodedCredentials, CTX + 'ctx = logonWithUser("api_crm", "S3cret!");\n')
    (f,) = facts(items)
    assert (f.kind, f.value, f.location.line, f.location.column) == ("campaign-login", "api_crm", 2, 22)
    assert f.location.end_column == 22 + len("api_crm")


def test_ims101_resolves_a_constant_assigned_once() -> None:
    text = CTX + 'var pw = "S3cret!";\nvar r = svc.Logon("", "api_crm", pw, <params/>);\n'
    (p,) = problems(run(C.HardcodedCredentials, text))
    assert p.location.line == 2
    assert p.related and p.related[0].location.line == 3
    assert problems(run(C.LegacyLogon, text)) == []


def test_ims101_does_not_resolve_a_variable_assigned_twice_or_from_code() -> None:
    text = CTX + 'var pw = "";\npw = getOption("cusPw");\nvar r = svc.Logon("", "api_crm", pw, <params/>);\n'
    assert problems(run(C.HardcodedCredentials, text)) == []
    assert lines(run(C.LegacyLogon, text)) == [4]


def test_ims101_keyword_arguments_of_other_calls_are_not_assignments() -> None:
    text = "# soaprouter.jsp\ndb = connect(password='dbpw')\nr = client.service.Logon(strLogin='api', strPassword=password)\n"
    assert problems(run(C.HardcodedCredentials, text, "a.py", "python")) == []
    assert lines(run(C.LegacyLogon, text, "a.py", "python")) == [3]


def test_ims101_docs_can_be_skipped() -> None:
    text = "Use soaprouter.jsp:\n\n    svc.Logon('', 'api_crm', 'S3cret!', <params/>)\n"
    assert lines(run(C.HardcodedCredentials, text, "README.md", "markdown")) == [3]
    assert problems(run(C.HardcodedCredentials, text, "README.md", "markdown", {"include-docs": False})) == []


def test_ims101_extra_placeholders_option() -> None:
    text = CTX + 'svc.Logon("", "api_crm", "Acme2024", <params/>);\n'
    assert lines(run(C.HardcodedCredentials, text)) == [2]
    assert problems(run(C.HardcodedCredentials, text, options={"extra-placeholders": ["acme2024"]})) == []


def test_embedded_script_positions_map_to_the_real_file() -> None:
    script = 'var r = xtk.session.Logon("api_crm", "S3cret!", <params/>);'
    s = SourceText(
        path="wf.xml", text=script, language="js", first_line=7, first_column=13, embedded=True, context="<workflow/>"
    )
    (p,) = problems(C.HardcodedCredentials().check(s, dict(C.HardcodedCredentials.defaults)))
    assert (p.location.line, p.location.column) == (7, 13 + script.index("S3cret!"))


# --------------------------------------------------------------------------- IMS102


def test_ims102_trusted_login_has_no_secret() -> None:
    text = '<urn:PushEvent xmlns:urn="urn:nms:rtEvent"><urn:sessiontoken>mc/</urn:sessiontoken></urn:PushEvent>\n'
    items = run(C.PasswordSessionToken, text, "e.xml", "xml")
    (p,) = problems(items)
    assert p.secret is None and "'mc'" in p.message and "no password" in p.message
    assert [f.value for f in facts(items)] == ["mc"]


def test_ims102_secret_and_login() -> None:
    text = (
        '<urn:PushEvent xmlns:urn="urn:nms:rtEvent"><urn:sessiontoken>mc/Ev3ntPwd</urn:sessiontoken></urn:PushEvent>\n'
    )
    (p,) = problems(run(C.PasswordSessionToken, text, "e.xml", "xml"))
    assert p.secret == "Ev3ntPwd" and "Ev3ntPwd" not in p.message and p.key == "session-token:mc"


# --------------------------------------------------------------------------- IMS103 and facts


def test_ims103_publishes_escalation_and_variable_logons() -> None:
    text = "<%\n var ctx = logonEscalation('webapp');\n var r = xtk.session.Logon('api_sync', getOption('pw'), <params/>);\n%>"
    items = run(C.LegacyLogon, text, "web/page.jssp", "js")
    assert sorted(f.value for f in facts(items)) == ["api_sync", "webapp"]
    assert lines(items) == [3]


def test_each_login_fact_comes_from_one_rule_only() -> None:
    text = CTX + 'svc.Logon("", "api_crm", "S3cret!", <params/>);\nsvc.Logon("", "api_sync", pw, <params/>);\n'
    f101 = [f.value for f in facts(run(C.HardcodedCredentials, text))]
    f103 = [f.value for f in facts(run(C.LegacyLogon, text))]
    assert f101 == ["api_crm"] and f103 == ["api_sync"]


def test_ims103_configuration_logins_are_facts_not_findings() -> None:
    text = "ACC_URL=https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp\nACC_USER=api_crm\nACC_PWD=${ACC_PWD}\n"
    items = run(C.LegacyLogon, text, ".env", "env")
    assert problems(items) == []
    assert [(f.value, f.location.line) for f in facts(items)] == [("api_crm", 2)]


def test_ims103_other_products_logon_is_ignored() -> None:
    text = 'var conn = sap.logon("user", pw);\nlogon(token);\n'
    assert problems(run(C.LegacyLogon, text)) == []


def test_ims103_anchor_only_when_no_credentials_in_file() -> None:
    only_anchor = 'post.setHeader("SOAPAction", "xtk:session#Logon");\n'
    assert lines(run(C.LegacyLogon, only_anchor, "A.java", "java")) == [1]
    with_site = (
        only_anchor
        + 'String b = "<urn:Logon xmlns:urn=\'urn:xtk:session\'><urn:sessiontoken/><urn:strLogin>" + l + "</urn:strLogin><urn:strPassword>" + p + "</urn:strPassword></urn:Logon>";\n'
    )
    assert lines(run(C.LegacyLogon, with_site, "A.java", "java")) == [2]


# --------------------------------------------------------------------------- IMS104-IMS106


def test_ims104_not_when_ims102_reports() -> None:
    text = 'curl "https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp?__sessiontoken=api_crm/S3cret!"\n'
    assert problems(run(C.SessionTokenInUrl, text, "a.sh", "shell")) == []
    assert lines(run(C.PasswordSessionToken, text, "a.sh", "shell")) == [1]
    text2 = 'curl "https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp?__sessiontoken=$TOKEN"\n'
    assert lines(run(C.SessionTokenInUrl, text2, "a.sh", "shell")) == [1]


def test_ims105_empty_private_key_and_oauth_are_fine() -> None:
    text = '<serverConf><ims authIMSTAPrivateKey=""/></serverConf>\nnlserver config -setimsoauth:org/cid/ta/$SECRET\n<pipelined authType="imsJwtToken"/>\n'
    assert problems(run(C.JwtServiceAccount, text, "conf.xml", "xml")) == []


def test_ims106_secrets_are_passed_and_keys_are_hashes() -> None:
    text = 'fetch("https://ims-na1.adobelogin.com/ims/token/v3", {body: "client_id=abc&client_secret=p8e-AbCdEf0123456789AbCd"});\n'
    (p,) = problems(run(C.PastedToken, text))
    assert p.secret == "p8e-AbCdEf0123456789AbCd"
    assert p.secret not in p.message and p.secret not in p.key and p.key.startswith("client-secret:")


def test_ims106_jwt_needs_campaign_or_ims_context() -> None:
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpZCI6IjE2OTk5OTk5OTkifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2ln"
    assert problems(run(C.PastedToken, f'headers = {{"Authorization": "Bearer {jwt}"}}\n', "a.py", "python")) == []
    assert lines(
        run(C.PastedToken, f'# adobelogin.com\nheaders = {{"Authorization": "Bearer {jwt}"}}\n', "a.py", "python")
    ) == [2]


def test_analysis_is_kept_in_the_subject_memo() -> None:
    s = subject(CTX + 'svc.Logon("", "api_crm", "S3cret!", <params/>);\n')
    memo: dict = {}
    assert C.analyze(s, (), memo) is C.analyze(s, (), memo)
    assert C.analyze(s, ("x",), memo) is not C.analyze(s, (), memo)
    assert C.gates(s, memo) is C.gates(s, memo)
    assert C.analyze(s) is not C.analyze(s) and C.analyze(s) == C.analyze(s, (), memo)  # without a memo: nothing kept


# --------------------------------------------------------------------------- internals that keep big files fast


def test_spans_merge_and_membership() -> None:
    s = C.Spans()
    s.add((10, 20))
    s.add((30, 40))
    s.add((18, 32))  # bridges both
    s.add((50, 55))
    assert (s.starts, s.ends) == ([10, 50], [40, 55])
    assert 10 in s and 39 in s and 52 in s
    assert 9 not in s and 40 not in s and 45 not in s and 55 not in s


def test_key_uses_widens_the_key_and_reads_the_operator() -> None:
    import re

    text = 'a = {"IMS_CLIENT_SECRET": "x"}; form["client_secret"] = y; f(client_secret=z); clientSecretName(q)'
    uses = list(CS.key_uses(text, re.compile("client[_-]?secret"), "_-", "_-", text.lower()))
    assert [(k, q, op) for _, _, k, q, op, _ in uses] == [
        ("IMS_CLIENT_SECRET", '"', ":"),
        ("client_secret", '"', "="),
        ("client_secret", "", "="),
    ]
    _, _, _, _, _, value_start = uses[0]
    assert text[value_start:].startswith('"x"')


def test_lowered_keeps_offsets() -> None:
    text = "\u0130stanbul LOGON"  # U+0130 lower-cases to two characters
    low = P.lowered(text)
    assert len(low) == len(text) and low.endswith("logon")
    assert P.lowered(text) is low  # cached


@pytest.mark.parametrize(
    "raw,lang,kind,text",
    [
        ("", "env", P.EMPTY, ""),
        ('"S3cret!"', "env", P.LITERAL, "S3cret!"),
        ("S3cret!   # rotated yearly", "env", P.LITERAL, "S3cret!"),
        ('"never closed', "env", P.DYNAMIC, '"never closed'),
        ('"pre$SUFFIX"', "shell", P.DYNAMIC, "pre$SUFFIX"),
        ("$(cat /run/secrets/acc)", "shell", P.PLACEHOLDER, "$(cat /run/secrets/acc)"),
        ("!vault |", "yaml", P.ENCRYPTED, "!vault |"),
        ("|", "yaml", P.DYNAMIC, "|"),
        ("ENC(abcdef)", "properties", P.ENCRYPTED, "ENC(abcdef)"),
    ],
)
def test_config_value(raw: str, lang: str, kind: str, text: str) -> None:
    v = CF._config_value(raw, 100, lang, ())
    assert (v.kind, v.text) == (kind, text)
    if kind == P.LITERAL:
        assert raw[v.start - 100 : v.end - 100] == text


def test_yaml_parents_follow_indentation_and_list_items() -> None:
    text = "acc:\n  targets:\n    - soap:\n        password: x\n"
    line_start = text.index("        password")
    assert CF._yaml_parents(text, line_start, 8) == ["acc", "targets", "soap"]


def test_json_parents() -> None:
    text = '{"AdobeCampaign": {"Soap": {"Password": "x"}}, "Other": 1}'
    assert CF._json_parents(text, text.index('"Password"')) == ["AdobeCampaign", "Soap"]


def test_ims101_method_shorthand_definitions_and_node_soap_objects() -> None:
    text = (
        CTX
        + "class S {\n  Logon(login, password) {\n    return null;\n  }\n}\nclient.Logon({strLogin: 'api_crm', strPassword: 'S3cret!'}, cb);\n"
    )
    assert lines(run(C.HardcodedCredentials, text)) == [7]
    assert problems(run(C.LegacyLogon, text)) == []


def test_addmethod_type_lists_are_not_parameters() -> None:
    text = (
        CTX
        + 'svc.addMethod("Logon", "xtk:session#Logon", ["sessiontoken","string","strLogin","string","strPassword","string"], []);\n'
    )
    assert problems(run(C.HardcodedCredentials, text)) == []
    assert lines(run(C.LegacyLogon, text)) == [2]


def test_postman_variable_defined_twice_is_ambiguous() -> None:
    body = '"raw": "<urn:Logon xmlns:urn=\\"urn:xtk:session\\"><urn:strLogin>u</urn:strLogin><urn:strPassword>{{pw}}</urn:strPassword></urn:Logon>"'
    text = "{" + body + ',\n"variable": [{"key": "pw", "value": "One-2024"}, {"key": "pw", "value": "Two-2024"}]}\n'
    assert problems(run(C.HardcodedCredentials, text, "c.json", "json")) == []
    assert lines(run(C.LegacyLogon, text, "c.json", "json")) == [1]


def test_call_scan_budget_bounds_unbalanced_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CS, "_CALL_SCAN_BUDGET", 1)
    text = CTX + "svc.Logon(\n" * 3 + 'svc.Logon("", "api_crm", "S3cret!", <p/>);\n'
    assert problems(run(C.HardcodedCredentials, text)) == []  # the budget ran out on the first unbalanced call
    monkeypatch.setattr(CS, "_CALL_SCAN_BUDGET", 4_000_000)
    assert lines(run(C.HardcodedCredentials, text)) == [5]


def test_url_token_with_a_spliced_password_is_not_an_empty_password() -> None:
    text = 'var u = "https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp?__sessiontoken=mc/" + password;\n'
    assert problems(run(C.PasswordSessionToken, text)) == []
    (p,) = problems(run(C.SessionTokenInUrl, text))
    assert "login/password" in p.message
    cookie = 'req.header["Cookie"] = "__sessiontoken=mc/" + password;  // soaprouter.jsp\n'
    assert problems(run(C.PasswordSessionToken, cookie)) == []
    assert lines(run(C.LegacyLogon, cookie)) == [1]


def test_expressions_in_messages_hide_string_contents() -> None:
    assert CM._shown('"S3cret" + suffix') == '"…" + suffix'
    assert CM._shown("decryptString(getOption('cusCrmPassword'))") == "decryptString(getOption('cusCrmPassword'))"
    assert CM._shown('process.env["ACC_PWD"]') == 'process.env["ACC_PWD"]'
    (p,) = problems(run(C.LegacyLogon, CTX + 'svc.Logon("", "api_crm", "Hunter2" + suffix, <params/>);\n'))
    assert "Hunter2" not in p.message


def test_node_soap_client_without_endpoint_literal_has_context_from_schemas_and_response_fields() -> None:
    text = (
        'var logonArgs = {\n  sessiontoken : "",\n  strLogin :  process.env.ACC_USER,\n  strPassword : process.env.ACC_PWD,\n}\n'
        "client.Logon(logonArgs, function(err, result) { t = result.pstrSecurityToken.$value; });\n"
    )
    assert lines(run(C.LegacyLogon, text)) == [4]
    assert P.has_campaign_context(subject('q = "<queryDef schema=\\"xtk:specFile\\"/>"'))
    assert not P.has_campaign_context(subject("gtk: widget; xtk: x"))


def test_acc_js_sdk_own_code_is_not_a_server_side_logon() -> None:
    text = (
        "const { SoapMethodCall } = require('./soap.js');\n"
        "const p = sdk.ConnectionParameters.ofImsBearerToken(url, token);\n"
        "await client.logon({ rememberMe: true });\n"
        "const call = new SoapMethodCall(transport, urn, method);\n"
    )
    assert problems(run(C.LegacyLogon, text)) == []
    assert lines(
        run(C.LegacyLogon, "<% logon(token); var c = new SoapMethodCall('xtk:session#GetOption'); %>", "p.jssp")
    ) == [1]


# --------------------------------------------------------------------------- lazy regexes and gates


def test_lazy_pattern_compiles_on_first_use_only(monkeypatch) -> None:
    compiled_sources = []
    real_compile = P.re.compile

    def spy(source, flags=0):
        compiled_sources.append(source)
        return real_compile(source, flags)

    monkeypatch.setattr(P.re, "compile", spy)
    rx = P.lazy_re(r"a(b+)")
    assert compiled_sources == []
    assert rx.search("xabb").group(1) == "bb"
    compiled = rx.compiled()
    assert compiled_sources == [r"a(b+)"] and rx.compiled() is compiled
    assert rx.match("abc") is not None and rx.pattern == r"a(b+)" and rx.fullmatch("abb") is not None
    assert rx.sub("-", "ab ab") == "- -" and [m.start() for m in rx.finditer("ab ab")] == [0, 3]


def test_importing_the_rules_compiles_no_regex() -> None:
    import importlib
    import pkgutil

    modules = [P] + [
        importlib.import_module(f"imslint.rules.credentials.{m.name}") for m in pkgutil.iter_modules(C.__path__)
    ]
    lazies = [v for m in modules for v in vars(m).values() if isinstance(v, P.LazyPattern)]
    assert len(lazies) > 40
    # every pattern is valid (compiling them all must not raise)
    assert all(v.compiled() is not None for v in lazies)


def test_key_segments_is_cached() -> None:
    assert P.key_segments("ACC_PWD") is P.key_segments("ACC_PWD") and P.key_segments("ACC_PWD") == ["acc", "pwd"]
    assert P.key_segments("acc.password") == ["acc", "password"]


def gates_of(text: str, language: str = "js") -> C.Gates:
    return C.gates(subject(text, language=language))


@pytest.mark.parametrize(
    "text, field, expected",
    [
        ('svc.Logon("", "u", "p", <p/>)', "calls", True),
        ("svc.Logon \t(x)", "calls", True),
        ("await client.logon();", "calls", False),
        ("LOG.info('SAP logon done')", "calls", False),
        ("nms_extAccount_LogonToRemoteInstance(acc)", "calls", True),
        ("ConnectionParameters.ofUserAndPassword(url, u, p)", "calls", True),
        ("<urn:Logon>", "logon_elements", True),
        ("<Logon\n xmlns='urn:xtk:session'>", "logon_elements", True),
        ("<urn:LogonResponse>", "logon_elements", False),
        ('"xtk:session#Logon"', "anchors", True),
        ('addMethod("Logon", x)', "anchors", True),
        ('"xtk:session#LogonStatus"', "anchors", False),
        ("<urn:strPassword>x</urn:strPassword>", "password_params", True),
        ("{strPassword: pw}", "password_params", True),
        ("the strPasswordHash column", "password_params", False),
        ("<urn:sessiontoken>mc/pw</urn:sessiontoken>", "tokens", True),
        ('x = {sessionToken: "mc%2Fpw"}', "tokens", True),
        ("url + '?__sessiontoken=mc/' + pw", "tokens", True),
        ("ConnectionParameters.ofSessionToken(url, t)", "tokens", True),
        ("<urn:sessiontoken/><urn:entity>a/b</urn:entity>", "tokens", False),
        ("<urn:sessiontoken></urn:sessiontoken>", "tokens", False),
        ("the sessiontoken element stays empty; see https://x/y", "tokens", False),
        ('<securityZone sessionTokenOnly="false"/>', "tokens", False),
        ("?__sessiontoken=___1b9c8f2e", "url_tokens", True),
        ("__sessiontoken", "url_tokens", False),
    ],
)
def test_gates_of_code(text: str, field: str, expected: bool) -> None:
    assert getattr(gates_of(text), field) is expected


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("ACC_ENDPOINT=https://x\nACC_PWD=S3cret!\n", "env", True),
        ("acc.url=https://x\nacc.password=S3cret!\n", "properties", True),
        ("url=https://acme.campaign.adobe.com\nPassword : S3cret!\n", "properties", True),
        ('{"campaign": {"password": "S3cret!"}}', "json", True),
        ('{"values": [{"key": "acc_pass", "value": "S3cret!"}], "campaign": 1}', "json", True),
        ("ACC_ENDPOINT=https://x\nACC_PWD=S3cret!\n", "js", False),  # not a configuration language
        ("account.url=https://x\naccount.password=S3cret!\n", "properties", False),  # no Campaign word
        ("campaign.url=https://x\nbypass_cache=true\npassed=1\n", "properties", False),  # no password key
    ],
)
def test_config_gate(text: str, language: str, expected: bool) -> None:
    assert gates_of(text, language).config is expected


def test_a_file_without_any_gate_is_not_analysed() -> None:
    a = C.analyze(subject("function pass() { return bypass(password); }\n" + CTX))
    assert not (a.logons or a.tokens or a.anchors or a.legacy_calls or a.url_tokens or a.context)


def test_acc_js_sdk_1x_client_constructor_is_not_read_as_the_0x_one() -> None:
    text = (
        "const sdk = require('acc-js-sdk');\n"
        'const c = new Client(sdk, ConnectionParameters.ofUserAndPassword(url, "api", "S3cret!"), {});\n'
    )
    found = problems(run(C.HardcodedCredentials, text)) + problems(run(C.LegacyLogon, text))
    assert [p.location.line for p in found] == [2]
    assert all("0.x" not in p.message for p in found)
    old = (
        "const sdk = require('acc-js-sdk');\n"
        'const c = new sdk.Client("https://acme.campaign.adobe.com", "api", "S3cret!", true);\n'
    )
    (p,) = problems(run(C.HardcodedCredentials, old))
    assert "0.x `new sdk.Client()`" in p.message and "S3cret!" not in p.message


def test_a_login_that_is_a_password_elsewhere_in_the_file_is_never_shown_redacted(tmp_path) -> None:
    from imslint.testing import Case, run_case

    text = 'var a = xtk.session.Logon("tester", "admin", <params/>);\nvar b = xtk.session.Logon("admin", "$password$", <params/>);\n'
    run = run_case(Case("IMS101", "redacted login", "fail", {"lib/two.js": text}, []), select=["IMS101", "IMS103"])
    assert len(run.result.findings) == 2
    for fmt, out in run.outputs.items():
        assert "<redacted" not in out, fmt
