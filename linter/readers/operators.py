"""Readers of Campaign operator exports: packages, SOAP responses and ``Write`` bodies (XML), and CSV lists.

Both readers stream: an export of a million operators is read in flat memory and
every record carries the real line of its ``<operator>`` element (or CSV row).
"""

from __future__ import annotations

import codecs
import csv
import os
import re
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from lxml import etree

from ..model import OperatorRecord
from . import InputFile, ReadError, Reader

__all__ = ["OperatorXmlReader", "OperatorCsvReader", "decode_head"]

# Values of @disable / "Account disabled" that mean "disabled" (case-insensitive).
_TRUE = frozenset({"1", "true", "yes"})

# The prolog can in theory be padded; entity declarations must come before the root element,
# so the pre-scan reads this much of the file to find them (lxml's own limits cover the rest).
_PROLOG_SCAN = 65536


# --------------------------------------------------------------------------- encodings


def _bom_encoding(head: bytes) -> Tuple[Optional[str], int]:
    """(codec, BOM length) when ``head`` starts with a byte-order mark or a UTF-16 ``<``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le", 2
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be", 2
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
_OPERATOR_XTKSCHEMA_RE = re.compile(
    rf"<(?:{_NAME}:)?operator\s[^>]*?\bxtkschema\s*=\s*[\"']xtk:operator[\"']", re.S
)
_OPERATOR_SCHEMAS = frozenset({"xtk:operator", "xtk:group"})


def _blank_comments(text: str) -> str:
    """Replace comments by as many newlines as they hold, so offsets still give the right line."""
    return _COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _root_local_name(text: str) -> Tuple[Optional[str], int]:
    """Local name of the root element and where it starts, skipping the prolog (declaration, PIs, DOCTYPE)."""
    i, n = 0, len(text)
    while i < n:
        j = text.find("<", i)
        if j < 0:
            return None, -1
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


def _local(tag: object) -> str:
    """Local part of an lxml tag ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag[tag.rfind("}") + 1 :]


def _is_true(value: Optional[str]) -> bool:
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

    def sniff(self, path: str, head: bytes) -> bool:
        """True when the head shows an operator export (and not another kind of Campaign XML)."""
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
        if root in ("Envelope", "Body"):
            if _COLLECTION_RE.search(text):
                return True
            return bool(_WRITE_RE.search(text) and _OPERATOR_XTKSCHEMA_RE.search(text))
        if root in ("Write", "WriteCollection", "domDoc"):
            return bool(_OPERATOR_XTKSCHEMA_RE.search(text) or _COLLECTION_RE.search(text))
        return False

    # ----------------------------------------------------------------- reading

    def read(self, source: InputFile) -> Iterator[OperatorRecord]:
        """Stream the ``<operator>`` elements of ``source`` (flat memory, real line numbers)."""
        try:
            with open(source.path, "rb") as fh:
                head = fh.read(_PROLOG_SCAN)
        except OSError as exc:
            raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
        text = decode_head(head)
        _refuse_entity_declarations(text)
        tags: Sequence[str] = ("{*}operator", "{*}group") if "xtk:group" in text else ("{*}operator",)

        display = source.display_path
        fmt: Optional[str] = None
        context = etree.iterparse(
            source.path,
            events=("end",),
            tag=tags,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        checked_dtd = False
        try:
            for _, el in context:
                if not checked_dtd:
                    checked_dtd = True
                    _refuse_internal_dtd(el)
                tag = el.tag
                if tag[tag.rfind("}") + 1 :] == "group":
                    # Groups are records only as entities of an xtk:group package; nested
                    # operatorGroup/group links are read with (and cleared with) their operator.
                    parent = el.getparent()
                    if parent is None or _local(parent.tag) != "entities":
                        continue
                    default_type = 1
                else:
                    default_type = 0
                if fmt is None:
                    fmt = _source_format(el)
                yield _record(el, display, fmt, default_type)
                # Keep memory flat: drop the element's content and every sibling already read.
                el.clear(keep_tail=False)
                parent = el.getparent()
                if parent is not None:
                    while el.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as exc:
            line = exc.position[0] if exc.position and exc.position[0] else exc.lineno
            raise ReadError(f"malformed XML: {exc.msg}", line or None) from None
        except OSError as exc:
            raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
        finally:
            del context


def _refuse_entity_declarations(text: str) -> None:
    """Raise ReadError for a DTD that declares entities (billion laughs, XXE) before the root element."""
    text = _blank_comments(text)
    _, root_at = _root_local_name(text)
    prolog = text if root_at < 0 else text[:root_at]
    at = prolog.find("<!ENTITY")
    if at >= 0:
        line = prolog.count("\n", 0, at) + 1
        raise ReadError("refused: the document type declares entities (possible entity expansion or XXE attack)", line)


def _refuse_internal_dtd(el: "etree._Element") -> None:
    """Second guard for prologs longer than the pre-scan: refuse a parsed internal subset with entities."""
    dtd = el.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ReadError("refused: the document type declares entities (possible entity expansion or XXE attack)", 1)


def _source_format(el: "etree._Element") -> str:
    """``package``, ``soap``, ``write`` or ``operator`` from the element's ancestors."""
    names = [_local(a.tag) for a in el.iterancestors()]
    if any(n in ("Write", "WriteCollection", "domDoc") for n in names):
        return "write"
    if "package" in names:
        return "package"
    if "Envelope" in names or "Body" in names:
        return "soap"
    return "operator"


def _record(el: "etree._Element", path: str, fmt: str, default_type: int) -> OperatorRecord:
    """Build an OperatorRecord from an ``<operator>`` element, reading the tolerant field variants."""
    get = el.get
    email = get("email")
    disable = get("disable")
    if disable is None:
        disable = get("disabled")
    auth = ""
    ims_user_id = get("imsUserId") or ""
    no_console = get("noConsoleCnx")
    groups: List[str] = []
    rights: List[str] = []
    for child in el:
        name = _local(child.tag)
        if name == "access":
            auth = child.get("authenticationType") or ""
            if not ims_user_id:
                ims_user_id = child.get("imsUserId") or ""
            nc = child.get("noConsoleCnx")
            if nc is not None:
                no_console = nc
        elif name == "contact":
            if not email:
                email = child.get("email")
        elif name == "operatorGroup":
            for g in child:
                if _local(g.tag) == "group":
                    gname = g.get("name")
                    if gname:
                        groups.append(gname)
        elif name in ("rights", "operatorRights"):
            for r in child:
                rname = r.get("name") or r.get("right")
                if rname:
                    rights.append(rname)
        elif name in ("right", "login-right"):
            rname = child.get("name") or child.get("right")
            if rname:
                rights.append(rname)
    return OperatorRecord(
        path=path,
        line=el.sourceline or 1,
        login=get("name") or "",
        label=get("label") or "",
        email=(email or "").strip(),
        type=_parse_type(get("type"), default_type),
        disabled=_is_true(disable),
        authentication_type=auth.strip(),
        ims_user_id=ims_user_id.strip(),
        no_console_cnx=_is_true(no_console),
        security_zone=get("securityZone") or "",
        groups=tuple(groups),
        rights=tuple(rights),
        source_format=fmt,
        export_id=path,
    )


# --------------------------------------------------------------------------- CSV

# Normalised column titles (console labels of the export wizard, or internal XPaths) per field.
_COLUMNS: Dict[str, frozenset] = {
    "login": frozenset({"name", "login", "@name", "name (login)", "login name"}),
    "label": frozenset({"label", "@label"}),
    "email": frozenset({"email", "e-mail", "@email", "contact/@email", "email address"}),
    "disabled": frozenset({"account disabled", "@disable", "@disabled", "disabled"}),
    "auth": frozenset({"authentication type", "access/@authenticationtype", "@authenticationtype"}),
    "type": frozenset({"type", "@type"}),
    "ims_user_id": frozenset({"@imsuserid", "ims user id", "access/@imsuserid"}),
    "no_console": frozenset({
        "access/@noconsolecnx", "@noconsolecnx", "forbid access from the rich client",
        "no access from the rich client",
    }),
    "security_zone": frozenset({"@securityzone", "authorized connection zone", "security zone"}),
}
# Columns that only an operator export has: one of them (with a login column) is enough.
_STRONG = frozenset({
    "account disabled", "@disable", "@disabled", "authentication type", "access/@authenticationtype",
    "@authenticationtype", "@type", "@label", "@email", "@imsuserid", "access/@imsuserid",
    "access/@noconsolecnx", "@noconsolecnx", "forbid access from the rich client", "no access from the rich client",
    "@securityzone", "authorized connection zone",
})
_INTERNAL_IN_PARENS = re.compile(r"^(.*?)\s*\(\s*((?:[\w-]+/)*@[\w-]+)\s*\)$")
_DELIMITERS = (";", ",", "\t")


def _normalise_title(title: str) -> List[str]:
    """Candidate keys of a column title: trimmed, unquoted, lower-cased; ``Label (@x)`` gives both parts."""
    t = " ".join(title.replace("\ufeff", "").strip().strip("\"'").split()).lower()
    m = _INTERNAL_IN_PARENS.match(t)
    return [m.group(2), m.group(1)] if m else [t]


def _map_columns(titles: Sequence[str]) -> Tuple[Dict[str, int], set]:
    """(field -> column index, set of normalised titles) of a header row."""
    mapping: Dict[str, int] = {}
    seen: set = set()
    for idx, title in enumerate(titles):
        for key in _normalise_title(title):
            seen.add(key)
            for fld, names in _COLUMNS.items():
                if key in names and fld not in mapping:
                    mapping[fld] = idx
    return mapping, seen


def _is_operator_header(titles: Sequence[str], path: str) -> bool:
    if len(titles) < 2:
        return False
    mapping, seen = _map_columns(titles)
    if "login" not in mapping:
        return False
    if seen & _STRONG or "@name" in seen:
        return True
    weak = sum(1 for f in ("label", "email") if f in mapping)
    if weak >= 2:
        return True
    # "Name;Label" (Adobe's documented extraction) or "Login;Email" alone is also a list of
    # contacts or of enumeration values: only take it when the file says it holds operators.
    return weak == 1 and "operator" in os.path.basename(path).lower()


def _first_line(head: bytes) -> Optional[str]:
    """The first line of ``head`` decoded (BOM-aware; UTF-8, else cp1252, else latin-1)."""
    codec, skip = _bom_encoding(head)
    if codec is not None and codec.startswith("utf-16"):
        text = decode_head(head)
        return text.split("\n", 1)[0].rstrip("\r")
    raw = head[skip:].split(b"\n", 1)[0].rstrip(b"\r")
    for enc in ("utf-8", "cp1252", "latin-1"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return None  # pragma: no cover - latin-1 decodes everything


def _header_delimiter(line: str, path: str) -> Optional[str]:
    """The delimiter under which ``line`` is an operator header, or None."""
    best: Optional[Tuple[int, str]] = None
    for delim in _DELIMITERS:
        if delim not in line:
            continue
        try:
            titles = next(csv.reader([line], delimiter=delim))
        except (csv.Error, StopIteration):
            continue
        if _is_operator_header(titles, path) and (best is None or len(titles) > best[0]):
            best = (len(titles), delim)
    return best[1] if best else None


def _file_encoding(path: str) -> str:
    """Codec of a CSV file: BOM first, else UTF-8 when the whole file decodes, else cp1252, else latin-1."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        codec, _ = _bom_encoding(head)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if codec is not None:
            return codec
        for enc in ("utf-8", "cp1252"):
            fh.seek(0)
            decoder = codecs.getincrementaldecoder(enc)()
            try:
                while True:
                    chunk = fh.read(1 << 20)
                    if not chunk:
                        decoder.decode(b"", final=True)
                        return enc
                    decoder.decode(chunk)
            except UnicodeDecodeError:
                continue
    return "latin-1"


class OperatorCsvReader(Reader):
    """CSV/TSV operator lists (export wizard, Data extraction, ``Configure list`` exports)."""

    name = "operator-csv"
    priority = 90
    phase = 1
    streaming = True

    def sniff(self, path: str, head: bytes) -> bool:
        """True when the first line is a header naming a login column and an operator column."""
        line = _first_line(head)
        if not line or line.lstrip("\ufeff \t")[:1] in ("<", "{", "[", "#"):
            return False
        return _header_delimiter(line, path) is not None

    def read(self, source: InputFile) -> Iterator[OperatorRecord]:
        """Stream the rows of ``source`` as OperatorRecords (line = first physical line of the row)."""
        try:
            encoding = _file_encoding(source.path)
            fh = open(source.path, "r", encoding=encoding, newline="")
        except OSError as exc:
            raise ReadError(f"cannot read file: {exc.strerror or exc}") from None
        display = source.display_path
        with fh:
            try:
                header_line = fh.readline()
            except UnicodeDecodeError as exc:  # pragma: no cover - the encoding was checked
                raise ReadError(f"cannot decode file: {exc.reason}", 1) from None
            delim = _header_delimiter(header_line.rstrip("\r\n").lstrip("\ufeff"), source.path)
            if delim is None:
                raise ReadError("the first line is not a header of an operator list", 1)
            titles = next(csv.reader([header_line.rstrip("\r\n")], delimiter=delim))
            mapping, _ = _map_columns(titles)
            ncols = len(titles)
            reader = csv.reader(fh, delimiter=delim)
            col = mapping.get
            i_login, i_label, i_email = col("login"), col("label"), col("email")
            i_dis, i_auth, i_type = col("disabled"), col("auth"), col("type")
            i_ims, i_nc, i_zone = col("ims_user_id"), col("no_console"), col("security_zone")
            consumed = 1  # physical lines read so far (the header)
            while True:
                start = consumed + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:
                    raise ReadError(f"malformed CSV: {exc}", 1 + reader.line_num) from None
                except UnicodeDecodeError as exc:  # pragma: no cover - the encoding was checked
                    raise ReadError(f"cannot decode file: {exc.reason}", 1 + reader.line_num) from None
                end = 1 + reader.line_num
                consumed = end
                if not row or (len(row) == 1 and not row[0].strip()):
                    continue  # blank line
                if len(row) != ncols:
                    raise ReadError(f"row has {len(row)} fields where the header has {ncols}", start)

                def val(i: Optional[int]) -> str:
                    return row[i].strip() if i is not None else ""

                yield OperatorRecord(
                    path=display,
                    line=start,
                    login=val(i_login),
                    label=val(i_label),
                    email=val(i_email),
                    type=_parse_type(val(i_type) if i_type is not None else None),
                    disabled=_is_true(val(i_dis)),
                    authentication_type=val(i_auth),
                    ims_user_id=val(i_ims),
                    no_console_cnx=_is_true(val(i_nc)),
                    security_zone=val(i_zone),
                    source_format="csv",
                    export_id=display,
                )
