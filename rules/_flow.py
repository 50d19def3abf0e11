"""One step of data flow for the credential rules: format templates and function parameters.

A password rarely sits in the Logon body itself: it is a ``%s`` of a
``String.format`` call, a ``{}`` of Python's ``str.format``, a parameter of the
function that builds the body (with a default value, or called with literals
elsewhere in the file). These helpers follow exactly one such step, on plain
text with offsets, and give up (``None``) rather than guess.
"""

from __future__ import annotations

import re
from typing import Iterator, List, Optional, Sequence, Tuple

from ._patterns import MAX_ARGS, Value, lazy_re, line_prefix, parse_literal, scan_list, split_args, value_of

# A slot of a format string: `%s`, `%1$s`, `%(name)s`, `{}`, `{0}`, `{name}`.
SLOT_RE = lazy_re(r"%(?:(?P<pos>\d+)\$)?[sdv]|%\((?P<pname>\w+)\)s|\{(?P<idx>\d*)\}|\{(?P<name>[A-Za-z_]\w*)\}")
# Calls whose first argument is a format string.
_FORMAT_CALL_RE = lazy_re(
    r"(?:\b(?:String|string)\s*\.\s*[Ff]ormat|\bfmt\s*\.\s*[SF]printf|\b[sS]printf|\bMessageFormat\s*\.\s*format"
    r"|\bformat)\s*\("
)
# After a literal: `.format(`, `.formatted(`, ` % (` / ` % name`, `-f` (PowerShell).
_FORMAT_AFTER_RE = lazy_re(r"""\s*(?:\)\s*)?(?:\.\s*(?:format|formatted)\s*(?P<paren>\()|%\s*(?P<tuple>\()?|-f\s+)""")
_WINDOW = 4000


def _slot_index(fmt: str, pos: int) -> Tuple[Optional[int], Optional[str]]:
    """(positional index, name) of the slot at ``pos`` of ``fmt`` (the text of the format string's argument)."""
    k = 0
    for m in SLOT_RE.finditer(fmt):
        if m.start() > pos:
            break
        if fmt[max(0, m.start() - 1) : m.start()] == "%" and m.group(0).startswith("%"):
            continue  # `%%s` is a literal percent sign followed by s
        if m.start() == pos:
            if m.group("pos"):
                return int(m.group("pos")) - 1, None
            if m.group("idx"):
                return int(m.group("idx")), None
            name = m.group("pname") or m.group("name")
            if name:
                return None, name
            return k, None
        k += 1
    return None, None


def _argument(
    text: str,
    spans: Sequence[Tuple[int, int]],
    index: Optional[int],
    name: Optional[str],
    lang: str,
    extra: Sequence[str],
) -> Optional[Value]:
    if name is not None:
        for s, e in spans:
            m = re.match(r"\s*" + re.escape(name) + r"\s*=(?!=)", text[s:e])
            if m:
                return value_of(text, s + m.end(), e, lang, extra)
        return None
    if index is None or index < 0 or index >= len(spans):
        return None
    s, e = spans[index]
    return value_of(text, s, e, lang, extra)


def format_argument(text: str, slot: int, lang: str, extra: Sequence[str] = ()) -> Optional[Value]:
    """The argument that fills the format slot at ``slot`` (``%s``, ``{}``...), or None when no format call is found.

    Recognised: ``String.format(fmt, a, b)``, ``string.Format``, ``fmt.Sprintf``,
    ``sprintf``, ``MessageFormat.format`` (the slot in the first argument), and
    after the format literal ``.format(a, b)``/``.format(pw=x)``, ``.formatted(a, b)``,
    ``% (a, b)``/``% a`` and PowerShell's ``-f a, b``.
    """
    lo = max(0, slot - _WINDOW)
    heads = list(_FORMAT_CALL_RE.finditer(text, lo, slot))
    for head in reversed(heads[-8:]):
        res = split_args(text, head.end() - 1, lang)
        if res is None:
            continue
        spans, _close = res
        if not spans or not (spans[0][0] <= slot < spans[0][1]):
            continue
        index, name = _slot_index(text[spans[0][0] : spans[0][1]], slot - spans[0][0])
        return _argument(text, spans[1:], None if index is None else index, name, lang, extra)
    # the format string is a literal (or concatenated literals) followed by .format( / % / -f
    lit_end = _literal_end_after(text, slot, lang)
    if lit_end is None:
        return None
    m = _FORMAT_AFTER_RE.match(text, lit_end)
    if m is None:
        return None
    fmt_start = _statement_start(text, slot)
    index, name = _slot_index(text[fmt_start:lit_end], slot - fmt_start)
    if m.group("paren") or m.group("tuple"):
        res = split_args(text, m.end() - 1, lang)
        if res is None:
            return None
        return _argument(text, res[0], index, name, lang, extra)
    # `% name` or `-f a, b`: up to the end of the line
    end = text.find("\n", m.end())
    end = len(text) if end < 0 else end
    parts: List[Tuple[int, int]] = []
    s = m.end()
    for piece in re.finditer(r"[^,]+", text[m.end() : end]):
        parts.append((s + piece.start(), s + piece.end()))
    return _argument(text, parts, index, name, lang, extra)


def _statement_start(text: str, pos: int) -> int:
    """Start of the statement holding ``pos``: after the last `;`, `{`, `}` or blank line, at most a window back."""
    lo = max(0, pos - _WINDOW)
    best = lo
    for ch in (";", "{", "}", "\n\n", "=", "("):
        i = text.rfind(ch, lo, pos)
        if ch in ("{", "}"):
            # a `{` of a slot (`{0}`) is not a block
            while i >= 0 and SLOT_RE.match(text, i):
                i = text.rfind(ch, lo, i)
        if i + 1 > best:
            best = i + 1
    return best


def _literal_end_after(text: str, pos: int, lang: str) -> Optional[int]:
    """End (after its closing quote) of the literal holding ``pos``, or None."""
    line_start = text.rfind("\n", 0, pos) + 1
    for i in range(pos - 1, max(line_start, pos - _WINDOW) - 1, -1):
        if text[i] in "\"'`":
            lit = parse_literal(text, i, lang)
            if lit is not None and lit.start <= pos < lit.close:
                # concatenated pieces: the last one of the expression
                j = lit.close
                while True:
                    m = re.match(r"""\s*(?:\+|\.(?!\s*format)|&|\\)?\s*(?=["'`])""", text[j : j + 200])
                    if not m or not m.group(0).strip():
                        break
                    nxt = parse_literal(text, j + m.end(), lang)
                    if nxt is None:
                        break
                    j = nxt.close
                return j
    return None


# --------------------------------------------------------------------------- function parameters

_DEF_RE = lazy_re(
    r"(?:\b(?:function|def|func|fun|sub)\s+(?P<a>[A-Za-z_$][\w$]*)"
    r"|(?P<b>[A-Za-z_$][\w$]*)\s*[:=]\s*(?:async\s+)?function"
    r"|\b(?:const|let|var|val)\s+(?P<c>[A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?=\()"
    r"|\b(?:public|private|protected|internal|static|final|override|async)\s+(?:[\w<>\[\],.?]+\s+)*(?P<d>[A-Za-z_]\w*)\s*(?=\())"
    r"\s*\("
)
_PARAM_NAME_RE = lazy_re(
    r"\s*(?:(?:final|const|readonly|ref|in|out|val|var)\s+)?"  # modifiers
    r"(?:[\w.<>\[\]?]+\s+)?\$?([A-Za-z_]\w*)"  # a type before the name (Java, C#), the name
    r"\s*(?::\s*[\w.<>\[\]?| ]+)?\s*(?:=\s*(?P<default>.*))?$",  # a type after it (TS, Kotlin), a default
    re.S,
)


class FunctionDef:
    """A function definition: its name, the parameter names in order, their spans, and its body's span."""

    __slots__ = ("name", "params", "spans", "start", "body_start", "body_end")

    def __init__(
        self, name: str, params: List[str], spans: List[Tuple[int, int]], start: int, body_start: int, body_end: int
    ) -> None:
        self.name = name
        self.params = params
        self.spans = spans
        self.start = start
        self.body_start = body_start
        self.body_end = body_end


def enclosing_function(text: str, pos: int, lang: str) -> Optional[FunctionDef]:
    """The nearest function definition before ``pos`` whose body (braces, or indentation in Python) holds ``pos``."""
    lo = max(0, pos - 20000)
    heads = list(_DEF_RE.finditer(text, lo, pos))
    for head in reversed(heads[-20:]):
        name = head.group("a") or head.group("b") or head.group("c") or head.group("d")
        if name in ("if", "for", "while", "switch", "catch", "return", "function"):
            continue
        res = split_args(text, head.end() - 1, lang)
        if res is None:
            continue
        spans, close = res
        params: List[str] = []
        for s, e in spans:
            pm = _PARAM_NAME_RE.match(text, s, e)
            params.append(pm.group(1) if pm else "")
        body_end = _body_end(text, close + 1, lang)
        if body_end is None or not (close < pos < body_end):
            continue
        return FunctionDef(name, params, list(spans), head.start(), close + 1, body_end)
    return None


def _body_end(text: str, after: int, lang: str) -> Optional[int]:
    """End of the body that starts after a parameter list's ``)``: its matching ``}``, or the dedent in Python."""
    if lang == "python":
        colon = text.find(":", after, after + 200)
        if colon < 0:
            return None
        line_start = text.rfind("\n", 0, after) + 1
        indent = len(text[line_start:after]) - len(text[line_start:after].lstrip())
        i = text.find("\n", colon)
        while i >= 0:
            j = text.find("\n", i + 1)
            line = text[i + 1 : j if j >= 0 else len(text)]
            if line.strip() and len(line) - len(line.lstrip()) <= indent:
                return i
            if j < 0:
                return len(text)
            i = j
        return len(text)
    brace = text.find("{", after, after + 300)
    if brace < 0:
        arrow = text.find("=>", after, after + 20)
        if arrow < 0:
            return None
        j = text.find("\n", arrow)
        return len(text) if j < 0 else j
    res = scan_list(text, brace + 1, lang)  # balanced: strings and comments skipped
    if res is not None:
        return res[1]
    return min(len(text), brace + MAX_ARGS)  # a body longer than the scan window: its first part


def parameter_default(text: str, fn: FunctionDef, index: int, lang: str, extra: Sequence[str]) -> Optional[Value]:
    """The default value of parameter ``index`` of ``fn`` (``password: String = "..."``), or None."""
    s, e = fn.spans[index]
    pm = _PARAM_NAME_RE.match(text, s, e)
    if not pm or pm.group("default") is None:
        return None
    return value_of(text, pm.start("default"), e, lang, extra)


def calls_of(
    text: str, name: str, lang: str, skip: Tuple[int, int]
) -> Iterator[Tuple[int, int, List[Tuple[int, int]]]]:
    """Every call ``name(...)`` in ``text`` outside the span ``skip`` (the definition): (start, end, argument spans)."""
    for m in re.finditer(r"(?<![\w$])" + re.escape(name) + r"\s*\(", text):
        if skip[0] <= m.start() < skip[1]:
            continue
        if re.search(r"\b(?:function|def|func|fun|sub)\s+$", line_prefix(text, m.start())):
            continue
        res = split_args(text, m.end() - 1, lang)
        if res is None:
            continue
        spans, close = res
        yield m.start(), close + 1, spans
