"""Human output: one clickable line per finding, then a summary."""

from __future__ import annotations

from typing import Any, Mapping

from ..engine import RunResult

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


class TextReporter:
    """``path:line:col: severity IMSnnn message [rule-name]``; colour only when asked (a TTY)."""

    format = "text"

    def render(self, result: RunResult, options: Mapping[str, Any]) -> str:
        """Render findings, errors and the summary line."""
        color = bool(options.get("color"))
        quiet = bool(options.get("quiet"))
        lines = []

        def paint(text: str, code: str) -> str:
            return f"{code}{text}{_RESET}" if color else text

        for f in result.findings:
            loc = f.location
            sev = paint(f.severity.label, _COLORS[f.severity.label])
            where = paint(f"{loc.path}:{loc.line}:{loc.column}:", _BOLD)
            lines.append(f"{where} {sev} {f.rule_id} {f.message} {paint('[' + f.rule_name + ']', _DIM)}")
            if options.get("show_related"):
                for r in f.related:
                    lines.append(f"    {r.location.path}:{r.location.line}:{r.location.column}: {r.message}")
        for e in result.errors:
            where = f"{e.path}:{e.line}:" if e.line else f"{e.path}:"
            lines.append(f"{paint(where, _BOLD)} {paint('error', _COLORS['error'])} {e.message}")
        # The skips a user must hear of (an export that yields nothing, the size limit).
        for path, reason in result.notable_skipped():
            lines.append(f"{path}: skipped: {reason}")
        if options.get("statistics") and result.findings:
            lines.append("")
            counts = result.by_rule()
            width = max(len(str(c)) for c in counts.values())
            for rid, count in counts.items():
                cls = result.rules.get(rid)
                name = cls.name if cls else ""
                sev = result.severities.get(rid)
                lines.append(f"{count:>{width}}  {rid}  {sev.label if sev else '':7}  {name}")
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
