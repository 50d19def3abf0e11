"""A generator of credential carriers: the same logon written in many languages, forms and argument sources.

The hand-written cases in ``fixtures/cases`` pin down one example of each shape;
this module combines the dimensions real code varies along, so that a rule that
only fits our examples fails here:

- carrier: the language or file kind (JavaScript, Python, Java, Kotlin, C#, PHP,
  Ruby, Go, PowerShell, shell, a Markdown runbook, a Campaign workflow);
- call form: a SOAP ``Logon`` body built as a string, a SOAP client's
  ``Logon(...)`` call, the JS API's ``xtk.session.Logon(...)``, zeep/suds keyword
  calls, a logon wrapper of the project's own, a ``login/password`` session token;
- argument source of the password: a literal, a constant assigned once, a format
  template (``String.format``, ``.format``, ``fmt.Sprintf``, ``-f``, string
  templates), a default parameter value, the environment, a placeholder;
- layout: arguments on one line or one per line; Campaign context in the file
  or not (forms that name Campaign by themselves need none).

Each generated :class:`Carrier` says which rule must fire on which line
(``expect``), or that none of IMS101/IMS102 may (``placeholder``), and the secret
that no output may show.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Tuple

LOGIN = "api_gen"


@dataclass
class Carrier:
    """One generated file and what the credential rules must say about it."""

    name: str
    path: str
    content: str
    rule: Optional[str]  # the rule that must fire, None when IMS101/IMS102 must stay quiet
    line: Optional[int]  # where it must fire (None: anywhere in the file)
    secret: str = ""
    quiet: Tuple[str, ...] = field(default=("IMS101", "IMS102"))  # rules that must not fire (when rule is None)


@dataclass(frozen=True)
class Lang:
    """How a language writes the few things a carrier needs."""

    name: str
    ext: str
    const: str  # assignment of a constant: {n} name, {v} quoted value
    env: str  # reading the password from the environment
    concat: str  # the concatenation operator
    ref: str  # how a variable named {n} is referenced in an expression
    call: str  # a SOAP client call: {args}
    quote: str = '"'
    comment: str = "//"
    template: Optional[str] = None  # a format template with the body: {fmt} with slot {slot}, then the arguments {arg}
    slot: str = "%s"
    default_fn: Optional[str] = None  # a function whose parameter {n} has default {v}; the body uses {ref}
    interp: Optional[str] = None  # a string template referencing variable {n}


LANGS: Tuple[Lang, ...] = (
    Lang(
        "js",
        "js",
        "var {n} = {v};",
        "process.env.ACC_PASSWORD",
        "+",
        "{n}",
        "svc.Logon({args});",
        template="var body = util.format({fmt}, {arg});",
        default_fn="function build(login, {n} = {v}) {{\n  return {body};\n}}",
        interp="`${{{n}}}`",
    ),
    Lang(
        "python",
        "py",
        "{n} = {v}",
        'os.environ["ACC_PASSWORD"]',
        "+",
        "{n}",
        "r = client.service.Logon({args})",
        comment="#",
        template="body = {fmt}.format({arg})",
        slot="{}",
        default_fn="def build(login, {n}={v}):\n    return {body}",
    ),
    Lang(
        "java",
        "java",
        "private static final String {n} = {v};",
        'System.getenv("ACC_PASSWORD")',
        "+",
        "{n}",
        "String r = stub.Logon({args});",
        template="String body = String.format({fmt}, {arg});",
    ),
    Lang(
        "kotlin",
        "kt",
        "val {n} = {v}",
        'System.getenv("ACC_PASSWORD")',
        "+",
        "{n}",
        "val r = stub.Logon({args})",
        template="val body = String.format({fmt}, {arg})",
        default_fn="fun build(login: String, {n}: String = {v}): String {{\n    return {body}\n}}",
        interp='"${n}"',
    ),
    Lang(
        "csharp",
        "cs",
        "const string {n} = {v};",
        'Environment.GetEnvironmentVariable("ACC_PASSWORD")',
        "+",
        "{n}",
        "var r = client.Logon({args});",
        template="var body = string.Format({fmt}, {arg});",
        slot="{{0}}",
    ),
    Lang(
        "php",
        "php",
        "${n} = {v};",
        "getenv('ACC_PASSWORD')",
        ".",
        "${n}",
        "$r = $client->Logon({args});",
        quote="'",
        template="$body = sprintf({fmt}, {arg});",
        default_fn="function build($login, ${n} = {v}) {{\n  return {body};\n}}",
    ),
    Lang(
        "ruby",
        "rb",
        "{n} = {v}",
        "ENV['ACC_PASSWORD']",
        "+",
        "{n}",
        "r = client.call(:logon, {args})",
        comment="#",
        template="body = format({fmt}, {arg})",
        interp='"#{{{n}}}"',
    ),
    Lang(
        "go",
        "go",
        "const {n} = {v}",
        'os.Getenv("ACC_PASSWORD")',
        "+",
        "{n}",
        "r, err := client.Logon({args})",
        template="body := fmt.Sprintf({fmt}, {arg})",
    ),
    Lang(
        "powershell",
        "ps1",
        "${n} = {v}",
        "$env:ACC_PASSWORD",
        "+",
        "${n}",
        "$r = $proxy.Logon({args})",
        comment="#",
        quote="'",
        template="$body = {fmt} -f {arg}",
        slot="{{0}}",
    ),
)

# the body of an xtk:session#Logon request, around the password
BODY_HEAD = (
    "<urn:Logon xmlns:urn='urn:xtk:session'><urn:sessiontoken/><urn:strLogin>"
    + LOGIN
    + "</urn:strLogin><urn:strPassword>"
)
BODY_TAIL = "</urn:strPassword><urn:elemParameters/></urn:Logon>"
CONTEXT = "https://acme-mkt.campaign.adobe.com/nl/jsp/soaprouter.jsp"

SOURCES = ("literal", "constant", "template", "default", "env", "placeholder")
PLACEHOLDERS = ("<password>", "${ACC_PASSWORD}", "changeme", "YOUR_PASSWORD_HERE", "{{password}}", "xxxxxxxx")


def _secret(rng: random.Random) -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(rng.choice(alphabet) for _ in range(9)) + rng.choice("!#%_-") + str(rng.randint(10, 99))


def _q(lang: Lang, value: str) -> str:
    return f"{lang.quote}{value}{lang.quote}"


def _line_of(content: str, needle: str) -> int:
    for i, line in enumerate(content.split("\n"), 1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in generated content")


def soap_body_carriers(rng: random.Random) -> Iterator[Carrier]:
    """A Logon body built in a string, in every language, from every argument source."""
    for lang, source in itertools.product(LANGS, SOURCES):
        secret = _secret(rng)
        head, tail = _q(lang, BODY_HEAD), _q(lang, BODY_TAIL)
        lines = [f"{lang.comment} posts to {CONTEXT}"] if rng.random() < 0.5 else []
        rule: Optional[str] = "IMS101"
        if source == "literal":
            lines.append(lang.const.format(n="BODY", v=_q(lang, BODY_HEAD + secret + BODY_TAIL)))
        elif source == "constant":
            lines.append(lang.const.format(n="PW", v=_q(lang, secret)))
            lines.append(
                lang.const.format(n="BODY", v=f"{head} {lang.concat} {lang.ref.format(n='PW')} {lang.concat} {tail}")
            )
        elif source == "template":
            if lang.template is None:
                continue
            lines.append(lang.const.format(n="PW", v=_q(lang, secret)))
            fmt = _q(lang, BODY_HEAD + lang.slot.replace("{{", "{").replace("}}", "}") + BODY_TAIL)
            lines.append(lang.template.format(fmt=fmt, arg=lang.ref.format(n="PW")))
        elif source == "default":
            if lang.default_fn is None:
                continue
            ref = lang.ref.format(n="pw")
            body = f"{head} {lang.concat} {ref} {lang.concat} {tail}"
            lines.extend(lang.default_fn.format(n="pw", v=_q(lang, secret), body=body).split("\n"))
        elif source == "env":
            rule, secret = "IMS103", ""
            lines.append(lang.const.format(n="BODY", v=f"{head} {lang.concat} {lang.env} {lang.concat} {tail}"))
        else:
            rule = None
            secret = ""
            lines.append(lang.const.format(n="BODY", v=_q(lang, BODY_HEAD + rng.choice(PLACEHOLDERS) + BODY_TAIL)))
        content = "\n".join(lines) + "\n"
        line = _line_of(content, secret) if secret else (_line_of(content, "strPassword") if rule else None)
        if rule == "IMS103":
            line = None  # reported at the body; where exactly depends on the form
        yield Carrier(f"soap-body/{lang.name}/{source}", f"src/carrier.{lang.ext}", content, rule, line, secret)


def client_call_carriers(rng: random.Random) -> Iterator[Carrier]:
    """A SOAP client's ``Logon(sessiontoken, login, password, parameters)``, with and without Campaign context."""
    for lang, source, context, layout in itertools.product(
        LANGS, ("literal", "constant", "env", "placeholder"), (True, False), ("one", "split")
    ):
        if lang.name == "ruby":
            continue  # savon calls take a message hash, covered by the key/value carriers
        secret = _secret(rng)
        lines = (
            [f"{lang.comment} client generated from {CONTEXT.replace('soaprouter', 'schemawsdl')}?schema=xtk:session"]
            if context
            else []
        )
        rule: Optional[str] = "IMS101" if context else None
        if source == "literal":
            pw = _q(lang, secret)
        elif source == "constant":
            lines.append(lang.const.format(n="PW", v=_q(lang, secret)))
            pw = lang.ref.format(n="PW")
        elif source == "env":
            pw = lang.env
            rule = "IMS103" if context else None
            secret = ""
        else:
            pw = _q(lang, rng.choice(PLACEHOLDERS))
            rule = None
            secret = ""
        args = [
            _q(lang, ""),
            _q(lang, LOGIN),
            pw,
            "null" if lang.name not in ("python", "go", "ruby") else "None" if lang.name == "python" else "nil",
        ]
        if layout == "one":
            lines.append(lang.call.format(args=", ".join(args)))
        else:
            first, *rest = lang.call.format(args="\x00").split("\x00")
            lines.append(first)
            lines.extend("    " + a + ("," if i < len(args) - 1 else "") for i, a in enumerate(args))
            lines.append(rest[0].lstrip())
        content = "\n".join(lines) + "\n"
        line = _line_of(content, secret) if secret and rule == "IMS101" else None
        quiet = ("IMS101", "IMS102") if rule is None and context else ("IMS101", "IMS102", "IMS103")
        yield Carrier(
            f"client-call/{lang.name}/{source}/{'context' if context else 'no-context'}/{layout}",
            f"src/client.{lang.ext}",
            content,
            rule,
            line,
            secret,
            quiet,
        )


def js_api_carriers(rng: random.Random) -> Iterator[Carrier]:
    """``xtk.session.Logon(login, password, <params/>)``: a script, a Markdown runbook, a workflow activity."""
    for carrier, source in itertools.product(
        ("js", "markdown-inline", "markdown-fenced", "workflow"), ("literal", "constant", "placeholder")
    ):
        secret = _secret(rng)
        pre = ""
        if source == "literal":
            pw = f'"{secret}"'
        elif source == "constant":
            pre = f'var PW = "{secret}";'
            pw = "PW"
        else:
            pw = f'"{rng.choice(PLACEHOLDERS)}"'
            secret = ""
        call = f'var r = xtk.session.Logon("{LOGIN}", {pw}, <params/>);'
        if carrier == "js":
            path, content = "lib/sync.js", "\n".join(x for x in (pre, call) if x) + "\n"
        elif carrier == "markdown-inline":
            if pre:
                continue
            path, content = "docs/runbook.md", f"# Runbook\n\nFirst log on: `{call}`\n"
        elif carrier == "markdown-fenced":
            path, content = (
                "docs/runbook.md",
                "# Runbook\n\n```js\n" + "\n".join(x for x in (pre, call) if x) + "\n```\n",
            )
        else:
            esc = (
                "\n".join(x for x in (pre, call) if x).replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            )
            path = "workflows/sync.xml"
            content = (
                '<package><entities schema="xtk:workflow"><workflow internalName="WKF1" label="sync">\n'
                f'<activities><js name="js1"><script>{esc}</script></js></activities>\n'
                "</workflow></entities></package>\n"
            )
        rule = "IMS101" if secret else None
        line = _line_of(content, secret) if secret else None
        yield Carrier(f"js-api/{carrier}/{source}", path, content, rule, line, secret)


def keyword_call_carriers(rng: random.Random) -> Iterator[Carrier]:
    """zeep/suds ``client.service.Logon(sessiontoken=..., strLogin=..., strPassword=...)`` in a module with no WSDL of its own."""
    for source, layout in itertools.product(("literal", "constant", "env", "placeholder"), ("one", "split")):
        secret = _secret(rng)
        lines = ["def connect(client):"]
        rule: Optional[str] = "IMS101"
        if source == "literal":
            pw = f'"{secret}"'
        elif source == "constant":
            lines.insert(0, f'PASSWORD = "{secret}"')
            pw = "PASSWORD"
        elif source == "env":
            pw = 'os.environ["ACC_PASSWORD"]'
            rule, secret = "IMS103", ""
        else:
            pw = f'"{rng.choice(PLACEHOLDERS)}"'
            rule, secret = None, ""
        args = ['sessiontoken=""', f'strLogin="{LOGIN}"', f"strPassword={pw}", "elemParameters=None"]
        if layout == "one":
            lines.append(f"    return client.service.Logon({', '.join(args)})")
        else:
            lines.append("    return client.service.Logon(")
            lines.extend(f"        {a}," for a in args)
            lines.append("    )")
        content = "\n".join(lines) + "\n"
        line = _line_of(content, secret) if secret else None
        yield Carrier(
            f"zeep/{source}/{layout}",
            "integration/session.py",
            content,
            rule,
            line,
            secret,
            ("IMS101", "IMS102") if rule is None else ("IMS101",),
        )


def token_carriers(rng: random.Random) -> Iterator[Carrier]:
    """``login/password`` session tokens: in a SOAP body, a documentation snippet, a constant spliced in."""
    for form, lang in itertools.product(("element", "doc-snippet", "constant"), ("js", "python", "java")):
        secret = _secret(rng)
        ext = {"js": "js", "python": "py", "java": "java"}[lang]
        if form == "element":
            content = f'{"#" if lang == "python" else "//"} {CONTEXT}\nbody = "<urn:ExecuteQuery><urn:sessiontoken>{LOGIN}/{secret}</urn:sessiontoken></urn:ExecuteQuery>"\n'
            path = f"src/query.{ext}"
        elif form == "doc-snippet":
            if lang != "js":
                continue
            content = (
                f"Send:\n\n```xml\n<ExecuteQuery><sessiontoken>{LOGIN}/{secret}</sessiontoken></ExecuteQuery>\n```\n"
            )
            path = "docs/query.md"
        else:
            decl = {
                "js": f'var TOKEN = "{LOGIN}/{secret}";',
                "python": f'TOKEN = "{LOGIN}/{secret}"',
                "java": f'static final String TOKEN = "{LOGIN}/{secret}";',
            }[lang]
            content = f'{decl}\nbody = "<urn:ExecuteQuery><urn:sessiontoken>" + TOKEN + "</urn:sessiontoken></urn:ExecuteQuery>"\npost("{CONTEXT}", body)\n'
            path = f"src/query.{ext}"
        yield Carrier(f"token/{form}/{lang}", path, content, "IMS102", _line_of(content, secret), secret)


def key_value_carriers(rng: random.Random) -> Iterator[Carrier]:
    """Configuration keys next to a Campaign endpoint, in every file kind that holds them."""
    forms = {
        "env": ("deploy/.env", "ACC_ENDPOINT={ep}\nACC_LOGIN={login}\nACC_PASSWORD={pw}\n"),
        "properties": (
            "conf/campaign.properties",
            "campaign.endpoint={ep}\ncampaign.user={login}\ncampaign.password={pw}\n",
        ),
        "properties-commented": (
            "conf/campaign.properties",
            "campaign.endpoint={ep}\ncampaign.user={login}\n#campaign.password={pw}\n",
        ),
        "yaml": ("conf/app.yml", 'campaign:\n  endpoint: {ep}\n  user: {login}\n  password: "{pw}"\n'),
        "k8s-env": (
            "k8s/deploy.yaml",
            'env:\n  - name: ACC_ENDPOINT\n    value: {ep}\n  - name: ACC_PASSWORD\n    value: "{pw}"\n',
        ),
        "terraform": (
            "infra/vars.tf",
            'variable "campaign_endpoint" {{\n  default = "{ep}"\n}}\nvariable "campaign_password" {{\n  type    = string\n  default = "{pw}"\n}}\n',
        ),
        "csv": ("ops/technical.csv", "login,password,endpoint\n{login},{pw},{ep}\n"),
        "json": (
            "conf/app.json",
            '{{\n  "Campaign": {{\n    "Endpoint": "{ep}",\n    "Login": "{login}",\n    "Password": "{pw}"\n  }}\n}}\n',
        ),
        "kotlin-pairs": ("src/Params.kt", 'val params = mapOf("strLogin" to "{login}", "strPassword" to "{pw}")\n'),
    }
    for (form, (path, tmpl)), source in itertools.product(forms.items(), ("literal", "placeholder", "reference")):
        secret = _secret(rng)
        if source == "literal":
            pw, rule = secret, "IMS101"
        elif source == "placeholder":
            pw, rule, secret = rng.choice(("changeme", "<password>", "YOUR_PASSWORD")), None, ""
        else:
            refs = {
                "terraform": "${var.pw}",
                "yaml": "{{ .Values.campaign.password }}",
                "k8s-env": "{{ vault_campaign_password }}",
            }
            pw, rule, secret = refs.get(form, "${ACC_PASSWORD}"), None, ""
        content = tmpl.format(ep=CONTEXT, login=LOGIN, pw=pw)
        line = _line_of(content, secret) if secret else None
        yield Carrier(f"key-value/{form}/{source}", path, content, rule, line, secret)


def wrapper_carriers(rng: random.Random) -> Iterator[Carrier]:
    """A project's own logon helper, called with literals in the file that defines it."""
    for lang in ("js", "python", "php"):
        secret = _secret(rng)
        if lang == "js":
            content = (
                "function cusLogon(login, pwd) {\n"
                f"  var body = '{BODY_HEAD.replace(LOGIN, chr(39) + ' + login + ' + chr(39))}' + pwd + '{BODY_TAIL}';\n"
                f'  return http.post("{CONTEXT}", body);\n'
                "}\n"
                f'var token = cusLogon("{LOGIN}", "{secret}");\n'
            )
            path = "lib/logon.js"
        elif lang == "python":
            content = (
                "def cus_logon(client, login, pwd):\n"
                '    return client.service.Logon(sessiontoken="", strLogin=login, strPassword=pwd, elemParameters=None)\n'
                "\n"
                f'token = cus_logon(client, "{LOGIN}", "{secret}")\n'
            )
            path = "integration/logon.py"
        else:
            content = (
                "<?php\n"
                "function cusLogon($login, $pwd) {\n"
                f"  $body = '{BODY_HEAD.replace(LOGIN, chr(39) + ' . $login . ' + chr(39))}' . $pwd . '{BODY_TAIL}';\n"
                "  return $body;\n"
                "}\n"
                f'$t = cusLogon("{LOGIN}", "{secret}");\n'
            )
            path = "src/logon.php"
        yield Carrier(f"wrapper/{lang}", path, content, "IMS101", _line_of(content, secret), secret)


def other_carriers(rng: random.Random) -> Iterator[Carrier]:
    """HTTP Basic authentication to Campaign, and scripts that set a native password."""
    import base64

    secret = _secret(rng)
    yield Carrier(
        "other/basic-curl", "scripts/push.sh", f"curl -u {LOGIN}:{secret} {CONTEXT} -d @body.xml\n", "IMS101", 1, secret
    )
    secret = _secret(rng)
    b64 = base64.b64encode(f"{LOGIN}:{secret}".encode()).decode()
    content = f'fetch("{CONTEXT}", {{headers: {{"Authorization": "Basic {b64}"}}}});\n'
    yield Carrier("other/basic-header", "lib/push.js", content, "IMS101", 1, secret)
    yield Carrier(
        "other/basic-curl-env", "scripts/push.sh", f'curl -u "$ACC_USER:$ACC_PW" {CONTEXT} -d @body.xml\n', "IMS103", 1
    )
    secret = _secret(rng)
    content = f'var op = NLWS.xtkOperator.load(12);\nop.password = xtk.session.HashPassword("{secret}");\n'
    yield Carrier("other/set-password", "setup/reset.js", content, "IMS101", 2, secret)


def token_url_carriers(rng: random.Random) -> Iterator[Carrier]:
    """IMS104 (a session token in a URL), IMS105 (the JWT exchange) and IMS106 (pasted tokens, client secrets)
    in every carrier that sends HTTP requests, each with its passing twin."""
    wsdl = "https://acme-mkt.campaign.adobe.com/nl/jsp/schemawsdl.jsp?schema=nms:rtEvent"
    ims = "https://ims-na1.adobelogin.com/ims"
    langs = {
        "js": (
            "lib/call.js",
            'const url = "{u}";\nconst r = await fetch(url, {{method: "POST", body: form}});\n',
            '"{u}" + {v}',
        ),
        "python": ("jobs/call.py", 'url = "{u}"\nr = requests.post(url, data=form)\n', '"{u}" + {v}'),
        "java": ("src/Call.java", 'String url = "{u}";\nHttpResponse r = client.post(url, form);\n', '"{u}" + {v}'),
        "shell": ("scripts/call.sh", 'curl -X POST "{u}" -d @form.txt\n', '"{u}${v}"'),
        "yaml": ("deploy/job.yaml", "job:\n  url: {u}\n", "{u}{{{{ {v} }}}}"),
    }
    for lang, (path, tmpl, splice) in langs.items():
        var = {"shell": "{TOKEN}", "yaml": ".Values.token"}.get(lang, "token")
        # IMS104: a session token (not a login/password) spliced into a URL
        url = splice.format(u=wsdl + "&__sessiontoken=", v=var)
        content = tmpl.replace('"{u}"', url).replace("{u}", url)
        yield Carrier(
            f"url-token/{lang}/spliced", path, content, "IMS104", _line_of(content, "__sessiontoken"), "", ("IMS104",)
        )
        content = tmpl.format(u=wsdl)
        yield Carrier(f"url-token/{lang}/header-instead", path, content, None, None, "", ("IMS104", "IMS102"))
        # IMS102 rather than IMS104: the URL carries login/password
        secret = _secret(rng)
        content = tmpl.format(u=f"{wsdl}&__sessiontoken={LOGIN}/{secret}")
        yield Carrier(f"url-token/{lang}/login-password", path, content, "IMS102", _line_of(content, secret), secret)
        # IMS105: the JWT exchange endpoint; its OAuth twin passes
        content = tmpl.format(u=ims + "/exchange/jwt/")
        yield Carrier(
            f"jwt/{lang}/exchange", path, content, "IMS105", _line_of(content, "exchange/jwt"), "", ("IMS105",)
        )
        content = tmpl.format(u=ims + "/token/v3")
        yield Carrier(f"jwt/{lang}/oauth", path, content, None, None, "", ("IMS105",))
    secret_forms = {
        "js": (
            "lib/ims.js",
            'const form = "grant_type=client_credentials&client_id=abc&client_secret={s}";\nfetch("'
            + ims
            + '/token/v3", {{method: "POST", body: form}});\n',
        ),
        "python": (
            "jobs/ims.py",
            'r = requests.post("' + ims + '/token/v3", data={{"client_id": "abc", "client_secret": "{s}"}})\n',
        ),
        "shell": ("scripts/ims.sh", "curl -d client_id=abc -d client_secret={s} " + ims + "/token/v3\n"),
        "env": ("deploy/.env", "IMS_TOKEN_URL=" + ims + "/token/v3\nIMS_CLIENT_ID=abc\nIMS_CLIENT_SECRET={s}\n"),
        "json": (
            "conf/ims.json",
            '{{\n  "tokenUrl": "' + ims + '/token/v3",\n  "clientId": "abc",\n  "clientSecret": "{s}"\n}}\n',
        ),
    }
    for kind, (path, tmpl) in secret_forms.items():
        secret = "p8e-" + "".join(
            rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(28)
        )
        content = tmpl.format(s=secret)
        yield Carrier(f"client-secret/{kind}/literal", path, content, "IMS106", _line_of(content, secret), secret)
        ref = {"shell": "$IMS_CLIENT_SECRET", "env": "${IMS_CLIENT_SECRET}", "json": "{{clientSecret}}"}.get(
            kind, "<client secret>"
        )
        content = tmpl.format(s=ref)
        yield Carrier(f"client-secret/{kind}/reference", path, content, None, None, "", ("IMS106",))


GENERATORS = (
    soap_body_carriers,
    client_call_carriers,
    js_api_carriers,
    keyword_call_carriers,
    token_carriers,
    key_value_carriers,
    wrapper_carriers,
    other_carriers,
    token_url_carriers,
)


def carriers(seed: int = 20261203) -> List[Carrier]:
    """Every generated carrier, reproducibly (the seed only varies the secrets and placeholders)."""
    rng = random.Random(seed)
    out: List[Carrier] = []
    for gen in GENERATORS:
        out.extend(gen(rng))
    return out


def as_files(c: Carrier) -> Dict[str, str]:
    """The files of a carrier, for :func:`imslint.testing.run_case`."""
    return {c.path: c.content}
