"""Cheap necessary conditions of each scanner, tested on the lower-case text before any scanner runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Optional, Tuple

from imslint.model import SourceText

from .._patterns import lazy_re, lowered
from .code_scanners import _any_at, _other_gate, settings_gate

# ----------------------------------------------------------------------- configuration files

_CONFIG_LANGUAGES = frozenset({"env", "properties", "yaml", "json", "text", "shell", "csv"})
_CAMPAIGN_SEGMENTS = frozenset({"acc", "campaign", "neolane", "adobecampaign", "accampaign"})
_PW_SEGMENTS = frozenset({"password", "passwd", "pwd", "pass", "passphrase", "strpassword"})
_LOGIN_SEGMENTS = frozenset({"user", "login", "username", "usr", "userid", "strlogin", "account", "operator"})
_ENDPOINT_SEGMENTS = frozenset(
    {"url", "endpoint", "host", "server", "instance", "uri", "baseurl", "soaprouter", "wsdl"}
)
_ENDPOINT_NEEDLES = ("soaprouter.jsp", ".campaign.adobe.com", "neolane.net", "/nl/jsp/")
_ENDPOINT_VALUE_RE = lazy_re(r"soaprouter\.jsp|\.campaign\.adobe\.com|\bneolane\.net|/nl/jsp/")  # lower-case text


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
_PW_KEY_RE = lazy_re(
    r"(?:pass(?:word|wd|phrase)?|pwd)(?:[._\-:\s/\[\]\"']*[=:]|[\"']?[ \t]*\n[ \t]*value[ \t]*:|\"[ \t]*\{)"
)
_POSTMAN_PW_RE = lazy_re(r'"key"\s*:\s*"[^"\\\n]*(?:pass|pwd)')
_ACC_WORD_RE = lazy_re(
    r"acc(?:[_.\-]|pass|pwd|user|login|url|endpoint|host)"
)  # preceded by no word character (checked by hand: faster)


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
    settings: bool = False  # a password key of an object or an array, in code

    @property
    def logons(self) -> bool:
        """A logon site with a password (IMS101) may exist."""
        return (
            self.calls
            or self.logon_elements
            or self.password_params
            or self.config
            or self.other
            or self.settings
            or self.anchors
        )

    @property
    def anything(self) -> bool:
        """Some scanner may find something."""
        return self.logons or self.anchors or self.tokens or self.url_tokens or self.soap_method_call


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


def _config_gate(language: str, low: str, path: str = "") -> bool:
    """The necessary condition of :func:`_scan_config`: a configuration file naming Campaign, with a password key."""
    if language not in _CONFIG_LANGUAGES:
        return False
    if language == "csv" and any(w in path.lower() for w in ("campaign", "neolane", "operator")):
        pass  # a table of credentials whose path names Campaign (ops/campaign-operators.csv)
    elif not (
        "campaign" in low
        or "neolane" in low
        or any(n in low for n in _ENDPOINT_NEEDLES)
        or any(
            m.start() == 0 or not (low[m.start() - 1].isalnum() or low[m.start() - 1] == "_")
            for m in _ACC_WORD_RE.finditer(low)
        )
    ):
        return False
    if language == "csv":
        header = low[: low.find("\n")] if "\n" in low else low
        return "pass" in header or "pwd" in header
    if _PW_KEY_RE.search(low):
        return True
    return language == "json" and '"key"' in low and _POSTMAN_PW_RE.search(low) is not None


def gates(subject: SourceText, memo: Optional[Dict[Any, Any]] = None) -> Gates:
    """The :class:`Gates` of ``subject``, kept in ``memo`` (the subject's :meth:`RunContext.memo`) when given."""
    if memo is not None:
        g = memo.get(_MEMO_KEY)
        if g is None:
            g = memo[_MEMO_KEY] = _gates(subject)
        return g
    return _gates(subject)


_MEMO_KEY = ("credentials.gates",)


def _gates(subject: SourceText) -> Gates:
    low = lowered(subject.text)
    has_logon = "logon" in low
    calls, elements, anchors = _logon_gates(low) if has_logon else (False, False, False)
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
        config=_config_gate(subject.language, low, subject.path),
        other=_other_gate(low, subject.language),
        settings=settings_gate(low, subject.language),
    )
    return g
