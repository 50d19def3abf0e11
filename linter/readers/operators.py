"""Readers of Campaign operator exports: packages, SOAP responses and ``Write`` bodies (XML), and CSV lists.

Both readers stream: an export of a million operators is read in flat memory and
every record carries the real line of its ``<operator>`` element (or CSV row).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import os
import re
from collections import deque
from itertools import accumulate, repeat
from typing import Any, AnyStr, Deque, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from lxml import etree

from ..model import OperatorRecord
from . import InputFile, NothingRead, Reader, ReadError, xml_error_message
from . import operator_labels as _labels
from .source import BOMS

__all__ = [
    "OperatorXmlReader",
    "OperatorCsvReader",
    "decode_head",
    "normalise_title",
    "header_verdict",
    "why_not_export",
]

# Values of @disable / "Account disabled" that mean "disabled" (case-insensitive).
_TRUE = frozenset({"1", "true", "yes"})

# Entity declarations must come before the root element: the pre-scan reads this much of the
# file to find them. A document type declared further down (a padded prolog) is refused outright.
_PROLOG_SCAN = 65536
# Exports come in UTF-8 or UTF-16 (an XML parser's encodings); a UTF-32 mark is not one of theirs.
_EXPORT_BOMS = tuple((bom, codec) for bom, codec in BOMS if not codec.startswith("utf-32"))
_BOMS = tuple(bom for bom, _ in _EXPORT_BOMS)


# --------------------------------------------------------------------------- encodings


def _bom_encoding(head: bytes) -> Tuple[Optional[str], int]:
    """(codec, BOM length) when ``head`` starts with a byte-order mark or a UTF-16 ``<``."""
    for bom, codec in _EXPORT_BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    # UTF-16 without BOM (XML 1.0 appendix F): "<" followed or preceded by a NUL byte.
    if head[:2] == b"<\x00":
        return "utf-16-le", 0
    if head[:2] == b"\x00<":
        return "utf-16-be", 0
    return None, 0


def decode_head(head: bytes) -> str:
    """Decode the first bytes of a file well enough to look for ASCII markup (BOM and UTF-16 aware)."""
    codec, skip = _bom_encoding(head)
    if codec is None:
        # Every ASCII-compatible encoding (UTF-8, ISO-8859-x, cp1252) keeps markup readable as latin-1.
        return head.decode("latin-1")
    body = head[skip:]
    if codec.startswith("utf-16") and len(body) % 2:
        body = body[:-1]  # the 8 KiB head may end in the middle of a code unit
    return body.decode(codec, "replace")


# --------------------------------------------------------------------------- XML


_NAME = r"[A-Za-z_][\w.\-]*"
_ROOT_RE = re.compile(rf"<(?:{_NAME}:)?({_NAME})")
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_ENTITIES_RE = re.compile(r"<(?:\w+:)?entities\b[^>]*?\bschema\s*=\s*[\"']([^\"']*)[\"']", re.S)
_COLLECTION_RE = re.compile(rf"<(?:{_NAME}:)?operator-collection[\s>/]")
_WRITE_RE = re.compile(rf"<(?:{_NAME}:)?Write(?:Collection)?[\s>/]|xtk:session#Write")
_OPERATOR_XTKSCHEMA_RE = re.compile(rf"<(?:{_NAME}:)?operator\s[^>]*?\bxtkschema\s*=\s*[\"']xtk:operator[\"']", re.S)
_OPERATOR_SCHEMAS = frozenset({"xtk:operator", "xtk:group"})
# get / getIfExists / count on xtk:operator: one <operator> right inside pdomOutput (domain.md 2.2).
_PDOM_OPERATOR_RE = re.compile(rf"<(?:{_NAME}:)?pdomOutput\b[^>]*>\s*<(?:{_NAME}:)?operator[\s/>]")


def _blank_comments(text: str) -> str:
    """Replace comments by as many newlines as they hold, so offsets still give the right line."""
    return _COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _root_local_name(text: str) -> Tuple[Optional[str], int]:
    """Local name of the root element and where it starts, skipping the prolog (declaration, PIs, DOCTYPE)."""
    i, n = 0, len(text)
    while i < n:
        j = text.find("<", i)
        if j < 0 or text[i:j].strip("\ufeff \t\r\n"):
            return None, -1  # no markup, or text before it: not an XML document
        if text.startswith("<?", j):
            end = text.find("?>", j + 2)
            if end < 0:
                return None, -1
            i = end + 2
        elif text.startswith("<!DOCTYPE", j):
            # An internal subset holds '>' characters: skip to the ']' that closes it first.
            bracket = text.find("[", j)
            gt = text.find(">", j)
            if 0 <= bracket < gt:
                close = text.find("]", bracket)
                if close < 0:
                    return None, -1
                gt = text.find(">", close)
            if gt < 0:
                return None, -1
            i = gt + 1
        elif text.startswith("<!", j):
            gt = text.find(">", j)
            if gt < 0:
                return None, -1
            i = gt + 1
        else:
            m = _ROOT_RE.match(text, j)
            return (m.group(1), j) if m else (None, -1)
    return None, -1


def _is_true(value: Optional[str]) -> bool:
    """``@disable``-style flags: 1, true or yes (any case) mean set."""
    return value is not None and value.strip().lower() in _TRUE


def _parse_type(value: Optional[str], default: int = 0) -> int:
    """``@type``: 0 operator, 1 group (also accepts the labels); anything unknown is an operator."""
    if value is None:
        return default
    v = value.strip().lower()
    if v in ("", "0", "operator"):
        return 0 if v else default
    if v in ("1", "group"):
        return 1
    try:
        return int(v)
    except ValueError:
        return default


class OperatorXmlReader(Reader):
    """``xtk:operator`` exports: packages, ``ExecuteQuery`` responses, ``Write`` bodies, bare ``<operator>``."""

    name = "operator-xml"
    priority = 100
    phase = 1
    streaming = True
    subjects = (OperatorRecord,)

    def sniff(self, path: str, head: bytes) -> bool:
        """True when the head shows an operator export (and not another kind of Campaign XML)."""
        start = head[:64].lstrip(b" \t\r\n")[:2]
        if len(start) < 2:
            start = head.lstrip(b" \t\r\n")[:2]
        if start[:1] != b"<" and start != b"\x00<" and not head.startswith(_BOMS):
            return False  # not markup: most files of a code repository stop here
        text = _blank_comments(decode_head(head))
        root, _ = _root_local_name(text)
        if root is None:
            return False
        if root in ("operator", "operator-collection"):
            return True
        if root == "package":
            schemas = {s.strip() for s in _ENTITIES_RE.findall(text)}
            # A mixed package (operators + workflows...) is left to the Campaign XML reader, whose
            # scripts matter more; a pure operator/group package is ours.
            return bool(schemas) and schemas <= _OPERATOR_SCHEMAS
        if root in ("Envelope", "Body", "ExecuteQueryResponse", "pdomOutput"):
            if _COLLECTION_RE.search(text) or _PDOM_OPERATOR_RE.search(text):
                return True
            return bool(_WRITE_RE.search(text) and _OPERATOR_XTKSCHEMA_RE.search(text))
        if root in ("Write", "WriteCollection", "domDoc"):
            return bool(_OPERATOR_XTKSCHEMA_RE.search(text) or _COLLECTION_RE.search(text))
        return False

    def explain(self, path: str, head: bytes) -> str:
        """Why the file whose first bytes are ``head`` is not read as an operator export."""
        text = _blank_comments(decode_head(head))
        root, _ = _root_local_name(text)
        if root is None:
            return "not an XML document"
        if root == "package":
            schemas = sorted({s.strip() for s in _ENTITIES_RE.findall(text)})
            if not schemas:
                return "a package with no <entities schema=...> block"
            shown = ", ".join(s[:40] for s in schemas[:5]) + (", ..." if len(schemas) > 5 else "")
            return (
                f"a package of other entities ({shown}): only xtk:operator and xtk:group packages are operator exports"
            )
        if root in ("Envelope", "Body", "ExecuteQueryResponse", "pdomOutput"):
            return "a SOAP message with no operator-collection, <operator> in pdomOutput or xtk:operator Write"
        return (
            f"an XML document whose root is <{root[:40]}>: operator exports are packages of xtk:operator, "
            "SOAP ExecuteQuery responses, Write bodies or <operator>/<operator-collection> documents"
        )

    # ----------------------------------------------------------------- reading

    def read(self, source: InputFile) -> Iterator[OperatorRecord]:
        """Stream the ``<operator>`` elements of ``source`` (flat memory, real line numbers)."""
        try:
            with open(source.path, "rb") as fh:
                head = fh.read(_PROLOG_SCAN)
        except OSError as exc:
            raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
        codec, bom = _bom_encoding(head)
        text = decode_head(head)
        root_seen = _refuse_entity_declarations(text)
        with_groups = "xtk:group" in text
        utf16 = codec is not None and codec.startswith("utf-16")

        declared = _DECLARED_ENCODING_RE.match(text.lstrip("\ufeff"))
        utf8 = not utf16 and (
            declared is None or declared.group(1).strip().lower().replace("_", "-") in ("utf-8", "utf8")
        )
        tracker = _StartLines(text=utf16, groups=with_groups, columns=_shares_lines(text), utf8=utf8, lead=bom)
        units = _units(source.path, codec if utf16 else None, bom if utf16 else 0)
        yield from _parse(source, units, tracker, with_groups, root_seen, codec, whole=True)

    # ----------------------------------------------------------------- reading in pieces

    def split(self, path: str, parts: int) -> Optional[List["Piece"]]:
        """Cut a large export into ``parts`` pieces that :meth:`read_piece` reads in parallel.

        Returns None when the file is small or its shape is not one this can cut
        safely (UTF-16, a document type, groups, no ``<operator>`` in the first
        64 KiB). Each cut is made just before an ``<operator`` start tag; whether
        every cut really stands between two elements of the same parent (and not
        in a comment, say) is only known once the pieces are parsed: a piece
        that does not parse cleanly makes the caller read the file as a whole.
        """
        try:
            size = os.path.getsize(path)
            if parts < 2 or size < SPLIT_MIN_BYTES:
                return None
            with open(path, "rb") as fh:
                head = fh.read(_PROLOG_SCAN)
                codec, _ = _bom_encoding(head)
                if (codec is not None and codec.startswith("utf-16")) or b"xtk:group" in head:
                    return None
                if _shares_lines(head.decode("latin-1")):
                    return None  # a one-line export: read whole, so that records carry their columns
                opening = _opening(head)
                if opening is None:
                    return None
                prefix, stack = opening
                suffix = b"".join(b"</" + name + b">" for name in reversed(stack))
                cuts = _cuts(fh, size, parts, prefix)
                if not cuts:
                    return None
                return pieces_at(fh, cuts, prefix, suffix, count_lines=False)
        except OSError:
            return None

    def read_piece(self, source: InputFile, piece: "Piece") -> Iterator[OperatorRecord]:
        """Stream the records of one piece made by :meth:`split` (real line numbers).

        The piece is parsed in the context of the document's opening (its first
        bytes, up to the first operator, replayed) and closed with the end tags of
        that opening, so a cut that does not stand between two operators of one
        parent raises :class:`ReadError`.
        """
        try:
            with open(source.path, "rb") as fh:
                opening = fh.read(piece.prefix)
                line = piece.line or _count_lines(fh, [piece.start])[0]
        except OSError as exc:
            raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
        tracker = _StartLines(text=False, groups=False)

        def units() -> Iterator[Any]:
            if opening:
                yield opening  # scanned and parsed before the generator resumes:
                tracker.line = line  # the lines of the range start where it stands
            for unit in _units(source.path, None, 0, piece.start, piece.end):
                yield unit
            if piece.suffix:
                yield piece.suffix

        yield from _parse(source, units(), tracker, False, True, None)


SPLIT_MIN_BYTES = 8 << 20  # below this, starting processes costs more than reading in pieces saves


@dataclasses.dataclass(frozen=True)
class Piece:
    """A byte range of an operator export, read on its own (see :meth:`OperatorXmlReader.split`).

    ``start``/``end`` the range (``end`` -1: to the end of the file), ``line`` the line
    at ``start``, ``prefix`` how many bytes of the file's opening to replay first (0 for
    the first piece, which holds it), ``suffix`` the end tags that close the opening.
    """

    start: int
    end: int
    line: int
    prefix: int
    suffix: bytes


# Markup of a document's opening: comments, CDATA, PIs and the document type are skipped
# over; tags give the stack of open elements (attribute values may hold '>').
_OPENING_RE = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!"
    rb"|<(/?)((?:[\w.\-]+:)?([\w.\-]+))(?:\s(?:[^>\"']|\"[^\"]*\"|'[^']*')*)?>",
    re.S,
)
_OPERATOR_START_RE = re.compile(rb"<(?:[\w.\-]+:)?operator[\s/>]")
_CUT_WINDOW = 1 << 20


def _opening(head: bytes) -> Optional[Tuple[int, List[bytes]]]:
    """(offset of the first ``<operator`` start tag, qualified names of the elements open there)."""
    stack: List[bytes] = []
    for m in _OPENING_RE.finditer(head):
        if m.group(0) == b"<!":
            return None  # a document type (or an unterminated comment): not cut
        name = m.group(2)
        if name is None:
            continue
        if m.group(1):
            if not stack or stack.pop() != name:
                return None
        elif m.group(3) == b"operator":
            return m.start(), stack
        elif not m.group(0).endswith(b"/>"):
            stack.append(name)
    return None


# What counting the newlines before a piece costs, per byte, next to parsing it: the process of
# piece k counts the lines of pieces 0..k-1 first, so later pieces are made a little shorter.
_COUNT_COST = 0.03


def _balanced_offsets(size: int, parts: int) -> List[int]:
    """Where to cut a file of ``size`` bytes into ``parts`` pieces that cost the same to read.

    Piece k costs its bytes plus ``_COUNT_COST`` times the bytes before it (its
    process counts their lines first), so with ``T`` the cost of each piece, cut k
    stands at ``T * (1 - (1 - c)**k) / c``.
    """
    c = _COUNT_COST
    share = size * c / (1 - (1 - c) ** parts)
    return [int(share * (1 - (1 - c) ** i) / c) for i in range(1, parts)]


def _cuts(fh: Any, size: int, parts: int, prefix: int) -> List[int]:
    """Offsets of ``<operator`` start tags near :func:`_balanced_offsets`, increasing."""
    cuts: List[int] = []
    for target in _balanced_offsets(size, parts):
        at = max(target, (cuts[-1] + 1) if cuts else prefix + 1)
        fh.seek(at)
        window = fh.read(_CUT_WINDOW)
        # A start tag right after another tag's '>' (spaces between): one in a comment, CDATA or PI
        # usually follows text. (The parse of the pieces is the real check.)
        m = next((m for m in _OPERATOR_START_RE.finditer(window) if window[: m.start()].rstrip()[-1:] == b">"), None)
        if m is None:
            break
        cut = at + m.start()
        if size - cut < SPLIT_MIN_BYTES // parts:
            break
        cuts.append(cut)
    return cuts


def pieces_at(fh: Any, cuts: List[int], prefix: int, suffix: bytes, count_lines: bool = True) -> List[Piece]:
    """The pieces of the file open as ``fh`` cut at each offset of ``cuts`` (increasing).

    ``prefix`` is the length of the document's opening (up to its first operator)
    and ``suffix`` the end tags that close it. :meth:`OperatorXmlReader.split`
    chooses the cuts; tests call this with any cuts, good or bad. Without
    ``count_lines``, the line of each piece is left 0: :meth:`read_piece` counts
    it, in the process that reads the piece.
    """
    lines = _count_lines(fh, cuts) if count_lines else [0] * len(cuts)
    starts, ends = [0] + cuts, cuts + [-1]
    return [
        Piece(start, end, line, 0 if i == 0 else prefix, b"" if end < 0 else suffix)
        for i, (start, end, line) in enumerate(zip(starts, ends, [1] + lines))
    ]


def _count_lines(fh: Any, cuts: List[int]) -> List[int]:
    """The line number at each offset of ``cuts`` (increasing)."""
    fh.seek(0)
    line, pos, out = 1, 0, []
    for cut in cuts:
        while pos < cut:
            block = fh.read(min(1 << 22, cut - pos))
            if not block:
                break
            line += block.count(b"\n")
            pos += len(block)
        out.append(line)
    return out


def _parse(
    source: InputFile,
    units: Iterator[Any],
    tracker: "_StartLines",
    with_groups: bool,
    root_seen: bool,
    codec: Optional[str],
    whole: bool = False,
) -> Iterator[OperatorRecord]:
    """Feed ``units`` to a target parser; yield the records as they close; raise ReadError on a fault.

    ``whole``: the input is a whole file, and one that yields no record raises
    :class:`NothingRead` saying why (a ``count`` response, an empty ``getIfExists``...).
    """
    target = _Collector(source.display_path, tracker, with_groups)
    # No tree is built: lxml calls the target for each start and end tag, and the target
    # keeps only the operator being read. Entities stay unresolved, nothing is fetched.
    parser = etree.XMLParser(target=target, resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    utf16 = tracker.text
    amp: Any = "&" if utf16 else b"&"
    try:
        while True:
            failure: Optional[etree.XMLSyntaxError] = None
            data = next(units, None)
            try:
                if data is None:
                    parser.close()
                else:
                    tracker.scan(data)
                    if not target.amp and amp in data:
                        target.amp = True
                    parser.feed(data)
            except etree.XMLSyntaxError as exc:
                failure = exc  # the records finished before the fault are still yielded below
            if target.saw_doctype and not root_seen:
                # The pre-scan could not see this (long) prolog: its DTD may declare entities.
                raise ReadError(
                    "refused: a document type declared after the first 64 KiB cannot be checked for "
                    "entity declarations (possible entity expansion or XXE attack)"
                )
            if target.records:
                records, target.records = target.records, []
                target.total += len(records)
                yield from records
            if failure is not None:
                line = failure.position[0] if failure.position and failure.position[0] else failure.lineno
                raise ReadError(xml_error_message(failure), line or None)
            if data is None:
                if whole and not target.total:
                    raise NothingRead(target.why_empty())
                return
    except UnicodeDecodeError as exc:
        raise ReadError(f"cannot decode file as {codec}: {exc.reason}", tracker.line) from None
    except OSError as exc:
        raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        close = getattr(units, "close", None)  # a generator: its file is closed now, not at collection
        if close is not None:
            close()


_REFUSED = "refused: the document type declares entities (possible entity expansion or XXE attack)"

# Kinds of tags the collector cares about, by local name.
_OPERATOR, _GROUP, _ACCESS, _CONTACT, _OPERATOR_GROUP, _RIGHTS, _RIGHT, _ENTITIES, _OTHER = range(9)
_KIND_OF = {
    "operator": _OPERATOR,
    "group": _GROUP,
    "access": _ACCESS,
    "contact": _CONTACT,
    "operatorGroup": _OPERATOR_GROUP,
    "rights": _RIGHTS,
    "operatorRights": _RIGHTS,
    "right": _RIGHT,
    "login-right": _RIGHT,
    "entities": _ENTITIES,
}
_FORMAT_OF = {
    "Write": "write",
    "WriteCollection": "write",
    "domDoc": "write",
    "package": "package",
    "Envelope": "soap",
    "Body": "soap",
    "pdomOutput": "soap",
}
_FORMAT_ORDER = ("write", "package", "soap")


def _unescape(value: str) -> str:
    """Attribute text as written: with entities unresolved, libxml2 hands '&' over as '&#38;'."""
    return value.replace("&#38;", "&") if "&" in value else value


class _Collector:
    """lxml parser target that turns ``<operator>`` elements into OperatorRecords as they close.

    It keeps the attributes of the open operator and of the few children that matter
    (``access``, ``contact``, ``operatorGroup/group``, rights); an operator nested in
    another is read as part of it. Finished records wait in ``records`` until the
    reader yields them after each piece of input.
    """

    def __init__(self, path: str, tracker: "_StartLines", with_groups: bool) -> None:
        self.path = path
        self.records: List[OperatorRecord] = []
        self.saw_doctype = False
        self._ops = tracker.operators
        self._cols = tracker.columns  # None unless operators share lines (a one-line export)
        self._col = 1
        self._groups = tracker.groups
        self._tracker = tracker
        self._with_groups = with_groups
        self._kinds: Dict[str, int] = {}
        self._formats: set = set()
        self._fmt: Optional[str] = None
        self._group_block = False  # inside <entities schema="xtk:group">
        self._cur: Optional[Dict[str, str]] = None  # attributes of the open operator
        self._depth = 0  # depth below the open operator
        self._d1 = _OTHER  # kind of the open child of the operator
        self._line = 0
        self._type_default = 0
        self._access: Optional[Dict[str, str]] = None
        self._contact_email: Optional[str] = None
        self._member_of: List[str] = []
        self._rights: List[str] = []
        self.amp = False  # set by the reader once a piece of input holds '&'
        self.total = 0  # records yielded so far (counted by _parse)
        self.counted: Optional[str] = None  # @count of a count response (<operator count="N"/>)
        self.empty = 0  # <operator/> elements without attributes or children (an empty getIfExists)

    def _kind(self, tag: str) -> int:
        local = tag[tag.rfind("}") + 1 :]
        kind = self._kinds[tag] = _KIND_OF.get(local, _OTHER)
        fmt = _FORMAT_OF.get(local)
        if fmt is not None:
            self._formats.add(fmt)
        return kind

    def start(self, tag: str, attrib: Dict[str, str]) -> None:  # noqa: C901
        """An element opens."""
        # The hot path (three to five calls per operator): the common cases are tested first.
        kind = self._kinds.get(tag)
        if kind is None:
            kind = self._kind(tag)
        if kind == _GROUP and self._with_groups:
            # Every <group start is queued, memberships included: pop them all to stay in step.
            group_line = self._groups.popleft() if self._groups else self._tracker.line
        else:
            group_line = 0
        if self._cur is not None:
            depth = self._depth = self._depth + 1
            if kind == _OPERATOR:
                if self._ops:
                    self._ops.popleft()  # nested in the open operator: not a record of its own
                if self._cols:
                    self._cols.popleft()
            elif depth == 1:
                self._d1 = kind
                if kind == _ACCESS:
                    self._access = attrib
                elif kind == _CONTACT:
                    self._contact_email = attrib.get("email")
                elif kind == _RIGHT:
                    self._add_right(attrib)
            elif depth == 2:
                if kind == _GROUP and self._d1 == _OPERATOR_GROUP:
                    name = attrib.get("name")
                    if name:
                        self._member_of.append(name)
                elif self._d1 == _RIGHTS:
                    self._add_right(attrib)
            return
        if kind == _OPERATOR:
            self._open(attrib, self._ops.popleft() if self._ops else self._tracker.line, 0)
            if self._cols is not None:
                self._col = self._cols.popleft() if self._cols else 1
        elif kind == _GROUP and self._group_block:
            # (An xtk:group block that starts after the first 64 KiB was not announced to the
            # scan: its lines are then those of the end of the piece being read.)
            self._open(attrib, group_line or self._tracker.line, 1)
        elif kind == _ENTITIES:
            self._group_block = attrib.get("schema", "").strip() == "xtk:group"

    def _open(self, attrib: Dict[str, str], line: int, type_default: int) -> None:
        self._cur = attrib
        self._line = line
        self._type_default = type_default
        self._access = None
        self._contact_email = None
        if self._member_of:
            self._member_of = []
        if self._rights:
            self._rights = []
        if self._fmt is None:
            self._fmt = next((f for f in _FORMAT_ORDER if f in self._formats), "operator")

    def _add_right(self, attrib: Dict[str, str]) -> None:
        name = attrib.get("name") or attrib.get("right")
        if name:
            self._rights.append(name)

    def end(self, tag: str) -> None:
        """An element closes: a record is finished when its operator closes."""
        depth = self._depth
        if depth:
            self._depth = depth - 1
        elif self._cur is not None:
            cur = self._cur
            if (
                len(cur) > 1
                or (cur and "count" not in cur)
                or self._access is not None
                or self._contact_email is not None
                or self._member_of
                or self._rights
            ):
                record = self._finish()
                if self._cols is not None:
                    record.column = self._col
                self.records.append(record)
            elif cur:
                self.counted = cur["count"]  # <operator count="N"/>: the answer of a count query, not an operator
            else:
                self.empty += 1  # <operator/>: getIfExists found nothing
            self._cur = None

    def why_empty(self) -> str:
        """Why a whole document gave no record (for :class:`NothingRead`)."""
        if self.counted is not None:
            count = self.counted.strip()
            return (
                f"a SOAP count response: {count if count.isdigit() and len(count) < 16 else '?'} operator(s) counted, "
                'none listed (export with operation="select" to check them)'
            )
        if self.empty:
            return "an empty SOAP getIfExists response: no operator matched the query"
        if "soap" in self._formats:
            return "a SOAP response that lists no operator (an empty select)"
        if "package" in self._formats:
            return "a package with no <operator> element"
        return "no <operator> element"

    def _finish(self) -> OperatorRecord:
        get = self._cur.get  # type: ignore[union-attr]
        email = get("email") or self._contact_email or ""
        disable = get("disable")
        if disable is None:
            disable = get("disabled")
        access = self._access
        if access is not None:
            auth = access.get("authenticationType") or ""
            no_console = access.get("noConsoleCnx")
            ims_user_id = "" if auth else access.get("imsUserId") or ""
        else:
            auth = ims_user_id = ""
            no_console = get("noConsoleCnx")  # looser hand-made shape
        if not auth and not ims_user_id:
            ims_user_id = get("imsUserId") or ""
        t = get("type")
        if t is None:
            type_ = self._type_default
        elif t == "0":
            type_ = 0
        elif t == "1":
            type_ = 1
        else:
            type_ = _parse_type(t, self._type_default)
        login = get("name") or ""
        label = get("label") or ""
        email = email.strip()
        ims_user_id = ims_user_id.strip()
        groups = tuple(self._member_of)
        rights = tuple(self._rights)
        if self.amp:
            # Only a file holding '&' can hold an escaped one: the others skip five calls per record.
            login, label, email = _unescape(login), _unescape(label), _unescape(email)
            ims_user_id = _unescape(ims_user_id)
            groups = tuple(map(_unescape, groups))
            rights = tuple(map(_unescape, rights))
        record = _new_record(
            self.path,
            self._line,
            login,
            label,
            email,
            type_,
            disable is not None and (disable == "1" or disable.strip().lower() in _TRUE),
            auth if auth == "ims" or auth == "native" else auth.strip(),
            ims_user_id,
            no_console is not None and (no_console == "true" or no_console.strip().lower() in _TRUE),
            get("securityZone") or "",
            groups,
            rights,
            self._fmt or "operator",
            self.path,
        )
        oid = get("id")
        if oid:
            record.operator_id = oid.strip()
        return record

    def doctype(self, name: str, pubid: Optional[str], system: Optional[str]) -> None:
        """A DOCTYPE was parsed (the reader refuses it when the pre-scan could not check it)."""
        self.saw_doctype = True

    def close(self) -> None:
        """End of input (nothing to return: records are taken from ``records``)."""
        return None


_CHUNK = 1 << 16  # lxml's feed parser is fastest with chunks of 32-64 KiB
_TEXT_LIMIT = 1 << 22  # a text node this long without '<' is fed without waiting for the next tag


def _units(path: str, codec: Optional[str], bom: int, start: int = 0, end: int = -1) -> Iterator[Any]:
    """The file (or its bytes ``start:end``) in pieces that end just before a ``<`` (no tag is split).

    ASCII-compatible files come as bytes; UTF-16 files are decoded to str (lxml accepts
    both), so the scan for start tags works on characters.
    """
    decoder = codecs.getincrementaldecoder(codec)("strict") if codec else None
    lt: Any = "<" if decoder else b"<"
    carry: Any = "" if decoder else b""
    with open(path, "rb") as fh:
        if start:
            fh.seek(start)
        elif bom:
            fh.read(bom)
        left = end - start if end >= 0 else -1
        while True:
            if left < 0:
                raw = fh.read(_CHUNK)
            else:
                raw = fh.read(min(_CHUNK, left))
                left -= len(raw)
            data = decoder.decode(raw, not raw) if decoder else raw
            buf = carry + data if carry else data
            if not raw:
                if buf:
                    yield buf
                return
            cut = buf.rfind(lt)
            if cut <= 0:
                if len(buf) < _TEXT_LIMIT:
                    carry = buf
                    continue
                cut = len(buf)
            yield buf[:cut]
            carry = buf[cut:]


class _StartLines:
    """Finds the line where each ``<operator`` (and ``<group``) start tag begins, in stream order.

    The parser target gets no positions (and libxml2's own line numbers are those
    where a start tag *ends*, capped at 65535), so every piece of input is scanned
    before it is parsed: the parser then opens the elements in the same order and
    pops their lines. Comments, CDATA sections and processing instructions are
    skipped (a tag cannot hide anywhere else: '<' is not allowed in attribute
    values or text). The scan runs in C (``re.split`` and ``bytes.count``) for
    the plain pieces that make up nearly all of an export.
    """

    def __init__(self, text: bool, groups: bool, columns: bool = False, utf8: bool = False, lead: int = 0) -> None:
        self.text = text
        self.line = 1
        self.operators: Deque[int] = deque()
        # With ``columns`` (an export whose operators share lines, as an instance sends a select on one
        # line), the column of each <operator start tag too, in characters: with ``utf8`` (UTF-8 bytes fed),
        # the continuation bytes since the line start are left out of the count (``_cont`` up to ``_mark``).
        self.columns: Optional[Deque[int]] = deque() if columns else None
        self._utf8 = utf8 and not text
        self._cont = self._mark = lead if self._utf8 else 0  # a UTF-8 byte-order mark is fed but is no column
        self._offset = 0  # offset of the next piece in the stream
        self._line_start = 0  # offset where the current line starts
        self.groups: Deque[int] = deque()
        self._track_groups = groups
        enc = (lambda s: s) if text else (lambda s: s.encode("ascii"))
        self._nl = enc("\n")
        # One-character tests first: they run at memchr speed, two-character ones do not.
        self._markers = ((enc("!"), enc("<!")), (enc("?"), enc("<?")), (enc(":"), enc(":operator")))
        self._fast = re.compile(enc(r"<operator(?=[\s/>])"))
        names = "operator|group" if groups else "operator"
        self._full = re.compile(enc(rf"<!--|<!\[CDATA\[|<\?|<(?:[\w.\-]+:)?({names})(?=[\s/>])"))
        self._ends = {enc("<!--"): enc("-->"), enc("<![CDATA["): enc("]]>"), enc("<?"): enc("?>")}
        self._operator = enc("operator")
        self._closing: Optional[Any] = None  # end marker of the comment/CDATA we are in

    def _special(self, data: AnyStr) -> bool:
        """True when ``data`` may hold a comment, CDATA, PI or prefixed operator (the slow path)."""
        return any(c in data and marker in data for c, marker in self._markers)

    def scan(self, data: AnyStr) -> None:
        """Record the start lines of the tags in ``data`` (the next piece of the stream)."""
        nl = self._nl
        if self.columns is not None:
            self._scan_columns(data)
            return
        if self._closing is None and not self._track_groups and not self._special(data):
            # Fast path (plain exports): split at each start tag and count newlines in C.
            pieces = self._fast.split(data)
            if len(pieces) == 1:
                self.line += data.count(nl)
                return
            lines = list(accumulate(map(type(data).count, pieces, repeat(nl)), initial=self.line))
            self.operators.extend(lines[1:-1])
            self.line = lines[-1]
            return
        pos, n, line = 0, len(data), self.line
        while pos < n:
            if self._closing is not None:
                end = data.find(self._closing, pos)
                if end < 0:
                    line += data.count(nl, pos)
                    break
                end += len(self._closing)
                line += data.count(nl, pos, end)
                pos, self._closing = end, None
                continue
            m = self._full.search(data, pos)
            if m is None:
                line += data.count(nl, pos)
                break
            line += data.count(nl, pos, m.start())
            pos = m.end()
            name = m.group(1)
            if name is None:
                self._closing = self._ends[m.group(0)]
            elif name == self._operator:
                self.operators.append(line)
            else:
                self.groups.append(line)
        self.line = line

    def _scan_columns(self, data: AnyStr) -> None:
        """:meth:`scan` that also records the column of each ``<operator`` start tag."""
        nl, n, base = self._nl, len(data), self._offset
        pos, line, line_start = 0, self.line, self._line_start
        utf8, cont, mark = self._utf8, self._cont, self._mark
        while pos < n:
            found = False
            if self._closing is not None:
                end = data.find(self._closing, pos)
                found = end >= 0
                to = end + len(self._closing) if found else n
            else:
                m = self._full.search(data, pos)
                to = n if m is None else m.start()
            k = data.rfind(nl, pos, to)
            if k >= 0:
                line += data.count(nl, pos, to)
                line_start = base + k + 1
                cont, mark = 0, line_start
            if self._closing is not None:
                if found:
                    self._closing = None
                pos = to
                continue
            if m is None:
                break
            pos = m.end()
            name = m.group(1)
            if name is None:
                self._closing = self._ends[m.group(0)]
            elif name == self._operator:
                self.operators.append(line)
                if utf8:
                    cont += _continuation_bytes(data, mark - base, m.start())  # type: ignore[arg-type]
                    mark = base + m.start()
                self.columns.append(base + m.start() - line_start + 1 - cont)  # type: ignore[union-attr]
            else:
                self.groups.append(line)
        if utf8:
            cont += _continuation_bytes(data, mark - base, n)  # type: ignore[arg-type]
            mark = base + n
        self.line, self._line_start, self._offset = line, line_start, base + n
        self._cont, self._mark = cont, mark


_CONTINUATION = bytes(range(0x80, 0xC0))
_DECLARED_ENCODING_RE = re.compile(r"""<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"']*)["']""")


def _continuation_bytes(data: bytes, start: int, end: int) -> int:
    """How many UTF-8 continuation bytes ``data[start:end]`` holds (its bytes that start no character)."""
    piece = data[start:end]
    return len(piece) - len(piece.translate(None, _CONTINUATION))


_ANY_OPERATOR_RE = re.compile(r"<(?:[\w.\-]+:)?operator[\s/>]")


def _shares_lines(head: str) -> bool:
    """True when the first bytes of an export hold more ``<operator`` start tags than line ends."""
    count = len(_ANY_OPERATOR_RE.findall(head))
    return count > 1 and count > head.count("\n")


def _refuse_entity_declarations(text: str) -> bool:
    """Raise ReadError for a DTD that declares entities (billion laughs, XXE) before the root element.

    Returns whether the root element was found in ``text`` (so the whole prolog was checked).
    """
    text = _blank_comments(text)
    _, root_at = _root_local_name(text)
    prolog = text if root_at < 0 else text[:root_at]
    at = prolog.find("<!ENTITY")
    if at >= 0:
        raise ReadError(_REFUSED, prolog.count("\n", 0, at) + 1)
    return root_at >= 0


_RECORD_FIELDS = (
    "path",
    "line",
    "login",
    "label",
    "email",
    "type",
    "disabled",
    "authentication_type",
    "ims_user_id",
    "no_console_cnx",
    "security_zone",
    "groups",
    "rights",
    "source_format",
    "export_id",
)
# Positional construction is three times faster than keywords (it matters at a million records);
# it is only used while the dataclass keeps this field order.
_POSITIONAL = tuple(f.name for f in dataclasses.fields(OperatorRecord))[: len(_RECORD_FIELDS)] == _RECORD_FIELDS


def _keyword_record(*values: Any) -> OperatorRecord:  # pragma: no cover - only if the field order changes
    return OperatorRecord(**dict(zip(_RECORD_FIELDS, values)))


_new_record = OperatorRecord if _POSITIONAL else _keyword_record


# --------------------------------------------------------------------------- CSV

# Column titles and cell values in every console language come from one table (operator_labels).
_INTERNAL_IN_PARENS = re.compile(r"^(.*?)\s*[(\uff08]\s*((?:[\w-]+/)*@[\w-]+)\s*[)\uff09]$")
_DELIMITERS = (";", ",", "\t")
_FIELD_OF_RECORD = {  # configuration field names -> the reader's own
    "login": "login",
    "label": "label",
    "email": "email",
    "disabled": "disabled",
    "authentication-type": "auth",
    "type": "type",
    "ims-user-id": "ims_user_id",
    "no-console": "no_console",
    "security-zone": "security_zone",
    "ignore": "ignore",
}
# Words in a file name that say it holds operators (a weak header is then enough).
_OPERATOR_FILE_WORDS = ("operator", "opérateur", "operateur", "benutzer", "オペレーター")


def normalise_title(title: str) -> List[str]:
    """Candidate keys of a column title: trimmed, unquoted, case-folded; ``Label (@x)`` gives both parts.

    Blanks are collapsed (non-breaking ones too), typographic apostrophes made straight
    (``Type d’authentification``) and a trailing colon dropped.
    """
    t = title.replace("\ufeff", "").replace("\u00a0", " ").strip().strip("\"'")
    t = " ".join(t.replace("\u2019", "'").replace("\u2018", "'").split()).casefold().rstrip(":").rstrip()
    m = _INTERNAL_IN_PARENS.match(t)
    return [m.group(2), m.group(1)] if m else [t]


def _build_titles() -> Dict[str, str]:
    out: Dict[str, str] = {}
    for fld, by_language in _labels.COLUMN_TITLES.items():
        for titles in by_language.values():
            for title in titles:
                for key in normalise_title(title):
                    out.setdefault(key, _FIELD_OF_RECORD[fld])
    return out


def _build_values(*names: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for name in names:
        for values in _labels.VALUES[name].values():
            for v in values:
                out[v.casefold()] = name
    return out


_TITLES = _build_titles()
# Every login title in any language holds one of these (the titles that hold no shorter one).
_LOGIN_WORDS = tuple(
    sorted(
        t
        for t in {k.strip("@") for k, v in _TITLES.items() if v == "login"}
        if not any(o != t and o in t for o in {k.strip("@") for k, v in _TITLES.items() if v == "login"})
    )
)
_STRONG_FIELDS = frozenset(_FIELD_OF_RECORD[f] for f in _labels.STRONG_FIELDS)
# Booleans: every "yes" of every language (case-folded); anything else is false.
_TRUE_CELLS = frozenset(k for k, v in _build_values("true", "false").items() if v == "true")
_TYPE_CELLS = {k: (1 if v == "group" else 0) for k, v in _build_values("operator", "group").items()}


def _parse_type_cell(value: str) -> int:
    """``@type`` from a CSV cell: 0/1, or the label in any console language."""
    t = _TYPE_CELLS.get(value.strip().lower())
    return t if t is not None else _parse_type(value)


def _map_columns(titles: Sequence[str], extra: Mapping[str, str]) -> Tuple[Dict[str, int], set, bool]:
    """(field -> column index, normalised titles, whether a configured title was used) of a header row."""
    mapping: Dict[str, int] = {}
    seen: set = set()
    configured = False
    for idx, title in enumerate(titles):
        for key in normalise_title(title):
            seen.add(key)
            fld = extra.get(key)
            if fld is not None:
                configured = True
            else:
                fld = _TITLES.get(key)
            if fld is not None and fld not in mapping:
                mapping[fld] = idx
                break
    mapping.pop("ignore", None)
    return mapping, seen, configured


_PASSWORD_TITLE_RE = re.compile(r"(?i)^\W*(?:pass(?:word|wd)?|pwd|mot de passe|passwort|kennwort|パスワード)\W*$")


def header_verdict(titles: Sequence[str], path: str, extra: Mapping[str, str] = {}) -> Optional[str]:
    """None when ``titles`` is the header of an operator list, else why not (for messages)."""
    if len(titles) < 2:
        return "the first line has fewer than two columns"
    mapping, seen, configured = _map_columns(titles, extra)
    if not configured and any(_PASSWORD_TITLE_RE.search(t) for t in titles):
        # the console's operator list has no password column: a table of credentials, read as code
        return "a password column (the console's operator list has none): read as a file of credentials"
    if "login" not in mapping:
        # The titles are not quoted: a file given by mistake may hold a secret on its first line.
        return (
            f"no column holds the login (none of its {len(titles)} column titles is a login title in any console "
            "language); map the title of the login column in [tool.imslint.operators.columns]"
        )
    if configured or _STRONG_FIELDS.intersection(mapping) or any(k.startswith("@") for k in seen):
        return None
    weak = sum(1 for f in ("label", "email") if f in mapping)
    if weak >= 2:
        return None
    # "Name;Label" (Adobe's documented extraction) or "Login;Email" alone is also a list of
    # contacts or of enumeration values: only take it when the file says it holds operators.
    name = os.path.basename(path).lower()
    if weak == 1 and any(w in name for w in _OPERATOR_FILE_WORDS):
        return None
    return (
        "a login column but no column only an operator list has (authentication type, account disabled), "
        "and not both label and email"
    )


def _split_header(line: str, delim: str) -> List[str]:
    try:
        return next(csv.reader([line], delimiter=delim))
    except (csv.Error, StopIteration):
        return []


def _could_name_login(line: str) -> bool:
    """A cheap necessary condition of a header: one of the console's login titles (any language) is in ``line``."""
    low = line.lower()
    return any(w in low for w in _LOGIN_WORDS)


def _header_delimiter(line: str, path: str, extra: Mapping[str, str] = {}) -> Optional[str]:
    """The delimiter under which ``line`` is an operator header, or None."""
    best: Optional[Tuple[int, str]] = None
    for delim in _DELIMITERS:
        if delim not in line:
            continue
        titles = _split_header(line, delim)
        if titles and header_verdict(titles, path, extra) is None and (best is None or len(titles) > best[0]):
            best = (len(titles), delim)
    return best[1] if best else None


def _header_problem(line: str, path: str, extra: Mapping[str, str] = {}) -> str:
    """Why ``line`` is not the header of an operator list, under the delimiter that splits it most."""
    delims = [d for d in _DELIMITERS if d in line]
    if not delims:
        return "the first line has no ';', ',' or tab between column titles"
    delim = max(delims, key=line.count)
    return header_verdict(_split_header(line, delim), path, extra) or "not an operator list"


def _decode_line(raw: bytes, path: str, extra: Mapping[str, str]) -> str:
    """A line without byte-order mark: UTF-8, else the legacy code page under which it is a header.

    Windows-1252 (Excel and the console in Western Europe) is tried first, then
    Shift_JIS (cp932: Excel in Japan); without a header under either, Windows-1252.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = raw.decode("cp1252", "replace")
    if _header_delimiter(text, path, extra) is None:
        try:
            sjis = raw.decode("cp932")
        except UnicodeDecodeError:
            return text
        if _header_delimiter(sjis, path, extra) is not None:
            return sjis
    return text


def _may_hold_delimiter(head: bytes) -> bool:
    """False when the first line of ``head`` surely holds none of :data:`_DELIMITERS` (checked on the bytes).

    The delimiters are ASCII in every encoding read here; in UTF-16/32 (a NUL
    byte near the start) a line break cannot be found on the bytes, so the whole head is looked at.
    """
    end = head.find(b"\n")
    first = head if end < 0 or b"\x00" in head[:4] else head[:end]
    return b";" in first or b"," in first or b"\t" in first


def _first_line(head: bytes, path: str = "", extra: Mapping[str, str] = {}) -> Optional[str]:
    """The first line of ``head`` decoded (BOM-aware; UTF-8, else cp1252 or cp932)."""
    codec, skip = _bom_encoding(head)
    if codec is not None and codec.startswith("utf-16"):
        text = decode_head(head)
        return text.split("\n", 1)[0].rstrip("\r")
    raw = head[skip:].split(b"\n", 1)[0].rstrip(b"\r")
    return _decode_line(raw, path, extra)


def _file_encoding(path: str, extra: Mapping[str, str] = {}) -> str:
    """Codec of a CSV file: BOM first, else UTF-8 when the whole file decodes, else cp1252 (or cp932)."""
    with open(path, "rb") as fh:
        head = fh.read(_PROLOG_SCAN)
        codec, bom = _bom_encoding(head)
        if bom:  # the codec that reads the mark and leaves it out of the header
            return "utf-8-sig" if codec == "utf-8" else "utf-16"
        if codec is not None:
            return codec
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    decoder.decode(b"", final=True)
                    return "utf-8"
                decoder.decode(chunk)
        except UnicodeDecodeError:
            pass
    raw = head.split(b"\n", 1)[0].rstrip(b"\r")
    legacy = "cp1252"
    if _header_delimiter(raw.decode("cp1252", "replace"), path, extra) is None:
        try:
            if _header_delimiter(raw.decode("cp932"), path, extra) is not None:
                legacy = "cp932"
        except UnicodeDecodeError:
            pass
    if legacy == "cp1252":
        # cp1252 leaves five bytes undefined: a file holding one is read as Latin-1.
        with open(path, "rb") as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    return "cp1252"
                if any(b in chunk for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")):
                    return "latin-1"
    return legacy


class OperatorCsvReader(Reader):
    """CSV/TSV operator lists (export wizard, Data extraction, ``Configure list`` exports), in any console language.

    Column titles and values are looked up in :mod:`imslint.readers.operator_labels`;
    ``configure({"columns": {title: field}})`` adds a user's own titles.
    """

    name = "operator-csv"
    priority = 90
    phase = 1
    streaming = True
    subjects = (OperatorRecord,)

    def __init__(self) -> None:
        self.columns: Dict[str, str] = {}  # normalised title -> field, from the configuration

    def configure(self, options: Mapping[str, Any]) -> None:
        """Take ``columns`` (column title -> field name of :data:`operator_labels.FIELDS`)."""
        columns = options.get("columns") or {}
        self.columns = {}
        for title, fld in columns.items():
            if fld not in _FIELD_OF_RECORD:
                raise ValueError(
                    f"unknown field {fld!r} for column {title!r} (expected one of {', '.join(_labels.FIELDS)})"
                )
            for key in normalise_title(title):
                self.columns[key] = _FIELD_OF_RECORD[fld]

    def sniff(self, path: str, head: bytes) -> bool:
        """True when the first line is a header naming a login column and an operator column."""
        if not _may_hold_delimiter(head):
            return False  # a header has two titles at least: most files of a code repository stop here
        line = _first_line(head, path, self.columns)
        if not line or line.lstrip("\ufeff \t")[:1] in ("<", "{", "[", "#"):
            return False
        if not self.columns and not _could_name_login(line):
            return False  # no login title in any language: most files of a code repository stop here
        return _header_delimiter(line, path, self.columns) is not None

    def explain(self, path: str, head: bytes) -> str:
        """Why the file whose first bytes are ``head`` is not read as an operator list."""
        line = _first_line(head, path, self.columns)
        if not line or not line.strip("\ufeff \t"):
            return "the first line is empty"
        if line.lstrip("\ufeff \t")[:1] in ("<", "{", "[", "#"):
            return "not a CSV list (it starts with markup, JSON or a comment)"
        return _header_problem(line, path, self.columns)

    def read(self, source: InputFile) -> Iterator[OperatorRecord]:
        """Stream the rows of ``source`` as OperatorRecords (line = first physical line of the row)."""
        try:
            encoding = _file_encoding(source.path, self.columns)
            fh = open(source.path, "r", encoding=encoding, newline="")
        except OSError as exc:
            raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
        with fh:
            columns = _csv_header(fh, source.path, self.columns)
            rows = _csv_rows(fh, source.display_path, columns, 1, strict=False)
            first = next(rows, None)
            if first is None:
                raise NothingRead(f"an operator list ({encoding}) whose header is followed by no row")
            yield first
            yield from rows

    # ----------------------------------------------------------------- reading in pieces

    def split(self, path: str, parts: int) -> Optional[List["CsvPiece"]]:
        """Cut a large CSV export at line ends into ``parts`` pieces for :meth:`read_piece`.

        Only files in an ASCII-compatible encoding (UTF-8, Windows-1252, Latin-1)
        are cut. A cut may fall inside a quoted field that spans lines: the piece
        before it then ends in an open quote, which the strict parse of the pieces
        reports, and the caller reads the file whole.
        """
        try:
            size = os.path.getsize(path)
            if parts < 2 or size < SPLIT_MIN_BYTES:
                return None
            encoding = _file_encoding(path, self.columns)
            if encoding not in ("utf-8", "utf-8-sig", "cp1252", "latin-1"):
                return None
            with open(path, "rb") as fh:
                header_end = fh.read(_PROLOG_SCAN).find(b"\n") + 1
                if header_end <= 0:
                    return None
                cuts: List[int] = []
                for at in _balanced_offsets(size, parts):
                    fh.seek(max(at, cuts[-1] if cuts else header_end))
                    window = fh.read(_CUT_WINDOW)
                    nl = window.find(b"\n")
                    if nl < 0:
                        break
                    cut = fh.tell() - len(window) + nl + 1
                    if size - cut < SPLIT_MIN_BYTES // parts:
                        break
                    cuts.append(cut)
        except OSError:
            return None
        if not cuts:
            return None
        return [CsvPiece(start, end, encoding) for start, end in zip([0] + cuts, cuts + [-1])]

    def read_piece(self, source: InputFile, piece: "CsvPiece") -> Iterator[OperatorRecord]:
        """Stream the rows of one piece made by :meth:`split` (parsed strictly; real line numbers)."""
        try:
            fh = open(source.path, "rb")
        except OSError as exc:
            raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
        with fh:
            header = fh.readline().decode(piece.encoding, "replace")  # the rows of piece 0 follow it
            columns = _csv_header(io.StringIO(header), source.path, self.columns)
            line = 1
            if piece.start:
                line = _count_lines(fh, [piece.start])[0] - 1  # lines before the piece
                fh.seek(piece.start)
            rows = "utf-8" if piece.encoding == "utf-8-sig" else piece.encoding  # the mark was before the header
            text = io.TextIOWrapper(io.BufferedReader(_Range(fh, piece.end)), encoding=rows, newline="")
            yield from _csv_rows(text, source.display_path, columns, line, strict=True)


@dataclasses.dataclass(frozen=True)
class CsvPiece:
    """A byte range of a CSV export (``end`` -1: to the end), cut at a line end, and the file's codec."""

    start: int
    end: int
    encoding: str


class _Range(io.RawIOBase):
    """The bytes of an open file from its position up to ``end`` (-1: to the end of the file)."""

    def __init__(self, fh: Any, end: int) -> None:
        super().__init__()
        self._fh, self._left = fh, (end - fh.tell()) if end >= 0 else -1

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = len(buffer) if self._left < 0 else min(len(buffer), self._left)
        data = self._fh.read(want)
        buffer[: len(data)] = data
        if self._left > 0:
            self._left -= len(data)
        return len(data)


def _csv_header(fh: Any, path: str, extra: Mapping[str, str] = {}) -> Tuple[str, Dict[str, int], int]:
    """(delimiter, column of each field, number of columns) from the header line of ``fh``."""
    try:
        header_line = fh.readline()
    except UnicodeDecodeError as exc:  # pragma: no cover - the encoding was checked
        raise ReadError(f"cannot decode file: {exc.reason}", 1) from None
    line = header_line.rstrip("\r\n").lstrip("\ufeff")
    delim = _header_delimiter(line, path, extra)
    if delim is None:
        raise ReadError(
            f"the first line is not the header of an operator list: {_header_problem(line, path, extra)}", 1
        )
    titles = next(csv.reader([line], delimiter=delim))
    mapping, _, _ = _map_columns(titles, extra)
    return delim, mapping, len(titles)


def _csv_rows(
    fh: Any, display: str, columns: Tuple[str, Dict[str, int], int], consumed: int, strict: bool
) -> Iterator[OperatorRecord]:
    """The records of the rows of ``fh`` (after the header); ``consumed`` physical lines come before."""
    delim, mapping, ncols = columns
    reader = csv.reader(fh, delimiter=delim, strict=strict)
    col = mapping.get
    i_login, i_label, i_email = col("login"), col("label"), col("email")
    i_dis, i_auth, i_type = col("disabled"), col("auth"), col("type")
    i_ims, i_nc, i_zone = col("ims_user_id"), col("no_console"), col("security_zone")
    true_cells = _TRUE_CELLS
    base = consumed
    while True:
        start = consumed + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ReadError(f"malformed CSV: {exc}", base + reader.line_num) from None
        except UnicodeDecodeError as exc:  # pragma: no cover - the encoding was checked
            raise ReadError(f"cannot decode file: {exc.reason}", base + reader.line_num) from None
        consumed = base + reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        if len(row) != ncols:
            raise ReadError(f"row has {len(row)} fields where the header has {ncols}", start)
        # Positional, cells inlined: this runs once per row of exports of a million rows.
        yield _new_record(
            display,
            start,
            row[i_login].strip() if i_login is not None else "",
            row[i_label].strip() if i_label is not None else "",
            row[i_email].strip() if i_email is not None else "",
            _parse_type_cell(row[i_type]) if i_type is not None else 0,
            row[i_dis].strip().lower() in true_cells if i_dis is not None else False,
            # As written: every console language writes "IMS" (uses_ims ignores case), the rest is native.
            row[i_auth].strip() if i_auth is not None else "",
            row[i_ims].strip() if i_ims is not None else "",
            row[i_nc].strip().lower() in true_cells if i_nc is not None else False,
            row[i_zone].strip() if i_zone is not None else "",
            (),
            (),
            "csv",
            display,
        )


def why_not_export(path: str, readers: Sequence[Reader]) -> str:
    """Why the file at ``path`` is not read as an operator export, asking the reader of its kind."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError as exc:
        return f"cannot read file: {exc.strerror or exc}"
    if not head.strip():
        return "the file is empty"
    codec, _ = _bom_encoding(head)
    if codec is None and b"\x00" in head:
        return "a binary file"
    text = decode_head(head).lstrip("\ufeff \t\r\n")
    wanted = "operator-xml" if text[:1] == "<" else "operator-csv"
    for reader in readers:
        if reader.name == wanted:
            return reader.explain(path, head)  # type: ignore[attr-defined]
    return "no reader of operator exports is loaded"
