"""Credential and legacy-logon rules (IMS101-IMS106): what keeps integrations on Campaign logins and passwords.

One shared analysis (:func:`analyze`) finds every logon site of a source
subject: ``xtk:session#Logon`` SOAP bodies and calls, ``logonWithUser``,
``logonRemote``, acc-js-sdk connection parameters, zeep/suds clients,
credential keys in objects and configuration files, ``login/password``
session tokens. Each site is reported by exactly one rule, depending on what
its password is:

- a hard-coded password: IMS101 (``hardcoded-credentials``);
- a ``login/password`` session token with a literal or empty password: IMS102;
- a password that is not a literal (variable, environment, decryption...): IMS103;
- a session token in a URL that IMS102 does not already report: IMS104.

The rule that reports a site also publishes the login it uses as a
``Fact("campaign-login", login, location)``; IMS103 additionally publishes
``logonEscalation('<login>')`` and logins of sites nobody reports (a
configuration file whose password comes from the environment), so that the
operator rules can mark those operators technical.

Documentation files (``language == "markdown"``) describe patterns: by default
only the literal-secret rules (IMS101, IMS102, IMS106) look at them, and
placeholders (``PASSWORD_HERE``, ``<password>``, ``{{password}}``...) never
count as secrets anywhere. None of these rules keeps state across files
(no ``finish()``), so the engine can spread files over worker processes.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from linter.hookspecs import hookimpl
from linter.model import Fact, Location, Problem, Related, Severity, SourceText, secret_hash
from linter.rule import Rule

from ._flow import SLOT_RE, calls_of, enclosing_function, format_argument, parameter_default
from ._patterns import (
    DYNAMIC,
    EMPTY,
    ENCRYPTED,
    LITERAL,
    MAX_ARGS,
    MISSING,
    MISSING_VALUE,
    PLACEHOLDER,
    Value,
    classify_content,
    classify_literal,
    concat_expression,
    expression_end,
    has_campaign_context,
    is_encrypted,
    is_placeholder,
    key_segments,
    lazy_re,
    line_prefix,
    looks_like_declaration,
    lowered,
    parse_literal,
    qualifier_before,
    scan_list,
    split_args,
    split_user_password,
    trim_span,
    value_of,
)

MIGRATE = (
    "use an Adobe Developer Console technical account (OAuth server-to-server) and send "
    "`Authorization: Bearer <token>`"
)
FACT_KIND = "campaign-login"
# facts of IMS101's cross-file step (see HardcodedCredentials.finish)
WRAPPER = "campaign-logon-wrapper"  # value: "name\tlogin index\tpassword index", where the helper is defined
CAMPAIGN_CODE = "campaign-code"  # a file that names Campaign and mentions Logon (a client, a WSDL)
LONELY_LOGON = "campaign-lonely-logon"  # a file with a `Logon(` call and nothing that names Campaign
DOC_LANGUAGES = frozenset({"markdown"})

# --------------------------------------------------------------------------- analysis model


@dataclass
class LogonSite:
    """A place where code logs on with a login and a password."""

    how: str  # human description of the mechanism, secret-free
    start: int  # the site (call, element, key) in the subject text
    end: int
    login: Value
    password: Value
    config: bool = False  # a configuration key rather than code that logs on
    via: str = ""  # name of the variable the password was resolved through ("" when direct)
    at: int = -1  # where a warning about the site goes when not at ``start`` (the password element of a SOAP body)


@dataclass
class TokenSite:
    """A ``login/password`` session token."""

    how: str
    start: int
    end: int
    login: Value
    password: Value
    in_url: bool = False
    via: str = ""


@dataclass
class Mark:
    """A spot worth a warning of its own: an anchor, an upgrade-check hit, a URL token, an escalation."""

    kind: str
    start: int
    end: int
    text: str = ""
    covered: bool = False


@dataclass
class Analysis:
    """Everything :func:`analyze` found in one subject."""

    context: bool
    logons: List[LogonSite] = field(default_factory=list)
    tokens: List[TokenSite] = field(default_factory=list)
    url_tokens: List[Mark] = field(default_factory=list)
    anchors: List[Mark] = field(default_factory=list)
    legacy_calls: List[Mark] = field(default_factory=list)
    escalations: List[Tuple[Value, int, int]] = field(default_factory=list)
    wrappers: List[Tuple[str, Optional[int], int]] = field(default_factory=list)  # (function, login index, password index)
    wrapper_at: List[int] = field(default_factory=list)  # where each wrapper is defined
    lonely: List[int] = field(default_factory=list)  # `Logon(` calls left alone for want of Campaign context in the file

    @property
    def passwords(self) -> "frozenset[str]":
        """The literal passwords of the file: what every output hides."""
        return frozenset(
            [s.password.text for s in self.logons if s.password.kind == LITERAL]
            + [t.password.text for t in self.tokens if t.password.kind == LITERAL]
        )


# --------------------------------------------------------------------------- regexes (compiled once)

_NAME = r"[A-Za-z_][\w.\-]*"
_CALL_NAME_RE = lazy_re(r"logon|ofuserandpassword|ofsessiontoken")  # searched in lower-case text
_OPEN_PAREN_RE = lazy_re(r"[ \t]*\(")
_CALL_SCAN_BUDGET = 4_000_000
_DEF_BEFORE_RE = lazy_re(
    r"(?:\b(?:function|def|func|fun|sub|proc)\s*\*?\s*$|\bfunc\s*\([^)]*\)\s*$"
    r"|\b(?:public|private|protected|internal|static|override|virtual|abstract|void|synchronized|final|async)\b[^()=;{}]*$"
    r"|\bnew\s+$)"
)
_KWARG_RE = lazy_re(r"\s*([A-Za-z_]\w*)\s*(?:=(?![=>])|:(?![:=]))")
_LOGON_EL_RE = lazy_re(r"<(?P<p>" + _NAME + r":)?Logon(?=[\s>])[^<>]*?(?<!/)>")
_LOGON_CLOSE_RE = lazy_re(r"</(?:" + _NAME + r":)?Logon\s*>")
_CHILD_RE = lazy_re(r"<(?P<n>(?:" + _NAME + r":)?[A-Za-z_][\w.\-]*)(?:\s[^<>]*?)?(?:/>|>(?P<v>[^<]*)</(?P=n)\s*>|>)")
_PW_EL_RE = lazy_re(r"<(?P<n>(?:" + _NAME + r":)?(?i:strpassword))(?:\s[^<>]*?)?(?:/>|>(?P<v>[^<]*)</(?P=n)\s*>)")
_LOGIN_EL_RE = lazy_re(r"<(?P<n>(?:" + _NAME + r":)?(?i:strlogin))(?:\s[^<>]*?)?(?:/>|>(?P<v>[^<]*)</(?P=n)\s*>)")
_CRED_NAME_RE = lazy_re(r"strpassword|strlogin")  # searched in lower-case text
_KEY_OP_RE = lazy_re(r"[ \t]*(?:\][ \t]*=(?![=>~])|:(?![:=])|=>|=(?![=>~])|,|(?<=[ \t])to(?=[ \t]))[ \t]*")  # `["key"] =`, Kotlin `"key" to` too
_ANCHOR_RE = lazy_re(r"xtk:session[#/]Logon\b|addMethod\s*\(\s*[\"']Logon[\"']")
_SOAPMETHODCALL_RE = lazy_re(r"new\s+SoapMethodCall\s*\(")
_OWN_SOAPMETHODCALL_RE = lazy_re(
    r"class\s+SoapMethodCall\b|function\s+SoapMethodCall\b|\{[^{}]*\bSoapMethodCall\b[^{}]*\}\s*=\s*require\s*\("
    r"|\bSoapMethodCall\s*=\s*(?:require\s*\(|[\w$.]+\.SoapMethodCall\b)|import\s*\{[^{}]*\bSoapMethodCall\b|import\s+SoapMethodCall\b"
)
_ST_EL_RE = lazy_re(r"<(?P<n>(?:" + _NAME + r":)?_*(?i:sessiontoken))(?:\s[^<>]*?)?(?<!/)>(?P<v>[^<]*)</(?P=n)\s*>")
_ST_NAME_RE = lazy_re(r"sessiontoken")  # searched in lower-case text
_PROSE_VALUE_RE = lazy_re(r"[^\s,;()\[\]{}`'\"<>]{1,64}")
_CAMPAIGN_METHOD_RE = lazy_re(
    r"<(?:\w+:)?(?:Logon|ExecuteQuery|Write|WriteCollection|PushEvent|PushEvents|GetEntityIfMoreRecent|SubmitDelivery"
    r"|PostEvent|ExecuteWorkflow|Subscribe|Unsubscribe|GetSchema|Get|GenerateDoc)[\s>]"
)
_ST_URL_RE = lazy_re(r"__(?i:sessiontoken)=(?P<v>[^&\s\"'`<>;#\\,)|]*)")
_SPLICE_AFTER_RE = lazy_re(r"""["'`]\s*(?:\+|\.|&|\|\|)""")
_WSDL_RE = lazy_re(r"schemas\.xmlsoap\.org/wsdl/")
_POSTMAN_VAR_RE = lazy_re(
    r'"key"\s*:\s*"(?P<k>[^"\\\n]{1,100})"'
    r'(?:\s*,\s*"(?!value")[^"\\\n]*"\s*:\s*(?:"(?:[^"\\\n]|\\.)*"|true|false|null|-?\d+))*'
    r'\s*,\s*"value"\s*:\s*"(?P<v>(?:[^"\\\n]|\\.)*)"'
)
_MUSTACHE_RE = lazy_re(r"^\{\{\s*([\w.\-]+)\s*\}\}$")
_SHELL_VAR_RE = lazy_re(r"^\$\{?([A-Za-z_]\w*)\}?$")
_BRACED_NAME_RE = lazy_re(r"^\{([A-Za-z_]\w*)\}$")
_BARE_NAME_RE = lazy_re(r"^(?:this\.|self\.|\$this->|@|\$)?([A-Za-z_]\w*)$")

_QUAL_SPLIT_RE = lazy_re(r"\.|->|::")
_TRAILING_COMMENT_RE = lazy_re(r"\s+[#;]")
_YAML_PARENT_RE = lazy_re(r"""(["']?)([^:"'#]+)\1\s*:\s*(?:[|>][-+]?\s*)?(?:#.*)?$""")
_JSON_PARENT_RE = lazy_re(r'"([^"\\\n]{1,80})"\s*:\s*$')
_BARE_VALUE_RE = lazy_re(r"[^\s;&|#\"'`]+")
_MEMBER_EXPR_RE = lazy_re(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\))?")

_LOGIN_NAMES = frozenset({"strlogin", "login", "user", "username", "userlogin"})
_PASSWORD_NAMES = frozenset({"strpassword", "password", "pwd", "pass", "passwd"})
_FUNCTION_ARG_RE = lazy_re(r"^\s*(?:function\b|async\b|lambda\b|\(?[\w$,\s]*\)?\s*=>|[\w$]+\s*=>)")

# --------------------------------------------------------------------------- the analysis


def _site_how(qual: str, name: str) -> str:
    parts = [p for p in _QUAL_SPLIT_RE.split(qual) if p]
    shown = ".".join(parts[-2:] + [name])
    return f"`{shown}()`"


def _scan_calls(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:
    text = subject.text
    lang = subject.language
    n = len(text)
    last_end = -1
    budget = _CALL_SCAN_BUDGET  # characters split_args may walk in one subject: bounds pathological files
    for hit in _CALL_NAME_RE.finditer(lowered(text)):
        ns, ne = hit.start(), hit.end()
        if ns < last_end:
            continue
        while ns > 0 and (text[ns - 1].isalnum() or text[ns - 1] in "_$"):
            ns -= 1
        while ne < n and (text[ne].isalnum() or text[ne] in "_$"):
            ne += 1
        last_end = ne
        name = text[ns:ne]
        kind = _call_kind(name)
        if kind is None:
            continue
        paren = _OPEN_PAREN_RE.match(text, ne)
        if paren is None:
            continue
        qual = qualifier_before(text, ns)
        if not a.context and not _campaign_only_call(name, qual):
            if name in ("Logon", "LogonAsync") and len(a.lonely) < 20:
                a.lonely.append(ns)  # a SOAP client's Logon: Campaign's when the repository names Campaign elsewhere
            continue
        if not qual and _DEF_BEFORE_RE.search(line_prefix(text, ns)):
            continue  # `function logon(`, `def Logon(`, `public LogonResponse Logon(`, `new Logon(`
        if budget <= 0:
            break
        res = split_args(text, paren.end() - 1, lang)
        if res is None:
            budget -= MAX_ARGS
            continue
        spans, close = res
        budget -= close - paren.end()
        after = text[close + 1 : close + 40].lstrip()
        if after.startswith(("{", "=>")) or (after.startswith(":") and lang == "python"):
            continue  # a definition
        args = [text[s:e] for s, e in spans]
        if any(looks_like_declaration(x) for x in args):
            continue
        start, end = ns, close + 1
        how = _site_how(qual, name)
        if kind == "escalation":
            if spans:
                v = value_of(text, spans[0][0], spans[0][1], lang, extra)
                if v.kind == LITERAL:
                    a.escalations.append((v, start, end))
            continue
        if kind == "sdk-token":
            if len(spans) >= 2:
                v = value_of(text, spans[1][0], spans[1][1], lang, extra)
                if v.kind in (LITERAL, PLACEHOLDER) and "/" in v.text:
                    pair = split_user_password(v.text, v.start, extra)
                    if pair is not None:
                        a.tokens.append(TokenSite(how, start, end, pair[0], pair[1]))
            covered.add((start, end))
            continue
        positions = _credential_positions(kind, name, text, spans, lang, extra)
        if positions is None:
            # PU-0003 is about the server-side global `logon(token)`; `client.logon(options)` is acc-js-sdk's
            if kind == "logon" and name == "logon" and len(spans) == 1 and not qual:
                a.legacy_calls.append(Mark("PU-0003", start, end, how))
            continue
        covered.add((start, end))
        if isinstance(positions, dict):
            login = positions.get("login", MISSING_VALUE)
            password = positions.get("password", MISSING_VALUE)
        else:
            li, pi = positions
            login = value_of(text, spans[li][0], spans[li][1], lang, extra)
            password = value_of(text, spans[pi][0], spans[pi][1], lang, extra)
        if kind == "logon":
            how = f"xtk:session#Logon ({how})"
        a.logons.append(LogonSite(how, start, end, login, password))


def _campaign_only_call(name: str, qual: str) -> bool:
    """Calls whose name alone says Campaign (no other product has them): no file context needed."""
    return name in ("logonEscalation",) or name.startswith("nms_extAccount_") or "ExecutionInstance" in qual


def _call_kind(name: str) -> Optional[str]:
    if name in ("Logon", "logon", "LogonAsync"):
        return "logon"
    if name == "logonWithUser":
        return "with-user"
    if name == "logonRemote" or name.endswith("LogonToRemoteInstance"):
        return "remote"
    if name == "logonEscalation":
        return "escalation"
    if name == "ofUserAndPassword":
        return "sdk-user"
    if name == "ofSessionToken":
        return "sdk-token"
    return None


def _credential_positions(kind: str, name: str, text: str, spans: List[Tuple[int, int]], lang: str, extra: Sequence[str]) -> Any:
    """(login index, password index), a dict of keyword values, or None when the call carries no credentials."""
    n = len(spans)
    kwargs: Dict[str, Value] = {}
    for s, e in spans:
        km = _KWARG_RE.match(text, s, e)
        if km and not text[s:e].lstrip().startswith(("{", "[")):
            key = km.group(1).lower()
            v = value_of(text, km.end(), e, lang, extra)
            if key in _LOGIN_NAMES:
                kwargs["login"] = v
            elif key in _PASSWORD_NAMES:
                kwargs["password"] = v
    if kwargs:
        return kwargs if "password" in kwargs else None
    if kind == "with-user":
        return (0, 1) if n >= 2 else None
    if kind in ("remote", "sdk-user"):
        return (1, 2) if n >= 3 else None
    # xtk:session#Logon: (sessiontoken, login, password, parameters) on a SOAP client,
    # (login, password, parameters) on the server-side xtk.session object
    if n <= 1:
        return None
    first = text[spans[0][0] : spans[0][1]].strip()
    if first.startswith("{"):
        return None  # node-soap: the credentials are keys of the object
    if n == 2:
        second = text[spans[1][0] : spans[1][1]]
        return None if _FUNCTION_ARG_RE.match(second) else (0, 1)
    if n == 3:
        v0 = value_of(text, spans[0][0], spans[0][1], lang, extra)
        return (1, 2) if v0.kind == EMPTY else (0, 1)
    return (1, 2)


class Spans:
    """Disjoint, sorted text spans already explained by a site (so that a second scanner skips them)."""

    def __init__(self) -> None:
        self.starts: List[int] = []
        self.ends: List[int] = []

    def add(self, span: Tuple[int, int]) -> None:
        """Cover ``[start, end)``, merging with the spans it touches."""
        start, end = span
        i = bisect.bisect_left(self.ends, start)
        j = i
        while j < len(self.starts) and self.starts[j] <= end:
            start = min(start, self.starts[j])
            end = max(end, self.ends[j])
            j += 1
        self.starts[i:j] = [start]
        self.ends[i:j] = [end]

    def __contains__(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]


def key_uses(
    text: str, name_re: "re.Pattern[str]", back: str, fwd: str, search: Optional[str] = None
) -> Iterator[Tuple[int, int, str, str, str, int]]:
    """Each use of a key found by ``name_re`` as ``key: value``, ``key = value``, ``"key" => value`` or ``"key", value``.

    The match is widened to the whole key (letters, digits and the characters
    in ``back`` before it, in ``fwd`` after it), so a regex anchored on a short literal finds ``IMS_CLIENT_SECRET``
    or ``urn:strPassword`` without scanning every identifier of the file.
    ``search`` is the text ``name_re`` runs on (the lower-cased ``text``, same offsets).
    Yields ``(key start, key end, key, quote, operator, value start)``.
    """
    n = len(text)
    last = -1
    for m in name_re.finditer(text if search is None else search):
        ks, ke = m.start(), m.end()
        if ks < last:
            continue
        lim = max(0, ks - 80)
        while ks > lim and (text[ks - 1].isalnum() or text[ks - 1] in back):
            ks -= 1
        lim = min(n, ke + 80)
        while ke < lim and (text[ke].isalnum() or text[ke] in fwd):
            ke += 1
        last = ke
        quote = ""
        if ks > 0 and text[ks - 1] in "\"'" and ke < n and text[ke] == text[ks - 1]:
            quote = text[ks - 1]
        om = _KEY_OP_RE.match(text, ke + len(quote))
        if om is None:
            continue
        yield ks, ke, text[ks:ke], quote, om.group(0).strip().lstrip("]").strip(), om.end()


def _element_value(m: "re.Match[str]", extra: Sequence[str]) -> Value:
    if m.group("v") is None:
        return Value(EMPTY, "", m.start(), m.start())
    raw = m.group("v")
    s, e = trim_span(raw, 0, len(raw))
    start = m.start("v") + s
    content = raw[s:e]
    kind = classify_content(content, extra)
    if kind == DYNAMIC:
        return Value(DYNAMIC, concat_expression(content), start, start + len(content))
    return Value(kind, content, start, start + len(content))


def _scan_logon_elements(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:
    text = subject.text
    for m in _LOGON_EL_RE.finditer(text):
        if m.start() in covered:
            continue
        close = _LOGON_CLOSE_RE.search(text, m.end(), m.end() + 8000)
        body_end = close.start() if close else min(len(text), m.end() + 3000)
        children = []
        for c in _CHILD_RE.finditer(text, m.end(), body_end):
            children.append(c)
            if len(children) >= 6:
                break
        login_m = pw_m = None
        for c in children:
            local = c.group("n").rsplit(":", 1)[-1].lower()
            if local in _PASSWORD_NAMES and pw_m is None:
                pw_m = c
            elif local in _LOGIN_NAMES and login_m is None:
                login_m = c
        if pw_m is None:
            if len(children) < 3:
                continue
            login_m, pw_m = children[1], children[2]
        password = _element_value(pw_m, extra)
        login = _element_value(login_m, extra) if login_m is not None else MISSING_VALUE
        end = close.end() if close else body_end
        covered.add((m.start(), end))
        at = password.start if password.start >= 0 else m.start()
        a.logons.append(LogonSite("xtk:session#Logon (SOAP body)", m.start(), end, login, password, at=at))


def _nearest_login_element(text: str, pos: int, extra: Sequence[str]) -> Value:
    window = max(0, pos - 800)
    best = None
    for lm in _LOGIN_EL_RE.finditer(text, window, pos):
        best = lm
    return _element_value(best, extra) if best is not None else MISSING_VALUE


def _scan_password_elements(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:
    text = subject.text
    for m in _PW_EL_RE.finditer(text):
        if m.start() in covered:
            continue
        password = _element_value(m, extra)
        login = _nearest_login_element(text, m.start(), extra)
        covered.add((m.start(), m.end()))
        at = password.start if password.start >= 0 else m.start()
        a.logons.append(LogonSite("xtk:session#Logon (strPassword element)", m.start(), m.end(), login, password, at=at))


def _scan_credential_keys(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:
    text = subject.text
    lang = subject.language
    found: List[Tuple[str, int, Value]] = []
    for ks, _ke, key, quote, op, op_end in key_uses(text, _CRED_NAME_RE, "_$.:-", "_$", lowered(text)):
        name = key.rsplit(":", 1)[-1].lower()
        if name not in ("strpassword", "strlogin") or ks in covered:
            continue
        if ":" in key and not quote:
            continue  # <urn:strPassword>: an element, handled elsewhere
        start = ks - len(quote)
        before = text[max(0, start - 200) : start]
        prev = before.rstrip()[-1:]
        if before[-1:] in ("<", "/"):
            continue
        if not quote and (op == "," or prev not in ("(", "{", ",", "[")):
            continue  # `strPassword = x` is a local variable, not a SOAP parameter
        if op == ",":
            res = scan_list(text, op_end, lang)
            if res is None or not res[0] or text[res[1]] != ")" or len(res[0]) > 3:
                continue  # not `AppendChildWithValue("urn:strPassword", ns, value)`: a type list, an array...
            s, e = res[0][-1]
        else:
            s = op_end
            e = expression_end(text, s, lang)
        v = value_of(text, s, e, lang, extra)
        if v.kind == DYNAMIC and lang in DOC_LANGUAGES and _PROSE_VALUE_RE.fullmatch(v.text):
            # prose that quotes a request: `strLogin:internal, strPassword:s3cret` (a word, not an expression)
            v = Value(classify_literal(v.text, extra), v.text, v.start, v.end)
        found.append((name, start, v))
    logins = [(p2, v2) for k2, p2, v2 in found if k2 == "strlogin"]
    login_pos = [p2 for p2, _ in logins]
    for key, pos, v in found:
        if key != "strpassword":
            continue
        login = MISSING_VALUE
        best = None
        i = bisect.bisect_left(login_pos, pos)
        for cand in (i - 1, i):
            if 0 <= cand < len(logins) and abs(login_pos[cand] - pos) < 600:
                if best is None or abs(login_pos[cand] - pos) < abs(best[0] - pos):
                    best = logins[cand]
        if best is not None:
            login = best[1]
        start = min(pos, best[0]) if best is not None else pos
        covered.add((start, max(pos, v.end)))
        a.logons.append(LogonSite("xtk:session#Logon (strPassword parameter)", start, max(pos, v.end), login, v, at=pos))


def _scan_tokens(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:
    text = subject.text
    lang = subject.language
    # without Campaign context in the file, a <sessiontoken> element counts in documentation (snippets
    # declare no namespace) or inside a Campaign SOAP method (<ExecuteQuery>, <PushEvent>...)
    for m in _ST_EL_RE.finditer(text):
        if not (a.context or lang in DOC_LANGUAGES or _CAMPAIGN_METHOD_RE.search(text, max(0, m.start() - 400), m.start())):
            continue
        v = _element_value(m, extra)
        via = ""
        if v.kind == DYNAMIC:
            raw = m.group("v")
            pair = split_user_password(raw, m.start("v"), extra)
            if pair is None:  # "<sessiontoken>" + TOKEN + "</sessiontoken>" with TOKEN = "mc/pw" assigned once
                const, via = _resolve(text, v, lang, extra, {})
                if const is not v and const.kind == LITERAL:
                    pair = split_user_password(const.text, const.start, extra)
        elif v.kind == EMPTY:
            continue
        else:
            pair = split_user_password(v.text, v.start, extra)
        if pair is not None:
            a.tokens.append(TokenSite("a <sessiontoken> element", m.start(), m.end(), pair[0], pair[1], via=via))
    if a.context:
        for ks, _ke, key, quote, op, pos in key_uses(text, _ST_NAME_RE, "_", "", lowered(text)):
            start = ks - len(quote)
            if key.strip("_").lower() != "sessiontoken" or op not in (":", "=>", "=") or start in covered:
                continue
            if start > 0 and (text[start - 1] in "?&" or (not quote and text[start - 1] in "\"'`")):
                continue  # a URL parameter or a cookie string: `?__sessiontoken=` is handled as a URL
            lit = parse_literal(text, pos, lang)
            if lit is None or lit.interpolated:
                continue
            pair = split_user_password(lit.value, lit.start, extra)
            if pair is not None:
                a.tokens.append(TokenSite("a session token parameter", start, lit.close, pair[0], pair[1]))
    for m in _ST_URL_RE.finditer(text):
        s = m.start()
        in_url = s > 0 and (text[s - 1] in "?&" or text.endswith("&amp;", 0, s))
        raw = m.group("v")
        pair = split_user_password(raw, m.start("v"), extra) if raw else None
        if pair is not None and pair[0].kind == DYNAMIC:
            pair = None
        if pair is not None and _SPLICE_AFTER_RE.match(text, m.end()):
            # "?__sessiontoken=mc/" + password: the password is spliced in after the literal part
            pair = (pair[0], Value(DYNAMIC, "", m.end(), m.end()))
        if pair is not None:
            how = "`__sessiontoken=` in a URL" if in_url else "a `__sessiontoken` cookie"
            a.tokens.append(TokenSite(how, s, m.end(), pair[0], pair[1], in_url=in_url))
        if in_url:
            covered_by_102 = pair is not None and pair[1].kind in (LITERAL, EMPTY)
            a.url_tokens.append(Mark("url", s, m.end(), "login/password" if pair is not None else "", covered_by_102))


# ----------------------------------------------------------------------- HTTP Basic, password setters, acc-js-sdk 0.x

# Each search starts at the occurrences of a literal needle in the lower-case text (`str.find`), never with a
# regex over the whole file: these scanners run on every file that mentions a password.
# `Basic <base64>` (a digit or +/= in it: prose such as "basic authentication" has none), `Basic " +`, `Basic ${`,
# `HTTPBasicAuth(`; on lower-case text
_BASIC_AT_RE = lazy_re(r"basic(?:[ \t]+(?:(?=[a-z]*[0-9+/=])[a-z0-9+/]{8,}=*(?![\w+/])|[\"'`][ \t]*[+.&]|\$\{|\+)|[ _]?auth\w*[ \t]*\()")
_BASIC_B64_RE = lazy_re(r"(?i:basic)[ \t]+(?P<v>[A-Za-z0-9+/]{6,}={0,2})(?![\w+/=])")
_BASIC_SPLICE_RE = lazy_re(r"""(?i:basic)[ \t]+(?:["'`][ \t]*(?:\+|\.|&)|\$\{|[ \t]*\+)""")
_CURL_USER_RE = lazy_re(r"""(?:^|[ \t])(?:-u|--user)(?:[ \t]+|=)(?P<q>["']?)(?P<v>[^\s"']+?)(?P=q)(?=\s|$)""", re.M)
_SDK_CTOR_RE = lazy_re(r"new\s+(?P<c>(?:[A-Za-z_$][\w$]*\.)?Client)\s*\(")


def _other_gate(low: str) -> bool:
    """The necessary condition of :func:`_scan_other`."""
    if "basic" in low and _any_at(low, "basic", _BASIC_AT_RE):
        return True
    if "curl" in low and ("-u" in low or "--user" in low):
        return True
    if "acc-js-sdk" in low:
        return True
    return bool(_password_setters(low, 1))


def _password_setters(low: str, limit: int = 50) -> List[int]:
    """Starts of the calls that set or hash a password: ``HashPassword(``, ``setOperatorPwd(``, ``setPassword(``."""
    out: List[int] = []
    for needle in ("password(", "pwd("):
        for i in _occurrences(low, needle):
            ns = _word_start(low, i)
            name = low[ns : i + len(needle) - 1]
            if name.startswith("set") or name == "hashpassword":
                out.append(ns)
                if len(out) >= limit:
                    return out
    return out


def _occurrences(low: str, needle: str, limit: int = 2000) -> Iterator[int]:
    i = low.find(needle)
    n = 0
    while i >= 0 and n < limit:
        yield i
        n += 1
        i = low.find(needle, i + 1)


def _word_start(text: str, i: int) -> int:
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_$"):
        i -= 1
    return i


def _word_end(text: str, i: int) -> int:
    n = len(text)
    while i < n and (text[i].isalnum() or text[i] in "_$"):
        i += 1
    return i


def _basic_pair(text: str, raw: str, start: int, extra: Sequence[str]) -> Optional[Tuple[Value, Value]]:
    """(login, password) of ``login:password`` at ``start``, or None when it is not of that shape."""
    if ":" not in raw or raw.startswith(("http:", "https:")):
        return None
    login, pw = raw.split(":", 1)
    lk = classify_content(login, extra) if not login.startswith("$") else PLACEHOLDER
    pk = classify_content(pw, extra) if not pw.startswith("$") else PLACEHOLDER
    return Value(lk, login, start, start + len(login)), Value(pk, pw, start + len(login) + 1, start + len(raw))


def _call_site(text: str, lang: str, name_start: int, name_end: int) -> Optional[Tuple[List[Tuple[int, int]], int]]:
    """Argument spans and closing index of a call whose name spans ``[name_start, name_end)``, or None."""
    paren = _OPEN_PAREN_RE.match(text, name_end)
    if paren is None or _DEF_BEFORE_RE.search(line_prefix(text, name_start)):
        return None
    res = split_args(text, paren.end() - 1, lang)
    if res is None or any(looks_like_declaration(text[s:e]) for s, e in res[0]):
        return None
    return res


def _scan_other(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:
    """HTTP Basic authentication to Campaign, scripts that set a native password, acc-js-sdk 0.x ``init``/``new Client``."""
    import base64
    import binascii

    text = subject.text
    lang = subject.language
    low = lowered(text)
    basic_how = "HTTP Basic authentication (`Authorization: Basic`)"
    for i in _occurrences(low, "basic"):
        if not _BASIC_AT_RE.match(low, i):
            continue
        if i and (low[i - 1].isalnum() or low[i - 1] == "_") and not low.startswith("basicauth", i):
            continue
        m = _BASIC_B64_RE.match(text, i)
        if m is not None:
            try:
                raw = base64.b64decode(m.group("v"), validate=True).decode("utf-8")
            except (binascii.Error, ValueError):
                raw = ""
            pair = _basic_pair(text, raw, m.start("v"), extra) if raw.isprintable() else None
            if pair is not None:
                # the decoded login/password is not in the text: the finding points at the base64 value
                login = Value(pair[0].kind, pair[0].text, m.start("v"), m.end("v"))
                pw = Value(pair[1].kind, pair[1].text, m.start("v"), m.end("v"))
                a.logons.append(LogonSite(basic_how, i, m.end(), login, pw))
            continue
        if _BASIC_SPLICE_RE.match(text, i):
            a.logons.append(LogonSite(basic_how, i, i + 5, MISSING_VALUE, Value(DYNAMIC, "", i, i + 5)))
            continue
        if low.startswith("basicauth", i):
            ns, ne = _word_start(text, i), _word_end(text, i)
            res = _call_site(text, lang, ns, ne)
            if res is not None and len(res[0]) >= 2:
                spans, close = res
                login = value_of(text, spans[0][0], spans[0][1], lang, extra)
                pw = value_of(text, spans[1][0], spans[1][1], lang, extra)
                a.logons.append(LogonSite(f"HTTP Basic authentication (`{text[ns:ne]}()`)", ns, close + 1, login, pw))
    if "-u" in low or "--user" in low:
        for i in _occurrences(low, "curl", 200):
            end = i
            while True:  # the command, continuation lines included
                nl = text.find("\n", end)
                if nl < 0:
                    end = len(text)
                    break
                end = nl + 1
                if not text[:nl].rstrip().endswith(("\\", "`", "^")) or end - i > 4000:
                    break
            for m in _CURL_USER_RE.finditer(text, i, end):
                pair = _basic_pair(text, m.group("v"), m.start("v"), extra)
                if pair is not None:
                    a.logons.append(LogonSite("HTTP Basic authentication (`curl -u`)", m.start("v"), m.end("v"), pair[0], pair[1]))
    for i in sorted(set(_password_setters(low))):
        ns, ne = _word_start(text, i), _word_end(text, i)
        if ns in covered:
            continue
        res = _call_site(text, lang, ns, ne)
        if res is None or not res[0] or len(res[0]) > 3:
            continue
        spans, close = res
        pw = value_of(text, spans[-1][0], spans[-1][1], lang, extra)
        login = value_of(text, spans[0][0], spans[0][1], lang, extra) if len(spans) >= 2 else MISSING_VALUE
        if pw.kind == LITERAL or len(spans) >= 2:
            qual = qualifier_before(text, ns)
            a.logons.append(LogonSite(f"a native password set by `{qual}{text[ns:ne]}()`", ns, close + 1, login, pw))
    if "acc-js-sdk" in low:
        calls = [(i + 1, i + 5) for i in _occurrences(low, ".init") if not low[i + 5 : i + 6].isalnum()]
        calls += [(m.start(), m.end() - 1) for i in _occurrences(low, "client") for m in [_SDK_CTOR_RE.match(text, max(0, text.rfind("new", max(0, i - 60), i)))] if m]
        for ns, ne in calls:
            res = _call_site(text, lang, ns, ne) if text[ns:ne] == "init" else split_args(text, ne, lang)
            if res is None or len(res[0]) < 3:
                continue
            spans, close = res
            if any(c in text[spans[1][0] : spans[2][1]] for c in "({["):
                continue  # 1.x: new Client(sdk, ConnectionParameters.of...(...), {options}): the parameters' rule reports it
            login = value_of(text, spans[1][0], spans[1][1], lang, extra)
            pw = value_of(text, spans[2][0], spans[2][1], lang, extra)
            shown = f"{qualifier_before(text, ns)}init()" if text[ns:ne] == "init" else text[ns:ne].strip() + "()"
            a.logons.append(LogonSite(f"acc-js-sdk 0.x `{shown}`", ns, close + 1, login, pw))


# ----------------------------------------------------------------------- configuration files

_CONFIG_LANGUAGES = frozenset({"env", "properties", "yaml", "json", "text", "shell", "csv"})
_CAMPAIGN_SEGMENTS = frozenset({"acc", "campaign", "neolane", "adobecampaign", "accampaign"})
_PW_SEGMENTS = frozenset({"password", "passwd", "pwd", "pass", "passphrase", "strpassword"})
_LOGIN_SEGMENTS = frozenset({"user", "login", "username", "usr", "userid", "strlogin", "account", "operator"})
_ENDPOINT_SEGMENTS = frozenset({"url", "endpoint", "host", "server", "instance", "uri", "baseurl", "soaprouter", "wsdl"})
_ENDPOINT_NEEDLES = ("soaprouter.jsp", ".campaign.adobe.com", "neolane.net", "/nl/jsp/")
_ENDPOINT_VALUE_RE = lazy_re(r"soaprouter\.jsp|\.campaign\.adobe\.com|\bneolane\.net|/nl/jsp/")  # lower-case text
_KV_RE = {
    "env": lazy_re(r"^[ \t]*(?:export[ \t]+)?(?P<k>[A-Za-z_][\w.\-]*)[ \t]*=[ \t]*(?P<v>[^\n]*)", re.M),
    "shell": lazy_re(r"^[ \t]*(?:export[ \t]+|local[ \t]+|readonly[ \t]+)?(?P<k>[A-Za-z_]\w*)=(?P<v>[^\n]*)", re.M),
    "properties": lazy_re(r"^[ \t]*(?P<k>[A-Za-z_][\w.\-]*)[ \t]*[=:][ \t]*(?P<v>[^\n]*)", re.M),
    "text": lazy_re(r"^[ \t]*(?P<k>[A-Za-z_][\w.\-]*)[ \t]*[=:][ \t]*(?P<v>[^\n]*)", re.M),
    "yaml": lazy_re(
        r"^(?P<ind>[ \t]*)(?:-[ \t]+)?(?P<k>\"[^\"\n]+\"|'[^'\n]+'|[A-Za-z_][\w.\-]*)[ \t]*:(?:[ \t]+(?P<v>[^\n]*))?$", re.M
    ),
    "json": lazy_re(r'"(?P<k>[^"\\\n]{1,80})"\s*:\s*"(?P<v>(?:[^"\\\n]|\\.)*)"'),
}
_INI_SECTION_RE = lazy_re(r"^[ \t]*\[([^\]\n]+)\]", re.M)
# A key commented out (`#campaign.password=x`, `; pwd = x`, `// ACC_PWD: x`): still in the repository's
# history. One value without spaces, so that prose in comments is not read as a key.
_COMMENTED_KV_RE = lazy_re(r"^[ \t]*(?:#+|;+|//)[ \t]*(?:export[ \t]+)?(?P<k>[A-Za-z_][\w.\-]*)[ \t]*[=:][ \t]*(?P<v>\"[^\"\n]*\"|'[^'\n]*'|[^\s\"'#;]+)[ \t]*$", re.M)
# A Kubernetes/Helm/Compose env list entry: `- name: ACC_PASSWORD` with `value: x` on the next line.
_ENV_LIST_RE = lazy_re(r"^[ \t]*-[ \t]+name:[ \t]*[\"']?(?P<k>[A-Za-z_][\w.\-]*)[\"']?[ \t]*\n[ \t]*value:[ \t]*(?P<v>[^\n]*)$", re.M)
# A Terraform variable with a default: `variable "campaign_password" { ... default = "x" }`.
_TF_VARIABLE_RE = lazy_re(r'variable[ \t]+"(?P<k>[^"\n]{1,80})"[ \t]*\{[^{}]*?\bdefault[ \t]*=[ \t]*(?P<v>"[^"\n]*")')


@dataclass
class _KV:
    key: str
    segs: List[str]
    value: Value
    pos: int
    postman: bool = False  # a Postman variable: the variables of a file are one flat scope


def _config_value(raw: str, start: int, lang: str, extra: Sequence[str]) -> Value:
    s, e = trim_span(raw, 0, len(raw))
    if s >= e:
        return Value(EMPTY, "", start + s, start + s)
    if raw[s] in "\"'":
        lit = parse_literal(raw, s, "shell" if lang != "json" else "")
        if lit is None:
            return Value(DYNAMIC, raw[s:e][:60], start + s, start + e)
        if lit.interpolated:
            return Value(DYNAMIC, lit.value[:60], start + lit.start, start + lit.end)
        return Value(classify_literal(lit.value, extra), lit.value, start + lit.start, start + lit.end)
    body = raw[s:e]
    if lang in ("env", "shell", "yaml", "text"):
        c = _TRAILING_COMMENT_RE.search(body)
        if c:
            body = body[: c.start()]
    if lang == "yaml" and (body in ("|", ">", "|-", ">-") or body.startswith(("!vault", "&", "*", "{", "["))):
        return Value(ENCRYPTED if body.startswith("!vault") else DYNAMIC, body[:60], start + s, start + s + len(body))
    if lang == "shell" and (body.startswith(("$", "`")) or " " in body):
        return Value(PLACEHOLDER if is_placeholder(body, extra) else DYNAMIC, body[:60], start + s, start + s + len(body))
    return Value(classify_literal(body, extra), body, start + s, start + s + len(body))


def _yaml_parents(text: str, line_start: int, indent: int) -> List[str]:
    keys: List[str] = []
    pos = line_start
    cur = indent
    for _ in range(400):
        if pos <= 0 or cur == 0:
            break
        prev_start = text.rfind("\n", 0, pos - 1) + 1
        line = text[prev_start : pos - 1]
        pos = prev_start
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        ind = len(line) - len(stripped)
        if stripped.startswith("- "):
            stripped = stripped[2:]
            ind += 2
        if ind < cur:
            km = _YAML_PARENT_RE.match(stripped)
            if km:
                keys.append(km.group(2).strip())
            cur = ind
    keys.reverse()
    return keys


def _json_parents(text: str, pos: int) -> List[str]:
    keys: List[str] = []
    depth = 0
    i = pos - 1
    stop = max(0, pos - 6000)
    while i >= stop and len(keys) < 3:
        c = text[i]
        if c in "}]":
            depth += 1
        elif c in "{[":
            if depth == 0:
                if c == "{":
                    km = _JSON_PARENT_RE.search(text[max(0, i - 120) : i])
                    if km:
                        keys.append(km.group(1))
            else:
                depth -= 1
        i -= 1
    keys.reverse()
    return keys


def _config_kvs(subject: SourceText, extra: Sequence[str]) -> List[_KV]:
    text = subject.text
    lang = subject.language
    if lang == "csv":
        return _csv_kvs(text, extra)
    regex = _KV_RE.get(lang)
    if regex is None:
        return []
    kvs: List[_KV] = []
    sections: Optional[List[Tuple[int, str]]] = None
    # Only keys near a password key matter (the password, its login and endpoint siblings): read the
    # key/value pairs of windows around the first few password keys, not of the whole file. A window
    # reaches 3000 characters beyond the lines of its key, so it holds every sibling kept below.
    windows: List[List[int]] = []
    for count, hit in enumerate(_PW_KEY_RE.finditer(lowered(text))):
        if count >= 300:
            break
        line = text.rfind("\n", 0, hit.start()) + 1
        ws = text.rfind("\n", 0, max(0, line - 3000)) + 1
        we = text.find("\n", hit.end() + 3000)
        we = len(text) if we < 0 else we
        if windows and ws <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], we)
        else:
            windows.append([ws, we])
    matches = []
    any_password = False
    extra_res = [_COMMENTED_KV_RE] if lang in ("env", "properties", "text", "shell", "yaml") else []
    if lang == "yaml":
        extra_res.append(_ENV_LIST_RE)
    elif lang == "properties" and "variable" in text:
        extra_res.append(_TF_VARIABLE_RE)
    found = [(m, rx is regex) for ws, we in windows for rx in [regex] + extra_res for m in rx.finditer(text, ws, we)]
    if extra_res:
        found.sort(key=lambda mm: mm[0].start())
    plain = {id(m) for m, main in found if main}  # matches of the language's own key regex (the others have no indentation group)
    for m, _main in found:
        key = m.group("k").strip("\"'")
        segs = key_segments(key)
        if not segs:
            continue
        last = segs[-1]
        raw = m.group("v") or ""
        if last in _PW_SEGMENTS:
            any_password = True
        elif not (last in _LOGIN_SEGMENTS or last in _ENDPOINT_SEGMENTS or _ENDPOINT_VALUE_RE.search(raw.lower())):
            continue
        matches.append((m, key, segs, last, raw))
    postman = list(_POSTMAN_VAR_RE.finditer(text)) if lang == "json" and '"key"' in text else []
    if not any_password and not any(_PW_SEGMENTS.intersection(key_segments(pm.group("k"))) for pm in postman):
        return []
    # Siblings are near their password key: bound the parent lookups.
    pw_pos = [m.start() for m, _, _, last, _ in matches if last in _PW_SEGMENTS]
    near = []
    for item in matches:
        pos = item[0].start()
        i = bisect.bisect_left(pw_pos, pos)
        if (i < len(pw_pos) and pw_pos[i] - pos < 3000) or (i > 0 and pos - pw_pos[i - 1] < 3000):
            near.append(item)
    for m, key, segs, _last, raw in near[:300]:
        if lang == "json":
            v = Value(classify_literal(raw, extra), raw, m.start("v"), m.end("v"))
        else:
            v = _config_value(raw, m.start("v") if m.group("v") is not None else m.end(), lang, extra)
        parents: List[str] = []
        if lang == "yaml" and id(m) in plain:
            parents = _yaml_parents(text, text.rfind("\n", 0, m.start()) + 1, len(m.group("ind")))
        elif lang == "json":
            parents = _json_parents(text, m.start())
        elif lang in ("properties", "text"):
            if sections is None:
                sections = [(sm.start(), sm.group(1)) for sm in _INI_SECTION_RE.finditer(text)]
            idx = bisect.bisect_right([p for p, _ in sections], m.start()) - 1
            if idx >= 0:
                parents = [sections[idx][1]]
        full = ".".join(parents + [key])
        kvs.append(_KV(full, [s for p in parents for s in key_segments(p)] + segs, v, m.start()))
    for pm in postman:
        key = pm.group("k")
        segs = key_segments(key)
        if segs:
            raw = pm.group("v")
            kvs.append(_KV(key, segs, Value(classify_literal(raw, extra), raw, pm.start("v"), pm.end("v")), pm.start(), True))
    return kvs


def _csv_kvs(text: str, extra: Sequence[str]) -> List[_KV]:
    """The cells of a CSV/TSV table whose header names a password column (and its login and endpoint columns)."""
    import csv

    head_end = text.find("\n")
    header = text[: head_end if head_end >= 0 else len(text)]
    delim = max(",;\t|", key=header.count)
    lines = text.split("\n")
    try:
        cols = next(csv.reader([lines[0]], delimiter=delim))
    except (csv.Error, StopIteration):
        return []
    segs = [key_segments(c.strip()) for c in cols]
    wanted = [i for i, sg in enumerate(segs) if sg and (sg[-1] in _PW_SEGMENTS or sg[-1] in _LOGIN_SEGMENTS or sg[-1] in _ENDPOINT_SEGMENTS)]
    if not any(segs[i][-1] in _PW_SEGMENTS for i in wanted):
        return []
    out: List[_KV] = []
    offset = len(lines[0]) + 1
    for row_no, line in enumerate(lines[1:2001], 1):
        try:
            cells = next(csv.reader([line], delimiter=delim))
        except (csv.Error, StopIteration):
            cells = []
        pos = offset
        starts = []
        for cell in line.split(delim):  # cell offsets (quoted cells holding the delimiter are rare here)
            starts.append(pos)
            pos += len(cell) + 1
        for i in wanted:
            if i < len(cells) and i < len(starts):
                raw = cells[i]
                s = line.find(raw, starts[i] - offset) + offset if raw else starts[i]
                v = Value(classify_literal(raw, extra), raw, s, s + len(raw))
                # each row is its own scope: the row number stands in the key's prefix
                out.append(_KV(cols[i].strip(), [f"row{row_no}"] + segs[i], v, starts[i]))
        offset += len(line) + 1
    return out


def _scan_config(subject: SourceText, a: Analysis, extra: Sequence[str]) -> None:
    """Campaign passwords in configuration files; call only when :func:`_config_gate` holds."""
    text = subject.text
    low = lowered(text)
    endpoint_in_text = any(n in low for n in _ENDPOINT_NEEDLES)
    # _config_gate has checked the rest of the necessary condition: a Campaign word and a password key
    kvs = _config_kvs(subject, extra)
    prefixes = set()
    has_endpoint = endpoint_in_text
    postman_endpoint = False  # a Postman environment (or collection variables) pointing at Campaign
    for kv in kvs:
        ep_value = bool(_ENDPOINT_VALUE_RE.search(kv.value.text.lower()))
        campaignish = bool(_CAMPAIGN_SEGMENTS.intersection(kv.segs))
        if ep_value or (campaignish and kv.segs[-1] in _ENDPOINT_SEGMENTS):
            has_endpoint = True
            prefixes.add(tuple(kv.segs[:-1]))
            postman_endpoint = postman_endpoint or (kv.postman and ep_value)
    table = subject.language == "csv"  # a table of credentials in a file that names Campaign: each row is a logon
    if not (has_endpoint or table):
        return
    for kv in kvs:
        if kv.segs[-1] not in _PW_SEGMENTS:
            continue
        prefix = tuple(kv.segs[:-1])
        flat = (kv.postman and postman_endpoint) or table
        if not (_CAMPAIGN_SEGMENTS.intersection(kv.segs) or prefix in prefixes or flat):
            continue
        login = MISSING_VALUE
        for other in kvs:
            if other.segs[-1] in _LOGIN_SEGMENTS and (
                tuple(other.segs[:-1]) == prefix or (flat and other.postman and len(other.segs) == 1)
            ):
                login = other.value
                break
        how = f"Postman variable `{kv.key}`" if kv.postman else f"configuration key `{kv.key}`"
        a.logons.append(LogonSite(how, kv.pos, kv.value.end, login, kv.value, config=True))


# ----------------------------------------------------------------------- resolving variables


def _postman_vars(text: str) -> Dict[str, Optional[Value]]:
    out: Dict[str, Optional[Value]] = {}
    for m in _POSTMAN_VAR_RE.finditer(text):
        name = m.group("k")
        v = Value(LITERAL, m.group("v"), m.start("v"), m.end("v"))
        if name in out and (out[name] is None or out[name].text != v.text):  # type: ignore[union-attr]
            out[name] = None  # defined twice with different values: ambiguous
        else:
            out[name] = v
    return out


def _resolve(text: str, value: Value, lang: str, extra: Sequence[str], cache: Dict[str, Any], depth: int = 0) -> Tuple[Value, str]:
    """The literal a placeholder or a variable stands for: one step of data flow in the same file.

    A format slot (``%s``, ``{}``) takes the argument of its format call; a name
    takes the one literal the file assigns it, or its default value when it is a
    parameter of the function around ``value``.
    """
    if value.kind not in (PLACEHOLDER, DYNAMIC) or depth > 2:
        return value, ""
    raw = value.text.strip()
    if value.kind == PLACEHOLDER and value.start >= 0 and SLOT_RE.fullmatch(raw):
        arg = format_argument(text, value.start, lang, extra)
        if arg is not None and arg.kind != MISSING:
            if arg.kind == LITERAL:
                return arg, "a format argument"
            return _resolve(text, arg, lang, extra, cache, depth + 1) if arg.kind in (PLACEHOLDER, DYNAMIC) else (value, "")
    m = _MUSTACHE_RE.match(raw)
    if m and lang == "json":
        if "postman" not in cache:
            cache["postman"] = _postman_vars(text)
        found = cache["postman"].get(m.group(1))
        if found is None or classify_literal(found.text, extra) != LITERAL:
            return value, ""  # an empty collection value is usually set in the user's environment instead
        return Value(LITERAL, found.text, found.start, found.end), f"Postman variable `{m.group(1)}`"
    name = _var_name(value)
    if name is None:
        return value, ""
    key = "var:" + name
    if key not in cache:
        if "assignments" not in cache:
            cache["assignments"] = _assignments(text)
        cache[key] = _find_constant(text, cache["assignments"].get(name, ()), lang, extra)
    found = cache[key]
    if found is None and value.start >= 0:
        fn = enclosing_function(text, value.start, lang)
        if fn is not None and name in fn.params:
            default = parameter_default(text, fn, fn.params.index(name), lang, extra)
            if default is not None and default.kind == LITERAL:
                return default, f"the default value of `{name}`"
    # only a real-looking literal replaces the expression: `pw = ""` may be filled in some way not seen here
    return (found, f"`{name}`") if found is not None and found.kind == LITERAL else (value, "")


_TEMPLATE_NAME_RES = (
    lazy_re(r"^\$\{?([A-Za-z_]\w*)\}?$"),  # $pw ${pw} (shell, Kotlin, Groovy, PHP, PowerShell)
    lazy_re(r"^\{([A-Za-z_]\w*)\}$"),  # {pw} (f-strings, C# interpolation)
    lazy_re(r"^#\{([A-Za-z_]\w*)\}$"),  # #{pw} (Ruby)
    lazy_re(r"^\$\(\$([A-Za-z_]\w*)\)$"),  # $($pw) (PowerShell)
)


def _var_name(value: Value) -> Optional[str]:
    """The variable a value names (``pw``, ``$pw``, ``{pw}``, ``#{pw}``, ``this.pw``), or None."""
    raw = value.text.strip()
    if value.kind == PLACEHOLDER:
        m = None
        for rx in _TEMPLATE_NAME_RES:
            m = rx.match(raw)
            if m:
                break
    else:
        m = _BARE_NAME_RE.match(raw)
    if not m or len(m.group(1)) < 2:
        return None
    name = m.group(1)
    if name in ("null", "None", "undefined", "nil", "true", "false", "this", "self"):
        return None
    return name


_ASSIGN_RE = lazy_re(r"(?<![\w$.>])\$?([A-Za-z_]\w*)[ \t]*(?::[ \t]*[\w.<>\[\]?]+[ \t]*)?(?::=|=(?![=>~]))[ \t]*")


def _assignments(text: str) -> Dict[str, List[Tuple[int, int]]]:
    """Every ``name = ...`` of a text (one pass): name -> (start, value start) spans."""
    out: Dict[str, List[Tuple[int, int]]] = {}
    for am in _ASSIGN_RE.finditer(text):
        out.setdefault(am.group(1), []).append((am.start(), am.end()))
    return out


def _find_constant(text: str, spans: Sequence[Tuple[int, int]], lang: str, extra: Sequence[str]) -> Optional[Value]:
    """The literal a variable holds when the file assigns it exactly one literal and nothing else."""
    results: List[Value] = []
    for start, pos in spans:
        if text[max(0, start - 200) : start].rstrip()[-1:] in ("(", ","):
            continue  # a keyword argument of some other call, not an assignment
        lit = parse_literal(text, pos, lang)
        if lit is not None:
            tail = text[lit.close : lit.close + 3].lstrip(" \t")
            if lit.interpolated or (tail[:1] and tail[:1] in "+.&%"):
                return None
            results.append(Value(classify_literal(lit.value, extra), lit.value, lit.start, lit.end))
        elif lang in ("shell", "env", "properties"):
            bm = _BARE_VALUE_RE.match(text[pos : pos + 200])
            if not bm:
                return None
            body = bm.group(0)
            results.append(Value(classify_literal(body, extra), body, pos, pos + len(body)))
        else:
            return None  # assigned from an expression somewhere: not a constant
    if len({r.text for r in results}) != 1:
        return None
    return results[0]


# ----------------------------------------------------------------------- gates

# Necessary conditions of each kind of site, tested on the lower-case text before any scanner runs: most
# files that mention `logon`, `password` or `sessiontoken` hold no site at all, and these tests let them go
# for the price of a few `str.find` calls. Each one must stay a superset of what its scanner can report.

# at an occurrence of "logon": a call with arguments (`.Logon("", ...)`, `logonWithUser(`,
# `nms_extAccount_LogonToRemoteInstance(`, `logonEscalation(`); `client.logon()` has none
_LOGON_CALL_AT_RE = lazy_re(r"logon[\w$]*[ \t]*\((?!\s*\))")
# acc-js-sdk ConnectionParameters.ofUserAndPassword(url, login, pw) / ofSessionToken(url, "login/pw")
_SDK_CALL_RE = lazy_re(r"of(?:userandpassword|sessiontoken)[\w$]*[ \t]*\((?!\s*\))")
# at an occurrence of "strpassword": an element (`<urn:strPassword>`) or a key (`strPassword: x`,
# `"urn:strPassword", ns, x`)
_PW_PARAM_AT_RE = lazy_re(r"strpassword(?:[\"']?[ \t]*[\]:=,]|[\s/>]|[\"']?[ \t]+to[ \t])")
# at an occurrence of "sessiontoken": a value that may hold "login/password" (a "/" or "%2F" in it)
_TOKEN_AT_RE = lazy_re(
    r"sessiontoken(?:"
    r"=[^&\s\"'`<>;#\\,)|]*?(?:/|%2f)"  # __sessiontoken=mc/pw in a URL or a cookie
    r"|[\"']?[ \t]*(?:\][ \t]*)?(?::|=>?)[ \t]*[rbuf@$]{0,2}[\"'`](?s:.){0,8000}?(?:/|%2f)"  # sessionToken: "mc/pw"
    r"|[\w$]*[ \t]*\()"  # ofSessionToken(url, "mc/pw")
    r"|(?<=[<:_])sessiontoken(?:\s[^<>]*)?>[^<]*?(?:/|%2f|[\"'`][ \t]*[+.&])"  # <urn:sessiontoken>mc/pw</urn:sessiontoken>, or + TOKEN +
)
# a key whose last word is a password word, followed by its `=` or `:` (configuration files)
_PW_KEY_RE = lazy_re(r"(?:pass(?:word|wd|phrase)?|pwd)(?:[._\-:\s/\[\]\"']*[=:]|[\"']?[ \t]*\n[ \t]*value[ \t]*:|\"[ \t]*\{)")
_POSTMAN_PW_RE = lazy_re(r'"key"\s*:\s*"[^"\\\n]*(?:pass|pwd)')
_ACC_WORD_RE = lazy_re(r"acc(?:[_.\-]|pass|pwd|user|login|url|endpoint|host)")  # preceded by no word character (checked by hand: faster)


@dataclass(frozen=True)
class Gates:
    """Which scanners of :func:`analyze` may find something in a subject (cheap necessary conditions)."""

    calls: bool = False  # a logon-like call with arguments
    logon_elements: bool = False  # a <Logon> element
    anchors: bool = False  # `xtk:session#Logon`, `addMethod("Logon"`
    password_params: bool = False  # a strPassword element or key
    tokens: bool = False  # a session token whose value may be login/password
    url_tokens: bool = False  # `__sessiontoken=`
    soap_method_call: bool = False
    config: bool = False  # a password key in a configuration file that names Campaign
    other: bool = False  # HTTP Basic authentication, a native password set by a script, acc-js-sdk 0.x `init`

    @property
    def logons(self) -> bool:
        """A logon site with a password (IMS101) may exist."""
        return self.calls or self.logon_elements or self.password_params or self.config or self.other

    @property
    def anything(self) -> bool:
        """Some scanner may find something."""
        return (
            self.logons or self.anchors or self.tokens or self.url_tokens or self.soap_method_call
        )


def _any_at(low: str, needle: str, rx: Any) -> bool:
    """True when ``rx`` matches at one of the occurrences of ``needle`` in ``low``."""
    i = low.find(needle)
    while i >= 0:
        if rx.match(low, i):
            return True
        i = low.find(needle, i + 1)
    return False


def _logon_gates(low: str) -> Tuple[bool, bool, bool]:
    """(calls, elements, anchors) looking at each occurrence of "logon"."""
    calls = elements = anchors = False
    i = low.find("logon")
    while i >= 0:
        prev = low[i - 1] if i else ""
        nxt = low[i + 5 : i + 6]
        if not calls and _LOGON_CALL_AT_RE.match(low, i):
            calls = True
        if prev and nxt:
            if prev in "<:" and (nxt == ">" or nxt.isspace()):
                elements = True  # _LOGON_EL_RE: `<prefix:Logon` followed by a space or `>`
            elif prev in "\"'" and nxt in "\"'":
                anchors = True  # addMethod("Logon"
        if prev and prev in "#/" and not (nxt.isalnum() or nxt == "_"):
            anchors = True  # xtk:session#Logon, xtk:session/Logon
        if calls and elements and anchors:
            break
        i = low.find("logon", i + 5)
    return calls, elements, anchors


def _config_gate(language: str, low: str) -> bool:
    """The necessary condition of :func:`_scan_config`: a configuration file naming Campaign, with a password key."""
    if language not in _CONFIG_LANGUAGES:
        return False
    if not (
        "campaign" in low
        or "neolane" in low
        or any(n in low for n in _ENDPOINT_NEEDLES)
        or any(m.start() == 0 or not (low[m.start() - 1].isalnum() or low[m.start() - 1] == "_") for m in _ACC_WORD_RE.finditer(low))
    ):
        return False
    if language == "csv":
        header = low[: low.find("\n")] if "\n" in low else low
        return "pass" in header or "pwd" in header
    if _PW_KEY_RE.search(low):
        return True
    return language == "json" and '"key"' in low and _POSTMAN_PW_RE.search(low) is not None


_gates_cache: List[Tuple[Any, Gates]] = []  # the last few subjects: rules take the subjects of one file in turn


def gates(subject: SourceText) -> Gates:
    """The :class:`Gates` of ``subject`` (cached for the last few subjects)."""
    for cached, g in _gates_cache:
        if cached is subject:
            return g
    low = lowered(subject.text)
    calls, elements, anchors = _logon_gates(low) if "logon" in low else (False, False, False)
    if not calls and ("ofuserandpassword" in low or "ofsessiontoken" in low):
        calls = _SDK_CALL_RE.search(low) is not None
    has_token = "sessiontoken" in low
    g = Gates(
        calls=calls,
        logon_elements=elements,
        anchors=anchors,
        password_params="strpassword" in low and _any_at(low, "strpassword", _PW_PARAM_AT_RE),
        tokens=has_token and _any_at(low, "sessiontoken", _TOKEN_AT_RE),
        url_tokens=has_token and "__sessiontoken=" in low,
        soap_method_call="soapmethodcall" in low,
        config=_config_gate(subject.language, low),
        other=_other_gate(low),
    )
    _gates_cache.insert(0, (subject, g))
    del _gates_cache[8:]
    return g


# ----------------------------------------------------------------------- entry point

_analysis_cache: List[Any] = [None, None, None]


def analyze(subject: SourceText, extra: Sequence[str] = ()) -> Analysis:
    """Find every logon site, session token, anchor and legacy call in ``subject`` (cached for the last subject)."""
    key = tuple(extra)
    if _analysis_cache[0] is subject and _analysis_cache[1] == key:
        return _analysis_cache[2]
    a = _analyze(subject, key)
    _analysis_cache[0], _analysis_cache[1], _analysis_cache[2] = subject, key, a
    return a


_COMMENT_LINE_RE = lazy_re(r"^\s*(?://|#(?!!)|\*|/\*|<!--|--|;|')")
_TRAILING_SLASHES_RE = lazy_re(r"(?<=[ \t;])//")
_HTML_SCRIPT_RE = lazy_re(r"<script\b[^>]*>(?s:.*?)</script\s*>", re.I)


def _prose_mention(text: str, pos: int, subject: SourceText) -> bool:
    """True when the pattern at ``pos`` is only named, not used: in a comment line, or in the text of an
    HTML page (a table of upgrade checks) rather than in one of its scripts."""
    prefix = line_prefix(text, pos)
    if _COMMENT_LINE_RE.match(prefix):
        return True
    for cm in _TRAILING_SLASHES_RE.finditer(prefix):
        before = prefix[: cm.start()]
        if before.count('"') % 2 == 0 and before.count("'") % 2 == 0 and before.count("`") % 2 == 0:
            return True  # `code; // Example: "xtk:session#Logon"`: a comment after code, outside any string
    if subject.path.lower().endswith((".html", ".htm", ".xhtml")) and not subject.embedded:
        return not any(m.start() < pos < m.end() for m in _HTML_SCRIPT_RE.finditer(text, max(0, pos - 200000), pos + 200000))
    return False


def _analyze(subject: SourceText, extra: Sequence[str]) -> Analysis:
    text = subject.text
    lang = subject.language
    g = gates(subject)
    if not g.anything:
        return Analysis(context=False)
    # the context check reads the whole file: only pay for it when a site may need it
    needed = g.calls or g.logon_elements or g.password_params or g.tokens or g.soap_method_call or g.other
    a = Analysis(context=has_campaign_context(subject) if needed else False)
    covered = Spans()
    if g.calls:
        _scan_calls(subject, a, extra, covered)
    if a.context:
        if g.logon_elements:
            _scan_logon_elements(subject, a, extra, covered)
        if g.password_params:
            _scan_password_elements(subject, a, extra, covered)
            _scan_credential_keys(subject, a, extra, covered)
        # a JS module that imports or defines its own SoapMethodCall class (acc-js-sdk) is not Campaign's
        if g.soap_method_call and _OWN_SOAPMETHODCALL_RE.search(text) is None:
            for m in _SOAPMETHODCALL_RE.finditer(text):
                if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_$"):
                    continue
                if _prose_mention(text, m.start(), subject):
                    continue
                a.legacy_calls.append(Mark("PU-0004", m.start(), m.end(), "`new SoapMethodCall()`"))
    if g.tokens or g.url_tokens:
        _scan_tokens(subject, a, extra, covered)
    if g.anchors and not (lang == "xml" and _WSDL_RE.search(text)):
        for m in _ANCHOR_RE.finditer(text):
            if _prose_mention(text, m.start(), subject):
                continue
            a.anchors.append(Mark("anchor", m.start(), m.end(), m.group(0)))
    if g.config:
        _scan_config(subject, a, extra)
    if g.other and a.context:
        _scan_other(subject, a, extra, covered)
    # Resolve passwords (and logins) given by a variable or a Postman {{var}} assigned once in the file.
    cache: Dict[str, Any] = {}
    for i, site in enumerate(a.logons):
        if site.config:
            continue
        pw, via = _resolve(text, site.password, lang, extra, cache)
        login, _ = _resolve(text, site.login, lang, extra, cache)
        if via or login is not site.login:
            a.logons[i] = replace(site, password=pw, login=login, via=via)
    for i, tok in enumerate(a.tokens):
        pw, via = _resolve(text, tok.password, lang, extra, cache)
        login, _ = _resolve(text, tok.login, lang, extra, cache)
        if via or login is not tok.login:
            a.tokens[i] = replace(tok, password=pw, login=login, via=via)
    if a.logons:
        _expand_wrappers(text, lang, a, extra, cache)
    reported_by_102 = {t.start for t in a.tokens if t.in_url and t.password.kind in (LITERAL, EMPTY)}
    for mark in a.url_tokens:
        if not mark.covered:
            mark.covered = mark.start in reported_by_102
    return a


def _expand_wrappers(text: str, lang: str, a: Analysis, extra: Sequence[str], cache: Dict[str, Any]) -> None:
    """A logon whose password is a parameter of the function around it makes that function a logon wrapper:
    each call of it in the file is a logon site with the call's arguments (``cusLogon("api", "pw")``)."""
    for site in list(a.logons):
        if site.config or site.password.kind not in (DYNAMIC, PLACEHOLDER):
            continue
        name = _var_name(site.password)
        if name is None:
            continue
        fn = enclosing_function(text, site.start, lang)
        if fn is None or name not in fn.params or fn.name in _NOT_WRAPPERS:
            continue
        pi = fn.params.index(name)
        login_name = _var_name(site.login) if site.login.kind in (DYNAMIC, PLACEHOLDER) else None
        li = fn.params.index(login_name) if login_name in fn.params else None
        if (fn.name, li, pi) in a.wrappers:
            continue
        a.wrappers.append((fn.name, li, pi))
        a.wrapper_at.append(fn.start)
        for count, (cs, ce, spans) in enumerate(calls_of(text, fn.name, lang, (fn.start, fn.body_end))):
            if count >= 100 or len(spans) <= pi:
                break
            pw = value_of(text, spans[pi][0], spans[pi][1], lang, extra)
            pw, via = _resolve(text, pw, lang, extra, cache)
            login = site.login
            if li is not None and li < len(spans):
                login, _ = _resolve(text, value_of(text, spans[li][0], spans[li][1], lang, extra), lang, extra, cache)
            how = f"`{fn.name}()`, which wraps {site.how}"
            a.logons.append(LogonSite(how, cs, ce, login, pw, via=via))


_NOT_WRAPPERS = frozenset({"Logon", "logon", "logonWithUser", "logonRemote", "constructor", "__init__", "main"})


# --------------------------------------------------------------------------- message helpers


_QUOTED_RE = lazy_re(r"""(["'`])((?:\\.|(?!\1)[^\\\n])*)\1""")
_KEY_LIKE_RE = lazy_re(r"^[A-Za-z_][\w.:\-]*$")


def _shown(expr: str) -> str:
    """An expression fit for a message: quoted contents that do not look like a key or option name become ``…``.

    ``"S3cret" + suffix`` must not put half a password in a message, while
    ``getOption("cusCrmPassword")`` stays readable.
    """

    def mask(m: "re.Match[str]") -> str:
        body = m.group(2)
        keylike = _KEY_LIKE_RE.match(body) and (
            any(c in body for c in "_.:") or any(c.isupper() for c in body[1:]) or body.isupper()
        ) and not any(c.isdigit() for c in body)
        return m.group(0) if keylike else f"{m.group(1)}…{m.group(1)}"

    return _QUOTED_RE.sub(mask, expr)


def _who(login: Value, secret: Optional[str] = None, capital: bool = True, passwords: Iterable[str] = ()) -> str:
    """How a message names a login. A login that is also a password somewhere in the file is not named:
    every output hides the file's passwords, and the login would show as ``<redacted:...>``."""
    if login.kind == LITERAL and login.text and login.text != secret and login.text not in passwords:
        return f"Campaign login {login.text!r}"
    if login.kind == LITERAL and login.text == secret:
        return ("A" if capital else "a") + " Campaign login whose password equals its login"
    if login.kind == LITERAL and login.text:
        return ("A" if capital else "a") + " Campaign login whose name is also a password in this file"
    if login.kind == DYNAMIC and login.text:
        return ("A" if capital else "a") + f" Campaign login (from `{_shown(login.text)}`)"
    if login.kind == PLACEHOLDER and login.text:
        return ("A" if capital else "a") + f" Campaign login (filled in from `{_shown(login.text)}`)"
    return ("A" if capital else "a") + " Campaign login"


def _login_key(login: Value, secret: Optional[str] = None) -> str:
    if login.kind == LITERAL and login.text and login.text != secret:
        return login.text
    if login.kind == LITERAL and login.text:
        return "#" + secret_hash(login.text)
    return login.text or "?"


def _login_fact(subject: SourceText, login: Value, fallback: Tuple[int, int]) -> Optional[Fact]:
    if login.kind != LITERAL or not login.text:
        return None
    if login.start >= 0:
        loc = subject.location(login.start, login.end)
    else:
        loc = subject.location(*fallback)
    return Fact(FACT_KIND, login.text, loc)


def _is_doc(subject: SourceText) -> bool:
    return subject.language in DOC_LANGUAGES


def _extra(options: Mapping[str, Any]) -> Tuple[str, ...]:
    return tuple(str(x) for x in (options.get("extra-placeholders") or ()))


def _line(subject: SourceText, pos: int) -> int:
    return subject.line_col(pos)[0]


# --------------------------------------------------------------------------- the rules


def _names_campaign_endpoint(subject: SourceText) -> bool:
    """A file that mentions Logon and names Campaign's session service or SOAP router (a WSDL, a client's
    code): a few needles, not the whole context check, since most files that mention Logon are here."""
    if subject.embedded:
        return True
    low = lowered(subject.whole_text)
    return "xtk:session" in low or "soaprouter.jsp" in low or "schemawsdl.jsp" in low


class HardcodedCredentials(Rule):
    """A Campaign login's password is written in the code or the configuration

    Finds literal passwords handed to Adobe Campaign's native logon:
    ``xtk:session#Logon`` SOAP bodies (``strLogin``/``strPassword`` with any
    prefix, rpc-encoded, positional ``<Logon>`` children, bodies built by string
    concatenation), ``.Logon("", "user", "pw", ...)`` on a ``SoapService`` and
    ``xtk.session.Logon``, ``logonWithUser``, ``NL.ExecutionInstance.logonRemote``,
    acc-js-sdk ``ConnectionParameters.ofUserAndPassword`` (and 0.x ``sdk.init``,
    ``new Client``), zeep/suds ``client.service.Logon`` (keyword or positional),
    HTTP Basic authentication to Campaign (``Authorization: Basic``, decoded to
    judge and never shown; ``curl -u``), scripts that set a native password
    (``xtk.session.HashPassword``, ``setOperatorPwd(...)``), and a project's own
    logon helper called with literals in the file that defines it. One step of
    data flow is followed: a constant, a variable or a Postman ``{{variable}}``
    assigned a literal once in the same file, a default parameter value, a
    format slot (``String.format``, ``.format``, ``fmt.Sprintf``, ``%``, ``-f``)
    or a string template (``$pw``, ``#{pw}``, ``{pw}``); the finding is reported
    where the literal is. Configuration: ``.env``/properties/YAML/JSON/
    Postman-environment/Terraform keys such as ``ACC_PWD``, ``CAMPAIGN_PASSWORD``,
    ``campaign.password`` (commented out too: the history keeps them), Kubernetes
    ``- name:``/``value:`` env lists and CSV tables with a password column, in a
    file that also names a Campaign endpoint (``soaprouter.jsp``,
    ``*.campaign.adobe.com``, ``ACC_ENDPOINT``...), or sharing the prefix of
    the key that holds the endpoint (``SOAP_URL`` and ``SOAP_PASSWORD``). Each
    file is judged on its own: a Postman environment is reported when it names
    the endpoint too. Generic call names need Campaign context in the file;
    ``xtk.session.``, ``strLogin`` with ``strPassword``, and ``urn:xtk:`` are
    context by themselves. Jupyter notebooks are read as code, each source line
    on the notebook's own line.

    Across files: a logon helper defined in one file (a function whose password
    parameter reaches a Logon) is reported where another file calls it with
    literals, and a SOAP client's ``Logon("login", "pw", ...)`` in a file that
    does not name Campaign is reported when another file of the scan does (a
    WSDL, the code that builds the client). Only the files that name a helper
    or hold such a call are read a second time.
    Placeholders (``%s``, ``$1``, ``{{var}}``, ``${VAR}``, ``PASSWORD_HERE``,
    ``<password>``, ``xxx``, ``changeme``...) and encrypted values (``@`` +
    base64), ``$user$``, Terraform references (``var.x``, ``data.vault_...``) and
    words such as ``put password here`` are not secrets. Documentation (Markdown) is scanned too: a real
    password in a README leaks like any other, while the placeholders docs use
    are ignored (set ``include-docs = false`` to skip docs).

    Anyone who can read the repository can sign in as that operator, and the
    password outlives every rotation of the code that uses it. Campaign v8 and
    the IMS lockdown refuse native logons anyway: replace the login by an Adobe
    Developer Console technical account (OAuth server-to-server), fetch an
    access token from ``ims/token/v3`` with the client secret from the
    environment or a vault, and send ``Authorization: Bearer <token>``; then
    rotate the leaked password and delete the technical operator.

    Fails:

        var svc = new SoapService(cnx, "urn:xtk:session");
        var r = svc.Logon("", "api_crm", "Spring2024!", <params/>);

    Passes:

        var req = new HttpClientRequest("https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp");
        req.header["Authorization"] = "Bearer " + imsAccessToken;
    """

    id = "IMS101"
    name = "hardcoded-credentials"
    subject = SourceText
    severity = Severity.ERROR
    tags = ("security", "credentials", "ims-migration")
    security_severity = "9.0"
    defaults = {"include-docs": True, "extra-placeholders": []}
    keywords = (b"logon", b"pass", b"pwd", b"basic", b"curl", b"acc-js-sdk")

    finish_from_facts = True  # the cross-file step works from facts: per-file results stay cacheable

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """Report each logon site whose password is a literal; publish the facts of the cross-file step."""
        if _is_doc(subject) and not options.get("include-docs", True):
            return
        if not gates(subject).logons:
            low = lowered(subject.text)
            if "logon" in low and not _is_doc(subject) and _names_campaign_endpoint(subject):
                yield Fact(CAMPAIGN_CODE, "", Location(subject.path, subject.first_line, subject.first_column))
            return
        a = analyze(subject, _extra(options))
        for (name, li, pi), at in zip(a.wrappers, a.wrapper_at):
            yield Fact(WRAPPER, f"{name}\t{'' if li is None else li}\t{pi}", subject.location(at))
        if a.lonely:
            yield Fact(LONELY_LOGON, "", subject.location(a.lonely[0]))
        elif a.context and not _is_doc(subject) and _names_campaign_endpoint(subject):
            yield Fact(CAMPAIGN_CODE, "", Location(subject.path, subject.first_line, subject.first_column))
        yield from self._sites(subject, a, a.logons)

    def _sites(self, subject: SourceText, a: Analysis, sites: Sequence[LogonSite], related_def: Optional[Related] = None) -> Iterator[Any]:
        seen = set()
        for site in sites:
            pw = site.password
            if pw.kind != LITERAL or pw.start < 0 or pw.start in seen:
                continue
            seen.add(pw.start)
            who = _who(site.login, pw.text, passwords=a.passwords)
            related: Tuple[Related, ...] = ()
            if site.config:
                msg = f"{who} has a hard-coded password in {site.how}, next to a Campaign endpoint; remove it, rotate it, and {MIGRATE}"
            elif site.via:
                msg = (
                    f"{who} logs on with a hard-coded password ({site.via}, used by {site.how} on line "
                    f"{_line(subject, site.start)}); remove it, rotate it, and {MIGRATE}"
                )
                related = (Related(subject.location(site.start, site.end), "the logon that uses this password"),)
            else:
                msg = f"{who} logs on with a hard-coded password in {site.how}; remove it, rotate it, and {MIGRATE}"
            if related_def is not None:
                related = related + (related_def,)
            props = {"login": site.login.text} if site.login.kind == LITERAL and site.login.text != pw.text else {}
            yield Problem(
                subject.location(pw.start, pw.end),
                msg,
                secret=pw.text,
                key=f"logon:{_login_key(site.login, pw.text)}",
                related=related,
                properties=props,
            )
            fact = _login_fact(subject, site.login, (site.start, site.end))
            if fact is not None:
                yield fact


    def export_state(self) -> Any:
        """Nothing: the cross-file step works from the run's facts."""
        return None

    def merge_state(self, state: Any) -> None:
        """Nothing to merge (see :meth:`export_state`)."""

    def finish(self, options: Mapping[str, Any]) -> Iterator[Problem]:
        """The cross-file step: logon helpers called with literals in other files, and SOAP clients' ``Logon``
        calls in files that do not name Campaign when the repository does. Only the files that name a helper,
        or hold such a call, are read again."""
        ctx = self.context
        wrappers: Dict[str, List[Tuple[Optional[int], int, Any]]] = {}
        for f in ctx.facts(WRAPPER):
            name, li, pi = f.value.split("\t")
            wrappers.setdefault(name, []).append((int(li) if li else None, int(pi), f.location))
        lonely = {f.location.path for f in ctx.facts(LONELY_LOGON)} if ctx.facts(CAMPAIGN_CODE) else set()
        if not (wrappers or lonely) or not ctx.can_read_again:
            return
        extra = _extra(options)
        needles = [n.lower().encode() for n in wrappers] + ([b"logon"] if lonely else [])
        for subject in ctx.read_again("source", needles):
            if not isinstance(subject, SourceText) or (_is_doc(subject) and not options.get("include-docs", True)):
                continue
            if subject.path in lonely and not has_campaign_context(subject):
                forced = replace(subject, embedded=True, _line_starts=None)
                a = analyze(forced, extra)
                sites = [s for s in a.logons if s.how.startswith("xtk:session#Logon")]
                yield from (p for p in self._sites(forced, a, sites) if isinstance(p, Problem))
            low = lowered(subject.text)
            for name, defs in wrappers.items():
                if name.lower() not in low:
                    continue
                for li, pi, where in defs:
                    if where.path == subject.path:
                        continue  # the file that defines it: check() reported its calls
                    yield from self._wrapper_calls(subject, name, li, pi, where, extra)

    def _wrapper_calls(self, subject: SourceText, name: str, li: Optional[int], pi: int, where: Any, extra: Sequence[str]) -> Iterator[Problem]:
        text, lang = subject.text, subject.language
        cache: Dict[str, Any] = {}
        sites = []
        for count, (cs, ce, spans) in enumerate(calls_of(text, name, lang, (-1, -1))):
            if count >= 100:
                break
            if len(spans) <= pi or any(looks_like_declaration(text[s:e]) for s, e in spans):
                continue
            if text[ce : ce + 40].lstrip().startswith(("{", "=>")):
                continue  # another definition of the same name
            pw, via = _resolve(text, value_of(text, spans[pi][0], spans[pi][1], lang, extra), lang, extra, cache)
            login = MISSING_VALUE
            if li is not None and li < len(spans):
                login, _ = _resolve(text, value_of(text, spans[li][0], spans[li][1], lang, extra), lang, extra, cache)
            sites.append(LogonSite(f"`{name}()`, the logon helper of {where.path}:{where.line}", cs, ce, login, pw, via=via))
        if sites:
            a = Analysis(context=True, logons=sites)
            rel = Related(where, f"the logon helper `{name}()`")
            yield from (p for p in self._sites(subject, a, sites, rel) if isinstance(p, Problem))


class PasswordSessionToken(Rule):
    """A session token of the form `login/password` carries a Campaign password

    Campaign accepts ``<login>/<password>`` in place of a session token when a
    security zone sets ``allowUserPassword``: ``<sessiontoken>api/Spring2024!</sessiontoken>``
    (any prefix, ``__sessiontoken``, attributes such as ``xsi:type``),
    ``__sessiontoken=api/Spring2024!`` in URLs and cookies (``%2F`` too), a
    ``sessiontoken`` parameter, acc-js-sdk ``ofSessionToken(url, "api/Spring2024!")``,
    and Postman variables that feed such a token. ``login/`` with an empty
    password (the Message Center ``mc/`` trusted-IP logon) is reported with its
    own message and no secret. Empty ``<sessiontoken/>`` elements (the IMS
    pattern), placeholders (``mc/PASSWORD``, ``{{login}}/{{password}}``) and
    ordinary ``___<uuid>`` tokens are not reported here. Documentation is
    scanned for real passwords (``include-docs``).

    The password travels with every call, often in a URL that proxies log, and
    the whole mechanism needs ``allowUserPassword``, which Adobe says never to
    enable. Move the integration to an Adobe Developer Console technical
    account (OAuth server-to-server), send ``Authorization: Bearer <token>``
    and leave ``<sessiontoken>`` empty; rotate the leaked password.

    Fails:

        <urn:PushEvent><urn:sessiontoken>mc/Spring2024!</urn:sessiontoken>...</urn:PushEvent>

    Passes:

        <urn:PushEvent><urn:sessiontoken/>...</urn:PushEvent>   (with Authorization: Bearer)
    """

    id = "IMS102"
    name = "password-session-token"
    subject = SourceText
    severity = Severity.ERROR
    tags = ("security", "credentials", "ims-migration")
    security_severity = "8.5"
    defaults = {"include-docs": True, "extra-placeholders": []}
    keywords = (b"sessiontoken",)

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """Report each login/password session token with a literal or empty password."""
        if _is_doc(subject) and not options.get("include-docs", True):
            return
        if not gates(subject).tokens:
            return
        a = analyze(subject, _extra(options))
        seen = set()
        for tok in a.tokens:
            pw = tok.password
            if pw.kind not in (LITERAL, EMPTY) or tok.login.kind == DYNAMIC:
                continue
            if pw.kind == EMPTY and tok.login.kind != LITERAL:
                continue
            pos = pw.start if pw.kind == LITERAL else tok.start
            if pos in seen:
                continue
            seen.add(pos)
            login = tok.login.text if tok.login.kind == LITERAL else ""
            via = f", through {tok.via}" if tok.via else ""
            if pw.kind == EMPTY:
                yield Problem(
                    subject.location(tok.login.start, tok.login.end + 1),
                    f"session token '{login}/' logs on as Campaign login {login!r} with no password "
                    f"(trusted-IP native logon, {tok.how}); {MIGRATE}, with an empty <sessiontoken>",
                    key=f"session-token:{login}/",
                )
            else:
                who = _who(tok.login, pw.text, capital=False, passwords=a.passwords)
                yield Problem(
                    subject.location(pw.start, pw.end),
                    f"session token of the form login/password carries the password of {who} ({tok.how}{via}); "
                    f"rotate it and {MIGRATE}, with an empty <sessiontoken>",
                    secret=pw.text,
                    key=f"session-token:{_login_key(tok.login, pw.text)}",
                )
            fact = _login_fact(subject, tok.login, (tok.start, tok.end))
            if fact is not None:
                yield fact


class LegacyLogon(Rule):
    """An integration logs on to Campaign with a login and a password

    Reports native logons whose credentials are not literals (variables,
    environment, ``decryptString(getOption(...))``...): ``xtk:session#Logon``
    calls and SOAP bodies, ``logonWithUser(login, pw)``,
    ``NL.ExecutionInstance.logonRemote(url, login, pw)``,
    ``nms_extAccount_LogonToRemoteInstance``, acc-js-sdk
    ``ofUserAndPassword(url, process.env.X, ...)``, zeep/suds
    ``client.service.Logon``, ``login/password`` session tokens built from
    variables; Adobe's own upgrade checks PU-0003 (server-side ``logon(``) and
    PU-0004 (``new SoapMethodCall(``); and, when a file holds no credentials
    itself, its ``xtk:session#Logon`` SOAPAction header or
    ``addMethod("Logon", ...)``. A logon with a literal password is IMS101's,
    a session token in a URL IMS104's: one finding per call site. Everything
    needs Campaign context in the file (``soaprouter.jsp``, ``urn:xtk:``,
    ``xtk:session``, acc-js-sdk, an embedded Campaign script...), so another
    product's ``logon(`` is left alone; ``client.logon()`` without arguments
    (acc-js-sdk, whose credentials are its connection parameters) is not
    reported. Documentation is skipped unless ``include-docs`` is set.

    The logins that code uses to log on are published as ``campaign-login``
    facts, which the operator rules use to recognise technical operators: each
    logon site's login by the rule that reports the site (IMS101, IMS102 or
    this one), and by this rule the ``logonEscalation('webapp')`` logins and the
    logins of configuration files whose password is not a literal.

    Campaign v8 and the IMS lockdown (``nonIMSAuthnAPI``) refuse native logons
    of technical operators. Create an Adobe Developer Console project with an
    OAuth server-to-server credential, request a token from ``ims/token/v3``
    (``grant_type=client_credentials``) and send ``Authorization: Bearer
    <token>`` with an empty ``<sessiontoken>``.

    Fails:

        var r = sessionService.Logon("", login, decryptString(cryptedPassword), <parameters/>);

    Passes:

        req.header["Authorization"] = "Bearer " + imsToken;
        req.body = '<urn:ExecuteQuery><urn:sessiontoken/>...';
    """

    id = "IMS103"
    name = "legacy-logon"
    subject = SourceText
    severity = Severity.WARNING
    tags = ("ims-migration",)
    defaults = {"include-docs": False, "extra-placeholders": []}
    keywords = (b"logon", b"soapmethodcall", b"sessiontoken", b"pass", b"pwd", b"basic", b"curl", b"acc-js-sdk")

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """Report non-literal logons, legacy calls, and anchors of files without credentials; publish logins."""
        if _is_doc(subject) and not options.get("include-docs", False):
            return
        g = gates(subject)
        if not (g.logons or g.anchors or g.tokens or g.soap_method_call):
            return  # a URL token alone is IMS104's
        a = analyze(subject, _extra(options))
        lines: set = set()

        def once(pos: int) -> bool:
            line = _line(subject, pos)
            if line in lines:
                return False
            lines.add(line)
            return True

        for site in a.logons:
            pw = site.password
            if site.config:
                if pw.kind != LITERAL:
                    fact = _login_fact(subject, site.login, (site.start, site.end))
                    if fact is not None:
                        yield fact
                continue
            if pw.kind == LITERAL:
                continue
            at = site.at if site.at >= 0 else site.start
            if once(at):
                same_line = _line(subject, site.end) == _line(subject, at)
                yield Problem(
                    subject.location(at, site.end if same_line else None),
                    f"{_who(site.login, passwords=a.passwords)} logs on with a login and {_password_words(pw)} ({site.how}); {MIGRATE}",
                    key=f"logon:{_login_key(site.login)}",
                )
            fact = _login_fact(subject, site.login, (site.start, site.end))
            if fact is not None:
                yield fact
        for tok in a.tokens:
            if tok.password.kind in (LITERAL, EMPTY) and tok.login.kind != DYNAMIC:
                continue
            if tok.in_url:
                continue  # IMS104 reports it
            if once(tok.start):
                yield Problem(
                    subject.location(tok.start),
                    f"{_who(tok.login, passwords=a.passwords)} logs on through a login/password session token ({tok.how}); "
                    f"{MIGRATE}, with an empty <sessiontoken>",
                    key=f"session-token:{_login_key(tok.login)}",
                )
            fact = _login_fact(subject, tok.login, (tok.start, tok.end))
            if fact is not None:
                yield fact
        if not any(not s.config for s in a.logons):
            for mark in a.anchors:
                if once(mark.start):
                    yield Problem(
                        subject.location(mark.start, mark.end),
                        f"legacy login/password logon (`{mark.text}`); {MIGRATE}",
                        key="logon:xtk:session#Logon",
                    )
        for mark in a.legacy_calls:
            if not once(mark.start):
                continue
            if mark.kind == "PU-0003":
                msg = f"server-side {mark.text} opens a native Campaign session (Adobe upgrade check PU-0003); {MIGRATE}"
            else:
                msg = f"{mark.text} relies on a native Campaign session (Adobe upgrade check PU-0004); {MIGRATE}"
            yield Problem(subject.location(mark.start, mark.end), msg, key=mark.kind)
        for login, start, end in a.escalations:
            fact = _login_fact(subject, login, (start, end))
            if fact is not None:
                yield fact


def _password_words(pw: Value) -> str:
    if pw.kind == ENCRYPTED:
        return "a stored (encrypted) password"
    if pw.kind == EMPTY:
        return "an empty password"
    if pw.kind == MISSING:
        return "a password"
    if pw.kind == PLACEHOLDER and pw.text:
        return f"a password filled in from `{_shown(pw.text)}`"
    if pw.text:
        return f"a password from `{_shown(pw.text)}`"
    return "a password from a variable"


class SessionTokenInUrl(Rule):
    """A Campaign session token travels in a URL (`__sessiontoken=`)

    Finds ``?__sessiontoken=`` / ``&__sessiontoken=`` (also ``&amp;``) in
    links, JSP/JSSP pages, curl commands, HTTP clients and WSDL URLs
    (``schemawsdl.jsp?schema=%s&__sessiontoken=%s``). A ``login/password``
    value with a literal or empty password is IMS102's finding, not this one.
    Cookies (``Cookie: __sessiontoken=...``) are not URLs. Documentation is
    skipped unless ``include-docs`` is set.

    URLs end up in proxy, load-balancer and web-server logs, browser history and
    Referer headers: whoever reads them can replay the session. Send the
    credentials in a header instead: ``Authorization: Bearer <token>`` with a
    token of an Adobe Developer Console technical account (OAuth
    server-to-server).

    Fails:

        curl "https://acme.campaign.adobe.com/nl/jsp/schemawsdl.jsp?schema=nms:rtEvent&__sessiontoken=$TOKEN"

    Passes:

        curl -H "Authorization: Bearer $TOKEN" "https://acme.campaign.adobe.com/nl/jsp/schemawsdl.jsp?schema=nms:rtEvent"
    """

    id = "IMS104"
    name = "session-token-in-url"
    subject = SourceText
    severity = Severity.WARNING
    tags = ("security", "ims-migration")
    security_severity = "5.0"
    defaults = {"include-docs": False, "extra-placeholders": []}
    keywords = (b"__sessiontoken=",)

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """Report each URL that carries ``__sessiontoken=`` and is not IMS102's."""
        if _is_doc(subject) and not options.get("include-docs", False):
            return
        if not gates(subject).url_tokens:
            return
        a = analyze(subject, _extra(options))
        for mark in a.url_tokens:
            if mark.covered:
                continue
            what = "a login/password session token" if mark.text else "a session token"
            yield Problem(
                subject.location(mark.start, mark.start + len("__sessiontoken=")),
                f"{what} is passed in a URL (`__sessiontoken=`): proxies and web server logs record it; {MIGRATE} instead",
                key="url:__sessiontoken",
            )


_JWT_RE = lazy_re(  # searched in lower-case text
    r"(?P<exchange>/ims/exchange/jwt)|(?P<metascope>ent_campaign_sdk\b)|(?P<cli>-setims(?:jwt)?auth\b)"
    r"|(?P<key>authimstaprivatekey\b(?:\s*=\s*(?P<q>[\"'])(?P<val>[^\"'\n]*)(?P=q))?)"
)


class JwtServiceAccount(Rule):
    """The deprecated Service Account (JWT) credential is still in use

    Finds the JWT exchange endpoint ``/ims/exchange/jwt``, the Campaign
    metascope ``ent_campaign_sdk`` of a JWT payload, the Campaign server
    commands ``nlserver config -setimsjwtauth`` and ``-setimsauth`` (the
    pre-7.4.1 command; ``-setimsoauth`` is the OAuth one and is fine), and a
    configured ``authIMSTAPrivateKey`` (an empty attribute, as shipped in the
    default serverConf.xml, is fine). ``<pipelined authType="imsJwtToken"/>``
    is still the documented value after the OAuth migration and is not
    reported. Documentation is skipped unless ``include-docs`` is set.

    Adobe retired Service Account (JWT) credentials: they stop working when
    their certificate expires (and at the latest on the dates Adobe announced).
    Create an OAuth server-to-server credential in the Adobe Developer Console,
    request tokens from ``ims/token/v3`` with ``grant_type=client_credentials``,
    and on Campaign servers (v7.4.1+) run ``nlserver config
    -setimsoauth:<org>/<client id>/<technical account>/<client secret>``.

    Fails:

        const res = await fetch("https://ims-na1.adobelogin.com/ims/exchange/jwt/", {method: "POST", body: form});

    Passes:

        const res = await fetch("https://ims-na1.adobelogin.com/ims/token/v3", {method: "POST", body: form});
    """

    id = "IMS105"
    name = "jwt-service-account"
    subject = SourceText
    severity = Severity.WARNING
    tags = ("ims-migration", "deprecated")
    defaults = {"include-docs": False}
    keywords = (b"exchange/jwt", b"ent_campaign_sdk", b"setims", b"authimstaprivatekey")  # setims: -setimsauth, -setimsjwtauth

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """Report each JWT exchange, metascope, CLI command and configured private key."""
        if _is_doc(subject) and not options.get("include-docs", False):
            return
        text = subject.text
        lines = set()
        for m in _JWT_RE.finditer(lowered(text)):
            if m.group("metascope") or m.group("key"):
                if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
                    continue
            if m.group("exchange"):
                what, key = "the Service Account (JWT) token exchange `/ims/exchange/jwt`", "jwt:exchange"
            elif m.group("metascope"):
                what, key = "the JWT metascope `ent_campaign_sdk`", "jwt:metascope"
            elif m.group("cli"):
                cmd = m.group("cli")
                if cmd.lower() == "-setimsauth":
                    what = "`nlserver config -setimsauth` (the JWT setup of builds older than 7.4.1)"
                else:
                    what = "`nlserver config -setimsjwtauth` (a JWT technical account)"
                key = "jwt:cli"
            else:
                if m.group("q") is not None and not m.group("val").strip():
                    continue  # an empty attribute: not configured
                what, key = "a JWT private key (`authIMSTAPrivateKey`)", "jwt:private-key"
            line = _line(subject, m.start())
            if (line, key) in lines:
                continue
            lines.add((line, key))
            yield Problem(
                subject.location(m.start(), m.end()),
                f"deprecated Service Account (JWT) credential: {what}; Adobe retired JWT credentials, move to OAuth "
                "server-to-server (`ims/token/v3`, `grant_type=client_credentials`; on Campaign servers "
                "`nlserver config -setimsoauth`)",
                key=key,
            )


_SESSION_UUID_RE = lazy_re(  # preceded by neither a word character nor "-" (checked by hand: faster)
    r"___(?P<tok>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})(?![\w\-])"
)
_SECURITY_NAME_RE = lazy_re(r"security[_\-]?token")  # searched in lower-case text
_SECURITY_VALUE_RE = lazy_re(r"(?:\s[^<>\n]{0,120}?(?=>|&gt;))?(?:[\s\"'\]\):=,>]|&quot;|&gt;){1,10}(?P<tok>@[A-Za-z0-9+/_\-]{40,}={0,2})(?![A-Za-z0-9+/=_\-])")
_JWT_LITERAL_RE = lazy_re(r"(?P<tok>eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{16,})(?![\w\-.])")
_JWT_CONTEXT_RE = lazy_re(r"(?i)bearer|token|authorization|jwt")
_JWT_IO_SAMPLE = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"  # the jwt.io example's signature
_IMS_CONTEXT_RE = lazy_re(r"adobelogin\.com|ims/token/v\d|adobe\.io\b|\bims[_\-]?(?:token|org|client)")  # lower-case text
_IMS_TOKEN_URL_RE = lazy_re(r"ims/token/v\d|adobelogin\.com")  # lower-case text
_CLIENT_SECRET_RE = lazy_re(r"client[_\-]?secret")  # searched in lower-case text
_SETIMSOAUTH_RE = lazy_re(r"-(?i:setimsoauth):(?P<v>[^\s\"'`]+)")
_BARE_SECRET_RE = lazy_re(r"[^\s&\"'`;,)#]+")
_CONCAT_EDGE_RE = lazy_re(r"\s*(?:\+|\.|&|\|\|)")  # a literal that is the inside of a concatenation: `" + x + "`
_IDENT_RE = lazy_re(r"[A-Za-z_$][\w$]*")


class PastedToken(Rule):
    """A live Campaign or IMS token, or an IMS client secret, is pasted in the code

    Finds a Campaign session token (``___`` + UUID), a Campaign security token
    (``@`` + 40 or more base64 characters after ``X-Security-Token``,
    ``securityToken``, ``pstrSecurityToken``), a JWT access token
    (``eyJ...`` three base64url segments) after ``Bearer``/``token`` in a
    Campaign or Adobe IMS file, and an IMS ``client_secret`` (any spelling:
    ``clientSecret``, ``IMS_CLIENT_SECRET``, Postman variables, form fields,
    ``-setimsoauth:.../<secret>``) holding a literal in a file that requests
    ``ims/token/v3`` (a ``p8e-`` secret counts anywhere). Placeholders,
    environment lookups, encrypted values and the jwt.io sample token are
    ignored. Documentation is scanned too (``include-docs``).

    A token or secret in a repository is a credential anyone can replay: a
    session token acts as its operator until it expires, a client secret mints
    new tokens until it is rotated. Remove it, rotate the client secret in the
    Adobe Developer Console (or log the session out), and obtain tokens at run
    time from ``ims/token/v3`` with the secret read from the environment or a
    secret store.

    Fails:

        curl -d client_id=$CLIENT_ID -d client_secret=p8e-DocExampleOnlyDocExampleOnly01 https://ims-na1.adobelogin.com/ims/token/v3

    Passes:

        curl -d client_id="$CLIENT_ID" -d client_secret="$CLIENT_SECRET" https://ims-na1.adobelogin.com/ims/token/v3
    """

    id = "IMS106"
    name = "pasted-token"
    subject = SourceText
    severity = Severity.ERROR
    tags = ("security", "credentials")
    security_severity = "8.0"
    defaults = {"include-docs": True, "extra-placeholders": []}
    keywords = (
        b"___",
        b"securitytoken",
        b"security-token",
        b"security_token",
        b"eyj",
        b"client_secret",
        b"clientsecret",
        b"client-secret",
        b"setimsoauth",
    )

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """Report pasted session tokens, security tokens, JWTs and IMS client secrets."""
        if _is_doc(subject) and not options.get("include-docs", True):
            return
        extra = _extra(options)
        text = subject.text
        seen = set()

        def problem(start: int, end: int, secret: str, kind: str, msg: str) -> Optional[Problem]:
            if start in seen:
                return None
            seen.add(start)
            return Problem(subject.location(start, end), msg, secret=secret, key=f"{kind}:{secret_hash(secret)}")

        if "___" in text:
            for m in _SESSION_UUID_RE.finditer(text):
                if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_-"):
                    continue
                tok = m.group("tok")
                if len(set(tok.replace("-", "").lower())) <= 2:
                    continue  # 00000000-0000-... and the like: an example
                p = problem(
                    m.start(),
                    m.end(),
                    m.group(0),
                    "session-token",
                    "pasted Campaign session token (`___<uuid>`): it acts as its operator until it expires; remove it, "
                    f"log the session out, and {MIGRATE}",
                )
                if p:
                    yield p
        low = lowered(text)
        for hit in _SECURITY_NAME_RE.finditer(low) if "security" in low else ():
            m = _SECURITY_VALUE_RE.match(text, hit.end())
            if m is None:
                continue
            tok = m.group("tok")
            if is_placeholder(tok, extra):
                continue
            p = problem(
                m.start("tok"),
                m.end("tok"),
                tok,
                "security-token",
                f"pasted Campaign security token (`X-Security-Token`): remove it, log the session out, and {MIGRATE}",
            )
            if p:
                yield p
        if "eyJ" in text:
            wide = None
            for m in _JWT_LITERAL_RE.finditer(text):
                if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "_-."):
                    continue
                tok = m.group("tok")
                if tok.endswith(_JWT_IO_SAMPLE):
                    continue
                if not _JWT_CONTEXT_RE.search(text, max(0, m.start() - 120), m.start()):
                    continue
                if wide is None:
                    wide = has_campaign_context(subject) or _IMS_CONTEXT_RE.search(lowered(subject.whole_text)) is not None
                if not wide:
                    break
                p = problem(
                    m.start(),
                    m.end(),
                    tok,
                    "jwt",
                    "pasted bearer token (JWT): remove it and obtain tokens at run time from `ims/token/v3` "
                    "(OAuth server-to-server) with the client secret read from the environment or a secret store",
                )
                if p:
                    yield p
        yield from self._client_secrets(subject, extra, problem)

    def _client_secrets(self, subject: SourceText, extra: Sequence[str], problem: Any) -> Iterator[Problem]:
        text = subject.text
        lang = subject.language
        low = lowered(text)
        if not ("secret" in low or "setimsoauth" in low):
            return
        ims: Optional[bool] = None  # whether the file requests IMS tokens: read only for a real candidate
        msg = (
            "hard-coded IMS `client_secret`: rotate it in the Adobe Developer Console and read it from the "
            "environment or a secret store when requesting tokens from `ims/token/v3`"
        )
        candidates: List[Tuple[int, int, str]] = []
        for ks, _ke, _key, quote, op, pos in key_uses(text, _CLIENT_SECRET_RE, "_-", "_-", lowered(text)):
            if op == "," and not quote:
                continue
            lit = parse_literal(text, pos, lang) if pos < len(text) else None
            if lit is not None:
                if not lit.interpolated:
                    candidates.append((lit.start, lit.end, lit.value))
                continue
            # an unquoted value: configuration files, shell, form bodies (`&client_secret=...`)
            start = ks - len(quote)
            before = text[start - 1] if start else "\n"
            bare_ok = lang in ("env", "properties", "yaml", "shell", "text", "markdown") or before in "?&\"'" or (
                op == "=" and before in " \t" and lang not in ("python", "js", "java", "csharp", "php", "ruby", "go")
            )
            if not bare_ok or op not in ("=", ":"):
                continue
            bm = _BARE_SECRET_RE.match(text, pos)
            if bm:
                candidates.append((bm.start(), bm.end(), bm.group(0)))
        for pm in _POSTMAN_VAR_RE.finditer(text) if lang == "json" and '"key"' in text and "secret" in low else ():
            if _CLIENT_SECRET_RE.search(pm.group("k").lower()):
                candidates.append((pm.start("v"), pm.end("v"), pm.group("v")))
        for m in _SETIMSOAUTH_RE.finditer(text) if "setimsoauth" in low else ():
            parts = m.group("v").split("/")
            if len(parts) >= 4 and parts[-1]:
                s = m.end("v") - len(parts[-1])
                candidates.append((s, m.end("v"), parts[-1]))
        for start, end, value in candidates:
            v = value.strip()
            if len(v) < 8 or classify_literal(v, extra) != LITERAL or is_encrypted(v):
                continue
            if _MEMBER_EXPR_RE.fullmatch(v) or v.startswith(("process.env", "os.environ")):
                continue  # a member expression, not a secret
            if "(" in v or _CONCAT_EDGE_RE.match(v) or _CONCAT_EDGE_RE.match(v[::-1]) or (_IDENT_RE.fullmatch(v) and not any(c.isdigit() for c in v)):
                continue  # a call (`decryptString(getOption(...))`), a splice (`" + clientSecret + "`), a variable name
            if not v.startswith("p8e-"):
                if ims is None:
                    ims = _IMS_TOKEN_URL_RE.search(lowered(subject.whole_text)) is not None
                if not ims:
                    continue
            p = problem(start, end, v, "client-secret", msg)
            if p:
                yield p


RULES = (HardcodedCredentials, PasswordSessionToken, LegacyLogon, SessionTokenInUrl, JwtServiceAccount, PastedToken)


@hookimpl
def imslint_register_rules() -> Iterable[type]:
    """The credential and legacy-logon rules IMS101-IMS106."""
    return list(RULES)
