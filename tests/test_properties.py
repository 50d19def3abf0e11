"""Property-based tests (hypothesis) of the readers and reporters: any input read back, never a crash (issue 11).

Bounded: few examples of small sizes, so that the whole module costs seconds. ``benchmarks/fuzz.py``
runs the long, coverage-guided version.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile

import pytest

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_hostile import check_reporters, hostile_result  # noqa: E402
from test_source_readers import real_position  # noqa: E402

from imslint.readers import InputFile, NothingRead, ReadError  # noqa: E402
from imslint.readers.campaign_xml import CampaignXmlReader  # noqa: E402
from imslint.readers.operators import OperatorCsvReader, OperatorXmlReader  # noqa: E402
from imslint.readers.source import SourceReader, decode_bytes, normalize_newlines  # noqa: E402

BOUNDED = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _xml_char(c: str) -> bool:
    """A character XML 1.0 allows in a document."""
    o = ord(c)
    return o in (0x9, 0xA, 0xD) or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000


# Printable unicode of every plane, plus the characters that XML and CSV treat specially.
_SPECIAL = "<>&\"';,\t\n\r%\u2028\u202e\u200f\x85"
XML_TEXT = st.text(
    st.one_of(st.characters(blacklist_categories=("Cs", "Cc")).filter(_xml_char), st.sampled_from(_SPECIAL)),
    max_size=12,
)


def escape_attribute(value: str) -> str:
    """``value`` as a double-quoted XML attribute value that parses back to ``value`` exactly."""
    out = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    # Whitespace other than a space is normalised in attributes unless written as a character reference.
    return out.replace("\t", "&#9;").replace("\n", "&#10;").replace("\r", "&#13;")


def _write(folder: str, name: str, data: bytes) -> str:
    path = os.path.join(folder, name)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def _read(reader, path: str):
    """Records/subjects of ``path``: only ReadError (NothingRead included) may escape a reader."""
    return list(reader.read(InputFile(path, "export")))


# --------------------------------------------------------------------------- operator XML

OPERATOR = st.tuples(XML_TEXT.filter(lambda s: s.strip()), XML_TEXT, XML_TEXT)


def _element(login: str, label: str, email: str) -> str:
    return (
        f'<operator name="{escape_attribute(login)}" label="{escape_attribute(label)}" '
        f'email="{escape_attribute(email)}" type="0"><access authenticationType="native"/></operator>'
    )


def operator_document(shape: str, operators) -> str:
    """An export of ``operators`` ((login, label, email) each) in one of the shapes the reader takes."""
    elements = [_element(*op) for op in operators]
    if shape == "package":
        return (
            "<?xml version='1.0' encoding='UTF-8'?>\n<package name=\"ops\" namespace=\"cus\">\n"
            '  <entities schema="xtk:operator">\n'
            + "".join(f"    {e}\n" for e in elements)
            + "  </entities>\n</package>\n"
        )
    envelope = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        "<SOAP-ENV:Envelope xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xmlns:ns='urn:xtk:queryDef' "
        "xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'>\n<SOAP-ENV:Body>\n"
        "<ExecuteQueryResponse xmlns='urn:xtk:queryDef'>\n<pdomOutput xsi:type='ns:Element'>\n"
        "<operator-collection>\n{body}</operator-collection>\n</pdomOutput>\n</ExecuteQueryResponse>\n"
        "</SOAP-ENV:Body>\n</SOAP-ENV:Envelope>\n"
    )
    if shape == "soap":
        return envelope.format(body="".join(e + "\n" for e in elements))
    # one-line: what an instance sends, every operator on line 1
    return envelope.format(body="".join(elements)).replace("\n", "")


def _expected_positions(text: str):
    """(line, column) of each ``<operator `` start tag of ``text``."""
    out = []
    for m in re.finditer(r"<operator ", text):
        line = text.count("\n", 0, m.start()) + 1
        out.append((line, m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1))
    return out


@BOUNDED
@given(
    shape=st.sampled_from(["package", "soap", "one-line"]),
    codec=st.sampled_from(["utf-8", "utf-16"]),
    operators=st.lists(OPERATOR, min_size=1, max_size=4),
)
def test_operator_xml_reads_back_what_was_written(shape, codec, operators):
    text = operator_document(shape, operators)
    if codec == "utf-16":
        text = text.replace("encoding='UTF-8'", "encoding='UTF-16'")
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "ops.xml", text.encode(codec))
        with open(path, "rb") as fh:
            assert OperatorXmlReader().sniff(path, fh.read(8192))
        records = _read(OperatorXmlReader(), path)
    assert [(r.login, r.label, r.email) for r in records] == [(l, b, e.strip()) for l, b, e in operators]  # noqa: E741
    positions = _expected_positions(text)
    assert [r.line for r in records] == [p[0] for p in positions]
    if shape == "one-line" and len(operators) > 1:
        assert [r.column for r in records] == [p[1] for p in positions]


@BOUNDED
@given(
    shape=st.sampled_from(["package", "soap", "one-line"]),
    operators=st.lists(OPERATOR, min_size=1, max_size=3),
    cut=st.integers(min_value=0, max_value=10_000),
    junk=st.binary(max_size=8),
)
def test_operator_xml_damaged_is_a_read_error_never_a_crash(shape, operators, cut, junk):
    data = operator_document(shape, operators).encode("utf-8")
    cut %= len(data)
    damaged = data[:cut] + junk + data[cut + len(junk) :]
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "ops.xml", damaged)
        try:
            _read(OperatorXmlReader(), path)
        except ReadError:
            pass  # NothingRead included


ENTITY_NAME = st.from_regex(r"\A[a-z][a-z0-9]{0,6}\Z")


@BOUNDED
@given(
    shape=st.sampled_from(["package", "soap", "one-line"]),
    operators=st.lists(OPERATOR, min_size=1, max_size=2),
    name=ENTITY_NAME,
    value=st.sampled_from(
        ['"boom"', 'SYSTEM "file:///etc/passwd"', "'&lol;&lol;'", "PUBLIC 'x' 'http://127.0.0.1:9/x'"]
    ),
)
def test_operator_xml_entity_declarations_are_refused(shape, operators, name, value):
    text = operator_document(shape, operators)
    decl_end = text.index("?>") + 2
    root = re.search(r"<([A-Za-z:-]+)", text[decl_end:]).group(1)
    text = text[:decl_end] + f"<!DOCTYPE {root} [<!ENTITY {name} {value}>]>" + text[decl_end:]
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "ops.xml", text.encode("utf-8"))
        with pytest.raises(ReadError) as info:
            _read(OperatorXmlReader(), path)
    assert not isinstance(info.value, NothingRead) and "refused" in str(info.value)


# --------------------------------------------------------------------------- console CSV

CSV_CELL = st.text(
    st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), st.sampled_from(";,\t\"\n 'é日—")), max_size=10
)
HEADERS = {
    "en": ["Name", "Label", "Email", "Account disabled", "Authentication type"],
    "fr": ["Nom", "Libellé", "Email", "Compte désactivé", "Type d’authentification"],
    "ja": ["名前", "ラベル", "メール", "無効なアカウント", "認証タイプ"],
}
CSV_ROW = st.tuples(
    CSV_CELL.filter(lambda s: s.strip()),
    CSV_CELL,
    CSV_CELL,
    st.sampled_from(["No", "Yes"]),
    st.sampled_from(["Native", "IMS"]),
)


def _encode_csv(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if encoding == "utf-16-le":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-16-be":
        return codecs.BOM_UTF16_BE + text.encode("utf-16-be")
    return text.encode(encoding)


@BOUNDED
@given(
    rows=st.lists(CSV_ROW, max_size=5),
    delimiter=st.sampled_from([";", ",", "\t"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
    encoding=st.sampled_from(["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "cp1252", "cp932"]),
)
def test_console_csv_reads_back_what_was_written(rows, delimiter, line_end, encoding):
    language = "ja" if encoding == "cp932" else ("fr" if encoding == "cp1252" else "en")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(HEADERS[language])
    writer.writerows(rows)
    text = out.getvalue()
    try:
        data = _encode_csv(text, encoding)
    except UnicodeEncodeError:
        assume(False)  # a character the code page cannot hold
    if encoding in ("cp1252", "cp932"):
        # bytes that are also valid UTF-8 are UTF-8 (as the README says): only a real code-page file counts
        try:
            assume(data.decode("utf-8") == text)
        except UnicodeDecodeError:
            pass
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, "ops.csv", data)
        with open(path, "rb") as fh:
            assert OperatorCsvReader().sniff(path, fh.read(8192))
        if not rows:
            with pytest.raises(NothingRead):
                _read(OperatorCsvReader(), path)
            return
        records = _read(OperatorCsvReader(), path)
    assert [(r.login, r.label, r.email) for r in records] == [
        (a.strip(), b.strip(), c.strip()) for a, b, c, _, _ in rows
    ]
    assert [r.disabled for r in records] == [d == "Yes" for _, _, _, d, _ in rows]
    assert [r.authentication_type for r in records] == [t for _, _, _, _, t in rows]
    # each record on the physical line where its row starts
    lines, line = [], 2
    for row in rows:
        lines.append(line)
        line += sum(cell.count("\n") for cell in row) + 1
    assert [r.line for r in records] == lines


# --------------------------------------------------------------------------- Campaign XML scripts

SCRIPT_PIECE = st.text(
    st.one_of(st.characters(blacklist_categories=("Cs", "Cc")).filter(_xml_char), st.sampled_from("<>&]\"'\t\n\r")),
    max_size=10,
).filter(lambda s: "Qz" not in s)


def _escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@BOUNDED
@given(
    pieces=st.lists(SCRIPT_PIECE, min_size=1, max_size=5),
    style=st.sampled_from(["escaped", "cdata", "mixed"]),
    tag=st.sampled_from(["script", "initScript"]),
    lead=st.sampled_from(["", "\n", "\n  "]),
)
def test_campaign_xml_script_is_extracted_exactly_with_real_lines(pieces, style, tag, lead):
    tokens = [f"Qz{i}Qz" for i in range(len(pieces))]
    script = "".join(p + t for p, t in zip(pieces, tokens))
    assume(script.strip())
    if style == "escaped":
        body = _escape_text(script)
    elif style == "cdata":
        body = _cdata(script)
    else:  # pieces escaped, tokens in CDATA sections
        body = "".join(_escape_text(p) + _cdata(t) for p, t in zip(pieces, tokens))
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<workflow internalName="W" label="w">\n  <activities>\n'
        f'    <js label="js" name="js">{lead}<{tag}>{body}</{tag}></js>\n  </activities>\n</workflow>\n'
    )
    subjects = list(CampaignXmlReader().read(InputFile("wf.xml", "wf.xml", xml.encode("utf-8"))))
    scripts = [s for s in subjects if s.embedded]
    assert len(scripts) == 1
    (subject,) = scripts
    # the XML parser turns every line break written raw into "\n"; a written &#13; is one too for us
    assert subject.text == normalize_newlines(script)
    real = normalize_newlines(xml)
    for token in tokens:
        at = real.index(token)
        line = real.count("\n", 0, at) + 1
        column = at - (real.rfind("\n", 0, at) + 1) + 1
        offset = subject.text.index(token)
        loc = subject.location(offset, offset + len(token))
        assert (loc.line, loc.column) == (line, column)
        # a span that ends where a CDATA section does may stretch over its "]]>" markup, never fall short
        assert (loc.end_line, loc.end_column) >= (line, column + len(token))
        assert real_position(real, token[:-1], subject) == (line, column, token[:-1])


# --------------------------------------------------------------------------- text decoding

_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=64),
    encoding=st.sampled_from([None, "iso-8859-1", "windows-1252", "shift_jis", "utf-8", "utf-16", "nonsense"]),
)
def test_decoding_any_bytes_never_fails_and_keeps_the_lines(data, encoding):
    assume(not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)))
    text = decode_bytes(data, encoding)
    assert isinstance(text, str)
    assert normalize_newlines(text).count("\n") == len(_LINE_BREAK.findall(data))


@BOUNDED
@given(
    text=st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    codec=st.sampled_from(["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]),
)
def test_decoding_text_with_a_byte_order_mark_gives_it_back(text, codec):
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(codec, b"")
    data = bom + text.encode(codec)
    # FF FE 00 00 is the UTF-32 LE mark as well as UTF-16 LE's followed by U+0000: read as UTF-32, as
    # every BOM sniffer does; the text is then not given back (nobody writes a NUL first in UTF-16).
    assume(not data.startswith(codecs.BOM_UTF32_LE) or codec == "utf-32")
    assert decode_bytes(data) == text


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=200), name=st.sampled_from(["a.js", "a.xml", "a.csv", "a.txt", "a.env", "a.ipynb"]))
def test_any_bytes_in_any_reader_never_crash(data, name):
    """Every reader's sniff on any bytes, and its read of them: a subject, a ReadError, nothing else."""
    readers = [SourceReader(), CampaignXmlReader(), OperatorXmlReader(), OperatorCsvReader()]
    with tempfile.TemporaryDirectory() as folder:
        path = _write(folder, name, data)
        for reader in readers:
            reader.sniff(path, data[:8192])
            try:
                subjects = list(reader.read(InputFile(path, name, data)))
            except ReadError:
                continue
            for subject in subjects:
                if isinstance(reader, SourceReader):
                    assert normalize_newlines(subject.text).count("\n") <= len(_LINE_BREAK.findall(data)) + 1


# --------------------------------------------------------------------------- reporters

# Arbitrary unicode: control characters, lone surrogates, line and paragraph separators, bidi marks, '%'.
ANY_TEXT = st.text(
    st.one_of(st.characters(), st.sampled_from("\x1b\x07\x00\r\n\x85\x9b\u2028\u2029\u202e\u2066\u200f%:,")),
    max_size=30,
)


@BOUNDED
@given(data=st.data(), count=st.integers(min_value=1, max_value=3))
def test_any_finding_text_round_trips_and_stays_inert(registry, data, count):
    from test_sarif import schema_errors

    result, findings = hostile_result(
        registry, lambda: data.draw(ANY_TEXT), lambda: data.draw(st.integers(min_value=1, max_value=10**6)), count
    )
    _, sarif = check_reporters(result, findings)
    assert schema_errors(sarif) == []
