"""The scanners of code: logon calls, SOAP bodies and parameters, session tokens, HTTP Basic, password setters, acc-js-sdk."""

from __future__ import annotations

import bisect
import re
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from imslint.model import SourceText

from .._patterns import (
    DYNAMIC,
    EMPTY,
    LITERAL,
    MAX_ARGS,
    MISSING_VALUE,
    PLACEHOLDER,
    Value,
    classify_content,
    classify_literal,
    concat_expression,
    expression_end,
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
from .model import (
    DOC_LANGUAGES,
    Analysis,
    LogonSite,
    Mark,
    Spans,
    TokenSite,
)
from .resolve import _resolve

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
_KEY_OP_RE = lazy_re(
    r"[ \t]*(?:\][ \t]*=(?![=>~])|:(?![:=])|=>|=(?![=>~])|,|(?<=[ \t])to(?=[ \t]))[ \t]*"
)  # `["key"] =`, Kotlin `"key" to` too
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

_QUAL_SPLIT_RE = lazy_re(r"\.|->|::")
_TRAILING_COMMENT_RE = lazy_re(r"\s+[#;]")
_YAML_PARENT_RE = lazy_re(r"""(["']?)([^:"'#]+)\1\s*:\s*(?:[|>][-+]?\s*)?(?:#.*)?$""")
_JSON_PARENT_RE = lazy_re(r'"([^"\\\n]{1,80})"\s*:\s*$')
_MEMBER_EXPR_RE = lazy_re(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+(?:\(\))?")

_LOGIN_NAMES = frozenset({"strlogin", "login", "user", "username", "userlogin"})
_PASSWORD_NAMES = frozenset({"strpassword", "password", "pwd", "pass", "passwd"})
_FUNCTION_ARG_RE = lazy_re(r"^\s*(?:function\b|async\b|lambda\b|\(?[\w$,\s]*\)?\s*=>|[\w$]+\s*=>)")

# --------------------------------------------------------------------------- the analysis


def _site_how(qual: str, name: str) -> str:
    parts = [p for p in _QUAL_SPLIT_RE.split(qual) if p]
    shown = ".".join(parts[-2:] + [name])
    return f"`{shown}()`"


def _word_start(text: str, i: int) -> int:
    while i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_$"):
        i -= 1
    return i


def _word_end(text: str, i: int) -> int:
    n = len(text)
    while i < n and (text[i].isalnum() or text[i] in "_$"):
        i += 1
    return i


def _scan_calls(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:  # noqa: C901
    text = subject.text
    lang = subject.language
    last_end = -1
    budget = _CALL_SCAN_BUDGET  # characters split_args may walk in one subject: bounds pathological files
    for hit in _CALL_NAME_RE.finditer(lowered(text)):
        ns, ne = hit.start(), hit.end()
        if ns < last_end:
            continue
        ns, ne = _word_start(text, ns), _word_end(text, ne)
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


def _credential_positions(
    kind: str, name: str, text: str, spans: List[Tuple[int, int]], lang: str, extra: Sequence[str]
) -> Any:
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
        a.logons.append(
            LogonSite("xtk:session#Logon (strPassword element)", m.start(), m.end(), login, password, at=at)
        )


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
        a.logons.append(
            LogonSite("xtk:session#Logon (strPassword parameter)", start, max(pos, v.end), login, v, at=pos)
        )


def _scan_tokens(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:  # noqa: C901
    text = subject.text
    lang = subject.language
    # without Campaign context in the file, a <sessiontoken> element counts in documentation (snippets
    # declare no namespace) or inside a Campaign SOAP method (<ExecuteQuery>, <PushEvent>...)
    for m in _ST_EL_RE.finditer(text):
        if not (
            a.context or lang in DOC_LANGUAGES or _CAMPAIGN_METHOD_RE.search(text, max(0, m.start() - 400), m.start())
        ):
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
_BASIC_AT_RE = lazy_re(
    r"basic(?:[ \t]+(?:(?=[a-z]*[0-9+/=])[a-z0-9+/]{8,}=*(?![\w+/])|[\"'`][ \t]*[+.&]|\$\{|\+)|[ _]?auth\w*[ \t]*\()"
)
_BASIC_B64_RE = lazy_re(r"(?i:basic)[ \t]+(?P<v>[A-Za-z0-9+/]{6,}={0,2})(?![\w+/=])")
_BASIC_SPLICE_RE = lazy_re(r"""(?i:basic)[ \t]+(?:["'`][ \t]*(?:\+|\.|&)|\$\{|[ \t]*\+)""")
_CURL_USER_RE = lazy_re(r"""(?:^|[ \t])(?:-u|--user)(?:[ \t]+|=)(?P<q>["']?)(?P<v>[^\s"']+?)(?P=q)(?=\s|$)""", re.M)
_SDK_CTOR_RE = lazy_re(r"new\s+(?P<c>(?:[A-Za-z_$][\w$]*\.)?Client)\s*\(")


# Each needle is a pass over the text, and this gate sees most files that mention a password: the needles are
# looked for only in the languages their constructs are written in (bench_code.py: 5 passes cost 12 % of a scan).
_CURL_LANGUAGES = frozenset({"shell", "powershell", "markdown", "yaml", "text", "env", "properties", "json"})
_SDK_LANGUAGES = frozenset({"js", "markdown", "xml", "text", "json"})
_SETTER_LANGUAGES = frozenset(
    {"js", "jssp"}
)  # Campaign's own JavaScript (the scripts of XML packages are "js" subjects)
_SETTER_NEEDLE_RE = lazy_re(r"(?:password|pwd)[ \t]*\(")  # one pass for both words: faster than two `in` here


def _other_gate(low: str, language: str) -> bool:
    """The necessary condition of :func:`_scan_other`."""
    if "basic" in low and "auth" in low and _any_at(low, "basic", _BASIC_AT_RE):
        return True  # `Authorization: Basic ...`, `HTTPBasicAuth(`: both say "auth"
    if language in _CURL_LANGUAGES and "curl" in low and ("-u" in low or "--user" in low):
        return True
    if language in _SDK_LANGUAGES and ("acc-js-sdk" in low or (".init(" in low and ".campaign.adobe.com" in low)):
        return True  # acc-js-sdk 0.x, named, or `sdk.init("https://acme.campaign.adobe.com", ...)` in a doc page
    if language == "js" and "new client(" in low:
        return True  # a 0.x client required by a relative path (the SDK's own code): see the cross-file step
    return (
        language in _SETTER_LANGUAGES and _SETTER_NEEDLE_RE.search(low) is not None and bool(_password_setters(low, 1))
    )


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


# Connection settings in code: an options array holding a password next to a login and an endpoint
# (`['base_uri' => ..., 'login' => 'joe', 'password' => '...']`, Ruby `{ :url => ..., :user => ..., :password => ... }`).
# Only the `=>` arrays and hashes of PHP and Ruby (a client's options array): JavaScript objects and Python dicts
# with a user, a password and a URL are everywhere in integration code (bench_code.py's tree: 1,400 files; the
# analysis they would need cost 10 % of the scan), and most are other services' settings.
_CODE_LANGUAGES = frozenset({"php", "ruby"})
_SETTING_PW_AT_RE = lazy_re(r"pass(?:word|wd)?[\"']?[ \t]*=>")  # lower-case text
_SETTING_KEY_RE = lazy_re(r"""\s*(?:["']([A-Za-z_][\w.\-]*)["']|:?([A-Za-z_]\w*))\s*=>\s*""")
_SETTING_LOGINS = frozenset({"login", "user", "username", "userlogin", "strlogin", "account"})
_SETTING_ENDPOINTS = frozenset(
    {
        "url",
        "uri",
        "endpoint",
        "host",
        "base_uri",
        "baseuri",
        "baseurl",
        "base_url",
        "server",
        "wsdl",
        "location",
        "instance",
    }
)


def settings_gate(low: str, language: str) -> bool:
    """The necessary condition of :func:`scan_settings`: a password key of a PHP or Ruby options array, with a
    login key and an endpoint key around it (most password keys have neither: this spares them the analysis)."""
    if language not in _CODE_LANGUAGES or "pass" not in low:
        return False
    return any(_settings_near(low, i) for i in _occurrences(low, "pass", 100) if _SETTING_PW_AT_RE.match(low, i))


def _settings_near(low: str, i: int) -> bool:
    """A login key and an endpoint key around the password key at ``i``."""
    window = low[max(0, i - 400) : i + 400]
    return ("login" in window or "user" in window) and any(e in window for e in _ENDPOINT_WORDS)


_ENDPOINT_WORDS = ("url", "uri", "endpoint", "host", "server", "wsdl", "location", "instance")


def scan_settings(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:
    """Connection settings written in code, in a file that names Campaign: the password of a PHP or Ruby options
    array that also holds a login and an endpoint."""
    text, lang = subject.text, subject.language
    low = lowered(text)
    for i in _occurrences(low, "pass", 100):
        if not _SETTING_PW_AT_RE.match(low, i) or i in covered or not _settings_near(low, i):
            continue
        opener = _enclosing_opener(text, i)
        if opener is None:
            continue
        res = scan_list(text, opener + 1, lang)
        if res is None or len(res[0]) > 30:
            continue
        keys: Dict[str, Value] = {}
        pw_at = -1
        for s, e in res[0]:
            km = _SETTING_KEY_RE.match(text, s, e)
            if not km:
                continue
            key = (km.group(1) or km.group(2)).lower()
            v = value_of(text, km.end(), e, lang, extra)
            keys.setdefault(key, v)
            if key.startswith("pass") and s <= i < e:
                pw_at = s
        pw = keys.get("password") or keys.get("passwd") or keys.get("pass")
        login = next((keys[k] for k in _SETTING_LOGINS if k in keys), None)
        if pw is None or login is None or pw_at < 0 or not _SETTING_ENDPOINTS.intersection(keys):
            continue
        covered.add((opener, res[1] + 1))
        # settings, like a configuration file: a literal password is IMS101's; otherwise the login is only a fact
        a.logons.append(
            LogonSite(
                "connection settings (a login, a password and an endpoint)", pw.start, pw.end, login, pw, config=True
            )
        )


def _enclosing_opener(text: str, pos: int) -> Optional[int]:
    """The ``{``, ``[`` or ``(`` whose list holds ``pos`` (a few hundred characters back at most), or None.

    The nearest opener before ``pos``, when no closer or ``;`` stands between: an entry after a nested
    value (`'schemas' => array(...)`, then `'password' => ...`) is given up, the price of not walking back.
    """
    lo = max(0, pos - 600)
    j = max(text.rfind("{", lo, pos), text.rfind("[", lo, pos), text.rfind("(", lo, pos))
    if j < 0 or any(text.find(c, j, pos) >= 0 for c in ")]};"):
        return None
    return j


# A Logon call built by a SOAP client library: `prepareSoapCall("xtk:session", "Logon")` (any call naming the
# service and the method as strings), then the parameters written one by one: `writeString("password", pw)`.
_BUILT_CALL_RE = lazy_re(r"""["']xtk:session["']\s*,[^;(){}\n]{0,120}?["']Logon["']""")
_BUILT_PARAM_RE = lazy_re(r"""\(\s*["'](?P<k>login|password)["']\s*,""")


def scan_built_calls(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:
    """A Logon SOAP call built parameter by parameter: a site whose login and password are the values written
    as ``login`` and ``password`` within the next lines (a library's own logon, or code that uses its call API)."""
    text, lang = subject.text, subject.language
    if "xtk:session" not in text:
        return
    for m in _BUILT_CALL_RE.finditer(text):
        if m.start() in covered or _DEF_BEFORE_RE.search(line_prefix(text, m.start())):
            continue
        values: Dict[str, Value] = {}
        for p in _BUILT_PARAM_RE.finditer(text, m.end(), m.end() + 1500):
            res = scan_list(text, p.start() + 1, lang)
            if res is None or len(res[0]) != 2:
                continue
            values.setdefault(p.group("k"), value_of(text, res[0][1][0], res[0][1][1], lang, extra))
        if "password" not in values:
            continue
        covered.add((m.start(), m.end()))
        pw = values["password"]
        a.logons.append(
            LogonSite(
                "xtk:session#Logon (a SOAP call built parameter by parameter)",
                m.start(),
                m.end(),
                values.get("login", MISSING_VALUE),
                pw,
                at=m.start(),
            )
        )


def _scan_other(subject: SourceText, a: Analysis, extra: Sequence[str], covered: "Spans") -> None:  # noqa: C901
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
    if lang in _CURL_LANGUAGES and ("-u" in low or "--user" in low):
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
                    a.logons.append(
                        LogonSite("HTTP Basic authentication (`curl -u`)", m.start("v"), m.end("v"), pair[0], pair[1])
                    )
    for i in sorted(set(_password_setters(low))) if lang in _SETTER_LANGUAGES else ():
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
    named = "acc-js-sdk" in low or "acc-js-sdk" in lowered(subject.whole_text)
    if lang in _SDK_LANGUAGES and (named or ".campaign.adobe.com" in low):
        calls = [(i + 1, i + 5) for i in _occurrences(low, ".init") if not low[i + 5 : i + 6].isalnum()]
        calls += [
            (m.start(), m.end() - 1)
            for i in _occurrences(low, "client")
            for m in [_SDK_CTOR_RE.match(text, max(0, text.rfind("new", max(0, i - 60), i)))]
            if m
        ]
        for ns, ne in calls:
            res = _call_site(text, lang, ns, ne) if text[ns:ne] == "init" else split_args(text, ne, lang)
            if res is None or len(res[0]) < 3:
                continue
            spans, close = res
            if any(c in text[spans[1][0] : spans[2][1]] for c in "({["):
                continue  # 1.x: new Client(sdk, ConnectionParameters.of...(...), {options}): the parameters' rule reports it
            if not named and ".campaign.adobe.com" not in low[spans[0][0] : spans[0][1]]:
                continue  # without the SDK named, the instance URL in the first argument says whose client it is
            login = value_of(text, spans[1][0], spans[1][1], lang, extra)
            pw = value_of(text, spans[2][0], spans[2][1], lang, extra)
            shown = f"{qualifier_before(text, ns)}init()" if text[ns:ne] == "init" else text[ns:ne].strip() + "()"
            a.logons.append(LogonSite(f"acc-js-sdk 0.x `{shown}`", ns, close + 1, login, pw))


def _any_at(low: str, needle: str, rx: Any) -> bool:
    """True when ``rx`` matches at one of the occurrences of ``needle`` in ``low``."""
    i = low.find(needle)
    while i >= 0:
        if rx.match(low, i):
            return True
        i = low.find(needle, i + 1)
    return False
