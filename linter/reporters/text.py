"""Human output: one clickable line per finding, then a summary."""

from __future__ import annotations

import re
from typing import Any, Mapping

from ..model import RunResult
from ..own_output import text_lines

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


# C0 and C1 control characters (a terminal obeys them: a label may hold ESC sequences or a line break that
# forges a finding line) and lone surrogates (the undecodable bytes of a file name, kept by surrogateescape).
# Also the Unicode line and paragraph separators (line breaks to many tools) and the bidirectional
# controls, which can make a line read differently from what it holds ("Trojan Source").
_UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(m: "re.Match[str]") -> str:
    c = m.group()
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:
        return f"\\x{code - 0xDC00:02x}"  # the byte a file name held
    return _ESCAPES.get(c) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def safe(text: str) -> str:
    """``text`` with control characters and undecodable bytes shown as escapes (``\\n``, ``\\x1b``, ``\\xff``)."""
    return _UNSAFE_RE.sub(_escape_char, text) if _UNSAFE_RE.search(text) else text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class TextReporter:
    """``path:line:col: severity IMSnnn message [rule-name]``; colour only when asked (a TTY).

    With ``verbose``, one ``path: skipped: reason`` line per file or folder left out.
    """

    format = "text"

    # imslint's own text reports found in a scanned tree are left out (see imslint.own_output)
    output_label = "text report"
    output_first_bytes = None  # any first byte no other output claims

    def sniff_output(self, head: bytes, tail: Any) -> bool:
        """True when ``head`` starts with a finding line and ``tail()`` ends with the summary line."""
        return bool(_OWN_TEXT_RE.match(head)) and bool(_OWN_TEXT_TAIL_RE.search(tail()))

    def confirm_output(self, data: bytes, path: str) -> bool:
        """True when every line of ``data`` is a line of a text report (and the file is named as text)."""
        lines = text_lines(data, path)
        if not lines:
            return False
        return bool(_TEXT_SUMMARY_RE.fullmatch(lines[-1])) and all(
            any(r.fullmatch(line) for r in _TEXT_LINE_RES) for line in lines[:-1]
        )

    def secret_checked_part(self, data: bytes) -> bytes:
        """All of it: a report holds no secret."""
        return data

    def render(self, result: RunResult, options: Mapping[str, Any]) -> str:
        """Render findings, errors and the summary line."""
        color = bool(options.get("color"))
        quiet = bool(options.get("quiet"))
        source = options.get("source")  # --show-source: finding -> redacted source line, or None
        lines = []

        def paint(text: str, code: str) -> str:
            return f"{code}{text}{_RESET}" if color else text

        for f in result.findings:
            loc = f.location
            sev = paint(f.severity.label, _COLORS[f.severity.label])
            where = paint(f"{safe(loc.path)}:{loc.line}:{loc.column}:", _BOLD)
            lines.append(f"{where} {sev} {f.rule_id} {safe(f.message)} {paint('[' + safe(f.rule_name) + ']', _DIM)}")
            if source is not None:
                # --show-source: the line is redacted by its provider (imslint.source_lines); never shown otherwise.
                text = source(f)
                gutter = paint(f"{loc.line:>6} |", _DIM)
                lines.append(
                    f"{gutter} {safe(text)}"
                    if text is not None
                    else f"{gutter} {paint('(source line not shown)', _DIM)}"
                )
            if options.get("show_related"):
                for r in f.related:
                    lines.append(
                        f"    {safe(r.location.path)}:{r.location.line}:{r.location.column}: {safe(r.message)}"
                    )
        for e in result.errors:
            where = f"{safe(e.path)}:{e.line}:" if e.line else f"{safe(e.path)}:"
            lines.append(f"{paint(where, _BOLD)} {paint('error', _COLORS['error'])} {safe(e.message)}")
        # Without verbose, only the skips a user must hear of (an export that yields nothing, the size limit).
        for path, reason in result.skipped if options.get("verbose") else result.notable_skipped():
            lines.append(f"{safe(path)}: skipped: {safe(reason)}")
        if options.get("statistics") and result.findings:
            lines.append("")
            counts = result.by_rule()
            width = max(len(str(c)) for c in counts.values())
            for rid, count in counts.items():
                cls = result.rules.get(rid)
                name = cls.name if cls else ""
                level = result.severities.get(rid)
                lines.append(f"{count:>{width}}  {rid}  {level.label if level else '':7}  {name}")
        if not quiet or result.findings or result.errors:
            lines.append(self.summary(result))
        return "\n".join(lines) + ("\n" if lines else "")

    @staticmethod
    def summary(result: RunResult) -> str:
        """One line: counts per severity, files, suppressed, baselined, errors."""
        c = result.counts()
        total = len(result.findings)
        if total:
            parts = [_plural(c[s], s) for s in ("error", "warning", "note") if c[s]]
            head = f"Found {_plural(total, 'problem')} ({', '.join(parts)})"
        else:
            head = "No problems found"
        head += f" in {_plural(result.files_scanned, 'file')} scanned"
        extra = []
        if result.suppressed:
            extra.append(f"{len(result.suppressed)} suppressed inline")
        if result.baselined:
            extra.append(f"{len(result.baselined)} in the baseline")
        if result.skipped:
            extra.append(f"{_plural(len(result.skipped), 'file')} skipped")
        if result.errors:
            extra.append(f"{_plural(len(result.errors), 'error')} reading files or running rules")
        return head + (f"; {', '.join(extra)}" if extra else "") + "."


_OWN_TEXT_RE = re.compile(rb"\A[^\n]*?:\d+:\d+: (?:error|warning|note) [A-Z]{2,5}[0-9]{3} ")
_OWN_TEXT_TAIL_RE = re.compile(rb"(?:Found \d+ problems?|No problems found)[^\n]* scanned[^\n]*\.\s*\Z")
_TEXT_LINE_RES = (
    re.compile(r".+:\d+:\d+: (?:error|warning|note) [A-Z]{2,5}[0-9]{3} .* \[[a-z0-9]+(?:-[a-z0-9]+)*\]"),  # a finding
    re.compile(r"    .+:\d+:\d+: .*"),  # a related location
    re.compile(r".+?:(?:\d+:)? error .+"),  # a file that could not be read, a rule that failed
    re.compile(r".+: skipped: .+"),  # --verbose: a skipped file
    re.compile(r" *\d+ \| .*"),  # --show-source: the (redacted) line under a finding
    re.compile(r" *\d+  [A-Z]{2,5}[0-9]{3}  (?:error|warning|note)? *  [a-z0-9-]*"),  # --statistics
    re.compile(r""),  # the blank line before the statistics
)
_TEXT_SUMMARY_RE = re.compile(
    r"(?:Found \d+ problems? \([a-z0-9, ]+\)|No problems found) in \d+ files? scanned(?:; [a-z0-9, ]+)?\."
)
