"""One step of data flow inside a file: constants assigned once, Postman variables, format slots, parameter defaults."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from .._flow import SLOT_RE, enclosing_function, format_argument, parameter_default
from .._patterns import (
    DYNAMIC,
    LITERAL,
    MISSING,
    PLACEHOLDER,
    Value,
    classify_literal,
    lazy_re,
    parse_literal,
)

_POSTMAN_VAR_RE = lazy_re(
    r'"key"\s*:\s*"(?P<k>[^"\\\n]{1,100})"'
    r'(?:\s*,\s*"(?!value")[^"\\\n]*"\s*:\s*(?:"(?:[^"\\\n]|\\.)*"|true|false|null|-?\d+))*'
    r'\s*,\s*"value"\s*:\s*"(?P<v>(?:[^"\\\n]|\\.)*)"'
)
_MUSTACHE_RE = lazy_re(r"^\{\{\s*([\w.\-]+)\s*\}\}$")
_BARE_NAME_RE = lazy_re(r"^(?:this\.|self\.|\$this->|@|\$)?([A-Za-z_]\w*)$")
_BARE_VALUE_RE = lazy_re(r"[^\s;&|#\"'`]+")


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


def _resolve(
    text: str, value: Value, lang: str, extra: Sequence[str], cache: Dict[str, Any], depth: int = 0
) -> Tuple[Value, str]:
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
            return (
                _resolve(text, arg, lang, extra, cache, depth + 1)
                if arg.kind in (PLACEHOLDER, DYNAMIC)
                else (value, "")
            )
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
