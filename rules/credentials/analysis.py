"""The entry point of the shared analysis (:func:`analyze`) and the same-file logon helpers (wrappers)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, Dict, Mapping, Optional, Sequence

from imslint.model import SourceText

from .._flow import calls_of, enclosing_function
from .._patterns import (
    DYNAMIC,
    EMPTY,
    LITERAL,
    PLACEHOLDER,
    has_campaign_context,
    lazy_re,
    line_prefix,
    lowered,
    value_of,
)
from .code_scanners import (
    _ANCHOR_RE,
    _OWN_SOAPMETHODCALL_RE,
    _SOAPMETHODCALL_RE,
    _WSDL_RE,
    _scan_calls,
    _scan_credential_keys,
    _scan_logon_elements,
    _scan_other,
    _scan_password_elements,
    _scan_tokens,
    scan_built_calls,
    scan_settings,
)
from .config_scanner import _scan_config
from .gates import gates
from .messages import _extra, _is_doc
from .model import Analysis, LogonSite, Mark, Spans
from .resolve import _resolve, _var_name

# ----------------------------------------------------------------------- entry point


def analysis_for(
    subject: SourceText, options: Mapping[str, Any], memo: Dict[Any, Any], gate: str, include_docs: bool
) -> Optional[Analysis]:
    """The subject's analysis for a rule that has work on it, else None.

    None for a documentation file when the rule's ``include-docs`` option (default
    ``include_docs``) is off, and when the cheap ``gate`` of :func:`gates` (``logons``,
    ``tokens``, ``url_tokens``...) says the file holds nothing for the rule.
    """
    if _is_doc(subject) and not options.get("include-docs", include_docs):
        return None
    if not getattr(gates(subject, memo), gate):
        return None
    return analyze(subject, _extra(options), memo)


def analyze(subject: SourceText, extra: Sequence[str] = (), memo: Optional[Dict[Any, Any]] = None) -> Analysis:
    """Find every logon site, session token, anchor and legacy call in ``subject``.

    With ``memo`` (the subject's :meth:`RunContext.memo`), the analysis is made
    once for every rule that asks with the same ``extra`` placeholders.
    """
    key = tuple(extra)
    if memo is None:
        return _analyze(subject, key, None)
    slot = ("credentials.analysis", key)
    a = memo.get(slot)
    if a is None:
        a = memo[slot] = _analyze(subject, key, memo)
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
        return not any(
            m.start() < pos < m.end() for m in _HTML_SCRIPT_RE.finditer(text, max(0, pos - 200000), pos + 200000)
        )
    return False


def _analyze(subject: SourceText, extra: Sequence[str], memo: Optional[Dict[Any, Any]]) -> Analysis:  # noqa: C901
    text = subject.text
    lang = subject.language
    g = gates(subject, memo)
    if not g.anything:
        return Analysis(context=False)
    # the context check reads the whole file: only pay for it when a site may need it
    needed = g.calls or g.logon_elements or g.password_params or g.tokens or g.soap_method_call or g.other or g.settings
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
        scan_built_calls(subject, a, extra, covered)
    if g.config:
        _scan_config(subject, a, extra)
    if g.other and a.context:
        _scan_other(subject, a, extra, covered)
    if g.other and lang == "js" and "new client(" in lowered(text) and "acc-js-sdk" not in lowered(subject.whole_text):
        a.lonely_sdk = (
            True  # `new Client(url, login, pw)` in a file that does not name the SDK: the cross-file step decides
        )
    if g.settings and a.context:
        scan_settings(subject, a, extra, covered)
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
    for site in list(a.logons)[:50]:  # bounded: each site looks back for the function around it
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
