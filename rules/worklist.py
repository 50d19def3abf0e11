"""The operator worklist: one CSV row per operator that needs action before the move to IMS.

The CSV is comma-separated, UTF-8, quoted where needed (the csv module's defaults,
``\\r\\n`` line ends): Campaign's import wizard and spreadsheets read it as is.
Open ``out`` with ``newline=""`` (and ``encoding="utf-8"``) so the csv module
controls the line ends. The admin fills ``new_email`` and imports the file with an
Update data activity reconciled on the login (or on the label, as Adobe's procedure does).
"""

from __future__ import annotations

import csv
import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, TextIO, Tuple

from imslint.model import Finding

__all__ = ["COLUMNS", "WorklistRecogniser", "write_worklist", "action_for"]

COLUMNS = ("login", "label", "email", "authentication_type", "status", "findings", "action", "new_email")


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


def write_worklist(findings: Iterable[Finding], out: TextIO) -> int:
    """Write the worklist CSV of the operator findings (``IMS00x``) to ``out``; return the number of rows.

    One row per operator (findings on the same path and line merge), in file order;
    suppressed and baselined findings are left out.
    """
    rows: Dict[Tuple[str, int], Tuple[List[str], Dict[str, Any]]] = {}
    for f in findings:
        if not f.rule_id.startswith("IMS00") or f.suppression:
            continue
        key = (f.location.path, f.location.line)
        entry = rows.get(key)
        if entry is None:
            rows[key] = ([f.rule_id], dict(f.properties))
        else:
            if f.rule_id not in entry[0]:
                entry[0].append(f.rule_id)
            for k, v in f.properties.items():
                entry[1].setdefault(k, v)
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for key in sorted(rows):
        ids, props = rows[key]
        ids.sort()
        writer.writerow([
            cell(props.get("login", "")),
            cell(props.get("label", "")),
            cell(props.get("email", "")),
            cell(props.get("authentication_type", "")),
            cell(props.get("status", "")),
            " ".join(ids),
            action_for(ids, props),
            "",
        ])
    return len(rows)


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
    rb"\A(?:\xef\xbb\xbf)?" + re.escape(COLUMNS[0].encode("ascii")) + rb"([,;\t])"
    + rb"\1".join(re.escape(c.encode("ascii")) for c in COLUMNS[1:]) + rb"\r?$",
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
