"""Operator exports as administrators produce them, written by tests/make_operator_exports.py and read back.

Every console language x encoding x separator x line ending of a CSV list, and every
shape of a SOAP ExecuteQuery response on xtk:operator.
"""

from __future__ import annotations

import codecs
import importlib.util
import os

import pytest

from imslint.readers import InputFile, NothingRead
from imslint.readers.operators import OperatorCsvReader, OperatorXmlReader, why_not_export

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "make_operator_exports.py")
_spec = importlib.util.spec_from_file_location("make_exports", SCRIPT)
make = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(make)

COMBINATIONS = list(make.combinations())


def head_of(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(8192)


def test_the_matrix_covers_every_language_encoding_separator_and_line_ending():
    assert {c[0] for c in COMBINATIONS} == {"en", "fr", "de", "ja"}
    assert {c[1] for c in COMBINATIONS} == set(make.ENCODINGS)
    assert {(c[2], c[3]) for c in COMBINATIONS} == {(s, e) for s in make.SEPARATORS for e in make.LINE_ENDINGS}
    # 4 languages x (UTF-8, UTF-8 BOM, UTF-16 LE, UTF-16 BE, one legacy code page) x 3 separators x 2 line ends
    assert len(COMBINATIONS) == 4 * 5 * 3 * 2


@pytest.mark.parametrize("lang,enc,sep,eol", COMBINATIONS, ids=["-".join(c) for c in COMBINATIONS])
def test_console_list_is_recognised_and_read(tmp_path, lang, enc, sep, eol):
    path, expected = make.write_csv(str(tmp_path), lang, enc, sep, eol)
    reader = OperatorCsvReader()
    assert reader.sniff(path, head_of(path)), reader.explain(path, head_of(path))
    assert not OperatorXmlReader().sniff(path, head_of(path))
    got = list(reader.read(InputFile(path, "export.csv")))
    assert [(r.login, r.label, r.email, r.disabled, r.authentication_type, r.type, r.line) for r in got] == [
        tuple(e) for e in expected
    ]
    assert [r.uses_ims for r in got] == [e.auth == "IMS" for e in expected]
    assert sum(r.uses_ims for r in got) == 1  # bob@acme.com only: Natif, Nativ, ネイティブ are native


def test_an_unusual_header_is_read_once_mapped_in_the_configuration(tmp_path):
    path = os.path.join(str(tmp_path), "liste.csv")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("Utilisateur;Courriel pro;Mode de connexion\nasmith;alice@acme.com;Natif\nbob;bob@acme.com;IMS\n")
    reader = OperatorCsvReader()
    assert not reader.sniff(path, head_of(path))
    assert "no column holds the login" in reader.explain(path, head_of(path))
    reader.configure(
        {"columns": {"Utilisateur": "login", "Courriel pro": "email", "Mode de connexion": "authentication-type"}}
    )
    assert reader.sniff(path, head_of(path))
    got = list(reader.read(InputFile(path, "liste.csv")))
    assert [(r.login, r.email, r.authentication_type) for r in got] == [
        ("asmith", "alice@acme.com", "Natif"),
        ("bob", "bob@acme.com", "IMS"),
    ]


def test_a_configured_field_must_be_known():
    with pytest.raises(ValueError, match="unknown field 'mail'"):
        OperatorCsvReader().configure({"columns": {"Courriel": "mail"}})


# --------------------------------------------------------------------------- SOAP responses


@pytest.mark.parametrize("shape", ["select", "select-one-line", "get", "getIfExists"])
def test_soap_response_shapes_with_operators_are_read(tmp_path, shape):
    path, logins = make.write_soap(str(tmp_path), shape)
    reader = OperatorXmlReader()
    assert reader.sniff(path, head_of(path))
    got = list(reader.read(InputFile(path, "soap.xml")))
    assert [r.login for r in got] == logins
    assert {r.source_format for r in got} == {"soap"}
    assert all(r.email for r in got)


@pytest.mark.parametrize(
    "shape,reason",
    [
        ("select-empty", "lists no operator"),
        ("getIfExists-empty", "empty SOAP getIfExists response"),
        ("count", "count response: 44 operator(s) counted, none listed"),
    ],
)
def test_soap_responses_without_operators_say_so(tmp_path, shape, reason):
    path, logins = make.write_soap(str(tmp_path), shape)
    assert logins == []
    reader = OperatorXmlReader()
    assert reader.sniff(path, head_of(path))
    with pytest.raises(NothingRead) as info:
        list(reader.read(InputFile(path, "soap.xml")))
    assert reason in info.value.message


def test_why_a_file_is_not_an_export(tmp_path):
    readers = [OperatorXmlReader(), OperatorCsvReader()]
    cases = {
        "notes.txt": ("hello world\n", "no ';', ',' or tab"),
        "contacts.csv": ("First name;Last name;Phone\nA;B;1\n", "no column holds the login"),
        "labels.csv": ("Name;Label\nx;y\n", "not both label and email"),
        "workflow.xml": ("<workflow internalName='w'/>", "root is <workflow>"),
        "pkg.xml": ("<package><entities schema='xtk:workflow'/></package>", "other entities (xtk:workflow)"),
        "empty.csv": ("", "the file is empty"),
    }
    for name, (text, reason) in cases.items():
        path = os.path.join(str(tmp_path), name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        assert reason in why_not_export(path, readers), name


# --------------------------------------------------------------------------- one-line exports


def test_one_line_select_gives_each_operator_its_column(tmp_path):
    path, logins = make.write_soap(str(tmp_path), "select-one-line")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert text.count("\n") == 0
    got = list(OperatorXmlReader().read(InputFile(path, "soap.xml")))
    assert [r.login for r in got] == logins
    assert [(r.line, r.column) for r in got] == [(1, make.column_of(text, login)) for login in logins]
    assert len({r.column for r in got}) == len(logins)
    loc = got[1].location
    assert (loc.line, loc.column, loc.end_line, loc.end_column) == (
        1,
        got[1].column,
        1,
        got[1].column + len("<operator"),
    )


def test_columns_survive_comments_and_a_second_line(tmp_path):
    path = os.path.join(str(tmp_path), "ops.xml")
    body = (
        '<operator-collection><!-- <operator name="ghost"/> --><operator name="a" email="a@acme.com"/>'
        '<?pi <operator?><operator name="b"/>\n  <operator name="c"/><operator name="d"/></operator-collection>'
    )
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(body)
    got = list(OperatorXmlReader().read(InputFile(path, "ops.xml")))
    lines = body.split("\n")
    expected = []
    for login in "abcd":
        line_no = next(i for i, text in enumerate(lines, 1) if f'name="{login}"' in text)
        expected.append((login, line_no, make.column_of(lines[line_no - 1], login)))
    assert [(r.login, r.line, r.column) for r in got] == expected


def test_one_line_utf16_export_counts_columns_in_characters(tmp_path):
    text, logins = make.soap_text("select-one-line", 5)
    text = text.replace('label="User 2"', 'label="Jürgen Groß"')
    path = os.path.join(str(tmp_path), "ops16.xml")
    with open(path, "wb") as fh:
        fh.write(
            codecs.BOM_UTF16_LE
            + text.replace("<?xml version='1.0'?>", "<?xml version='1.0' encoding='UTF-16'?>").encode("utf-16-le")
        )
    text = text.replace("<?xml version='1.0'?>", "<?xml version='1.0' encoding='UTF-16'?>")
    got = list(OperatorXmlReader().read(InputFile(path, "ops16.xml")))
    assert [(r.login, r.column) for r in got] == [(login, make.column_of(text, login)) for login in logins]


def test_multi_line_exports_keep_column_one(tmp_path):
    path, logins = make.write_soap(str(tmp_path), "select")
    got = list(OperatorXmlReader().read(InputFile(path, "soap.xml")))
    assert {r.column for r in got} == {1}
    assert got[0].location.end_column is None
