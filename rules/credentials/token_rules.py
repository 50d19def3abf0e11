"""IMS104 (session tokens in URLs), IMS105 (JWT service accounts), IMS106 (pasted tokens and client secrets)."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from imslint.hookspecs import hookimpl
from imslint.model import Problem, Severity, SourceText, secret_hash
from imslint.rule import Rule
from imslint.rules import documented

from .._patterns import (
    LITERAL,
    classify_literal,
    has_campaign_context,
    is_encrypted,
    is_placeholder,
    lazy_re,
    lowered,
    parse_literal,
)
from .analysis import analysis_for
from .code_scanners import _MEMBER_EXPR_RE, key_uses
from .fixes import jwt_exchange_fix
from .logon_rules import HardcodedCredentials, LegacyLogon, PasswordSessionToken
from .messages import _extra, _is_doc, _line
from .model import MIGRATE
from .resolve import _POSTMAN_VAR_RE


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
    precision = "high"
    security_severity = "5.0"
    defaults = {"include-docs": False, "extra-placeholders": []}
    keywords = (b"__sessiontoken=",)

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """Report each URL that carries ``__sessiontoken=`` and is not IMS102's."""
        a = analysis_for(subject, options, self.context.memo(subject), "url_tokens", include_docs=False)
        if a is None:
            return
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
    precision = "high"
    defaults = {"include-docs": False}
    keywords = (
        b"exchange/jwt",
        b"ent_campaign_sdk",
        b"setims",
        b"authimstaprivatekey",
    )  # setims: -setimsauth, -setimsjwtauth

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
                fix=jwt_exchange_fix(subject, m.start(), m.end()) if m.group("exchange") else None,
            )


_SESSION_UUID_RE = lazy_re(  # preceded by neither a word character nor "-" (checked by hand: faster)
    r"___(?P<tok>[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})(?![\w\-])"
)
_SECURITY_NAME_RE = lazy_re(r"security[_\-]?token")  # searched in lower-case text
_SECURITY_VALUE_RE = lazy_re(
    r"(?:\s[^<>\n]{0,120}?(?=>|&gt;))?(?:[\s\"'\]\):=,>]|&quot;|&gt;){1,10}(?P<tok>@[A-Za-z0-9+/_\-]{40,}={0,2})(?![A-Za-z0-9+/=_\-])"
)
_JWT_LITERAL_RE = lazy_re(r"(?P<tok>eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{16,})(?![\w\-.])")
_JWT_CONTEXT_RE = lazy_re(r"(?i)bearer|token|authorization|jwt")
_JWT_IO_SAMPLE = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"  # the jwt.io example's signature
_IMS_CONTEXT_RE = lazy_re(
    r"adobelogin\.com|ims/token/v\d|adobe\.io\b|\bims[_\-]?(?:token|org|client)"
)  # lower-case text
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
    tags = ("security", "credentials", "ims-migration")
    precision = "high"
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

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:  # noqa: C901
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
                f"pasted Campaign security token (the `@...` value sent as `X-Security-Token` with a session): remove it, "
                f"log the session out, and {MIGRATE}",
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
                    wide = (
                        has_campaign_context(subject) or _IMS_CONTEXT_RE.search(lowered(subject.whole_text)) is not None
                    )
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

    def _client_secrets(self, subject: SourceText, extra: Sequence[str], problem: Any) -> Iterator[Problem]:  # noqa: C901
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
            bare_ok = (
                lang in ("env", "properties", "yaml", "shell", "text", "markdown")
                or before in "?&\"'"
                or (
                    op == "="
                    and before in " \t"
                    and lang not in ("python", "js", "java", "csharp", "php", "ruby", "go")
                )
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
            if (
                "(" in v
                or _CONCAT_EDGE_RE.match(v)
                or _CONCAT_EDGE_RE.match(v[::-1])
                or (_IDENT_RE.fullmatch(v) and not any(c.isdigit() for c in v))
            ):
                continue  # a call (`decryptString(getOption(...))`), a splice (`" + clientSecret + "`), a variable name
            if not v.startswith("p8e-"):
                if ims is None:
                    ims = _IMS_TOKEN_URL_RE.search(lowered(subject.whole_text)) is not None
                if not ims:
                    continue
            p = problem(start, end, v, "client-secret", msg)
            if p:
                yield p


RULES = documented(
    HardcodedCredentials, PasswordSessionToken, LegacyLogon, SessionTokenInUrl, JwtServiceAccount, PastedToken
)


@hookimpl
def imslint_register_rules() -> Iterable[type]:
    """The credential and legacy-logon rules IMS101-IMS106."""
    return list(RULES)
