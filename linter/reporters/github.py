"""GitHub Actions workflow commands: one annotation per finding, shown inline on pull requests.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step and 50 per
job (actions/toolkit, docs/problem-matchers.md, "Limitations"): annotations are written
errors first, and :meth:`GithubReporter.summary` renders the Markdown job summary
(``$GITHUB_STEP_SUMMARY``) that says when findings were not all shown.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List, Mapping, Optional

from ..model import RunResult
from ..own_output import text_lines

_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _percent(m: "re.Match[str]") -> str:
    c = m.group()
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:
        return f"%{code - 0xDC00:02X}"  # the byte of a file name that is not UTF-8
    if 0xD800 <= code <= 0xDFFF:
        return "%EF%BF%BD"  # a surrogate no byte stands for: U+FFFD
    return "".join(f"%{b:02X}" for b in c.encode("utf-8"))


def _escape_data(text: str) -> str:
    """Percent-encode ``%``, line breaks and every other control character (a terminal obeys them)."""
    text = text.replace("%", "%25")
    return _CONTROL_RE.sub(_percent, text) if _CONTROL_RE.search(text) else text


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    """``--format github``: ``::error file=...,line=...,col=...,title=...::message`` lines for GitHub Actions."""

    format = "github"

    # imslint's own annotations found in a scanned tree are left out (see imslint.own_output)
    output_label = "GitHub annotations"
    output_first_bytes = (b":",)

    def sniff_output(self, head: bytes, tail: Any) -> bool:
        """True when ``head`` starts with an annotation of imslint."""
        return bool(_OWN_GITHUB_RE.match(head))

    def confirm_output(self, data: bytes, path: str) -> bool:
        """True when every line of ``data`` is an annotation (and the file is named as text)."""
        lines = text_lines(data, path)
        return bool(lines) and all(_GITHUB_LINE_RE.fullmatch(line) for line in lines or ())

    def secret_checked_part(self, data: bytes) -> bytes:
        """All of it: annotations hold no secret."""
        return data

    def render(self, result: RunResult, options: Mapping[str, Any]) -> str:
        """One workflow command per finding (errors first: GitHub shows only the first few) and per unreadable file."""
        lines = []
        for f in by_severity(result.findings):
            loc = f.location
            props = f"file={_escape_property(loc.path)},line={loc.line},col={loc.column}"
            if loc.end_line:
                props += f",endLine={loc.end_line}"
            props += f",title={_escape_property(f'{f.rule_id} {f.rule_name}')}"
            lines.append(f"::{_LEVELS[f.severity.label]} {props}::{_escape_data(f.message)}")
        for e in result.errors:
            props = f"file={_escape_property(e.path)}" + (f",line={e.line}" if e.line else "")
            lines.append(f"::error {props},title=imslint::{_escape_data(e.message)}")
        for path, reason in result.notable_skipped():  # an export that yields nothing, a file over the size limit
            lines.append(f"::warning file={_escape_property(path)},title=imslint::{_escape_data('skipped: ' + reason)}")
        return "\n".join(lines) + ("\n" if lines else "")

    def summary(self, result: RunResult, options: Mapping[str, Any]) -> str:
        """The Markdown job summary the CLI appends to ``$GITHUB_STEP_SUMMARY`` (see :func:`summary`)."""
        return summary(result, options)


_OWN_GITHUB_RE = re.compile(rb"\A::(?:error|warning|notice) file=[^\n]*?title=(?:[A-Z]{2,5}[0-9]{3} |imslint::)")
_GITHUB_LINE_RE = re.compile(
    r"::(?:error|warning|notice) file=[^,:\n]*(?:,line=\d+)?(?:,col=\d+)?(?:,endLine=\d+)?,title=[^:,\n]*::[^\n]*"
)


# What GitHub shows of the annotations a step writes (actions/toolkit docs/problem-matchers.md, "Limitations").
ANNOTATIONS_PER_STEP = 10  # of each level: error, warning, notice
ANNOTATIONS_PER_JOB = 50
TOP_FINDINGS = 20  # rows of the summary's table of findings
_SUMMARY_MESSAGE = 300  # characters of a message shown in the summary


def by_severity(findings: List[Any]) -> List[Any]:
    """The findings, errors first, then warnings, then notes; file order kept within a level."""
    return sorted(findings, key=lambda f: -int(f.severity))


def _md(text: str) -> str:
    """Text from the scanned repository as inert Markdown: no HTML, no links, no table breaks, one line."""
    from .text import safe

    text = safe(text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|~])", r"\\\1", text)  # no [ ]: no link or image can form


def _link(path: str, line: int, links: Mapping[str, str]) -> Optional[str]:
    """The blob URL of ``path`` at ``line`` in the commit being checked, when the run knows it."""
    server, repo, sha = links.get("server"), links.get("repository"), links.get("sha")
    if not (server and repo and sha) or os.path.isabs(path) and not links.get("workspace"):
        return None
    if links.get("workspace"):
        full = os.path.join(links.get("base") or ".", path)
        rel = os.path.relpath(os.path.realpath(full), os.path.realpath(links["workspace"]))
        if rel.startswith(".."):
            return None
        path = rel
    from urllib.parse import quote

    try:
        raw = path.replace(os.sep, "/").encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return None
    return f"{server.rstrip('/')}/{quote(repo, safe='/')}/blob/{quote(sha, safe='')}/{quote(raw, safe='/')}#L{line}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(result: RunResult, options: Mapping[str, Any]) -> str:
    """The Markdown job summary: counts per rule, the top findings with links, what annotations could not show."""
    counts = result.counts()
    total = len(result.findings)
    links: Dict[str, str] = dict(options.get("github") or {})
    links.setdefault("base", getattr(result, "base", "."))
    out: List[str] = []
    if total:
        parts = [_count(counts[k], k) for k in ("error", "warning", "note") if counts[k]]
        out.append(f"## imslint: {_count(total, 'finding')} ({', '.join(parts)})")
    else:
        out.append("## imslint: no findings")
    scope = f"{_count(result.files_scanned, 'file')} scanned"
    if options.get("diff_base"):
        scope += f"; only lines changed since {_md(str(options['diff_base']))} are reported"
    if result.baselined:
        scope += f"; {len(result.baselined)} known finding(s) of the baseline not reported"
    out.append("")
    out.append(scope + ".")
    if result.errors:
        out.append("")
        out.append(
            f"**{_count(len(result.errors), 'file')} or rule(s) could not be checked completely** "
            "(the run fails with exit status 2): see the log."
        )
    shown = {level: min(counts[level], ANNOTATIONS_PER_STEP) for level in ("error", "warning", "note")}
    hidden = total - min(sum(shown.values()), ANNOTATIONS_PER_JOB)
    if hidden > 0:
        out.append("")
        out.append(
            f"> [!WARNING]\n> GitHub shows at most {ANNOTATIONS_PER_STEP} error, {ANNOTATIONS_PER_STEP} warning and "
            f"{ANNOTATIONS_PER_STEP} notice annotations per step ({ANNOTATIONS_PER_JOB} per job): "
            f"{_count(hidden, 'finding')} of {total} are not shown as annotations (errors come first). "
            "The log lists them all; upload SARIF to code scanning to see every one."
        )
    by_rule = result.by_rule()
    if by_rule:
        out += ["", "| Rule | Severity | Findings |", "| --- | --- | ---: |"]
        from ..rule import help_url

        for rid, n in sorted(by_rule.items(), key=lambda kv: (-int(result.severities.get(kv[0], 0)), -kv[1], kv[0])):
            cls = result.rules.get(rid)
            name = f"{rid} {cls.name}" if cls is not None else rid
            label = f"[{_md(name)}]({help_url(cls)})" if cls is not None else _md(name)
            sev = result.severities[rid].label if rid in result.severities else "?"
            out.append(f"| {label} | {sev} | {n} |")
        top = by_severity(result.findings)[:TOP_FINDINGS]
        out += [
            "",
            f"### Top findings ({len(top)} of {total})" if total > len(top) else "### Findings",
            "",
            "| Severity | Rule | Where | Message |",
            "| --- | --- | --- | --- |",
        ]
        for f in top:
            where = f"{f.location.path}:{f.location.line}"
            url = _link(f.location.path, f.location.line, links)
            place = f"[{_md(where)}]({url})" if url else _md(where)
            message = f.message if len(f.message) <= _SUMMARY_MESSAGE else f.message[:_SUMMARY_MESSAGE] + "…"
            out.append(f"| {f.severity.label} | {f.rule_id} | {place} | {_md(message)} |")
    return "\n".join(out) + "\n"
