"""Reads Campaign XML (packages, workflows, server configuration...) safely, and pulls out the scripts inside.

A Campaign XML file carries code in many places: workflow activities
(``<script>``, ``<initScript>``, ``<call>``/``<recall>``), JavaScript, JSSP,
JST and SQL entities (``<data>``, usually CDATA), web applications
(``<source>``), package install scripts. Each script is yielded as its own
:class:`~imslint.model.SourceText` whose positions map back to the real XML
file, then the document itself is yielded with those scripts blanked out and
its parsed tree attached (for the configuration rules).

Parsing never resolves entities, never loads a DTD, never touches the
network, and refuses a DTD that declares entities (billion laughs, XXE).
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from lxml import etree

from ..model import Location, SourceText
from . import InputFile, Reader, ReadError, xml_error_message
from .source import HEAD_SIZE, bom_encoding, decode_bytes, looks_binary, normalize_newlines, sniff_utf16

XML_EXTENSIONS = (".xml", ".wsdl", ".xsd", ".xsl", ".xslt")
NOT_DOCUMENTS = (".dtd", ".ent", ".mod")  # DTD files: XML markup declarations, not documents

# Entities whose <data> holds code, and the language of that code.
CODE_ENTITIES: Dict[str, str] = {
    "xtk:javascript": "js",
    "xtk:jssp": "jssp",
    "xtk:jst": "jssp",  # JavaScript templates use the <% %> syntax of JSSP
    "xtk:sql": "sql",
}
# Root element of a standalone export of one entity -> its schema.
_ROOT_ENTITY_TAGS = {"javascript": "xtk:javascript", "jssp": "xtk:jssp", "jst": "xtk:jst", "webApp": "nms:webApp"}

# Elements that may hold a script: workflow activities' <script>, <initScript>, <call>, <recall>
# (<script> is also taken elsewhere), code entities' <data>, web applications' <source>.
_CANDIDATE_TAGS = tuple("{*}" + t for t in ("script", "initScript", "call", "recall", "data", "source"))
# type/language attribute values of a <script> that holds JavaScript (absent or empty counts).
_JS_TYPE_RE = re.compile(
    r"^\s*(?:|(?:text|application)/(?:x-)?(?:java|ecma)script|javascript|ecmascript|js|jssp|module)\s*$", re.I
)

_DECL_ENCODING_RE = re.compile(rb"^\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")

# Tokens of a well-formed XML text, enough to find where each element starts and ends.
_TOKEN_RE = re.compile(
    r"""
      <!--.*?-->
    | <!\[CDATA\[.*?\]\]>
    | <\?.*?\?>
    | <!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*'|\[(?:[^\]"']|"[^"]*"|'[^']*')*\])*>
    | </(?P<end>[^\s>]+)\s*>
    | <(?P<start>[^\s/>!?]+)(?P<attrs>(?:[^>"']|"[^"]*"|'[^']*')*?)(?P<empty>/?)>
    """,
    re.S | re.X,
)
_ATTR_RE = re.compile(r"""([^\s=/>"']+)\s*=\s*("[^"]*"|'[^']*')""")
_CHARREF_RE = re.compile(r"&(?:#[xX]([0-9a-fA-F]+)|#([0-9]+)|(lt|gt|amp|quot|apos));")
_PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
_LF_REF_RE = re.compile(r"&#(?:0*10|[xX]0*[aA]);")
# What interrupts character data inside a script: a reference, a CDATA section, or other markup.
_MARKUP_RE = re.compile(
    r"&(?P<ref>#[xX][0-9a-fA-F]+|#[0-9]+|[A-Za-z_][\w.-]*);|<!\[CDATA\[(?P<cdata>.*?)\]\]>|[&<]", re.S
)


# --------------------------------------------------------------------------- a SourceText with a position map


@dataclass
class MappedSourceText(SourceText):
    """A :class:`SourceText` whose characters do not stand one for one in the real file.

    An entity-escaped script (``&lt;`` is one character of code but four of the
    file) or one split by CDATA markers. ``anchors`` are ``(offset, line,
    column)`` triples, sorted by offset: the character of ``text`` at
    ``offset`` stands at ``line``/``column`` of the real file, and the
    characters that follow it, up to the next anchor, follow it in the file one
    for one (a newline in ``text`` there is a newline in the file). The first
    anchor is ``(0, first_line, first_column)``.
    """

    anchors: Tuple[Tuple[int, int, int], ...] = ()
    _anchor_offsets: Optional[List[int]] = field(default=None, repr=False, compare=False)

    def line_col(self, offset: int) -> Tuple[int, int]:
        """Real (line, column) of ``offset`` in ``text``; both 1-based."""
        if not self.anchors:
            return super().line_col(offset)
        if self._anchor_offsets is None:
            self._anchor_offsets = [a[0] for a in self.anchors]
        i = max(0, bisect.bisect_right(self._anchor_offsets, offset) - 1)
        a_off, a_line, a_col = self.anchors[i]
        starts = self._starts()
        a_idx = bisect.bisect_right(starts, a_off) - 1
        o_idx = bisect.bisect_right(starts, offset) - 1
        if o_idx == a_idx:
            return a_line, a_col + (offset - a_off)
        return a_line + (o_idx - a_idx), offset - starts[o_idx] + 1


# --------------------------------------------------------------------------- locating elements in the text


@dataclass(frozen=True)
class TagSpan:
    """Where one element stands in a document's text (offsets into the text).

    ``start``: its ``<``; ``content_start``: just after its start tag's ``>``;
    ``content_end``: the ``<`` of its end tag (``content_start`` for an empty
    element); ``name``: the tag name as written (with its prefix).
    """

    start: int
    content_start: int
    content_end: int
    name: str

    @property
    def local_name(self) -> str:
        """The tag name without its namespace prefix."""
        return self.name.rpartition(":")[2]


def scan_elements(text: str) -> List[TagSpan]:
    """Every element of a well-formed XML ``text``, in document order (the order of ``root.iter()``)."""
    spans: List[List[Any]] = []
    stack: List[int] = []
    for m in _TOKEN_RE.finditer(text):
        start = m.group("start")
        if start is not None:
            spans.append([m.start(), m.end(), m.end(), start])
            if not m.group("empty"):
                stack.append(len(spans) - 1)
        elif m.group("end") is not None and stack:
            spans[stack.pop()][2] = m.start()
    return [TagSpan(s[0], s[1], s[2], s[3]) for s in spans]


def _local(el: Any) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def unescape_attribute(raw: str) -> str:
    """The value of a quoted XML attribute as written (quotes excluded), with references decoded."""

    def repl(m: "re.Match[str]") -> str:
        if m.group(1):
            return chr(int(m.group(1), 16))
        if m.group(2):
            return chr(int(m.group(2)))
        return _PREDEFINED[m.group(3)]

    return _CHARREF_RE.sub(repl, raw)


@dataclass(frozen=True)
class StartTag:
    """A start tag found in raw text: offsets, name and attributes.

    ``attributes`` maps each attribute name to ``(value, name_offset,
    value_end_offset)``; the value is decoded, the offsets point into the text
    (``value_end_offset`` is just after the closing quote).
    """

    start: int
    end: int
    name: str
    attributes: Dict[str, Tuple[str, int, int]]

    @property
    def local_name(self) -> str:
        """The tag name without its namespace prefix."""
        return self.name.rpartition(":")[2]


def _attributes(text: str, start: int, end: int) -> Dict[str, Tuple[str, int, int]]:
    out: Dict[str, Tuple[str, int, int]] = {}
    for m in _ATTR_RE.finditer(text, start, end):
        out.setdefault(m.group(1), (unescape_attribute(m.group(2)[1:-1]), m.start(1), m.end(2)))
    return out


def iter_start_tags(text: str, local_names: Sequence[str]) -> Iterator[StartTag]:
    """Start tags whose local name is one of ``local_names``, found by pattern in possibly malformed text.

    For texts lxml could not parse: comments and CDATA sections are skipped
    like a parser would, the rest is best effort.
    """
    wanted = set(local_names)
    for m in _TOKEN_RE.finditer(text):
        name = m.group("start")
        if name is None or name.rpartition(":")[2] not in wanted:
            continue
        yield StartTag(m.start(), m.end(), name, _attributes(text, m.start("attrs"), m.end("attrs")))


class XmlLocator:
    """Finds where the elements and attributes of a parsed XML subject stand in its file.

    lxml's ``sourceline`` is the line where a start tag *ends*; this maps each
    element to its exact start tag, and falls back to ``sourceline`` when the
    text and the tree disagree.
    """

    def __init__(self, subject: SourceText) -> None:
        self.subject = subject
        self._index: Optional[Dict[Any, TagSpan]] = None

    def _span(self, el: Any) -> Optional[TagSpan]:
        if self._index is None:
            self._index = {}
            root = self.subject.tree
            if root is not None:
                spans = scan_elements(self.subject.text)
                elements = list(root.iter(etree.Element))
                if len(spans) == len(elements) and all(s.local_name == _local(e) for s, e in zip(spans, elements)):
                    self._index = dict(zip(elements, spans))
        return self._index.get(el)

    def element(self, el: Any) -> Location:
        """The location of ``el``'s start tag (from its ``<`` to its ``>``)."""
        span = self._span(el)
        if span is None:
            return Location(self.subject.path, el.sourceline or 1, 1)
        return self.subject.location(span.start, span.content_start)

    def attribute(self, el: Any, name: str) -> Location:
        """The location of ``name="value"`` on ``el``, or of the element when the attribute is not found."""
        span = self._span(el)
        if span is not None:
            found = _attributes(self.subject.text, span.start, span.content_start).get(name)
            if found is not None:
                return self.subject.location(found[1], found[2])
        return self.element(el)


# --------------------------------------------------------------------------- prolog, sniffing, DTD safety


def _prolog(text: str) -> Tuple[int, Optional[Tuple[int, int]]]:
    """(offset of the first element or of anything unexpected, (start, end) of the DOCTYPE if any)."""
    i, n = 0, len(text)
    doctype: Optional[Tuple[int, int]] = None
    while i < n:
        while i < n and text[i] in " \t\r\n\ufeff":
            i += 1
        if text.startswith("<?", i):
            j = text.find("?>", i + 2)
            if j < 0:
                return i, doctype
            i = j + 2
        elif text.startswith("<!--", i):
            j = text.find("-->", i + 4)
            if j < 0:
                return i, doctype
            i = j + 3
        elif text.startswith("<!DOCTYPE", i):
            j = _doctype_end(text, i)
            doctype = (i, j)
            i = j
        else:
            return i, doctype
    return i, doctype


def _doctype_end(text: str, i: int) -> int:
    """Offset just after the DOCTYPE starting at ``i`` (quotes and the internal subset respected)."""
    depth, quote, n = 0, "", len(text)
    j = i + 9
    while j < n:
        c = text[j]
        if quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth = max(0, depth - 1)
        elif c == ">" and depth == 0:
            return j + 1
        j += 1
    return n


def _head_text(head: bytes) -> str:
    bom = bom_encoding(head) or sniff_utf16(head)
    if bom is not None:
        return head.decode(bom, "ignore").lstrip("\ufeff")
    return head.decode("latin-1")


# --------------------------------------------------------------------------- scripts


@dataclass
class _Script:
    element: Any
    language: str
    origin: str


def _entity_schema(el: Any) -> Optional[str]:
    """The schema of the entity ``el`` is (``xtk:javascript``...), when ``el`` is an entity."""
    for attr in ("entitySchema", "xtkschema", "_schema"):
        value = el.get(attr)
        if value:
            return value.strip()
    parent = el.getparent()
    if parent is not None and _local(parent) == "entities":
        return (parent.get("schema") or "").strip() or None
    if parent is None:
        return _ROOT_ENTITY_TAGS.get(_local(el))
    return None


def _entity_name(el: Any) -> str:
    name = el.get("name") or el.get("internalName") or el.get("label") or ""
    ns = el.get("namespace") or ""
    return f"{ns}:{name}" if ns and name else name or _local(el)


def _enclosing_entity(el: Any) -> Optional[Tuple[str, Any]]:
    for anc in el.iterancestors():
        schema = _entity_schema(anc)
        if schema:
            return schema, anc
    return None


def _classify(el: Any) -> Optional[_Script]:
    """Whether ``el`` holds a script Campaign runs, with its language and a description of its carrier."""
    if len(el) or not (el.text and el.text.strip()):
        return None  # children (even comments) or no code: left in the document
    local = _local(el)
    parent = el.getparent()
    if parent is None:
        return None
    if local == "data":
        schema = _entity_schema(parent)
        if schema in CODE_ENTITIES:
            return _Script(el, CODE_ENTITIES[schema], f"{schema} {_entity_name(parent)}")
        return None
    enclosing = _enclosing_entity(el)
    if local == "source":
        if enclosing is not None and enclosing[0] == "nms:webApp":
            return _Script(el, "jssp", f"nms:webApp {_entity_name(enclosing[1])} (<source>)")
        return None
    workflow = next(el.iterancestors("{*}workflow"), None)
    in_activities = workflow is not None or next(el.iterancestors("{*}activities"), None) is not None
    if local in ("call", "recall") and not in_activities:
        return None
    if local == "script":
        kind = el.get("type") or el.get("language") or ""
        if not _JS_TYPE_RE.match(kind):
            return None
    language = "sql" if _local(parent) == "sql" and in_activities else "js"
    # A script element listed among the activities is an activity itself (web application script activity).
    activity_el = el if _local(parent) == "activities" else parent
    activity = activity_el.get("name") or _local(activity_el)
    if workflow is not None:
        wf_name = workflow.get("internalName") or workflow.get("name") or workflow.get("label") or "?"
        origin = f"workflow {wf_name}, activity {activity} (<{local}>)"
    elif in_activities:
        where = f"{enclosing[0]} {_entity_name(enclosing[1])}, " if enclosing else ""
        origin = f"{where}activity {activity} (<{local}>)"
    elif enclosing is not None:
        origin = f"{enclosing[0]} {_entity_name(enclosing[1])} (<{local}>)"
    else:
        origin = f"<{_local(parent)}> (<{local}>)"
    return _Script(el, language, origin)


def _script_spans(text: str, root: Any, wanted: List[Any]) -> Dict[Any, TagSpan]:
    """Map each wanted element to its span; empty when the text and the tree do not line up."""
    spans = scan_elements(text)
    targets = set(wanted)  # these proxies stay alive, so lxml hands back the same objects while iterating
    found: Dict[Any, TagSpan] = {}
    count = 0
    for i, el in enumerate(root.iter(etree.Element)):
        count = i + 1
        if i >= len(spans) or spans[i].local_name != _local(el):
            return {}
        if el in targets:
            found[el] = spans[i]
    return found if count == len(spans) else {}


def _decode_content(text: str, start: int, end: int) -> Optional[Tuple[str, List[Tuple[int, int]]]]:
    """Decode the character data of ``text[start:end]``: entity references and CDATA sections.

    Returns the code and ``(code offset, text offset)`` anchors; None when the
    content holds markup this decoder does not expect.
    """
    out: List[str] = []
    anchors: List[Tuple[int, int]] = [(0, start)]
    n = 0
    pos = start
    for m in _MARKUP_RE.finditer(text, start, end):
        out.append(text[pos : m.start()])
        n += m.start() - pos
        pos = m.end()
        if m.group("cdata") is not None:
            chunk = m.group("cdata")
            anchors.append((n, m.start("cdata")))
            out.append(chunk)
            n += len(chunk)
        elif m.group("ref") is not None:
            ref = m.group("ref")
            if ref[0] == "#":
                ch = chr(int(ref[2:], 16) if ref[1] in "xX" else int(ref[1:]))
            elif ref in _PREDEFINED:
                ch = _PREDEFINED[ref]
            else:
                return None  # an entity declared elsewhere: the tree would not hold it as text either
            if ch == "\r":
                # &#13; is how Campaign keeps the CR of CRLF line ends; code is compared with \n line ends.
                follows_lf = text.startswith("\n", pos) or _LF_REF_RE.match(text, pos, end) is not None
                ch = "" if follows_lf else "\n"
            out.append(ch)
            n += len(ch)
        else:
            return None  # a comment, a PI, an element or a stray "&" inside a script
        if pos < end:
            anchors.append((n, pos))
    out.append(text[pos:end])
    return "".join(out), anchors


def _last_per_offset(anchors: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """Keep, per code offset, the last text offset: the character there stands after all the skipped markup."""
    out: List[Tuple[int, int]] = []
    for off, raw in anchors:
        if out and out[-1][0] == off:
            out[-1] = (off, raw)
        else:
            out.append((off, raw))
    return out


class _Lines:
    """Real (line, column) of offsets in a document's text."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> Tuple[int, int]:
        idx = bisect.bisect_right(self.starts, offset) - 1
        return idx + 1, offset - self.starts[idx] + 1


# --------------------------------------------------------------------------- the reader


def _parser() -> Any:
    # Each call gets a fresh parser: lxml parsers are not shareable across threads.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
        encoding="utf-8",  # the text is decoded and re-encoded here: the declaration's encoding no longer applies
    )


def decode_xml(data: bytes) -> str:
    """Decode an XML file: BOM, else the declaration's encoding, else :func:`decode_bytes`; newlines normalised."""
    m = _DECL_ENCODING_RE.match(data[:512])
    declared = m.group(1).decode("ascii") if m else None
    return normalize_newlines(decode_bytes(data, declared))


class CampaignXmlReader(Reader):
    """Reads XML files: the scripts Campaign runs from them, then the document with its parsed tree.

    Yields one :class:`SourceText` per embedded script (``embedded=True``,
    ``language`` ``js``/``jssp``/``sql``, ``origin`` naming the carrier,
    ``context`` the whole file), positioned on the real file (entity-escaped
    scripts are :class:`MappedSourceText`), then the document as a
    ``language="xml"`` subject whose ``text`` has those scripts blanked (spaces,
    newlines kept) and whose ``tree`` is the lxml root element.
    Malformed XML, and a DTD declaring entities, give the raw text as a
    subject without a tree, then a :class:`ReadError` with the line.
    """

    name = "campaign-xml"
    priority = 50
    phase = 0
    streaming = False
    subjects = (SourceText,)

    def sniff(self, path: str, head: bytes) -> bool:
        """True for an XML file: content starting with ``<`` and an XML extension, or an XML declaration.

        DTD files (``.dtd``, ``.ent``, ``.mod``) may open with a text declaration but
        are not documents: they are read as plain text.
        """
        if looks_binary(head) or path.lower().endswith(NOT_DOCUMENTS):
            return False
        text = _head_text(head[:HEAD_SIZE]).lstrip(" \t\r\n\ufeff")
        if not text.startswith("<"):
            return False
        if text.startswith("<?xml") and (len(text) == 5 or text[5] in " \t\r\n?"):
            return True
        return os.path.splitext(path.lower())[1] in XML_EXTENSIONS

    def read(self, source: InputFile) -> Iterator[SourceText]:
        """Yield the embedded scripts, then the document (see the class docstring)."""
        data = source.data
        if data is None:
            with open(source.path, "rb") as fh:
                data = fh.read()
        text = decode_xml(data)
        path = source.display_path

        doctype = _prolog(text)[1]
        if doctype is not None:
            entity = text.find("<!ENTITY", doctype[0], doctype[1])
            if entity >= 0:
                yield SourceText(path=path, text=text, language="xml")
                raise ReadError("DTD with entity declarations refused", text.count("\n", 0, entity) + 1)

        # A file that is XML only by its declaration (a `.plist.in` or `.txt` template with
        # placeholders) and does not parse is still read as text, without an error; one named
        # as XML (.xml, .wsdl...) that does not parse is an error.
        named_xml = os.path.splitext(source.path.lower())[1] in XML_EXTENSIONS
        try:
            root = etree.fromstring(text.encode("utf-8"), _parser())
        except etree.XMLSyntaxError as exc:
            yield SourceText(path=path, text=text, language="xml")
            if named_xml:
                raise ReadError(xml_error_message(exc), exc.lineno or None) from None
            return
        except (etree.LxmlError, ValueError) as exc:
            yield SourceText(path=path, text=text, language="xml")
            if named_xml:
                raise ReadError(xml_error_message(exc), None) from None
            return

        scripts = [s for s in (_classify(el) for el in root.iter(*_CANDIDATE_TAGS)) if s is not None]
        if not scripts:
            yield SourceText(path=path, text=text, language="xml", tree=root)
            return

        spans_by_element = _script_spans(text, root, [s.element for s in scripts])

        lines = _Lines(text)
        blank: List[Tuple[int, int]] = []
        for script in scripts:
            el = script.element
            expected = normalize_newlines(el.text)
            span = spans_by_element.get(el)
            decoded = _decode_content(text, span.content_start, span.content_end) if span is not None else None
            if span is None or decoded is None or decoded[0] != expected:
                # The text and the tree disagree: report on the element's line, leave the document as it is.
                yield SourceText(
                    path=path,
                    text=expected,
                    language=script.language,
                    first_line=el.sourceline or 1,
                    origin=script.origin,
                    context=text,
                    embedded=True,
                )
                continue
            code, raw_anchors = decoded
            anchors = _last_per_offset(raw_anchors)
            line, col = lines(anchors[0][1])
            common = dict(
                path=path,
                text=code,
                language=script.language,
                first_line=line,
                first_column=col,
                origin=script.origin,
                context=text,
                embedded=True,
            )
            if len(anchors) == 1:
                yield SourceText(**common)  # type: ignore[arg-type]
            else:
                yield MappedSourceText(
                    anchors=tuple((off, *lines(raw)) for off, raw in anchors),
                    **common,  # type: ignore[arg-type]
                )
            blank.append((span.content_start, span.content_end))

        yield SourceText(path=path, text=_blank(text, blank), language="xml", tree=root)


def _blank(text: str, ranges: List[Tuple[int, int]]) -> str:
    """``text`` with the characters of each range replaced by spaces, newlines kept."""
    if not ranges:
        return text
    parts: List[str] = []
    last = 0
    for start, end in sorted(ranges):
        parts.append(text[last:start])
        parts.append("\n".join([" " * len(line) for line in text[start:end].split("\n")]))
        last = end
    parts.append(text[last:])
    return "".join(parts)
