"""Text helpers of the credential rules: string literals, call arguments, placeholders, Campaign context.

Everything here works on plain text with offsets, for any language the readers
tag. The helpers are deliberately forgiving: they return ``None`` (or a
:data:`DYNAMIC` value) rather than guess when code does not look like what they
expect, because a credential rule must not invent a secret.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Optional, Tuple

# --------------------------------------------------------------------------- lazily compiled regexes


class LazyPattern:
    """A regex compiled on first use: importing the rules must not pay for patterns a run never needs.

    It behaves like the compiled pattern for the usual methods (each forwards to
    :meth:`compiled`) and for its attributes (``pattern``, ``flags``...).
    """

    __slots__ = ("_source", "_flags", "_rx")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._source = pattern
        self._flags = flags
        self._rx: "Optional[re.Pattern[str]]" = None

    def compiled(self) -> "re.Pattern[str]":
        """The compiled pattern (compiling it now if needed)."""
        rx = self._rx
        if rx is None:
            rx = self._rx = re.compile(self._source, self._flags)
        return rx

    def search(self, *args: Any) -> Any:
        return self.compiled().search(*args)

    def match(self, *args: Any) -> Any:
        return self.compiled().match(*args)

    def fullmatch(self, *args: Any) -> Any:
        return self.compiled().fullmatch(*args)

    def finditer(self, *args: Any) -> Any:
        return self.compiled().finditer(*args)

    def findall(self, *args: Any) -> Any:
        return self.compiled().findall(*args)

    def sub(self, *args: Any) -> Any:
        return self.compiled().sub(*args)

    def subn(self, *args: Any) -> Any:
        return self.compiled().subn(*args)

    def split(self, *args: Any) -> Any:
        return self.compiled().split(*args)

    def __getattr__(self, name: str) -> Any:
        # the compiled pattern's other attributes (pattern, flags, groups, groupindex)
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.compiled(), name)


def lazy_re(pattern: str, flags: int = 0) -> Any:
    """A :class:`LazyPattern` for ``pattern`` (typed ``Any`` so that call sites read like ``re.Pattern`` ones)."""
    return LazyPattern(pattern, flags)


# --------------------------------------------------------------------------- value kinds

LITERAL = "literal"  # a hard-coded, real-looking value
EMPTY = "empty"  # "", null, an empty element
PLACEHOLDER = "placeholder"  # %s, {{var}}, ${VAR}, $1, PASSWORD_HERE, <password>, xxx...
DYNAMIC = "dynamic"  # an expression: variable, call, concatenation, interpolation
ENCRYPTED = "encrypted"  # an encrypted Campaign value (@ + base64), ENC(...), {cipher}...
MISSING = "missing"  # no such argument


@dataclass(frozen=True)
class Value:
    """What a credential position holds: its kind, its text, and where that text is.

    ``text`` is the literal's content for literal-like kinds and the source
    expression for :data:`DYNAMIC`; ``start``/``end`` are offsets of that text
    in the subject (``-1`` when unknown).
    """

    kind: str
    text: str = ""
    start: int = -1
    end: int = -1


MISSING_VALUE = Value(MISSING)


@dataclass(frozen=True)
class Literal:
    """A string literal found in source: content, content span, end of the literal, interpolation."""

    value: str
    start: int
    end: int
    close: int
    interpolated: bool


# --------------------------------------------------------------------------- placeholders

# Markers of a template or an interpolation anywhere in a value.
_TEMPLATE_MARKER_RE = lazy_re(r"\{\{|\}\}|\$\{|\$\(|#\{|<%|%>|%\(\w+\)[sdr]|%[sd](?![A-Za-z0-9])|%\d+\$[sd]|@@\w+@@")

_WHOLE_PLACEHOLDER_RE = lazy_re(
    r"""^(?:
        \$[A-Za-z_][\w.]*            # $VAR, $pw, $cfg.pw
      | \$\d+                        # $1
      | \$[A-Za-z_][\w.]*\$           # $user$ (a template engine's variable)
      | (?:var|local|data|module|each|path|terraform)\.[\w.\-\[\]"']+  # a Terraform reference
      | %[A-Za-z_]\w*%               # %VAR%
      | \{[\w.\-\s]*\}               # {} {0} {name} {session_token}
      | <[^<>]+>                     # <password> <IMS_Technical_Token>
      | \[[\w .\-]+\]                # [PASSWORD]
      | __[A-Za-z][A-Za-z0-9_]*__    # __PASSWORD__
      | [xX*\u2022.#?_\-]{3,}        # xxx *** ... ---
      | \u2026                        # a typographic ellipsis
    )$""",
    re.X,
)

_PLACEHOLDER_WORDS = frozenset(
    """
    password passwd pwd pass passphrase secret secrets login logon user username userid usr name
    changeme changeit replaceme replace todo tbd fixme dummy fake example sample placeholder
    redacted removed hidden masked none null nil undefined empty string str value token
    sessiontoken securitytoken accesstoken bearertoken clientsecret clientid secretkey apikey key
    credentials credential mysecret yoursecret notset unset default
    """.split()
)
_WORD_PREFIXES = ("your", "my", "the", "some", "enter", "insert", "put", "add", "set", "type", "new")
_WORD_SUFFIXES = ("here", "goeshere", "value")
_PLACEHOLDER_TAILS = ("password", "passwd", "pwd", "secret", "token", "login", "username")
_MACRO_RE = lazy_re(r"^[A-Z][A-Z0-9_]*$")
_MACRO_WORDS_RE = lazy_re(r"PASSWORD|PASSWD|PWD|PASS|SECRET|TOKEN|LOGIN|USER|KEY|HERE")
_NORMALIZE_RE = lazy_re(r"[\s_.\-]+")
_LETTERS_RE = lazy_re(r"[A-Za-z_]+")
_SEPARATED_WORDS_RE = lazy_re(r"[=:<\[(]*[A-Za-z]+(?:[ _\-][A-Za-z]+)+[>\])]*")


def _word_placeholder(norm: str) -> bool:
    if norm in _PLACEHOLDER_WORDS:
        return True
    for suffix in _WORD_SUFFIXES:
        if norm.endswith(suffix) and len(norm) > len(suffix) and _word_placeholder(norm[: -len(suffix)]):
            return True
    for prefix in _WORD_PREFIXES:
        if norm.startswith(prefix) and len(norm) > len(prefix) and _word_placeholder(norm[len(prefix) :]):
            return True
    return False


def is_placeholder(value: str, extra: Iterable[str] = ()) -> bool:
    """True when ``value`` stands for a credential rather than being one.

    Covers template syntax (``%s``, ``%1$s``, ``{{var}}``, ``${VAR}``, ``$VAR``,
    ``$1``, ``{name}``, ``#{x}``, ``<%= x %>``), angle/bracket names
    (``<password>``, ``<IMS_Technical_Token>``, ``[PASSWORD]``), masks (``xxx``,
    ``***``, ``...``), words that name the thing instead of holding it
    (``password``, ``PASSWORD_HERE``, ``your_password``, ``changeme``,
    ``dummy``...), upper-case macro names holding such a word (``ACC_PASSWORD``),
    lower-case letter-only names ending in one (``mcPassword``), and the values
    in ``extra`` (compared case-insensitively). ``changeme``/``changeit`` count as
    placeholders: they mark a value someone must replace, and a deployed
    ``changeme`` is a weak-password problem other tools report.
    """
    s = value.strip()
    if not s:
        return False
    if extra and s.lower() in {e.strip().lower() for e in extra}:
        return True
    if _TEMPLATE_MARKER_RE.search(s) or _WHOLE_PLACEHOLDER_RE.match(s):
        return True
    norm = _NORMALIZE_RE.sub("", s.lower())
    if not norm:
        return True
    if _word_placeholder(norm) or _word_placeholder(norm.strip("=:<>[](){}'\"`!?*#")):
        return True
    # `put password here`, `==ims_service_token_here`: words that tell the reader what to write
    if _SEPARATED_WORDS_RE.fullmatch(s) and norm.strip("=:<>[](){}").endswith(("here", "goeshere")):
        return True
    if _MACRO_RE.match(s) and _MACRO_WORDS_RE.search(s) and ("_" in s or len(s) > 4):
        return True
    # mcPassword, api_password: a name for the thing (a real password would not be letters only and camel-cased)
    if _LETTERS_RE.fullmatch(s) and norm.endswith(_PLACEHOLDER_TAILS):
        if "_" in s or any(c.isupper() for c in s[1:]):
            return True
    return False


_ENCRYPTED_RE = lazy_re(r"^@[A-Za-z0-9+/_\-]{16,}={0,2}$")


def is_encrypted(value: str) -> bool:
    """True for an encrypted value: Campaign's ``@`` + base64, ``ENC(...)`` (Jasypt), ``{cipher}...`` (Spring)."""
    s = value.strip()
    return bool(_ENCRYPTED_RE.match(s)) or s.startswith(("ENC(", "{cipher}", "vault:", "!vault"))


# Concatenation at the edge of a quoted piece: `" + pw + "`, `' . $pw . '`, `" & pw & "`.
_CONCAT_RE = lazy_re(r"""["'`]\s*(?:\+|\.(?![\w.])|&(?![\w#])|\|\|)|(?:\+|(?<![\w.])\.|(?<![\w;])&|\|\|)\s*["'`]""")


def classify_literal(content: str, extra: Iterable[str] = ()) -> str:
    """Kind of a quoted literal's content: :data:`EMPTY`, :data:`PLACEHOLDER`, :data:`ENCRYPTED` or :data:`LITERAL`."""
    if not content.strip():
        return EMPTY
    if is_placeholder(content, extra):
        return PLACEHOLDER
    if is_encrypted(content):
        return ENCRYPTED
    return LITERAL


def classify_content(content: str, extra: Iterable[str] = ()) -> str:
    """Kind of unquoted text (an XML element's content, a config value), which may hide a concatenation."""
    if not content.strip():
        return EMPTY
    if _CONCAT_RE.search(content):
        return DYNAMIC
    return classify_literal(content, extra)


_LEAD_OP_RE = lazy_re(r"^(?:\+|\.|&|\|\|)\s*")
_TRAIL_OP_RE = lazy_re(r"\s*(?:\+|\.|&|\|\|)$")


def concat_expression(content: str) -> str:
    """The expression spliced into a concatenated literal: ``" + cfg.pw + "`` gives ``cfg.pw``."""
    s = content.strip().strip("\"'`").strip()
    s = _LEAD_OP_RE.sub("", s)
    s = _TRAIL_OP_RE.sub("", s)
    return s.strip()[:60]


# --------------------------------------------------------------------------- string literals

_STR_START_RE = lazy_re(r"""(?P<prefix>[rRbBuUfF]{1,2}|\$@|@\$|@|\$)?(?P<q>\"\"\"|'''|"|'|`)""")
_INTERPOLATING = frozenset({"php", "shell", "ruby", "powershell", "perl"})
_MULTILINE_QUOTES = frozenset({"php", "shell", "ruby", "powershell", "perl", "yaml"})
_MAX_LITERAL = 8000


def parse_literal(text: str, pos: int, language: str = "") -> Optional[Literal]:
    """The string literal that starts exactly at ``pos`` (after an optional prefix such as ``f``, ``r``, ``@``, ``$``).

    Handles ``'``, ``"``, backticks, Python triple quotes, C# verbatim
    (``@"a""b"``) and interpolated (``$"..."``) strings. ``interpolated`` is
    True when the literal splices expressions (f-strings, ``$"{x}"``,
    ``` `${x}` ```, ``"$x"`` in PHP/shell/Ruby/PowerShell). Returns None when
    no literal starts at ``pos`` or it is not closed.
    """
    m = _STR_START_RE.match(text, pos)
    if not m:
        return None
    prefix = m.group("prefix") or ""
    q = m.group("q")
    verbatim = "@" in prefix
    triple = len(q) == 3
    multiline = triple or q == "`" or verbatim or language in _MULTILINE_QUOTES
    i = m.end()
    start = i
    n = min(len(text), i + _MAX_LITERAL)
    while i < n:
        c = text[i]
        if c == "\\" and not verbatim:
            i += 2
            continue
        if text.startswith(q, i):
            if verbatim and text.startswith(q + q, i):
                i += 2
                continue
            content = text[start:i]
            return Literal(content, start, i, i + len(q), _interpolated(content, prefix, q, language))
        if c == "\n" and not multiline:
            return None
        i += 1
    return None


_BRACE_RE = lazy_re(r"\{(?!\{)")
_DOLLAR_RE = lazy_re(r"\$[A-Za-z_{(]|#\{")


def _interpolated(content: str, prefix: str, q: str, language: str) -> bool:
    p = prefix.lower()
    if ("f" in p or "$" in p) and _BRACE_RE.search(content):
        return True
    if q == "`" and "${" in content:
        return True
    if q in ('"', '"""') and language in _INTERPOLATING and _DOLLAR_RE.search(content):
        return True
    return False


# --------------------------------------------------------------------------- call arguments

_OPENERS = "([{"
_CLOSERS = ")]}"
_HASH_COMMENTS = frozenset({"python", "ruby", "shell", "powershell", "yaml", "perl", "properties", "env"})
MAX_ARGS = 3000


def _skip_comment(text: str, i: int, language: str) -> int:
    """Index after a comment starting at ``i``, or ``i`` when none starts there."""
    if text.startswith("//", i) and language != "python":
        j = text.find("\n", i)
        return len(text) if j < 0 else j
    if text.startswith("/*", i):
        j = text.find("*/", i + 2)
        return len(text) if j < 0 else j + 2
    if text[i] == "#" and language in _HASH_COMMENTS:
        j = text.find("\n", i)
        return len(text) if j < 0 else j
    return i


def scan_list(
    text: str, start: int, language: str = "", stop_at_newline: bool = False
) -> Optional[Tuple[List[Tuple[int, int]], int]]:
    """Split a comma-separated list starting at ``start`` until its closing bracket.

    Returns the ``(start, end)`` span of each item and the index of the closer,
    or None when the list does not close within a few thousand characters.
    Strings and comments are skipped; nested brackets are balanced.
    """
    spans: List[Tuple[int, int]] = []
    depth = 0
    i = start
    item = start
    n = min(len(text), start + MAX_ARGS)
    while i < n:
        c = text[i]
        if c in "\"'`":
            lit = parse_literal(text, i, language)
            if lit is not None:
                i = lit.close
                continue
            i += 1
            continue
        if c in "/#":
            j = _skip_comment(text, i, language)
            if j != i:
                i = j
                continue
        if c in _OPENERS:
            depth += 1
        elif c in _CLOSERS:
            if depth == 0:
                spans.append((item, i))
                return spans, i
            depth -= 1
        elif c == "," and depth == 0:
            spans.append((item, i))
            item = i + 1
        elif c in ";\n" and depth == 0 and stop_at_newline:
            spans.append((item, i))
            return spans, i
        i += 1
    return None


def split_args(text: str, open_paren: int, language: str = "") -> Optional[Tuple[List[Tuple[int, int]], int]]:
    """Argument spans of the call whose ``(`` is at ``open_paren``, and the index of its ``)``.

    A call without arguments gives an empty list.
    """
    res = scan_list(text, open_paren + 1, language)
    if res is None:
        return None
    spans, close = res
    if len(spans) == 1 and not text[spans[0][0] : spans[0][1]].strip():
        spans = []
    return spans, close


def expression_end(text: str, start: int, language: str = "") -> int:
    """End of the expression starting at ``start`` (a key's value): the next top-level ``,``, ``;``, closer or newline."""
    res = scan_list(text, start, language, stop_at_newline=True)
    if res is None:
        j = text.find("\n", start)
        return len(text) if j < 0 else j
    spans, _ = res
    return spans[0][1]


def trim_span(text: str, start: int, end: int) -> Tuple[int, int]:
    """Span without surrounding whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_TRAILING_CONVERSION_RE = lazy_re(r"""(?:\s*\.\s*[A-Za-z_]\w*\s*\(\s*(?:["'][\w-]*["'])?\s*\))*\s*$""")
_NULLS = frozenset({"null", "None", "nil", "undefined", "NULL", "Nothing", "$null"})


def value_of(text: str, start: int, end: int, language: str = "", extra: Iterable[str] = ()) -> Value:
    """Classify the expression in ``text[start:end]``: one string literal (possibly ``.toCharArray()``-like), null, or an expression."""
    s, e = trim_span(text, start, end)
    if s >= e:
        return MISSING_VALUE
    lit = parse_literal(text, s, language)
    if lit is not None and (lit.close == e or _TRAILING_CONVERSION_RE.match(text, lit.close, e)):
        if lit.interpolated:
            return Value(DYNAMIC, text[s:e][:60], s, e)
        return Value(classify_literal(lit.value, extra), lit.value, lit.start, lit.end)
    expr = text[s:e]
    if expr in _NULLS:
        return Value(EMPTY, "", s, e)
    return Value(DYNAMIC, " ".join(expr.split())[:60], s, e)


# Typed parameter declarations: `String password`, `string pw`, `pw string` (Go), `pw: string` (TS, Kotlin).
_DECLARATION_RE = lazy_re(
    r"^\s*(?:(?:final|const|readonly|ref|out|in|params)\s+)?(?:[A-Za-z_][\w.]*(?:<[^<>()]*>)?(?:\[\])*[?*&]?\s+[A-Za-z_$][\w$]*"
    r"|[A-Za-z_$][\w$]*\s*\??\s*:\s*[A-Za-z_][\w.<>\[\]| ]*)\s*(?:=.*)?$",
    re.S,
)


def looks_like_declaration(arg: str) -> bool:
    """True when a call-looking argument is in fact a typed parameter declaration (a definition, not a call)."""
    a = arg.strip()
    if a.lower().startswith(("$env:", "$script:", "$global:", "$using:", "$private:", "$local:")):
        return False  # a PowerShell scope-qualified variable, not `name: Type`
    return bool(_DECLARATION_RE.match(arg)) and not a.startswith(("new ", "await ", "return ", "typeof "))


# --------------------------------------------------------------------------- context

# Literal needles searched in lower-case text with `in` (an alternation regex is ten times slower on big
# files); a needle mapped to a regex only counts where that regex matches at one of its occurrences.
_CONTEXT_NEEDLES: Tuple[Tuple[str, Optional["re.Pattern[str]"]], ...] = tuple(
    (n, None)
    for n in (
        "soaprouter.jsp",
        "schemawsdl.jsp",
        "urn:xtk:",
        "urn:nms:",
        "xtk:session",
        "xtk:querydef",
        "xtk:workflow",
        "xtk:javascript",
        "xtk:jssp",
        "xtk:operator",
        "xtk:persist",
        "nms:rtevent",
        "nms:batchevent",
        "nms:extaccount",
        "nms:recipient",
        "nms:delivery",
        "acc-js-sdk",
        ".campaign.adobe.com",
        "neolane.net",
    )
) + (
    ("pstrsessiontoken", None),
    ("pstrsecuritytoken", None),
    ("xtk:", lazy_re(r"xtk:[a-z]{3,}")),  # any Campaign toolkit schema: xtk:specFile, xtk:folder...
    ("connectionparameters", lazy_re(r"connectionparameters\s*\.\s*of\w+")),
    ("nlws", lazy_re(r"(?<![\w$])nlws\s*\.")),
    # the JavaScript API's session object (`xtk.session.Logon(...)`) is Campaign context by itself
    ("xtk.session", lazy_re(r"(?<![\w$])xtk\.session\s*\.")),
    ("loadlibrary", lazy_re(r"(?<![\w$])loadlibrary\s*\(")),
)


def _has_needle(low: str) -> bool:
    if _has_listed_needle(low):
        return True
    # the Logon parameters strLogin and strPassword together: Campaign's signature (a lone VB `strPassword` is not)
    return "strpassword" in low and "strlogin" in low


def _has_listed_needle(low: str) -> bool:
    for needle, check in _CONTEXT_NEEDLES:
        i = low.find(needle)
        if i < 0:
            continue
        if check is None:
            return True
        while i >= 0:
            if check.match(low, max(0, i - 1)) or check.match(low, i):
                return True
            i = low.find(needle, i + 1)
    return False


_CAMPAIGN_SUFFIXES = (".jssp", ".jst")
_context_cache: List[Any] = [None, False]
_lower_cache: List[Any] = [None, None, None, None]


def lowered(text: str) -> str:
    """``text.lower()`` when it keeps every offset (it does unless a few special characters such as U+0130
    change length), else ``text`` itself: offsets found in the result are offsets in ``text``.

    Search the result with lower-case, case-sensitive patterns; the last result is cached.
    """
    for i in (0, 2):
        if _lower_cache[i] is text:
            return _lower_cache[i + 1]
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    # two slots: an embedded script and the whole file it comes from are looked at in turn
    _lower_cache[2:4] = _lower_cache[0:2]
    _lower_cache[0:2] = [text, low]
    return low


def has_campaign_context(subject: Any) -> bool:
    """True when the subject belongs to Adobe Campaign code.

    An embedded Campaign script, a JSSP page, or a file whose whole text names a
    Campaign endpoint or API (``soaprouter.jsp``, ``urn:xtk:``, any ``xtk:<schema>``
    such as ``xtk:session`` or ``xtk:queryDef``, ``xtk.session.``, the Logon parameter
    names ``strLogin`` and ``strPassword`` together, ``nms:rtEvent``, ``schemawsdl.jsp``,
    acc-js-sdk's ``ConnectionParameters.of...``, ``NLWS.``, ``loadLibrary(``, the
    Logon response fields ``pstrSessionToken``/``pstrSecurityToken``,
    ``*.campaign.adobe.com``...). Generic call names such as ``logon(`` need it
    so that another product's logon (SAP, Siebel...) is left alone.
    """
    if getattr(subject, "embedded", False) or subject.language == "jssp":
        return True
    if subject.path.lower().endswith(_CAMPAIGN_SUFFIXES):
        return True
    text = subject.whole_text
    if _context_cache[0] is text:
        return bool(_context_cache[1])
    found = _has_needle(lowered(text))
    _context_cache[0] = text
    _context_cache[1] = found
    return found


# --------------------------------------------------------------------------- login/password tokens

_LOGIN_CHARS_RE = lazy_re(r"^[\w.@+\-]{1,128}$")
_SLASH_RE = lazy_re(r"/|%2[Ff]")
_QUOTED_SLASH_RE = lazy_re(r"""["'`][^"'`]*/[^"'`]*["'`]|["'`]/|/["'`]""")
_PATHLIKE_RE = lazy_re(r"[\w.\-/]+")


def split_user_password(content: str, offset: int, extra: Iterable[str] = ()) -> Optional[Tuple[Value, Value]]:
    """Split a ``login/password`` session token at ``offset`` into (login, password) values.

    Returns None when ``content`` is not of that shape (a real session token
    ``___<uuid>``, a security token ``@...``, a URL, a path, a concatenation
    that builds an ordinary token). A concatenation that splices a ``/`` gives
    a :data:`DYNAMIC` password. ``%2F`` counts as the slash (URL-encoded).
    """
    s, e = trim_span(content, 0, len(content))
    body = content[s:e]
    if not body:
        return None
    if _CONCAT_RE.search(body):
        if _QUOTED_SLASH_RE.search(body):
            return Value(DYNAMIC, "", offset + s, offset + e), Value(DYNAMIC, "", offset + s, offset + e)
        return None
    if body.startswith(("@", "___", "/", "http:", "https:")) or "://" in body:
        return None
    m = _SLASH_RE.search(body)
    if m is None or m.start() == 0:
        return None
    login, password = body[: m.start()], body[m.end() :]
    if is_placeholder(login, extra):
        login_value = Value(PLACEHOLDER, login, offset + s, offset + s + m.start())
    elif _LOGIN_CHARS_RE.match(login):
        login_value = Value(LITERAL, login, offset + s, offset + s + m.start())
    else:
        return None
    if "/" in password and login_value.kind == LITERAL and not is_placeholder(password, extra):
        # a path such as "static/js/app.js" is no token
        if _PATHLIKE_RE.fullmatch(password) and "." in password.rsplit("/", 1)[-1]:
            return None
    pw_start = offset + s + m.end()
    return login_value, Value(
        classify_content(password, extra) if password else EMPTY, password, pw_start, pw_start + len(password)
    )


# --------------------------------------------------------------------------- misc

_CAMEL_RE = lazy_re(r"(?<=[a-z0-9])(?=[A-Z])")
_KEY_SPLIT_RE = lazy_re(r"[._\-:\s/\[\]\"']+")
_segments_cache: Dict[str, List[str]] = {}


def key_segments(key: str) -> List[str]:
    """Lower-case words of a configuration key: ``adobeCampaign.soap_PWD`` gives ``[adobe, campaign, soap, pwd]``.

    Cached (configuration files repeat their keys): callers must not modify the list.
    """
    segs = _segments_cache.get(key)
    if segs is None:
        camel = _CAMEL_RE.sub("_", key) if not key.islower() else key
        segs = [p.lower() for p in _KEY_SPLIT_RE.split(camel) if p]
        if len(_segments_cache) >= 4096:
            _segments_cache.clear()
        _segments_cache[key] = segs
    return segs


def line_prefix(text: str, pos: int) -> str:
    """The text of the line holding ``pos``, up to ``pos``."""
    return text[text.rfind("\n", 0, pos) + 1 : pos]


_QUALIFIER_RE = lazy_re(r"((?:[A-Za-z_$][\w$]*[ \t]*(?:\.|->|::)[ \t]*)+)$")


def qualifier_before(text: str, pos: int) -> str:
    """The dotted qualifier written right before ``pos`` (``NL.ExecutionInstance.`` before ``logonRemote``)."""
    m = _QUALIFIER_RE.search(text[max(0, pos - 120) : pos])
    return "".join(m.group(1).split()) if m else ""
