"""The operator worklist: one CSV row per login that needs action before the move to IMS.

Two layouts (``imslint operators --worklist FILE --worklist-format ...``):

``imslint`` (default)
    :data:`COLUMNS`, documented in docs/compliance-scan.md: the login, what kind of
    operator it is, its normalised values, the rules that fired, what to do, who else
    holds a shared address, where the exports disagree, which exports hold it, and an
    empty ``new_email`` for the administrator. Every cell is spreadsheet-safe: a value
    that a spreadsheet would run as a formula is written with a leading ``'``.
``campaign``
    :data:`CAMPAIGN_COLUMNS` (``name``, ``label``, ``email``: the ``xtk:operator`` fields
    ``@name``, ``@label``, ``@email``), person operators only: the file an *Update data*
    activity or the import wizard loads into the Operators (xtk) schema, reconciled on
    ``name``. Values are written as the exports hold them (an import must not receive
    an added quote), so open this one in a text editor, not a spreadsheet.

Comma-separated, quoted where needed, ``\\r\\n`` line ends (the csv module's
defaults), UTF-8 with a byte-order mark by default so that Excel reads accents
("Jürgen Müller"); ``encoding="utf-8"`` leaves the mark out.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Sequence, TextIO

from imslint.model import Finding

__all__ = [
    "COLUMNS",
    "CAMPAIGN_COLUMNS",
    "Row",
    "WorklistRecogniser",
    "build_rows",
    "write_worklist",
    "write_rows",
    "action_for",
    "cell",
]

COLUMNS = (
    "login",
    "kind",
    "label",
    "email",
    "authentication_type",
    "status",
    "findings",
    "action",
    "shared_with",
    "conflicts",
    "sources",
    "new_email",
)
CAMPAIGN_COLUMNS = ("name", "label", "email")

_KIND_ORDER = {"person": 0, "technical": 1, "group": 2}
MAX_SHARED = 20  # other holders named in a cell; the rest are counted


def action_for(rule_ids: Iterable[str], properties: Mapping[str, Any]) -> str:
    """The sentence telling the admin what to do about an operator, from the rules that fired on it."""
    ids = set(rule_ids)
    parts: List[str] = []
    if "IMS005" in ids:
        parts.append(
            "Create an Adobe Developer Console technical account (OAuth Server-to-Server), move this "
            "operator's integrations to it, then delete the operator."
        )
    if "IMS007" in ids:
        parts.append("Delete this disabled operator, or migrate it to IMS before enabling it again.")
    if "IMS006" in ids:
        profile = properties.get("product_profile") or f"campaign - <instance> - {properties.get('login', '')}"
        text = f"Create the Admin Console product profile '{profile}' and add the group's members to it."
        if properties.get("admin"):
            text += " Its name holds 'admin' (Control Panel access after IMS): keep it to administrators."
        parts.append(text)
    if "IMS002" in ids:
        parts.append("Fill new_email with the person's Adobe ID address (the operator has no email).")
    elif "IMS003" in ids:
        reason = properties.get("reason")
        why = f" ({reason})" if reason else ""
        parts.append(f"Fill new_email with the person's real work address: the current one cannot be an Adobe ID{why}.")
    elif "IMS004" in ids:
        parts.append(
            "Fill new_email with an address of this person's own: the current one is shared with other operators."
        )
    if "IMS001" in ids:
        if ids & {"IMS002", "IMS003", "IMS004"}:
            parts.append("Then switch the operator to IMS.")
        else:
            parts.append(
                "Check that the email is the person's Adobe ID (else put it in new_email), "
                "then switch the operator to IMS."
            )
    return " ".join(parts)


@dataclass
class Row:
    """Everything known about one login that has operator findings (the worklist row and the report's table row)."""

    login: str
    kind: str
    label: str
    email: str
    authentication_type: str
    status: str
    rule_ids: List[str]
    properties: Dict[str, Any]
    sources: List[str] = field(default_factory=list)
    conflicts: List[str] = field(default_factory=list)
    shared_with: List[str] = field(default_factory=list)
    shared_count: int = 0
    code_locations: List[str] = field(default_factory=list)
    accepted: bool = False  # every finding on it is suppressed or in the baseline

    @property
    def action(self) -> str:
        """What the administrator does about it."""
        return action_for(self.rule_ids, self.properties)


def _kind_from_rules(ids: Iterable[str], props: Mapping[str, Any]) -> str:
    ids = set(ids)
    if "IMS006" in ids or props.get("type") == "group":
        return "group"
    if "IMS005" in ids:
        return "technical"
    return "person"


def _normal_auth(value: str) -> str:
    low = (value or "").strip().lower()
    if low == "ims":
        return "ims"
    return "native" if low in ("", "native", "natif", "nativ", "ネイティブ") else low


def _conflicts(occurrences: Sequence[Any]) -> List[str]:
    """``field: 'a' in x.csv, 'b' in y.xml`` for each field the exports disagree on (emails compared without case).

    A login held by operators of different ids (``@id``) is flagged too: two instances'
    exports, or an operator deleted and created again.
    """
    out: List[str] = []
    fields = (
        ("label", False),
        ("email", True),
        ("authentication_type", False),
        ("status", False),
        ("kind", False),
        ("operator_id", False),
    )
    for name, fold in fields:
        values: Dict[str, List[str]] = {}
        shown: Dict[str, str] = {}
        for occ in occurrences:
            raw = getattr(occ, name, "")
            if name == "operator_id" and not raw:
                continue  # an export without ids (a console list) disagrees with none
            key = raw.lower() if fold else raw
            shown.setdefault(key, raw)
            if occ.source not in values.setdefault(key, []):
                values[key].append(occ.source)
        if len(values) > 1:
            parts = [f"{shown[k]!r} in {', '.join(srcs)}" for k, srcs in values.items()]
            out.append(f"{'id' if name == 'operator_id' else name}: " + "; ".join(parts))
    return out


def _by_login(findings: Iterable[Finding], include_suppressed: bool) -> Dict[str, Dict[str, Any]]:
    """The operator findings gathered per login: rule ids, properties, paths, code locations (IMS005)."""
    by_login: Dict[str, Dict[str, Any]] = {}
    for f in findings:
        if not f.rule_id.startswith("IMS00"):
            continue
        if f.suppression and not include_suppressed:
            continue
        login = str(f.properties.get("login", ""))
        entry = by_login.get(login)
        if entry is None:
            entry = by_login[login] = {"ids": [], "props": {}, "paths": [], "code": [], "open": False}
        if f.rule_id not in entry["ids"]:
            entry["ids"].append(f.rule_id)
        for k, v in f.properties.items():
            entry["props"].setdefault(k, v)
        if f.location.path not in entry["paths"]:
            entry["paths"].append(f.location.path)
        if not f.suppression:
            entry["open"] = True
        if f.rule_id == "IMS005":
            for rel in f.related:
                where = f"{rel.location.path}:{rel.location.line}"
                if where not in entry["code"]:
                    entry["code"].append(where)
    return by_login


def build_rows(findings: Iterable[Finding], census: Any = None, include_suppressed: bool = False) -> List[Row]:
    """One :class:`Row` per login with operator findings (``IMS00x``), ordered by kind then login.

    Findings that are suppressed or baselined are left out unless ``include_suppressed``
    (then a row whose findings are all such is marked ``accepted``). ``census`` (a
    :class:`imslint.rules.readiness.census.Census`) adds the sources, the conflicts
    between exports and the other holders of a shared address.
    """
    by_login = _by_login(findings, include_suppressed)
    occurrences = getattr(census, "occurrences", {}) or {}
    holders = getattr(census, "holders", {}) or {}
    rows: List[Row] = []
    for login, entry in by_login.items():
        ids = sorted(entry["ids"])
        props = entry["props"]
        occ = sorted(occurrences.get(login, ()), key=lambda o: o.source)
        if occ:
            label = next((o.label for o in occ if o.label), "")
            email = next((o.email for o in occ if o.email), "")
            auths = [o.authentication_type for o in occ]
            auth = "native" if "native" in auths else auths[0]
            status = "active" if any(o.status == "active" for o in occ) else "disabled"
            sources = sorted({o.source for o in occ})
            conflicts = _conflicts(occ)
        else:
            label = str(props.get("label", "")).strip()
            email = str(props.get("email", "")).strip()
            auth = _normal_auth(str(props.get("authentication_type", "")))
            status = str(props.get("status", "")) or "active"
            sources = sorted(entry["paths"])
            conflicts = []
        kind = _kind_from_rules(ids, props)
        if occ and kind == "person":
            kind = occ[-1].kind if all(o.kind == occ[-1].kind for o in occ) else kind
        row = Row(
            login,
            kind,
            label,
            email,
            auth,
            status,
            ids,
            props,
            sources,
            conflicts,
            code_locations=entry["code"],
            accepted=not entry["open"],
        )
        if "IMS004" in ids and email:
            others = [h for h in holders.get(email.lower(), ()) if h != login]
            row.shared_count = len(others) if others else int(props.get("shared_with", 0) or 0)
            row.shared_with = sorted(others)
        rows.append(row)
    rows.sort(key=lambda r: (_KIND_ORDER.get(r.kind, 9), r.login))
    return rows


def _shared_cell(row: Row) -> str:
    names = row.shared_with[:MAX_SHARED]
    more = row.shared_count - len(names)
    text = " | ".join(names)
    if more > 0:
        text = f"{text} (and {more} more)" if text else f"{more} other operator(s)"
    return text


def write_rows(rows: Sequence[Row], out: TextIO, fmt: str = "imslint") -> int:
    """Write ``rows`` as the worklist layout ``fmt`` (``imslint`` or ``campaign``); return the number of rows."""
    writer = csv.writer(out)
    if fmt == "campaign":
        writer.writerow(CAMPAIGN_COLUMNS)
        n = 0
        for r in rows:
            if r.kind == "person" and set(r.rule_ids) & {"IMS001", "IMS002", "IMS003", "IMS004"}:
                writer.writerow([r.login, r.label, r.email])
                n += 1
        return n
    if fmt != "imslint":
        raise ValueError(f"unknown worklist format {fmt!r} (imslint or campaign)")
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow(
            [
                cell(r.login),
                r.kind,
                cell(r.label),
                cell(r.email),
                cell(r.authentication_type),
                r.status,
                " ".join(r.rule_ids),
                cell(r.action),
                cell(_shared_cell(r)),
                cell(" | ".join(r.conflicts)),
                cell(" | ".join(r.sources)),
                "",
            ]
        )
    return len(rows)


def write_worklist(findings: Iterable[Finding], out: TextIO, census: Any = None, fmt: str = "imslint") -> int:
    """Write the worklist of the operator findings to ``out``; return the number of rows.

    One row per login (however many exports or lines hold it); suppressed and
    baselined findings are left out. Open ``out`` with ``newline=""``.
    """
    return write_rows(build_rows(findings, census), out, fmt)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A value from an export as a CSV cell a spreadsheet shows as text, never runs as a formula.

    A label such as ``=HYPERLINK(...)`` or ``=cmd|...`` is written ``'=HYPERLINK(...)``: the
    leading quote tells spreadsheets the cell is text (OWASP's advice on CSV injection).
    """
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


# The header, also as a spreadsheet saves it back (a byte-order mark, `;` or tab separators).
_HEADER_RE = re.compile(
    rb"\A(?:\xef\xbb\xbf)?"
    + re.escape(COLUMNS[0].encode("ascii"))
    + rb"([,;\t])"
    + rb"\1".join(re.escape(c.encode("ascii")) for c in COLUMNS[1:])
    + rb"\r?$",
    re.M,
)
_FINDINGS_RE = re.compile(r"[A-Z]{2,5}[0-9]{3}(?: [A-Z]{2,5}[0-9]{3})*")


class WorklistRecogniser:
    """Recognises a worklist left in a scanned tree (see :class:`imslint.protocols.OutputRecogniser`).

    Also as a spreadsheet saves it back: a byte-order mark, ``;`` or tab
    separators. All of it must be a worklist: the header, and :data:`COLUMNS`
    cells on every row with rule ids in ``findings``; in a file named as CSV or text.
    """

    output_label = "worklist"
    output_first_bytes = (COLUMNS[0][:1].encode("ascii"), b"\xef")

    def sniff_output(self, head: bytes, tail: Callable[[], bytes]) -> bool:
        """True when ``head`` starts with the worklist's header."""
        return bool(_HEADER_RE.match(head))

    def confirm_output(self, data: bytes, path: str) -> bool:
        """True when all of ``data`` is a worklist."""
        import io

        from imslint.own_output import named_as

        if not named_as(path, ("text", "csv")):
            return False
        try:
            text = data.decode("utf-8-sig")
        except ValueError:
            return False
        first = text.split("\n", 1)[0]
        sep = next((c for c in ",;\t" if c in first), ",")
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
        findings = COLUMNS.index("findings")
        try:
            header = next(rows, None)
            if header is None or [c.strip() for c in header] != list(COLUMNS):
                return False
            for row in rows:
                if len(row) != len(COLUMNS) or not _FINDINGS_RE.fullmatch(row[findings]):
                    return False
        except csv.Error:
            return False
        return True

    def secret_checked_part(self, data: bytes) -> bytes:
        """All of it: a worklist holds no secret."""
        return data
