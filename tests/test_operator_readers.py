"""The operator export readers: recognition (sniff), streaming, encodings, line numbers, faults."""

from __future__ import annotations

import codecs
import os
import re

import pytest

from imslint.model import OperatorRecord
from imslint.readers import InputFile, NothingRead, ReadError
from imslint.readers.operators import OperatorCsvReader, OperatorXmlReader, decode_head

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), "fixtures", "operators")

XML = OperatorXmlReader()
CSV = OperatorCsvReader()


def fixture(name: str) -> str:
    return os.path.join(FIXTURES, name)


def head_of(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(8192)


def save(tmp_path, name: str, data) -> str:
    path = os.path.join(str(tmp_path), name)
    with open(path, "wb") as fh:
        fh.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def read_all(reader, path: str, display: str = "export"):
    return list(reader.read(InputFile(path, display)))


def read_until_error(reader, path: str):
    """(records read before the fault, the ReadError)."""
    got = []
    with pytest.raises(ReadError) as info:
        for rec in reader.read(InputFile(path, "export")):
            got.append(rec)
    return got, info.value


def operator_start_lines(text: str):
    """Lines (1-based) where each <operator ...> start tag begins, read from the raw text (no comments)."""
    text = re.sub(r"<!--.*?-->", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    return [text.count("\n", 0, m.start()) + 1 for m in re.finditer(r"<operator[\s/>]", text)]


PACKAGE_TEXT = open(fixture("package-export.xml"), encoding="utf-8-sig").read()


# --------------------------------------------------------------------------- XML sniff


@pytest.mark.parametrize("name", ["package-export.xml", "soap-executequery.xml", "write-operator.xml"])
def test_xml_sniff_recognises_the_fixtures(name):
    assert XML.sniff(fixture(name), head_of(fixture(name)))
    assert not CSV.sniff(fixture(name), head_of(fixture(name)))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-16"])
@pytest.mark.parametrize("bom", [True, False])
def test_xml_sniff_reads_utf16_heads(codec, bom):
    text = PACKAGE_TEXT.replace("<?xml version='1.0'?>", "<?xml version='1.0' encoding='UTF-16'?>")
    data = text.encode(codec)
    if bom and codec != "utf-16":
        data = (codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE) + data
    assert XML.sniff("x.xml", data[:8191])  # an odd-sized head cuts a code unit in two


@pytest.mark.parametrize(
    "text",
    [
        '<operator name="jdoe" label="John Doe" xtkschema="xtk:operator"><access authenticationType="native"/></operator>',
        "<?xml version='1.0'?>\n<!-- export -->\n<operator-collection><operator name='a'/></operator-collection>",
        '<ns:operator xmlns:ns="urn:x" name="a"/>',
        '<package><entities schema="xtk:group"><group name="delivery"/></entities></package>',
        "<package>\n<entities schema='xtk:operator'/>\n<entities schema='xtk:group'/></package>",
        "<Write xmlns='urn:xtk:session'><domDoc><operator name='a' xtkschema='xtk:operator'/></domDoc></Write>",
    ],
)
def test_xml_sniff_positive_shapes(text):
    assert XML.sniff("x.xml", text.encode("utf-8"))


DECOYS = {
    "workflow package": (
        '<?xml version=\'1.0\'?>\n<package><entities schema="xtk:workflow"><workflow internalName="W">'
        '<activities><query schema="xtk:operator"/></activities></workflow></entities></package>'
    ),
    "mixed package": (
        '<package><entities schema="xtk:operator"><operator name="a"/></entities>'
        '<entities schema="xtk:javascript"><javascript name="x.js"/></entities></package>'
    ),
    "javascript with E4X": (
        '<package><entities schema="xtk:javascript"><javascript name="setup.js"><data><![CDATA['
        'xtk.session.Write(<operator name="a" xtkschema="xtk:operator"/>);]]></data></javascript></entities></package>'
    ),
    "serverConf": (
        "<?xml version='1.0'?>\n<serverconf><shared><imsConfig><nonIMSAuthnAPI disableAPI=\"true\">"
        '<allowOperator name="admin"/></nonIMSAuthnAPI></imsConfig></shared></serverconf>'
    ),
    "wsdl": (
        "<?xml version='1.0'?><wsdl:definitions xmlns:wsdl='http://schemas.xmlsoap.org/wsdl/'>"
        "<wsdl:types><s:element name='operator'/></wsdl:types></wsdl:definitions>"
    ),
    "queryDef request on operators": (
        "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body>"
        "<urn:ExecuteQuery xmlns:urn='urn:xtk:queryDef'><urn:sessiontoken/><urn:entity>"
        "<queryDef schema='xtk:operator' operation='select'><select><node expr='@name'/></select></queryDef>"
        "</urn:entity></urn:ExecuteQuery></soapenv:Body></soapenv:Envelope>"
    ),
    "LogonResponse": (
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV='http://schemas.xmlsoap.org/soap/envelope/'><SOAP-ENV:Body>"
        "<LogonResponse xmlns='urn:xtk:session'><pSessionInfo><sessionInfo><userInfo login='admin'/>"
        "</sessionInfo></pSessionInfo></LogonResponse></SOAP-ENV:Body></SOAP-ENV:Envelope>"
    ),
    "schema extending xtk:operator": (
        "<srcSchema name='operator' namespace='cus' extendedSchema='xtk:operator'>"
        "<element name='operator'><attribute name='department' type='string'/></element></srcSchema>"
    ),
    "Write of a recipient": (
        "<Write xmlns='urn:xtk:session'><domDoc><recipient email='a@b.c' xtkschema='nms:recipient'/></domDoc></Write>"
    ),
    "JS configuration script": (
        "var pwd = xtk.session.HashPassword(p);\n"
        'xtk.session.Write(<operator type="0" name="a" xtkschema="xtk:operator"/>);\n'
    ),
    "postman collection": (
        '{"info": {"name": "ACC"}, "item": [{"request": {"body": {"raw": '
        '"<operator-collection><operator name=\\"a\\"/></operator-collection>"}}}]}'
    ),
    "comment only": "<!-- <operator name='a'/> -->",
}


@pytest.mark.parametrize("name", sorted(DECOYS))
def test_xml_sniff_leaves_other_files_alone(name):
    data = DECOYS[name].encode("utf-8")
    assert not XML.sniff("file.xml", data), name
    assert not CSV.sniff("file.csv", data), name


# --------------------------------------------------------------------------- XML read


def test_package_fixture_records_and_lines():
    recs = read_all(XML, fixture("package-export.xml"), "fixtures/operators/package-export.xml")
    assert [r.line for r in recs] == operator_start_lines(PACKAGE_TEXT)
    assert len(recs) == 27
    by_login = {(r.login, r.type): r for r in recs}
    assert all(r.path == "fixtures/operators/package-export.xml" and r.source_format == "package" for r in recs)
    asmith = by_login[("asmith", 0)]
    assert (asmith.label, asmith.email, asmith.authentication_type) == ("Alice Smith", "alice.smith@acme.com", "native")
    assert asmith.groups == ("delivery", "content")
    api = by_login[("api_crm", 0)]
    assert api.no_console_cnx and api.security_zone == "vpn" and api.groups == ("workflow",)
    assert by_login[("hdurand", 0)].label == "Hélène Durand"
    assert by_login[("hdurand", 0)].authentication_type == ""
    assert by_login[("kchen", 0)].email == "Marketing@Acme.com"  # trimmed
    lea = by_login[("lea.dupont@acme.com", 0)]
    assert lea.disabled and lea.uses_ims
    assert by_login[("svc_export", 0)].disabled  # disable="true"
    assert by_login[("D42AEVJZTTJC6LZADUBVPA15@techacct.adobe.com", 0)].uses_ims
    assert by_login[("admin", 1)].is_group and by_login[("admin", 0)].is_operator
    assert not any(r.login == "workflow" and r.type == 0 for r in recs)  # nested memberships are no records


def test_lines_are_where_start_tags_begin_past_comments_and_cdata(tmp_path):
    text = (
        "<?xml version='1.0'?>\n<!-- <operator name='ghost'/>\n still a comment -->\n<package>\n"
        "<entities schema='xtk:operator'>\n<operator\n   name='multi'\n   label='Multi line'>\n"
        "<desc><![CDATA[ <operator name='cdata'/>\n ]]></desc></operator>\n"
        "<x:operator xmlns:x='urn:x' name='prefixed'/><operator name='same-line'/>\n"
        "<?pi nothing?><operatorGroup/><operator name='last'></operator>\n</entities></package>\n"
    )
    path = save(tmp_path, "tricky.xml", text)
    got = [(r.login, r.line) for r in read_all(XML, path)]
    assert got == [("multi", 6), ("prefixed", 11), ("same-line", 11), ("last", 12)]


def test_lines_past_65535_with_comments_and_namespaces(tmp_path):
    path = os.path.join(str(tmp_path), "big-ns.xml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("<r xmlns='urn:xtk:queryDef'><operator-collection>\n")
        for i in range(33000):
            fh.write(f"<!-- row {i} -->\n<operator name='u{i}'><access authenticationType='ims'/></operator>\n")
        fh.write("</operator-collection></r>\n")
    recs = read_all(XML, path)
    assert len(recs) == 33000
    assert all(r.line == 3 + 2 * i for i, r in enumerate(recs))
    assert recs[-1].uses_ims and recs[-1].line > 65535


def test_soap_response_in_iso_8859_1():
    recs = read_all(XML, fixture("soap-executequery.xml"))
    assert [(r.line, r.login) for r in recs] == [
        (7, "admin"),
        (8, "hdurand"),
        (9, "fgarcia"),
        (10, "mc1"),
        (11, "bob@acme.com"),
        (12, "oldsales"),
    ]
    assert recs[1].label == "Hélène Durand" and recs[2].label == "François Garcia"
    assert {r.source_format for r in recs} == {"soap"}
    assert recs[3].no_console_cnx and recs[5].disabled and not recs[0].disabled
    assert recs[4].uses_ims and not recs[1].uses_ims


def test_write_body():
    recs = read_all(XML, fixture("write-operator.xml"))
    assert [(r.line, r.login, r.email, r.source_format) for r in recs] == [(7, "jdoe", "john.doe@acme.com", "write")]


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_utf16_package_reads_like_utf8(tmp_path, codec, bom):
    text = PACKAGE_TEXT.replace("<?xml version='1.0'?>", "<?xml version='1.0' encoding='UTF-16'?>")
    path = save(tmp_path, "utf16.xml", bom + text.encode(codec))
    utf8 = read_all(XML, fixture("package-export.xml"))
    utf16 = read_all(XML, path)
    assert [(r.line, r.login, r.label, r.email) for r in utf16] == [(r.line, r.login, r.label, r.email) for r in utf8]


def test_bare_operator_and_collection(tmp_path):
    one = save(
        tmp_path,
        "one.xml",
        "\n<operator name='jdoe' label='John' disabled='Yes'>\n<contact email='j@acme.com'/></operator>\n",
    )
    recs = read_all(XML, one)
    assert [(r.line, r.login, r.email, r.disabled, r.source_format) for r in recs] == [
        (2, "jdoe", "j@acme.com", True, "operator")
    ]
    coll = save(
        tmp_path,
        "coll.xml",
        "<operator-collection>\n<operator name='a' imsUserId='X@AdobeID'/>\n"
        "<operator name='b' type='Group'/>\n<operator name='c' email='c@acme.com' type='weird'>"
        "<contact email='other@acme.com'/><rights><right name='admin'/></rights></operator>\n</operator-collection>",
    )
    a, b, c = read_all(XML, coll)
    assert a.uses_ims and a.ims_user_id == "X@AdobeID"
    assert b.is_group
    assert c.email == "c@acme.com" and c.is_operator and c.rights == ("admin",)


def test_xtk_group_entities_are_group_records(tmp_path):
    path = save(
        tmp_path,
        "groups.xml",
        "<package>\n<entities schema='xtk:group'>\n<group name='delivery' label='Delivery'/>\n"
        "<group name='admin' label='Admins' type='1'/>\n</entities>\n<entities schema='xtk:operator'>\n"
        "<operator name='a'><operatorGroup><group name='delivery'/></operatorGroup></operator>\n</entities></package>",
    )
    recs = read_all(XML, path)
    assert [(r.line, r.login, r.type) for r in recs] == [(3, "delivery", 1), (4, "admin", 1), (7, "a", 0)]
    assert recs[2].groups == ("delivery",)


def test_truncated_file_yields_what_came_before(tmp_path):
    cut = PACKAGE_TEXT.index('name="newsletter"')
    path = save(tmp_path, "cut.xml", PACKAGE_TEXT[:cut])
    got, err = read_until_error(XML, path)
    assert [r.login for r in got][-1] == "tester"
    assert len(got) == 12
    assert err.line == PACKAGE_TEXT[:cut].count("\n") + 1
    assert "malformed XML" in err.message


def test_malformed_element_reports_its_line(tmp_path):
    text = PACKAGE_TEXT.replace(
        '<operator label="John Doe" name="jdoe" type="0">', '<operator label="John Doe" name="jdoe" type="0" <oops>'
    )
    path = save(tmp_path, "bad.xml", text)
    got, err = read_until_error(XML, path)
    assert [r.login for r in got][-1] == "asmith"
    assert err.line == PACKAGE_TEXT[: PACKAGE_TEXT.index('name="jdoe"')].count("\n") + 1


def test_undeclared_latin1_bytes_are_an_error_with_a_line(tmp_path):
    data = "<operator-collection>\n<operator name='a'/>\n<operator name='b' label='Hélène'/>\n</operator-collection>"
    path = save(tmp_path, "latin.xml", data.encode("latin-1"))
    got, err = read_until_error(XML, path)
    assert [r.login for r in got] == ["a"]
    assert err.line == 3


def test_declared_iso_8859_1_package(tmp_path):
    data = "<?xml version='1.0' encoding='ISO-8859-1'?>\n<package><entities schema='xtk:operator'>\n<operator name='hd' label='Hélène'/></entities></package>"
    path = save(tmp_path, "iso.xml", data.encode("latin-1"))
    assert XML.sniff(path, head_of(path))
    assert [(r.line, r.label) for r in read_all(XML, path)] == [(3, "Hélène")]


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE package [
  <!-- the classic -->
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<package><entities schema="xtk:operator"><operator name="a" label="&lol3;"/></entities></package>
"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE operator [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<operator name="a" label="&xxe;"/>
"""


@pytest.mark.parametrize("text,line", [(BILLION_LAUGHS, 4), (XXE, 2)])
def test_entity_declarations_are_refused(tmp_path, text, line):
    path = save(tmp_path, "evil.xml", text)
    assert XML.sniff(path, head_of(path))
    got, err = read_until_error(XML, path)
    assert got == []
    assert err.line == line
    assert "declares entities" in err.message


def test_entity_declaration_in_utf16(tmp_path):
    path = save(
        tmp_path,
        "evil16.xml",
        codecs.BOM_UTF16_LE + XXE.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>').encode("utf-16-le"),
    )
    got, err = read_until_error(XML, path)
    assert got == [] and err.line == 2


def test_external_dtd_is_not_loaded(tmp_path):
    path = save(
        tmp_path,
        "ext.xml",
        '<?xml version="1.0"?>\n<!DOCTYPE package SYSTEM "http://127.0.0.1:9/none.dtd">\n'
        "<package><entities schema='xtk:operator'>\n<operator name='a'/></entities></package>",
    )
    assert [(r.line, r.login) for r in read_all(XML, path)] == [(4, "a")]


def test_entity_word_in_a_comment_is_not_refused(tmp_path):
    path = save(tmp_path, "c.xml", "<!-- do not use <!ENTITY here -->\n<operator name='a'/>")
    assert [r.login for r in read_all(XML, path)] == ["a"]


def test_missing_file_is_a_read_error(tmp_path):
    with pytest.raises(ReadError):
        read_all(XML, os.path.join(str(tmp_path), "nope.xml"))
    with pytest.raises(ReadError):
        read_all(CSV, os.path.join(str(tmp_path), "nope.csv"))


def test_large_export_keeps_line_numbers_beyond_65535(tmp_path):
    path = os.path.join(str(tmp_path), "big.xml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("<package><entities schema='xtk:operator'>\n")
        for i in range(70000):
            fh.write(f"<operator name='u{i}' email='u{i}@acme.com'><access authenticationType='ims'/></operator>\n")
        fh.write("</entities></package>\n")
    n = 0
    last = None
    for rec in XML.read(InputFile(path, "big.xml")):
        n += 1
        last = rec
    assert n == 70000 and last.line == 70001 and last.login == "u69999"


# --------------------------------------------------------------------------- CSV sniff


@pytest.mark.parametrize(
    "header,name",
    [
        ("Name;Label;Email;Account disabled;Authentication type", "export.csv"),
        ('"Name","Label","Email"', "export.csv"),
        ("@name\t@label", "export.tsv"),
        ("Login,Account disabled", "list.csv"),
        (" name ; authentication TYPE ", "list.txt"),
        ("Name (@name);Label (@label)", "list.csv"),
        ("Name;Label", "operators.csv"),
        ("Name,Email", "Operator-export.csv"),
        ("@name,access/@authenticationType", "x.csv"),
    ],
)
def test_csv_sniff_headers(header, name):
    assert CSV.sniff(name, (header + "\r\nadmin;Administrator\r\n").encode("utf-8"))


@pytest.mark.parametrize(
    "header,name",
    [
        ("Name,Email,Phone", "contacts.csv"),
        ("name;label;value", "enum.csv"),
        ("Label;Email", "operators.csv"),
        ("Name", "operators.csv"),
        ("id,name,email", "people.csv"),
        ("# Name;Label;Email", "operators.csv"),
        ("date,count", "stats.csv"),
    ],
)
def test_csv_sniff_leaves_other_tables_alone(header, name):
    assert not CSV.sniff(name, (header + "\nx,y\n").encode("utf-8"))


def test_csv_sniff_encodings():
    header = "Nom;Name;Label;Email;Désactivé"
    assert CSV.sniff("x.csv", codecs.BOM_UTF8 + header.encode("utf-8"))
    assert CSV.sniff("x.csv", header.encode("cp1252"))
    assert CSV.sniff("x.csv", codecs.BOM_UTF16_LE + (header + "\r\n").encode("utf-16-le"))
    assert CSV.sniff("x.csv", codecs.BOM_UTF16_BE + (header + "\r\n").encode("utf-16-be"))


# --------------------------------------------------------------------------- CSV read


def test_csv_fixture_rows_and_lines():
    recs = read_all(CSV, fixture("operators.csv"), "fixtures/operators/operators.csv")
    assert [(r.line, r.login) for r in recs] == [
        (2, "admin"),
        (3, "api_crm"),
        (4, "bob@acme.com"),
        (5, "asmith"),
        (6, "jdoe"),
        (7, "hdurand"),
        (8, "mlopez"),
        (10, "kchen"),
        (11, "webapp"),
    ]
    assert recs[1].disabled and not recs[0].disabled
    assert recs[2].uses_ims and recs[2].authentication_type == "IMS"
    assert recs[5].label == "Hélène Durand"  # quotes removed
    assert recs[6].label == "Lopez; Maria\n(marketing)"
    assert {r.source_format for r in recs} == {"csv"} and recs[0].path == "fixtures/operators/operators.csv"


def test_csv_internal_names_tabs_and_types(tmp_path):
    path = save(
        tmp_path,
        "x.tsv",
        "@name\t@label\t@email\t@disable\taccess/@authenticationType\t@type\taccess/@noConsoleCnx\t@securityZone\n"
        "a\tA\ta@acme.com\t1\tnative\t0\ttrue\tvpn\n\n"
        "g\tG\t\t0\t\tGroup\t\t\n"
        "b\tB\tb@acme.com\ttrue\tims\t1\tfalse\tlan\n",
    )
    a, g, b = read_all(CSV, path)
    assert (a.line, a.disabled, a.no_console_cnx, a.security_zone, a.type) == (2, True, True, "vpn", 0)
    assert (g.line, g.type, g.disabled) == (4, 1, False)  # the blank line 3 is skipped
    assert (b.line, b.type, b.disabled, b.uses_ims) == (5, 1, True, True)


def test_csv_cp1252_and_utf16(tmp_path):
    text = "Name;Label;Email\r\nhd;Hélène Durand;h@acme.fr\r\nfg;François — Garcia;f@acme.fr\r\n"
    cp = save(tmp_path, "cp.csv", text.encode("cp1252"))
    assert [r.label for r in read_all(CSV, cp)] == ["Hélène Durand", "François — Garcia"]
    u16 = save(tmp_path, "u16.csv", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert CSV.sniff(u16, head_of(u16))
    assert [(r.line, r.label) for r in read_all(CSV, u16)] == [(2, "Hélène Durand"), (3, "François — Garcia")]
    bom = save(tmp_path, "bom.csv", codecs.BOM_UTF8 + text.encode("utf-8"))
    assert [r.login for r in read_all(CSV, bom)] == ["hd", "fg"]


def test_csv_wrong_field_count_is_an_error_after_previous_rows(tmp_path):
    path = save(tmp_path, "bad.csv", 'Name;Label;Email\na;A;a@acme.com\nb;"B\nB";b@acme.com\nc;C\nd;D;d@acme.com\n')
    got, err = read_until_error(CSV, path)
    assert [(r.line, r.login) for r in got] == [(2, "a"), (3, "b")]
    assert err.line == 5
    assert "2 fields" in err.message and "header has 3" in err.message


def test_csv_oversized_field_is_an_error(tmp_path):
    big = "x" * 200000
    path = save(tmp_path, "big.csv", f'Name;Label;Email\na;A;a@acme.com\nb;"{big}";b@acme.com\n')
    got, err = read_until_error(CSV, path)
    assert [r.login for r in got] == ["a"]
    assert err.line == 3
    assert "malformed CSV" in err.message


def test_csv_header_only(tmp_path):
    path = save(tmp_path, "empty.csv", "Name;Label;Email\n")
    with pytest.raises(NothingRead) as info:
        read_all(CSV, path)
    assert "header is followed by no row" in info.value.message


def test_csv_read_refuses_a_file_without_header(tmp_path):
    path = save(tmp_path, "nohead.csv", "a;b;c\n")
    with pytest.raises(ReadError) as info:
        read_all(CSV, path)
    assert info.value.line == 1


def test_decode_head():
    assert decode_head(codecs.BOM_UTF8 + b"<a/>") == "<a/>"
    assert decode_head(codecs.BOM_UTF16_LE + "<a/>".encode("utf-16-le") + b"<") == "<a/>"
    assert decode_head("<a/>".encode("utf-16-be")) == "<a/>"
    assert decode_head("<a é/>".encode("latin-1")) == "<a é/>"


def test_records_are_operator_records():
    recs = read_all(XML, fixture("write-operator.xml"))
    assert all(isinstance(r, OperatorRecord) for r in recs)
    assert recs[0].export_id == "export"


def test_escaped_characters_in_attributes(tmp_path):
    path = save(
        tmp_path,
        "amp.xml",
        "<operator-collection>\n<operator name='r&amp;d' label='R&amp;D &lt;team&gt; &#233;quipe &amp;amp;' "
        "email='rd&amp;co@acme.com'><operatorGroup><group name='a&amp;b'/></operatorGroup></operator>\n"
        "</operator-collection>",
    )
    (rec,) = read_all(XML, path)
    assert (rec.login, rec.label, rec.email, rec.groups) == (
        "r&d",
        "R&D <team> équipe &amp;",
        "rd&co@acme.com",
        ("a&b",),
    )


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_escaped_characters_far_into_the_file(tmp_path, codec):
    # The first '&' comes after several pieces of input: records from then on are unescaped,
    # including one that opened in a piece without '&'.
    plain = "".join(f"<operator name='u{i}' label='User {i}'/>\n" for i in range(4000))
    text = (
        "<operator-collection>\n"
        + plain
        + "<operator name='last' label='Team'\n"
        + " " * 70000
        + "\nemail='r&amp;d@acme.com'/>\n<operator name='a&#38;b'/>\n</operator-collection>"
    )
    path = save(tmp_path, "late-amp.xml", text.encode(codec))
    recs = read_all(XML, path)
    assert len(recs) == 4002
    assert (recs[0].login, recs[3999].label) == ("u0", "User 3999")
    assert (recs[-2].login, recs[-2].email, recs[-1].login) == ("last", "r&d@acme.com", "a&b")
    assert recs[-2].line == 4002


def test_doctype_beyond_the_prescan_is_refused(tmp_path):
    padding = "<!-- " + "x" * 70000 + " -->\n"
    path = save(
        tmp_path,
        "padded.xml",
        '<?xml version="1.0"?>\n' + padding + "<!DOCTYPE r [<!ENTITY e 'boom'>]>\n<r><operator name='&e;'/></r>",
    )
    got, err = read_until_error(XML, path)
    assert got == [] and "first 64 KiB" in err.message


def test_nested_operator_is_part_of_its_parent(tmp_path):
    path = save(
        tmp_path,
        "nested.xml",
        "<operator-collection>\n<operator name='outer'>\n<desc><operator name='inner'/></desc>\n"
        "<access authenticationType='ims'/></operator>\n<operator name='next'/>\n</operator-collection>",
    )
    assert [(r.line, r.login, r.authentication_type) for r in read_all(XML, path)] == [
        (2, "outer", "ims"),
        (5, "next", ""),
    ]


def test_bad_utf16_is_a_read_error(tmp_path):
    data = codecs.BOM_UTF16_LE + "<operator-collection><operator name='a'/>\n".encode("utf-16-le") + b"\x00\xdc\x00"
    path = save(tmp_path, "bad16.xml", data)
    got, err = read_until_error(XML, path)
    assert got == [] and err.line == 1
    assert "cannot decode file as utf-16-le" in err.message


def test_group_entities_with_memberships_inside_operators_keep_lines(tmp_path):
    text = (
        "<package>\n<entities schema='xtk:operator'>\n"
        "<operator name='a'><operatorGroup><group name='g1'/>\n<group name='g2'/></operatorGroup></operator>\n"
        "</entities>\n<entities schema='xtk:group'>\n<group name='g1' label='G1'/>\n\n<group name='g2'/>\n"
        "</entities></package>"
    )
    recs = read_all(XML, save(tmp_path, "mixed-groups.xml", text))
    assert [(r.line, r.login, r.type, r.groups) for r in recs] == [
        (3, "a", 0, ("g1", "g2")),
        (7, "g1", 1, ()),
        (9, "g2", 1, ()),
    ]


def test_reader_keeps_no_tree(tmp_path):
    path = os.path.join(str(tmp_path), "many.xml")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("<operator-collection>\n")
        for i in range(5000):
            fh.write(f"<operator name='u{i}'><access authenticationType='ims'/><desc>{'x' * 200}</desc></operator>\n")
        fh.write("</operator-collection>\n")
    import gc

    from lxml import etree

    before = sum(1 for o in gc.get_objects() if isinstance(o, etree._Element))
    it = XML.read(InputFile(path, "many.xml"))
    for _ in range(4000):
        next(it)
    during = sum(1 for o in gc.get_objects() if isinstance(o, etree._Element))
    assert during == before  # the parser target never builds elements
    assert len(list(it)) == 1000


def test_utf16_fixture_with_crlf():
    path = fixture("operators-utf16le.xml")
    assert XML.sniff(path, head_of(path)) and not CSV.sniff(path, head_of(path))
    recs = read_all(XML, path)
    assert [(r.line, r.login, r.label) for r in recs] == [
        (4, "zoe.weber@acme.de", "Zoë Weber"),
        (7, "jmuller", "Jürgen Müller"),
        (10, "svc_reporting", "Reporting export"),
    ]
    assert recs[0].uses_ims and recs[2].no_console_cnx and recs[1].source_format == "operator"


def test_a_list_with_a_password_column_is_no_console_export():
    from imslint.readers.operators import header_verdict

    assert header_verdict(["login", "password", "label"], "ops/operators.csv") is not None
    assert "password column" in header_verdict(["Nom", "Mot de passe", "Libellé"], "ops.csv")
    assert header_verdict(["login", "label", "email"], "ops/operators.csv") is None


@pytest.mark.parametrize("declared", ["", " encoding='UTF-8'", " encoding='ISO-8859-1'"])
def test_one_line_columns_count_characters_not_bytes(tmp_path, declared):
    # found by test_properties.py: a label with "é" before an operator moved its column one byte right
    text = (
        f"<?xml version='1.0'{declared}?><operator-collection><operator name='a' label='Hélène'/>"
        "<operator name='b' label='日本'/><operator name='c'/></operator-collection>"
    )
    codec = "iso-8859-1" if "8859" in declared else "utf-8"
    if codec == "iso-8859-1":
        text = text.replace("日本", "x")
    path = save(tmp_path, "one.xml", text.encode(codec))
    columns = [m.start() + 1 for m in re.finditer("<operator ", text)]
    assert [(r.line, r.column) for r in read_all(XML, path)] == [(1, c) for c in columns]


def test_one_line_columns_after_a_utf8_byte_order_mark(tmp_path):
    text = "<operator-collection><operator name='é'/><operator name='b'/></operator-collection>"
    path = save(tmp_path, "bom.xml", b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert [r.column for r in read_all(XML, path)] == [m.start() + 1 for m in re.finditer("<operator ", text)]
