"""The readiness report: one self-contained HTML page for a manager, or Markdown for a CI job summary.

Everything shown comes from hostile input (operator labels, logins, file names) and
is escaped; the page loads nothing (a Content-Security-Policy of ``default-src
'none'`` that allows only its own inline style and script, by hash), so it works
from a mail attachment and cannot call out. Tables render the first ``top`` rows
of each category, sorted by the column a reader clicks; the counts cover all rows.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, Tuple

from imslint.model import sha256_hex

from .census import BLOCKING

__all__ = ["Report", "esc", "md"]

_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

RULE_TITLES = {
    "IMS001": "Still signs in with a Campaign password",
    "IMS002": "No email to map to an Adobe ID",
    "IMS003": "Email cannot be an Adobe ID",
    "IMS004": "Email shared with other operators",
    "IMS005": "Technical operator still native",
    "IMS006": "Group to map to a product profile",
    "IMS007": "Disabled native operator",
}


def _visible(text: Any) -> str:
    """``text`` with control, bidi and line-separator characters shown as escapes (they could forge the page)."""
    return _CONTROL_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", "" if text is None else str(text))


def esc(text: Any) -> str:
    """HTML-escaped, quotes included, control characters made visible."""
    return html.escape(_visible(text), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>:@])")  # '.', ':' and '@' too: no autolinked URL or address


def md(text: Any) -> str:
    """Escaped for a Markdown table cell (GitHub): no HTML, no link, no pipe, one line."""
    value = _visible(text).replace("\n", " ").replace("\t", " ")
    value = html.escape(value, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", value)


def _pct(value: Any) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#1d1d1f;
background:#f6f7f9}
main{max-width:1180px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.muted{color:#5f6368}
.verdict{display:inline-block;padding:6px 14px;border-radius:6px;font-weight:700;font-size:18px;color:#fff}
.v-ready{background:#1e7e34}.v-not-ready{background:#b3261e}.v-unknown{background:#8a6d00}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #dfe1e5;border-radius:8px;padding:12px 16px;min-width:180px}
.card b{display:block;font-size:24px}.bar{display:block;margin-top:6px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dfe1e5;margin:6px 0 4px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eceff1;vertical-align:top;word-break:break-word}
th{background:#eef0f3;cursor:pointer;user-select:none;white-space:nowrap}th:after{content:" \\2195";color:#9aa0a6}
td.n,th.n{text-align:right}td.src{font-size:12px;color:#5f6368;word-break:normal;overflow-wrap:anywhere;min-width:150px}code{font-size:12px}.note{font-size:12px;color:#5f6368}
.tag{display:inline-block;background:#eef0f3;border-radius:4px;padding:0 5px;margin:1px;font-size:12px}
@media print{th:after{content:""}}
"""

# Click a header to sort its table (numbers as numbers); a second click reverses.
_SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function(th){th.addEventListener("click",function(){
var t=th.closest("table"),b=t.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th);
var d=th.getAttribute("data-dir")==="asc"?"desc":"asc";th.setAttribute("data-dir",d);
var rows=Array.prototype.slice.call(b.rows);rows.sort(function(x,y){
var a=x.cells[i].getAttribute("data-v")||x.cells[i].textContent,
c=y.cells[i].getAttribute("data-v")||y.cells[i].textContent;
var na=parseFloat(a),nc=parseFloat(c),r=(!isNaN(na)&&!isNaN(nc))?na-nc:a.localeCompare(c);return d==="asc"?r:-r;});
rows.forEach(function(r){b.appendChild(r);});});});
"""


def _csp_hash(text: str) -> str:
    digest = bytes.fromhex(sha256_hex(text.encode("utf-8")))
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


class Report:
    """The data of one readiness report, rendered as HTML or Markdown."""

    def __init__(
        self,
        block: Mapping[str, Any],
        rows: Sequence[Any],
        findings: Sequence[Any],
        previous: Sequence[Mapping[str, Any]] = (),
        top: int = 200,
        with_code: bool = False,
        exports: Sequence[str] = (),
    ) -> None:
        self.block = block
        self.rows = list(rows)
        self.previous = list(previous)
        self.top = top
        self.with_code = with_code
        self.exports = list(exports)
        self.blocking_now: Dict[str, Set[str]] = {}
        for f in findings:
            if f.rule_id in BLOCKING:
                self.blocking_now.setdefault(str(f.properties.get("login", "")), set()).add(f.rule_id)

    # ------------------------------------------------------------------ categories

    def people(self) -> List[Any]:
        """Person operators blocked by IMS001-IMS004."""
        return [r for r in self.rows if r.kind == "person" and set(r.rule_ids) & set(BLOCKING)]

    def technical(self) -> List[Any]:
        """Technical operators still native (IMS005), those that code logs on as first."""
        rows = [r for r in self.rows if "IMS005" in r.rule_ids]
        return sorted(rows, key=lambda r: (-len(r.code_locations), r.login))

    def groups(self) -> List[Any]:
        """Groups to map to product profiles (IMS006)."""
        return [r for r in self.rows if "IMS006" in r.rule_ids]

    def disabled(self) -> List[Any]:
        """Disabled native operators to clean up (IMS007)."""
        return [r for r in self.rows if "IMS007" in r.rule_ids]

    def trend(self) -> Optional[Dict[str, Any]]:
        """Fixed / new / still open against the latest earlier scan, and % ready over every scan given."""
        if not self.previous:
            return None
        last = self.previous[-1]["blocking"]
        now = self.blocking_now
        points = [(p["path"], p["block"].get("percent_ready")) for p in self.previous]
        points.append(("this scan", self.block.get("percent_ready")))
        return {
            "fixed": sorted(set(last) - set(now)),
            "new": sorted(set(now) - set(last)),
            "open": sorted(set(now) & set(last)),
            "points": points,
        }

    # ------------------------------------------------------------------ HTML

    def html(self) -> str:
        """The whole page: no external resource, every value escaped."""
        b = self.block
        verdict = b["verdict"]
        css = _STYLE
        script = _SCRIPT
        # Made of constants: no escaping needed.
        csp = (
            f"default-src 'none'; style-src {_csp_hash(css)}; script-src {_csp_hash(script)}; "
            "base-uri 'none'; form-action 'none'"
        )
        out: List[str] = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">',
            '<meta name="referrer" content="no-referrer">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<title>IMS migration readiness</title>",
            f"<style>{css}</style></head><body><main>",
            "<h1>Adobe IMS migration readiness</h1>",
            f'<p class="muted">Exports: {esc(", ".join(self.exports) or "none")} &middot; {b["records"]} records, '
            f"{b['logins']} distinct logins</p>",
            f'<p><span class="verdict v-{verdict.replace(" ", "-")}" id="verdict">{esc(verdict.upper())}</span> '
            f'<span id="percent-ready">{esc(_pct(b["percent_ready"]))}</span> '
            "of people and technical operators ready</p>",
        ]
        if verdict == "unknown":
            out.append(f'<p id="unknown-because">Cannot tell: {esc("; ".join(b["unknown_because"]))}.</p>')
        elif verdict == "ready":
            out.append("<p>No operator blocks the move to IMS: native sign-in can be switched off.</p>")
        else:
            out.append(
                f"<p>{b['blocking_logins']} login(s) block the move to IMS. The tables below say who and why.</p>"
            )
        out.append('<div class="cards">')
        for key, title in (("people", "People"), ("technical", "Technical operators")):
            part = b[key]
            width = part["percent_ready"] or 0
            out.append(
                f'<div class="card" id="card-{key}">{title}<b>{esc(_pct(part["percent_ready"]))}</b>'
                f"ready: {part['ready']} of {part['total']}<br>already on IMS: {part['on_ims']}<br>"
                f'blocking: {part["blocking"]}<svg class="bar" width="100%" height="8" aria-hidden="true">'
                '<rect width="100%" height="8" rx="4" fill="#e8eaed"/>'
                f'<rect width="{float(width):.1f}%" height="8" rx="4" '
                'fill="#1e7e34"/></svg></div>'
            )
        out.append(
            f'<div class="card" id="card-groups">Groups<b>{b["groups"]["total"]}</b>to map to product profiles</div>'
        )
        out.append(
            f'<div class="card" id="card-disabled">Disabled operators<b>{len(self.disabled())}</b>'
            "native, to clean up</div>"
        )
        out.append("</div>")
        # Per reason
        out.append("<h2>Counts per reason</h2>")
        out.append(
            '<table class="sortable" id="reasons"><thead><tr><th>Rule</th><th>Reason</th><th class="n">Logins</th>'
            "<th>Blocks the move</th></tr></thead><tbody>"
        )
        for rid, count in b["by_rule"].items():
            out.append(
                f"<tr><td><code>{esc(rid)}</code></td><td>{esc(RULE_TITLES.get(rid, rid))}</td>"
                f'<td class="n">{count}</td><td>{"yes" if rid in BLOCKING else "no"}</td></tr>'
            )
        out.append("</tbody></table>")
        trend = self.trend()
        if trend is not None:
            out.append("<h2>Since the previous scan</h2>")
            out.append(
                f'<p id="trend">Fixed: <b>{len(trend["fixed"])}</b> &middot; new: <b>{len(trend["new"])}</b> '
                f"&middot; still open: <b>{len(trend['open'])}</b></p>"
            )
            out.append(self._chart(trend["points"]))
            for name, title in (("new", "New since the previous scan"), ("fixed", "Fixed since the previous scan")):
                logins = trend[name]
                if logins:
                    shown = ", ".join(esc(x) for x in logins[: self.top])
                    more = f" and {len(logins) - self.top} more" if len(logins) > self.top else ""
                    out.append(f'<p id="trend-{name}"><b>{title}</b>: {shown}{more}</p>')
        out.append(
            self._table(
                "people",
                "People who still sign in natively",
                self.people(),
                [
                    ("Login", "login"),
                    ("Label", "label"),
                    ("Email", "email"),
                    ("Rules", "rules"),
                    ("What to do", "action"),
                    ("Exports", "sources"),
                ],
            )
        )
        tech_cols = [("Login", "login"), ("Label", "label"), ("Rules", "rules")]
        if self.with_code:
            tech_cols.append(("Code that logs on as it", "code"))
        tech_cols.append(("Exports", "sources"))
        out.append(
            self._table(
                "technical",
                "Technical operators to replace with Developer Console technical accounts",
                self.technical(),
                tech_cols,
            )
        )
        if not self.with_code:
            out.append(
                '<p class="note">Run with <code>--code FOLDER</code> to list the code that logs on as each '
                "technical operator.</p>"
            )
        out.append(
            self._table(
                "groups",
                "Groups to map to Admin Console product profiles",
                self.groups(),
                [("Group", "login"), ("Label", "label"), ("Product profile", "profile")],
            )
        )
        out.append(
            self._table(
                "disabled",
                "Disabled native operators to clean up",
                self.disabled(),
                [("Login", "login"), ("Label", "label"), ("Email", "email"), ("Exports", "sources")],
            )
        )
        out.append(
            '<p class="note">Made by imslint. Operators are counted once per login across exports; a login '
            "that one export shows native counts as native. Findings accepted in a baseline still count here.</p>"
        )
        out.append(f"</main><script>{script}</script></body></html>")
        return "\n".join(out) + "\n"

    def _cell(self, row: Any, key: str) -> Tuple[str, str]:
        """(escaped HTML, sort value) of one cell."""
        if key == "rules":
            return " ".join(f'<span class="tag">{esc(r)}</span>' for r in row.rule_ids), " ".join(row.rule_ids)
        if key == "sources":
            return "<br>".join(esc(s) for s in row.sources), " ".join(row.sources)
        if key == "code":
            locs = row.code_locations
            shown = "<br>".join(f"<code>{esc(x)}</code>" for x in locs[:10])
            if len(locs) > 10:
                shown += f"<br>and {len(locs) - 10} more"
            return shown or "none found", str(len(locs))
        if key == "profile":
            return esc(row.properties.get("product_profile", "")), ""
        if key == "action":
            text = row.action
            if row.conflicts:
                text += " Exports disagree: " + " | ".join(row.conflicts)
            if row.shared_with:
                text += " Shared with: " + ", ".join(row.shared_with[:20])
            return esc(text), ""
        value = getattr(row, key)
        return esc(value), ""

    def _table(self, ident: str, title: str, rows: Sequence[Any], columns: Sequence[Tuple[str, str]]) -> str:
        total = len(rows)
        shown = rows[: self.top]
        head = "".join(f"<th>{esc(name)}</th>" for name, _ in columns)
        parts = [f'<h2 id="h-{ident}">{esc(title)} <span class="muted">({total})</span></h2>']
        if not total:
            parts.append(f'<p class="muted" id="none-{ident}">None.</p>')
            return "\n".join(parts)
        if total > len(shown):
            parts.append(
                f'<p class="note" id="more-{ident}">Showing the first {len(shown)} of {total}: '
                "the worklist (--worklist FILE) lists them all.</p>"
            )
        parts.append(f'<table class="sortable" id="t-{ident}"><thead><tr>{head}</tr></thead><tbody>')
        for row in shown:
            cells = []
            for _, key in columns:
                text, value = self._cell(row, key)
                attr = f' data-v="{esc(value)}"' if value and key == "code" else ""
                cls = ' class="src"' if key in ("sources", "code") else ""
                cells.append(f"<td{cls}{attr}>{text}</td>")
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody></table>")
        return "\n".join(parts)

    @staticmethod
    def _chart(points: Sequence[Tuple[str, Optional[float]]]) -> str:
        """A small inline SVG line of % ready per scan (no script, no external resource)."""
        width, height, pad = 560, 160, 30
        n = len(points)
        step = (width - 2 * pad) / max(n - 1, 1)
        coords = []
        labels = []
        for i, (name, value) in enumerate(points):
            x = pad + i * step
            v = 0.0 if value is None else float(value)
            y = height - pad - (height - 2 * pad) * v / 100
            coords.append(f"{x:.1f},{y:.1f}")
            labels.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#1e7e34"><title>{esc(name)}</title></circle>'
                f'<text x="{x:.1f}" y="{y - 8:.1f}" font-size="11" text-anchor="middle">{esc(_pct(value))}</text>'
                f'<text x="{x:.1f}" y="{height - 8}" font-size="10" text-anchor="middle" fill="#5f6368">'
                f"scan {i + 1}</text>"
            )
        return (
            f'<svg id="trend-chart" width="{width}" height="{height}" role="img" '
            'aria-label="percentage ready per scan">'
            f'<rect width="{width}" height="{height}" fill="#fff" stroke="#dfe1e5"/>'
            f'<line x1="{pad}" y1="{pad}" x2="{width - pad}" y2="{pad}" stroke="#eceff1"/>'
            f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#9aa0a6"/>'
            f'<polyline fill="none" stroke="#1e7e34" stroke-width="2" points="{" ".join(coords)}"/>'
            + "".join(labels)
            + "</svg>"
        )

    # ------------------------------------------------------------------ Markdown

    def markdown(self) -> str:
        """The same report for a CI job summary (GitHub's ``$GITHUB_STEP_SUMMARY``): escaped, no HTML, no links."""
        b = self.block
        lines = ["# Adobe IMS migration readiness", ""]
        lines.append(
            f"**Verdict: {b['verdict'].upper()}** ({_pct(b['percent_ready'])} of people and technical operators ready)"
        )
        lines.append("")
        if b["verdict"] == "unknown":
            lines += [f"Cannot tell: {md('; '.join(b['unknown_because']))}.", ""]
        lines.append(
            f"Exports: {md(', '.join(self.exports) or 'none')}; {b['records']} records, {b['logins']} distinct logins."
        )
        lines.append("")
        lines.append("| | total | already on IMS | ready | blocking |")
        lines.append("|---|---:|---:|---:|---:|")
        for key, title in (("people", "People"), ("technical", "Technical operators")):
            p = b[key]
            lines.append(
                f"| {title} | {p['total']} | {p['on_ims']} | {p['ready']} ({_pct(p['percent_ready'])}) "
                f"| {p['blocking']} |"
            )
        lines.append(f"| Groups (to map to product profiles) | {b['groups']['total']} | | | |")
        lines.append("")
        if b["by_rule"]:
            lines += ["| rule | reason | logins |", "|---|---|---:|"]
            lines += [f"| {rid} | {md(RULE_TITLES.get(rid, rid))} | {n} |" for rid, n in b["by_rule"].items()]
            lines.append("")
        trend = self.trend()
        if trend is not None:
            points = " → ".join(_pct(v) for _, v in trend["points"])
            lines += [
                f"Since the previous scan: fixed {len(trend['fixed'])}, new {len(trend['new'])}, "
                f"still open {len(trend['open'])}. Ready: {points}.",
                "",
            ]
        for title, rows, cols in (
            ("People who still sign in natively", self.people(), ("login", "label", "email", "rules")),
            ("Technical operators to replace", self.technical(), ("login", "label", "rules", "code")),
            ("Groups to map to product profiles", self.groups(), ("login", "label", "profile")),
            ("Disabled native operators", self.disabled(), ("login", "label", "email")),
        ):
            if not rows:
                continue
            shown = rows[: min(self.top, 50)]
            lines.append(f"## {title} ({len(rows)})")
            lines.append("")
            lines.append("| " + " | ".join(cols) + " |")
            lines.append("|" + "---|" * len(cols))
            for r in shown:
                values = []
                for c in cols:
                    if c == "rules":
                        values.append(" ".join(r.rule_ids))
                    elif c == "code":
                        values.append(md(", ".join(r.code_locations[:5])))
                    elif c == "profile":
                        values.append(md(r.properties.get("product_profile", "")))
                    else:
                        values.append(md(getattr(r, c)))
                lines.append("| " + " | ".join(values) + " |")
            if len(rows) > len(shown):
                lines.append(f"\n{len(rows) - len(shown)} more in the worklist.")
            lines.append("")
        return "\n".join(lines) + "\n"
