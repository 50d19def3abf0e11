"""IMS101 (hard-coded credentials, with its cross-file step), IMS102 (password session tokens), IMS103 (legacy logons)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from imslint.model import Fact, Problem, Related, Severity, SourceText
from imslint.rule import Rule

from .._flow import calls_of
from .._patterns import (
    DYNAMIC,
    EMPTY,
    ENCRYPTED,
    LITERAL,
    MISSING,
    MISSING_VALUE,
    PLACEHOLDER,
    Value,
    has_campaign_context,
    looks_like_declaration,
    lowered,
    value_of,
)
from .analysis import analysis_for, analyze
from .fixes import sdk_user_fix, session_token_fix, zeep_logon_fix
from .gates import gates
from .messages import (
    _extra,
    _is_doc,
    _line,
    _login_fact,
    _login_key,
    _names_campaign_endpoint,
    _shown,
    _who,
)
from .model import (
    LONELY_LOGON,
    LONELY_SDK,
    MIGRATE,
    WRAPPER,
    Analysis,
    LogonSite,
)
from .resolve import _resolve


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

    Also: a Logon SOAP call built parameter by parameter
    (``prepareSoapCall("xtk:session", "Logon")`` then ``writeString("password",
    ...)``), and PHP/Ruby options arrays holding a login, a password and an
    endpoint (``'password' => '...'``).

    Across files: a logon helper defined in one file (a function whose password
    parameter reaches a Logon) is reported where another file calls it with
    literals; a SOAP client's ``Logon("login", "pw", ...)`` in a file that
    does not name Campaign is reported when another file of the scan does (a
    WSDL, the code that builds the client); and an acc-js-sdk 0.x ``new
    Client(url, "login", "pw")`` required by a relative path when a file of
    the scan names acc-js-sdk (its ``package.json``). Only the files that name
    a helper or hold such a call are read a second time.

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
    precision = "high"
    security_severity = "9.0"
    defaults = {"include-docs": True, "extra-placeholders": []}
    keywords = (b"logon", b"pass", b"pwd", b"basic", b"curl", b"acc-js-sdk", b".campaign.adobe.com", b"new client(")

    finish_from_facts = True  # the cross-file step works from facts: per-file results stay cacheable

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """Report each logon site whose password is a literal; publish the facts of the cross-file step."""
        a = analysis_for(subject, options, self.context.memo(subject), "logons", include_docs=True)
        if a is None:
            return
        for (name, li, pi), at in zip(a.wrappers, a.wrapper_at):
            yield Fact(WRAPPER, f"{name}\t{'' if li is None else li}\t{pi}", subject.location(at))
        if a.lonely:
            yield Fact(LONELY_LOGON, "", subject.location(a.lonely[0]))
        if a.lonely_sdk:
            yield Fact(LONELY_SDK, "", subject.location(0))
        yield from self._sites(subject, a, a.logons)

    def _sites(
        self, subject: SourceText, a: Analysis, sites: Sequence[LogonSite], related_def: Optional[Related] = None
    ) -> Iterator[Any]:
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
                fix=sdk_user_fix(subject, site.start, site.end) or zeep_logon_fix(subject, site.start, site.end),
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
            if len(name) >= 4 and (name in wrappers or len(wrappers) < 50):  # a short name is a needle in every file
                wrappers.setdefault(name, []).append((int(li) if li else None, int(pi), f.location))
        if not ctx.can_read_again:
            return
        lonely = {f.location.path for f in ctx.facts(LONELY_LOGON)}
        if lonely and not self._repository_names(
            [b"xtk:session", b"soaprouter.jsp", b"schemawsdl.jsp"], _names_campaign_endpoint
        ):
            lonely = set()
        sdk = {f.location.path for f in ctx.facts(LONELY_SDK)}
        if sdk and not self._repository_names([b"acc-js-sdk"], lambda s: "acc-js-sdk" in lowered(s.text)):
            sdk = set()
        if not (wrappers or lonely or sdk):
            return
        extra = _extra(options)
        needles = (
            [n.lower().encode() for n in wrappers] + ([b"logon"] if lonely else []) + ([b"new client("] if sdk else [])
        )
        for subject in ctx.read_again("source", needles):
            if not isinstance(subject, SourceText) or (_is_doc(subject) and not options.get("include-docs", True)):
                continue
            if subject.path in lonely and not has_campaign_context(subject):
                forced = replace(subject, embedded=True, _line_starts=None)
                a = analyze(forced, extra)
                sites = [s for s in a.logons if s.how.startswith("xtk:session#Logon")]
                yield from (p for p in self._sites(forced, a, sites) if isinstance(p, Problem))
            if subject.path in sdk:
                # the repository is acc-js-sdk's (or vendors it): its 0.x client, required by a relative path
                forced = replace(subject, embedded=True, context=subject.text + "\n// acc-js-sdk", _line_starts=None)
                a = analyze(forced, extra)
                sites = [s for s in a.logons if s.how.startswith("acc-js-sdk")]
                yield from (p for p in self._sites(forced, a, sites) if isinstance(p, Problem))
            low = lowered(subject.text)
            for name, defs in wrappers.items():
                if name.lower() not in low:
                    continue
                for li, pi, where in defs:
                    if where.path == subject.path:
                        continue  # the file that defines it: check() reported its calls
                    yield from self._wrapper_calls(subject, name, li, pi, where, extra)

    def _repository_names(self, needles: List[bytes], counts: Any) -> bool:
        """True when a file of the scan that is not documentation holds one of ``needles`` and ``counts`` it: a
        WSDL or the code that builds a client names Campaign's session service, a package.json names acc-js-sdk.
        Asked only when some file holds a lonely call, so that the other runs pay nothing: the files holding a
        needle are read again until one counts."""
        for subject in self.context.read_again("source", needles):
            if isinstance(subject, SourceText) and not _is_doc(subject) and counts(subject):
                return True
        return False

    def _wrapper_calls(
        self, subject: SourceText, name: str, li: Optional[int], pi: int, where: Any, extra: Sequence[str]
    ) -> Iterator[Problem]:
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
            sites.append(
                LogonSite(f"`{name}()`, the logon helper of {where.path}:{where.line}", cs, ce, login, pw, via=via)
            )
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
    precision = "high"
    security_severity = "8.5"
    defaults = {"include-docs": True, "extra-placeholders": []}
    keywords = (b"sessiontoken",)

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:
        """Report each login/password session token with a literal or empty password."""
        a = analysis_for(subject, options, self.context.memo(subject), "tokens", include_docs=True)
        if a is None:
            return
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
                    fix=session_token_fix(subject, tok.login.start, tok.login.end + 1),
                )
            else:
                who = _who(tok.login, pw.text, capital=False, passwords=a.passwords)
                yield Problem(
                    subject.location(pw.start, pw.end),
                    f"session token of the form login/password carries the password of {who} ({tok.how}{via}); "
                    f"rotate it and {MIGRATE}, with an empty <sessiontoken>",
                    secret=pw.text,
                    key=f"session-token:{_login_key(tok.login, pw.text)}",
                    fix=session_token_fix(subject, tok.login.start, pw.end) if tok.login.kind == LITERAL else None,
                )
            fact = _login_fact(subject, tok.login, (tok.start, tok.end))
            if fact is not None:
                yield fact


class LegacyLogon(Rule):
    """An integration logs on to Campaign with a login and a password

    Reports native logons whose credentials are not literals (variables,
    environment, ``decryptString(getOption(...))``...): ``xtk:session#Logon``
    calls, SOAP bodies and calls built parameter by parameter, ``logonWithUser(login, pw)``,
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
    precision = "high"
    defaults = {"include-docs": False, "extra-placeholders": []}
    keywords = (b"logon", b"soapmethodcall", b"sessiontoken", b"pass", b"pwd", b"basic", b"curl", b"acc-js-sdk")

    def check(self, subject: SourceText, options: Mapping[str, Any]) -> Iterator[Any]:  # noqa: C901
        """Report non-literal logons, legacy calls, and anchors of files without credentials; publish logins."""
        if _is_doc(subject) and not options.get("include-docs", False):
            return
        g = gates(subject, self.context.memo(subject))
        if not (g.logons or g.anchors or g.tokens or g.soap_method_call):
            return  # a URL token alone is IMS104's
        a = analyze(subject, _extra(options), self.context.memo(subject))
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
                    fix=sdk_user_fix(subject, site.start, site.end) or zeep_logon_fix(subject, site.start, site.end),
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
                msg = (
                    f"server-side {mark.text} opens a native Campaign session (Adobe upgrade check PU-0003); {MIGRATE}"
                )
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
