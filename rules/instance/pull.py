"""Pull every ``xtk:operator`` row of an instance to a file, page by page, in flat memory.

The pull asks ``xtk:queryDef#ExecuteQuery``:

1. a ``count`` of ``xtk:operator`` (operators and groups);
2. ``select`` pages ordered by ``@id``: the first without a condition, then
   ``@id > last`` (keyset paging: rows added or deleted while the pull runs shift
   no page, so none is skipped or read twice); each page states its ``lineCount``
   (a select without one stops at 10,000 rows);
3. for each page, the group memberships of its operators (``xtk:operatorGroup``,
   ``[@operator-id]`` in the page's range), paged with ``startLine``;

and writes each page as it arrives to ``OUT.partial``: one SOAP ``ExecuteQuery``
answer holding one ``<operator-collection>``, the shape the operator readers
read, with a comment at the top recording the instance, the times, the query and
the counts. Only a complete pull is renamed to ``OUT``. At the end the rows
pulled are checked against the count: a difference is a warning, never silent.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import re
from typing import Any, Callable, Dict, List, Optional, Sequence
from xml.sax.saxutils import escape

from lxml import etree

from .client import Client, PullError

__all__ = ["OPERATOR_FIELDS", "PullResult", "pull_operators", "partial_path", "select_query", "count_query"]

#: What the operator rules read (domain.md 1.1): login, label, email, disabled flag, operator or
#: group, authentication type, rich-client access. Memberships come from xtk:operatorGroup.
OPERATOR_FIELDS = (
    "@id",
    "@name",
    "@label",
    "@email",
    "@disable",
    "@type",
    "access/@authenticationType",
    "access/@noConsoleCnx",
)
MEMBERSHIP_FIELDS = (("[@operator-id]", "@operator"), ("[group/@name]", "@group"))
ACTION = "xtk:queryDef#ExecuteQuery"
DEFAULT_PAGE_SIZE = 5000
_Q = "urn:xtk:queryDef"
_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_HEADER_WIDTH = 12  # digits kept free in the header for counts known only at the end


def partial_path(out: str) -> str:
    """Where a pull writes until it is complete: ``OUT.partial``."""
    return out + ".partial"


# --------------------------------------------------------------------------- queries


def _query(schema: str, operation: str, line_count: Optional[int] = None) -> Any:
    q = etree.Element("queryDef", schema=schema, operation=operation)
    if line_count is not None:
        q.set("lineCount", str(line_count))
    return q


def count_query() -> Any:
    """``count`` of every ``xtk:operator`` row (operators and groups)."""
    return _query("xtk:operator", "count")


def select_query(page_size: int, after: Optional[int]) -> Any:
    """One keyset page of ``xtk:operator``: ``lineCount`` rows ordered by ``@id``, after ``after``."""
    q = _query("xtk:operator", "select", page_size)
    select = etree.SubElement(q, "select")
    for expr in OPERATOR_FIELDS:
        etree.SubElement(select, "node", expr=expr)
    if after is not None:
        where = etree.SubElement(q, "where")
        etree.SubElement(where, "condition", expr=f"@id > {after}")
    order = etree.SubElement(q, "orderBy")
    etree.SubElement(order, "node", expr="@id")
    return q


def membership_query(first: int, last: int, page_size: int, start: int) -> Any:
    """Memberships (operator id, group name) of the operators with ids from ``first`` to ``last``."""
    q = _query("xtk:operatorGroup", "select", page_size)
    if start:
        q.set("startLine", str(start))
    select = etree.SubElement(q, "select")
    for expr, alias in MEMBERSHIP_FIELDS:
        etree.SubElement(select, "node", expr=expr, alias=alias)
    where = etree.SubElement(q, "where")
    etree.SubElement(where, "condition", expr=f"[@operator-id] >= {first} and [@operator-id] <= {last}")
    order = etree.SubElement(q, "orderBy")
    etree.SubElement(order, "node", expr="[@operator-id]")
    etree.SubElement(order, "node", expr="[@group-id]")
    return q


def envelope(query: Any) -> bytes:
    """The SOAP request around ``query``: an empty ``sessiontoken`` (the Bearer header authenticates)."""
    env = etree.Element(f"{{{_ENV}}}Envelope", nsmap={"soapenv": _ENV, "urn": _Q})
    etree.SubElement(env, f"{{{_ENV}}}Header")
    body = etree.SubElement(env, f"{{{_ENV}}}Body")
    call = etree.SubElement(body, f"{{{_Q}}}ExecuteQuery")
    etree.SubElement(call, f"{{{_Q}}}sessiontoken")
    entity = etree.SubElement(call, f"{{{_Q}}}entity")
    entity.append(query)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _pdom(root: Any, where: str) -> Any:
    for el in root.iter():
        if _local(el.tag) == "pdomOutput":
            return el
    raise PullError(f"{where}: the answer has no pdomOutput (not an ExecuteQuery answer)")


def _rows(root: Any, collection: str, where: str) -> List[Any]:
    pdom = _pdom(root, where)
    for el in pdom:
        if _local(el.tag) == collection:
            return [row for row in el if isinstance(row.tag, str)]
    if len(pdom) == 0:
        return []
    raise PullError(f"{where}: the answer holds no <{collection}>")


# --------------------------------------------------------------------------- writing


_SPECIAL_RE = re.compile(r'[&<>"\n\r\t]')
_LOCAL: Dict[str, str] = {}


def _attr(value: str) -> str:
    """An attribute value in double quotes, escaped (most values need nothing: 200k rows, ~10 values each)."""
    if _SPECIAL_RE.search(value) is None:
        return f'"{value}"'
    return (
        '"'
        + (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace('"', "&quot;")
            .replace("\n", "&#10;")
            .replace("\r", "&#13;")
            .replace("\t", "&#9;")
        )
        + '"'
    )


def _name(tag: str) -> str:
    name = _LOCAL.get(tag)
    if name is None:
        name = _LOCAL[tag] = tag.rsplit("}", 1)[-1]
    return name


def _write_element(el: Any, out: List[str], extra: Optional[Sequence[str]] = None) -> None:
    """``el`` without namespaces (local names), attributes escaped; ``extra`` group names as operatorGroup."""
    name = _name(el.tag)
    attrs = "".join([f" {_name(k)}={_attr(v)}" for k, v in el.attrib.items()])
    children = [c for c in el if isinstance(c.tag, str)]
    text = (el.text or "").strip()
    if not children and not text and not extra:
        out.append(f"<{name}{attrs}/>")
        return
    out.append(f"<{name}{attrs}>")
    if text:
        out.append(escape(text))
    for child in children:
        _write_element(child, out)
    if extra:
        out.append("<operatorGroup>")
        out.extend([f'<group _operation="none" name={_attr(g)} type="1"/>' for g in extra])
        out.append("</operatorGroup>")
    out.append(f"</{name}>")


def _stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _comment_text(value: str) -> str:
    """``value`` made safe inside an XML comment (no ``--``)."""
    while "--" in value:
        value = value.replace("--", "- -")
    return value


class _Writer:
    """Streams one SOAP ExecuteQuery answer to ``path``; the header's counts are filled in at the end."""

    def __init__(self, path: str, instance: str, page_size: int, groups: bool) -> None:
        self.path = path
        self.fh = open(path, "w", encoding="utf-8", newline="\n")
        self.rows = 0
        first = etree.tostring(select_query(page_size, None), encoding="unicode")
        lines = [
            "<?xml version='1.0' encoding='UTF-8'?>",
            "<!-- imslint pull: xtk:queryDef#ExecuteQuery on xtk:operator, keyset pages ordered by @id",
            f"     instance: {_comment_text(instance)}",
            f"     started: {_stamp()}",
            f'     query (first page; then <condition expr="@id &gt; LAST"/>): {_comment_text(first)}',
            f"     memberships: {'xtk:operatorGroup, per page' if groups else 'not pulled (option no-groups)'}",
        ]
        self.fh.write(lines[0] + "\n<!--" + "\n".join(_comment_text(line) for line in lines[1:])[4:] + "\n")
        # Counts are known at the end: fixed-width fields, rewritten in place by finish().
        self._counts_at = self.fh.tell()
        self.fh.write(self._counts(None, None, "running", "") + "\n")
        self.fh.write(
            "<SOAP-ENV:Envelope xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/' "
            "xmlns:ns='urn:xtk:queryDef'>\n<SOAP-ENV:Body>\n<ns:ExecuteQueryResponse>\n<pdomOutput>\n"
            "<operator-collection>\n"
        )

    @staticmethod
    def _counts(counted: Optional[int], pulled: Optional[int], status: str, finished: str) -> str:
        def num(v: Optional[int]) -> str:
            return ("?" if v is None else str(v)).ljust(_HEADER_WIDTH)

        return (
            f"     counted: {num(counted)} pulled: {num(pulled)} status: {status.ljust(10)} "
            f"finished: {finished.ljust(20)} -->"
        )

    def write_rows(self, rows: Sequence[Any], groups: Dict[str, List[str]]) -> None:
        out: List[str] = []
        for row in rows:
            _write_element(row, out, groups.get(row.get("id", "")))
            out.append("\n")
        self.fh.write("".join(out))
        self.rows += len(rows)

    def finish(self, counted: Optional[int], status: str, note: str = "", close: bool = True) -> None:
        """Write the end (``close``: the closing tags too) and the counts in the header."""
        if note:
            self.fh.write(f"<!-- {_comment_text(note)} -->\n")
        if close:
            self.fh.write(
                "</operator-collection>\n</pdomOutput>\n</ns:ExecuteQueryResponse>\n</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>\n"
            )
        self.fh.flush()
        self.fh.seek(self._counts_at)
        self.fh.write(self._counts(counted, self.rows, status, _stamp()))
        self.fh.close()

    def abandon(self) -> None:
        try:
            self.fh.close()
        except OSError:  # pragma: no cover
            pass


# --------------------------------------------------------------------------- pulling


@dataclasses.dataclass
class PullResult:
    """What a pull did: where it wrote, what the count said, what was pulled, and its warnings."""

    path: str
    counted: Optional[int]
    pulled: int
    pages: int
    memberships: int
    warnings: List[str]


def _count(client: Client) -> int:
    where = "count of xtk:operator"
    root = client.execute(ACTION, envelope(count_query()))
    pdom = _pdom(root, where)
    for el in pdom.iter():
        value = el.get("count")
        if value is not None and value.strip().isdigit():
            return int(value)
    raise PullError(f"{where}: the answer holds no count")


def _row_id(row: Any, where: str) -> int:
    value = row.get("id")
    try:
        return int(value)  # type: ignore[arg-type,unused-ignore]  # a str or None, from the response
    except (TypeError, ValueError):
        raise PullError(f"{where}: a row without a numeric @id ({_local(row.tag)})") from None


def _memberships(client: Client, first: int, last: int, page_size: int) -> Dict[str, List[str]]:
    groups: Dict[str, List[str]] = {}
    start = 0
    while True:
        where = f"memberships of operators {first}..{last}"
        try:
            root = client.execute(ACTION, envelope(membership_query(first, last, page_size, start)))
            rows = _rows(root, "operatorGroup-collection", where)
        except PullError as exc:
            raise PullError(f"{exc} (reading group memberships; --no-groups pulls without them)") from None
        for row in rows:
            op = row.get("operator")
            name = row.get("group")
            if op is None or name is None:
                # Without the alias, Campaign nests the linked group: <group name="..."/>.
                op = op if op is not None else row.get("operator-id")
                sub = next((c for c in row if _local(c.tag) == "group"), None)
                name = name if name is not None else (sub.get("name") if sub is not None else None)
            if op is not None and name:
                groups.setdefault(op.strip(), []).append(name)
        if len(rows) < page_size:
            return groups
        start += len(rows)


def pull_operators(  # noqa: C901
    client: Client,
    out: str,
    page_size: int = DEFAULT_PAGE_SIZE,
    groups: bool = True,
    keep_partial: bool = True,
    progress: Optional[Callable[[int, Optional[int]], None]] = None,
) -> PullResult:
    """Pull every ``xtk:operator`` row to ``out`` (through ``out.partial``); PullError on failure.

    On failure the rows pulled so far stay in ``out.partial`` (marked ``status:
    FAILED`` and left unclosed, so that no scan takes it for a whole export)
    unless ``keep_partial`` is false; ``out`` is never written unless the pull
    is complete.
    """
    if page_size < 1:
        raise PullError("--page-size must be at least 1")
    if os.path.isdir(out):
        raise PullError(f"--out {out!r} is a folder")
    parent = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(parent):
        raise PullError(f"--out: the folder {parent!r} does not exist")
    tmp = partial_path(out)
    counted: Optional[int] = None
    pages = memberships = 0
    warnings: List[str] = []
    writer: Optional[_Writer] = None
    try:
        counted = _count(client)
        try:
            writer = _Writer(tmp, client.instance, page_size, groups)
        except OSError as exc:
            raise PullError(f"cannot write {tmp!r}: {exc.strerror or exc}") from None
        last: Optional[int] = None
        while True:
            where = f"page {pages + 1} of xtk:operator" + (f" (@id > {last})" if last is not None else "")
            root = client.execute(ACTION, envelope(select_query(page_size, last)))
            rows = _rows(root, "operator-collection", where)
            pages += 1
            if not rows:
                break
            if len(rows) > page_size:
                raise PullError(f"{where}: {len(rows)} rows for lineCount {page_size}: the instance ignored lineCount")
            ids = [_row_id(r, where) for r in rows]
            if (last is not None and ids[0] <= last) or any(b <= a for a, b in zip(ids, ids[1:])):
                raise PullError(
                    f"{where}: rows not in increasing @id order after {last}: the instance ignored the paging condition"
                )
            member_of: Dict[str, List[str]] = {}
            if groups:
                member_of = _memberships(client, ids[0], ids[-1], page_size)
                memberships += sum(len(v) for v in member_of.values())
            writer.write_rows(rows, member_of)
            last = ids[-1]
            if progress is not None:
                progress(writer.rows, counted)
            del root, rows
        if counted is not None and writer.rows != counted:
            warnings.append(
                f"the instance counted {counted} xtk:operator row(s) before the pull but {writer.rows} were pulled: "
                "operators were added or deleted while it ran, or the technical account does not see them all; "
                "pull again to confirm"
            )
        writer.finish(counted, "complete", "; ".join(warnings))
        os.replace(tmp, out)
    except BaseException as exc:
        if writer is not None:
            reason = str(exc) if isinstance(exc, PullError) else type(exc).__name__
            try:
                # Left unclosed on purpose: a scan of the partial file (imslint check on its folder) reads the rows
                # but reports the file as cut short (exit 2, readiness "Unknown"), never as a complete export.
                writer.finish(
                    counted, "FAILED", f"PARTIAL: the pull failed after {writer.rows} row(s): {reason}", close=False
                )
            except OSError:
                writer.abandon()
            if not keep_partial:
                try:
                    os.remove(tmp)
                except OSError:
                    pass
        raise
    return PullResult(out, counted, writer.rows, pages, memberships, warnings)
