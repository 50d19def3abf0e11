"""The source readers: decoding, binary detection, languages, embedded scripts of Campaign XML and their positions."""

from __future__ import annotations

import codecs
import time
from typing import List, Tuple

import pytest
from lxml import etree

from imslint.model import SourceText
from imslint.readers import InputFile, ReadError
from imslint.readers.campaign_xml import (
    CampaignXmlReader,
    MappedSourceText,
    XmlLocator,
    decode_xml,
    iter_start_tags,
    scan_elements,
)
from imslint.readers.source import (
    SourceReader,
    decode_bytes,
    language_for,
    looks_binary,
    normalize_newlines,
    sniff_utf16,
)

PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def read_all(reader, data: bytes, path: str = "file.xml") -> List[SourceText]:
    return list(reader.read(InputFile(path, path, data)))


def read_until_error(reader, data: bytes, path: str = "file.xml") -> Tuple[List[SourceText], ReadError]:
    got: List[SourceText] = []
    with pytest.raises(ReadError) as info:
        for subject in reader.read(InputFile(path, path, data)):
            got.append(subject)
    return got, info.value


def at(text: str, line: int, token: str) -> Tuple[int, int, str]:
    """The expected answer: ``token`` on file line ``line``, found by plain search in that line of the file."""
    return line, text.split("\n")[line - 1].index(token) + 1, token


def real_position(text: str, token: str, subject: SourceText) -> Tuple[int, int, str]:
    """(line, column) the subject reports for ``token``, and the file text found there."""
    offset = subject.text.index(token)
    loc = subject.location(offset, offset + len(token))
    line = text.split("\n")[loc.line - 1]
    assert loc.end_line == loc.line
    return loc.line, loc.column, line[loc.column - 1 : loc.end_column - 1]


# --------------------------------------------------------------------------- decoding


class TestDecode:
    def test_utf8_bom_is_dropped(self):
        assert decode_bytes(codecs.BOM_UTF8 + "pwd=é\nx".encode("utf-8")) == "pwd=é\nx"

    @pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
    def test_utf16_and_utf32_with_bom(self, codec):
        bom = {
            "utf-16-le": codecs.BOM_UTF16_LE,
            "utf-16-be": codecs.BOM_UTF16_BE,
            "utf-32-le": codecs.BOM_UTF32_LE,
            "utf-32-be": codecs.BOM_UTF32_BE,
        }[codec]
        data = bom + 'Logon("api_crm", "Pässwörd")\r\nnext'.encode(codec)
        assert decode_bytes(data) == 'Logon("api_crm", "Pässwörd")\r\nnext'

    def test_latin1_file_is_read_as_a_single_byte_code_page(self):
        data = "Société;mot de passe=Été2024\n".encode("latin-1")
        assert decode_bytes(data) == "Société;mot de passe=Été2024\n"

    def test_windows_1252_quotes(self):
        assert decode_bytes(b"\x93quoted\x94") == "\u201cquoted\u201d"

    def test_bad_bytes_in_utf8_are_replaced_not_dropped(self):
        data = "héllo\n".encode("utf-8") + b"pass=\xff\xfeabc\nlast"
        text = decode_bytes(data)
        assert text == "héllo\npass=\ufffd\ufffdabc\nlast"
        assert text.count("\n") == data.count(b"\n")

    def test_declared_encoding_is_used(self):
        assert decode_bytes(b"caf\xe9", "ISO-8859-1") == "café"
        assert decode_bytes("café".encode("utf-8"), "no-such-codec") == "café"

    def test_declared_encoding_that_does_not_fit_is_ignored(self):
        assert decode_bytes("café".encode("utf-8"), "ascii") == "café"

    def test_bytes_undefined_in_windows_1252_fall_back_to_latin1(self):
        assert decode_bytes(b"abc\x81\x8d") == "abc\x81\x8d"

    @pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
    def test_utf16_without_bom_is_recognised(self, codec):
        text = 'Logon("", "api_crm", "Pässwörd")\r\n\tnext = 1;\n'
        assert decode_bytes(text.encode(codec)) == text
        assert sniff_utf16(text.encode(codec)) == codec
        assert not looks_binary(text.encode(codec))

    @pytest.mark.parametrize(
        "data",
        [
            b"short\x00",
            bytes(range(256)) * 4,  # every byte value: binary
            "a\x01b\x02c\x03d\x04e\x05f\x06g\x07h".encode("utf-16-le"),  # UTF-16 of control characters
            "abcdefghijklmnop".encode("utf-32-le"),  # three NULs out of four
            b"text then a NUL \x00 byte, then more text",
        ],
        ids=["too-short", "all-bytes", "controls", "utf-32", "one-nul"],
    )
    def test_binary_is_not_taken_for_utf16(self, data):
        assert sniff_utf16(data) is None
        assert looks_binary(data)

    def test_declared_utf16_without_bom_is_not_trusted(self):
        assert decode_bytes(b"<r/>", "UTF-16") == "<r/>"

    def test_newlines_normalised_without_changing_the_line_count(self):
        raw = "a\r\nb\rc\nd\r\r\ne"
        out = normalize_newlines(raw)
        assert out == "a\nb\nc\nd\n\ne"
        assert out.count("\n") == 5

    def test_xml_declaration_encoding(self):
        data = "<?xml version='1.0' encoding='ISO-8859-1'?>\r\n<r a=\"é\"/>".encode("latin-1")
        assert decode_xml(data) == "<?xml version='1.0' encoding='ISO-8859-1'?>\n<r a=\"é\"/>"


# --------------------------------------------------------------------------- binary detection and languages


class TestBinaryAndLanguage:
    @pytest.mark.parametrize(
        "head",
        [
            PNG_1X1,
            b"\xff\xd8\xff\xe0\x00\x10JFIF",
            b"GIF89a\x01\x00",
            b"%PDF-1.7\n%\xe2\xe3",
            b"PK\x03\x04\x14\x00",
            b"\x1f\x8b\x08\x00",
            b"\x7fELF\x02\x01",
            b"text then a NUL \x00 byte",
            b"ID3\x03\x00\x00\x00",
            b"BZh91AY&SY\x12\x34",
            b"RIFF\x24\x08\x00\x00WEBPVP8 ",
            b"\x00\x00\x00\x20ftypisom",
        ],
    )
    def test_binary(self, head):
        assert looks_binary(head)
        assert not SourceReader().sniff("x.js", head)
        assert not CampaignXmlReader().sniff("x.xml", head)

    @pytest.mark.parametrize(
        "head",
        [
            b"var x = 1;\n",
            codecs.BOM_UTF16_LE + "<r/>".encode("utf-16-le"),
            codecs.BOM_UTF8 + b"<r/>",
            b"ID3,name\n1,x\n",
            b"BZh not a bzip2 stream",
            b"",
        ],
    )
    def test_text(self, head):
        assert not looks_binary(head)
        assert SourceReader().sniff("x.txt", head)

    @pytest.mark.parametrize(
        "path,lang",
        [
            ("src/sync.js", "js"),
            ("a.mjs", "js"),
            ("a.ts", "js"),
            ("page.jssp", "js"),
            ("t.jst", "js"),
            ("Code.gs", "js"),
            ("x.py", "python"),
            ("A.java", "java"),
            ("b.kt", "java"),
            ("c.groovy", "java"),
            ("S.cs", "csharp"),
            ("p.php", "php"),
            ("r.rb", "ruby"),
            ("m.go", "go"),
            ("e.sh", "shell"),
            ("e.bash", "shell"),
            ("e.zsh", "shell"),
            ("e.ksh", "shell"),
            ("m.ps1", "powershell"),
            ("m.psm1", "powershell"),
            ("a.properties", "properties"),
            ("a.ini", "properties"),
            ("a.cfg", "properties"),
            ("nginx.conf", "properties"),
            (".env", "env"),
            ("dir/.env.production", "env"),
            ("prod.env", "env"),
            ("a.yml", "yaml"),
            ("a.YAML", "yaml"),
            ("c.postman_collection.json", "json"),
            ("s.xml", "xml"),
            ("x.wsdl", "xml"),
            ("x.xsd", "xml"),
            ("x.xsl", "xml"),
            ("i.html", "xml"),
            ("i.htm", "xml"),
            ("README.md", "markdown"),
            ("d.rst", "markdown"),
            ("notes.txt", "text"),
            ("q.sql", "sql"),
            ("Makefile", "text"),
            ("dir\\win\\a.JS", "js"),
            (".envrc", "shell"),
        ],
    )
    def test_language_from_name(self, path, lang):
        assert language_for(path, b"") == lang

    @pytest.mark.parametrize(
        "head,lang",
        [
            (b"#!/bin/sh\necho", "shell"),
            (b"#!/usr/bin/env bash\n", "shell"),
            (b"#!/usr/bin/env -S node --x\n", "js"),
            (b"#!/usr/bin/python3\n", "python"),
            (b"#!/usr/local/bin/pwsh\n", "powershell"),
            (b"#! /bin/ksh\n", "shell"),
            (b"#!/usr/bin/env perl\n", "text"),
            (b"no shebang", "text"),
        ],
    )
    def test_language_from_shebang(self, head, lang):
        assert language_for("bin/deploy", head) == lang

    def test_extension_wins_over_shebang(self):
        assert language_for("tool.py", b"#!/bin/sh\n") == "python"


# --------------------------------------------------------------------------- the fallback reader


class TestSourceReader:
    def test_one_subject_with_normalised_text(self):
        data = b"#!/usr/bin/env bash\r\ncurl -u api_crm:S3cret! https://acme-mkt.campaign.adobe.com\r\n"
        (subject,) = read_all(SourceReader(), data, "bin/export")
        assert subject.path == "bin/export"
        assert subject.language == "shell"
        assert subject.text == "#!/usr/bin/env bash\ncurl -u api_crm:S3cret! https://acme-mkt.campaign.adobe.com\n"
        assert (subject.first_line, subject.first_column, subject.embedded, subject.tree) == (1, 1, False, None)
        assert subject.location(subject.text.index("S3cret!")).line == 2

    def test_file_with_bad_bytes_is_read(self):
        data = "const pwd = 'Pässword';\n".encode("utf-8") + b"// \xff\n"
        (subject,) = read_all(SourceReader(), data, "a.js")
        assert "Pässword" in subject.text and "\ufffd" in subject.text

    def test_reads_from_path_when_no_data(self, tmp_path):
        path = tmp_path / "a.py"
        path.write_bytes(b"x = 1\r\n")
        (subject,) = SourceReader().read(InputFile(str(path), "a.py", None))
        assert subject.text == "x = 1\n" and subject.language == "python"


# --------------------------------------------------------------------------- Campaign XML: sniffing


class TestSniff:
    @pytest.mark.parametrize(
        "path,head,expected",
        [
            ("p.xml", b"<package/>", True),
            ("p.xml", codecs.BOM_UTF8 + b"\r\n  <?xml version='1.0'?><package/>", True),
            ("p.wsdl", b"<!-- generated -->\n<definitions/>", True),
            ("notes.txt", b'<?xml version="1.0"?>\n<r/>', True),
            ("p.xml", codecs.BOM_UTF16_LE + "<?xml version='1.0'?><r/>".encode("utf-16-le"), True),
            ("p.xml", b"plain words, not XML", False),
            ("p.xml", b"", False),
            ("index.html", b"<!DOCTYPE html>\n<html></html>", False),
            ("page.jssp", b'<%@ page import="/nl/core/shared/nl.js" %>', False),
            ("p.xml", PNG_1X1, False),
            ("c.postman_collection.json", b'{"info": {"name": "Campaign"}}', False),
            ("x.txt", b"<?xmlfoo", False),
            ("schema/doc.dtd", b'<?xml version="1.0" encoding="UTF-8"?>\n<!ELEMENT doc (#PCDATA)>', False),
            ("schema/iso.ent", b'<?xml version="1.0"?>\n<!ENTITY eacute "&#233;">', False),
        ],
    )
    def test_sniff(self, path, head, expected):
        assert CampaignXmlReader().sniff(path, head) is expected


# --------------------------------------------------------------------------- Campaign XML: embedded scripts and positions

WORKFLOW = """<?xml version='1.0'?>
<package author="Jane Dev (jdev)" buildNumber="9383" buildVersion="7.4">
  <entities schema="xtk:workflow">
    <workflow internalName="WKF_CRM_SYNC" label="CRM sync"
              schema="nms:recipient">
      <activities>
        <start label="Start" name="start">
          <initScript>vars.endpoint = getOption("cusCrmEndpoint");</initScript>
        </start>
        <js label="Push" name="js">
          <script>var svc = new SoapService(cnx, "urn:xtk:session");
var q = &lt;queryDef schema="xtk:operator"&gt;&lt;/queryDef&gt;;
if (a &amp;&amp; b) var r = svc.Logon("", "api_crm", "S3cret!", &lt;params/&gt;); logInfo("TAIL");</script>
        </js>
        <jsx label="Advanced" name="jsx">
          <call>
task.vars.n = 0;
var one = 1;
  return "CALL3";</call>
          <recall
             ><![CDATA[line1();
line2();
  var x = "R3" + (a < b && c);]]></recall>
        </jsx>
      </activities>
    </workflow>
  </entities>
  <entities schema="xtk:javascript">
    <javascript entitySchema="xtk:javascript" label="crmClient.js" name="crmClient.js" namespace="cus">
      <data>
        <![CDATA[
function cus_crm_logon() {
  return NL.ExecutionInstance.logonRemote(url, "api_crm", "L1bPwd");
}
]]>
      </data>
    </javascript>
  </entities>
  <entities schema="xtk:jssp">
    <jssp entitySchema="xtk:jssp" label="status.jssp" name="status.jssp" namespace="cus">
      <data><![CDATA[<!DOCTYPE html><%@ page import="/nl/core/shared/nl.js" %>
<% var ctx = logonEscalation('webapp'); %>]]></data>
    </jssp>
  </entities>
</package>
"""


@pytest.fixture(scope="module")
def workflow_subjects():
    return read_all(CampaignXmlReader(), WORKFLOW.encode("utf-8"), "campaign/packages/wkf.xml")


class TestEmbeddedScripts:
    def test_scripts_first_then_the_document(self, workflow_subjects):
        origins = [(s.origin, s.language, s.embedded) for s in workflow_subjects]
        assert origins == [
            ("workflow WKF_CRM_SYNC, activity start (<initScript>)", "js", True),
            ("workflow WKF_CRM_SYNC, activity js (<script>)", "js", True),
            ("workflow WKF_CRM_SYNC, activity jsx (<call>)", "js", True),
            ("workflow WKF_CRM_SYNC, activity jsx (<recall>)", "js", True),
            ("xtk:javascript cus:crmClient.js", "js", True),
            ("xtk:jssp cus:status.jssp", "jssp", True),
            ("", "xml", False),
        ]
        for s in workflow_subjects[:-1]:
            assert s.path == "campaign/packages/wkf.xml"
            assert s.context == WORKFLOW
            assert s.tree is None

    def test_entities_are_unescaped(self, workflow_subjects):
        script = workflow_subjects[1]
        assert 'var q = <queryDef schema="xtk:operator"></queryDef>;' in script.text
        assert 'if (a && b) var r = svc.Logon("", "api_crm", "S3cret!", <params/>);' in script.text

    def test_entity_escaped_script_on_the_tag_line(self, workflow_subjects):
        script = workflow_subjects[1]
        assert isinstance(script, MappedSourceText)
        assert (script.first_line, script.first_column) == (11, 19)
        # Script line 3 is file line 13; the tokens stand after several entity references on that line.
        assert real_position(WORKFLOW, "S3cret!", script) == at(WORKFLOW, 13, "S3cret!")
        assert real_position(WORKFLOW, "TAIL", script) == at(WORKFLOW, 13, "TAIL")
        assert real_position(WORKFLOW, "svc.Logon", script)[2] == "svc.Logon"
        assert real_position(WORKFLOW, "var svc", script) == at(WORKFLOW, 11, "var svc")

    def test_script_starting_on_the_next_line(self, workflow_subjects):
        call = workflow_subjects[2]
        assert type(call) is SourceText  # no entity: plain offsets suffice
        assert call.text.startswith("\ntask.vars.n")
        assert real_position(WORKFLOW, "CALL3", call) == at(WORKFLOW, 19, "CALL3")

    def test_cdata_after_a_multi_line_start_tag(self, workflow_subjects):
        recall = workflow_subjects[3]
        assert (recall.first_line, recall.first_column) == (21, 24)
        assert recall.text.endswith('var x = "R3" + (a < b && c);')
        assert real_position(WORKFLOW, '"R3"', recall) == at(WORKFLOW, 23, '"R3"')

    def test_cdata_inside_whitespace(self, workflow_subjects):
        lib = workflow_subjects[4]
        assert isinstance(lib, MappedSourceText)
        assert lib.text.startswith("\n        \nfunction cus_crm_logon()")
        assert real_position(WORKFLOW, "L1bPwd", lib) == at(WORKFLOW, 33, "L1bPwd")
        assert real_position(WORKFLOW, "function", lib) == at(WORKFLOW, 32, "function")

    def test_doctype_inside_a_script_is_not_a_dtd(self, workflow_subjects):
        jssp = workflow_subjects[5]
        assert jssp.text.startswith("<!DOCTYPE html>")
        assert real_position(WORKFLOW, "logonEscalation", jssp) == at(WORKFLOW, 42, "logonEscalation")

    def test_document_has_the_scripts_blanked(self, workflow_subjects):
        doc = workflow_subjects[-1]
        assert doc.language == "xml" and doc.context is None
        assert len(doc.text) == len(WORKFLOW)
        assert [i for i, c in enumerate(doc.text) if c == "\n"] == [i for i, c in enumerate(WORKFLOW) if c == "\n"]
        for token in ("S3cret!", "getOption", "CALL3", "R3", "L1bPwd", "logonEscalation", "CDATA", "&lt;"):
            assert token not in doc.text
        assert "<script>" in doc.text and "</script>" in doc.text and "<initScript>" in doc.text
        assert 'internalName="WKF_CRM_SYNC"' in doc.text
        assert doc.tree is not None and doc.tree.tag == "package"
        assert doc.tree.find("entities/workflow").get("internalName") == "WKF_CRM_SYNC"

    def test_crlf_file(self):
        data = WORKFLOW.replace("\n", "\r\n").encode("utf-8")
        subjects = read_all(CampaignXmlReader(), data)
        assert real_position(WORKFLOW, "S3cret!", subjects[1]) == at(WORKFLOW, 13, "S3cret!")
        assert subjects[-1].text.count("\n") == WORKFLOW.count("\n")

    def test_utf16_file_with_bom(self):
        data = codecs.BOM_UTF16_LE + WORKFLOW.replace("version='1.0'", "version='1.0' encoding='UTF-16'").encode(
            "utf-16-le"
        )
        subjects = read_all(CampaignXmlReader(), data)
        assert len(subjects) == 7
        assert real_position(WORKFLOW, "L1bPwd", subjects[4]) == at(WORKFLOW, 33, "L1bPwd")


def _one_script(xml: str, path: str = "wf.xml") -> SourceText:
    subjects = read_all(CampaignXmlReader(), xml.encode("utf-8"), path)
    scripts = [s for s in subjects if s.embedded]
    assert len(scripts) == 1, [s.origin for s in scripts]
    return scripts[0]


class TestScriptEdgeCases:
    def test_carriage_returns_kept_as_character_references(self):
        xml = '<workflow internalName="W"><activities><js name="js"><script>var a = 1;&#13;\nvar b = &lt;x/&gt;;&#13;\nLogon("u", "CRpwd");</script></js></activities></workflow>'
        script = _one_script(xml)
        assert script.text == 'var a = 1;\nvar b = <x/>;\nLogon("u", "CRpwd");'
        assert real_position(xml, "CRpwd", script) == at(xml, 3, "CRpwd")

    def test_newline_written_as_a_reference(self):
        xml = '<workflow internalName="W"><activities><js name="js"><script>var a = 1;&#10;Logon("u", "NLpwd");\nnext("N2");</script></js></activities></workflow>'
        script = _one_script(xml)
        assert script.text == 'var a = 1;\nLogon("u", "NLpwd");\nnext("N2");'
        line, col, found = real_position(xml, "NLpwd", script)
        assert (line, found) == (1, "NLpwd")
        assert real_position(xml, "N2", script) == at(xml, 2, "N2")

    def test_mixed_text_and_cdata(self):
        xml = '<workflow internalName="W"><activities><js name="js">\n<script>a(&quot;x&quot;);<![CDATA[\nb("<B1>");]]>c("&amp;C1");\nd("D1");</script></js></activities></workflow>'
        script = _one_script(xml)
        assert script.text == 'a("x");\nb("<B1>");c("&C1");\nd("D1");'
        assert real_position(xml, "<B1>", script) == at(xml, 3, "<B1>")
        assert real_position(xml, "C1", script)[2] == "C1"
        assert real_position(xml, "D1", script) == at(xml, 4, "D1")

    def test_standalone_workflow_with_a_default_namespace(self):
        xml = '<workflow xmlns="urn:example" internalName="WKF_NS">\n  <activities>\n    <js name="js"><script>first();\nLogon("", "api_crm", "NsPwd");</script></js>\n  </activities>\n</workflow>'
        script = _one_script(xml)
        assert script.origin == "workflow WKF_NS, activity js (<script>)"
        assert real_position(xml, "NsPwd", script) == at(xml, 4, "NsPwd")

    def test_web_application_source(self):
        xml = '<root entitySchema="nms:webApp" internalName="status" namespace="cus">\n<source>&lt;% var s = logonEscalation("webapp"); %&gt;</source></root>'
        script = _one_script(xml)
        assert (script.language, script.origin) == ("jssp", "nms:webApp cus:status (<source>)")
        assert script.text == '<% var s = logonEscalation("webapp"); %>'
        assert real_position(xml, "logonEscalation", script) == at(xml, 2, "logonEscalation")

    def test_package_install_script(self):
        xml = '<package><entities schema="xtk:specFile">\n<specFile name="crm" namespace="cus"><script>xtk.session.Logon("api_crm", "SpecPwd", &lt;p/&gt;);</script></specFile></entities></package>'
        script = _one_script(xml)
        assert script.origin == "xtk:specFile cus:crm (<script>)"
        assert real_position(xml, "SpecPwd", script)[2] == "SpecPwd"

    def test_sql_entity(self):
        xml = (
            '<sql entitySchema="xtk:sql" name="purge.sql" namespace="cus"><data><![CDATA[DELETE FROM x;]]></data></sql>'
        )
        script = _one_script(xml)
        assert (script.language, script.origin) == ("sql", "xtk:sql cus:purge.sql")

    @pytest.mark.parametrize(
        "xml",
        [
            "<config><call>not a workflow activity</call></config>",
            '<page><script type="text/x-handlebars">{{password}}</script></page>',
            '<root entitySchema="nms:delivery"><source>&lt;%= recipient.firstName %&gt;</source></root>',
            '<package><entities schema="nms:recipient"><recipient><data>Logon</data></recipient></entities></package>',
            '<workflow internalName="W"><activities><js name="js"><script><!-- c -->code()</script></js></activities></workflow>',
            '<workflow internalName="W"><activities><js name="js"><script>   \n  </script></js></activities></workflow>',
        ],
    )
    def test_not_scripts(self, xml):
        subjects = read_all(CampaignXmlReader(), xml.encode("utf-8"))
        assert [s.embedded for s in subjects] == [False]
        assert subjects[0].text == xml  # nothing blanked

    def test_html_script_in_an_xml_document(self):
        xml = '<html><body>\n<script type="text/javascript">fetch("/nl/jsp/soaprouter.jsp");</script></body></html>'
        script = _one_script(xml, "page.xhtml.xml")
        assert (script.origin, script.language) == ("<body> (<script>)", "js")


class TestFallbacks:
    XML = '<workflow internalName="W">\n<activities>\n<js name="js"><script>a();\nLogon("", "u", "FbPwd");</script></js>\n</activities>\n</workflow>'

    @pytest.mark.parametrize("broken", ["scan_elements", "_decode_content"])
    def test_text_and_tree_disagreeing_still_yield_the_script(self, monkeypatch, broken):
        import imslint.readers.campaign_xml as cx

        monkeypatch.setattr(cx, broken, lambda *a, **k: [] if broken == "scan_elements" else None)
        subjects = read_all(CampaignXmlReader(), self.XML.encode("utf-8"))
        script, doc = subjects
        assert script.text == 'a();\nLogon("", "u", "FbPwd");' and script.embedded
        assert script.location(script.text.index("FbPwd")).line == 4  # from the element's sourceline
        assert doc.text == self.XML  # nothing blanked: the range is unknown

    def test_reads_from_path_when_no_data(self, tmp_path):
        path = tmp_path / "wf.xml"
        path.write_bytes(self.XML.encode("utf-8"))
        subjects = list(CampaignXmlReader().read(InputFile(str(path), "wf.xml", None)))
        assert [s.embedded for s in subjects] == [True, False]

    def test_web_application_activity_script(self):
        xml = '<webApp name="survey" namespace="cus">\n<activities><script name="save" label="Save">ctx.save();</script></activities></webApp>'
        script = _one_script(xml)
        assert script.origin == "nms:webApp cus:survey, activity save (<script>)"

    @pytest.mark.parametrize(
        "xml,line",
        [
            ('<?xml version="1.0"', 1),  # a declaration that never ends
            ("<!-- never closed\n<r/>", 1),
            ("<?xml version='1.0'?>\n  \n", 3),  # no root element
        ],
    )
    def test_broken_prologs_are_read_errors(self, xml, line):
        got, error = read_until_error(CampaignXmlReader(), xml.encode("utf-8"))
        assert [s.text for s in got] == [xml]
        assert error.message.startswith("malformed XML")

    @pytest.mark.parametrize("path", ["Info.plist.in", "notes.txt", "WIX.template"])
    def test_a_template_that_is_xml_only_by_its_declaration_is_read_as_text(self, path):
        # CMake/packaging templates open with an XML declaration but hold placeholders: their
        # text is still scanned (a credential in it is found), and they are no error.
        data = b'<?xml version="1.0"?>\n<plist><@PASSWORD_KEY@>ACC_PASSWORD=S3cret!</@PASSWORD_KEY@></plist>\n'
        got = list(CampaignXmlReader().read(InputFile(path, path, data)))
        assert [(s.language, s.text) for s in got] == [("xml", data.decode())]
        with pytest.raises(ReadError):
            list(CampaignXmlReader().read(InputFile("Info.plist.xml", "Info.plist.xml", data)))

    def test_unterminated_doctype_with_entities_is_refused(self):
        got, error = read_until_error(CampaignXmlReader(), b'<!DOCTYPE r [\n<!ENTITY a "b">\n<r>&a;</r>')
        assert (error.message, error.line) == ("DTD with entity declarations refused", 2)


# --------------------------------------------------------------------------- malformed and hostile XML


class TestMalformedAndHostile:
    def test_malformed_gives_the_raw_text_then_an_error_with_the_line(self):
        xml = '<package>\n  <extAccount password="Raw!Pwd">\n  </entities>\n</package>\n'
        got, error = read_until_error(CampaignXmlReader(), xml.encode("utf-8"))
        assert [(s.language, s.tree, s.embedded) for s in got] == [("xml", None, False)]
        assert got[0].text == xml
        assert error.line == 3
        assert error.message.startswith("malformed XML: ")
        assert "mismatch" in error.message

    def test_billion_laughs_is_refused_without_expansion(self):
        lol = ['<!ENTITY lol "lol">'] + [
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
        ]
        xml = '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n ' + "\n ".join(lol) + "\n]>\n<lolz>&lol9;</lolz>\n"
        start = time.perf_counter()
        got, error = read_until_error(CampaignXmlReader(), xml.encode("utf-8"))
        assert time.perf_counter() - start < 1.0
        assert error.message == "DTD with entity declarations refused"
        assert error.line == 3
        assert [s.text for s in got] == [xml]  # the raw text, nothing expanded
        assert got[0].tree is None

    def test_xxe_is_refused_and_nothing_is_read(self, tmp_path):
        secret = tmp_path / "secret.txt"
        secret.write_text("XXE-MARKER")
        xml = f'<?xml version="1.0"?>\n<!DOCTYPE r [\n  <!ENTITY xxe SYSTEM "file://{secret}">\n]>\n<r>&xxe;</r>\n'
        got, error = read_until_error(CampaignXmlReader(), xml.encode("utf-8"))
        assert (error.message, error.line) == ("DTD with entity declarations refused", 3)
        assert all("XXE-MARKER" not in s.text for s in got)

    def test_external_dtd_is_never_loaded(self, tmp_path):
        dtd = tmp_path / "evil.dtd"
        dtd.write_text('<!ENTITY ext "DTD-MARKER">')
        xml = f'<!DOCTYPE r SYSTEM "file://{dtd}">\n<r><a>&ext;</a></r>'
        subjects = read_all(CampaignXmlReader(), xml.encode("utf-8"))
        (doc,) = subjects
        assert doc.tree is not None
        assert "DTD-MARKER" not in etree.tostring(doc.tree, encoding="unicode")

    def test_too_deep_document_is_an_error_not_a_crash(self):
        xml = "<a>" * 400 + "</a>" * 400
        got, error = read_until_error(CampaignXmlReader(), xml.encode("utf-8"))
        assert len(got) == 1 and got[0].tree is None
        assert "depth" in error.message.lower()


# --------------------------------------------------------------------------- position helpers


class TestPositionHelpers:
    def test_mapped_source_text_without_anchors_is_a_plain_source_text(self):
        s = MappedSourceText(path="f", text="ab\ncd", first_line=3, first_column=5)
        assert s.line_col(1) == (3, 6) and s.line_col(4) == (4, 2)

    def test_mapped_source_text_line_col(self):
        # "a<b\nc" where "<" was written "&lt;" at file line 5, column 10.
        s = MappedSourceText(
            path="f.xml", text="a<b\nc", first_line=5, first_column=10, anchors=((0, 5, 10), (2, 5, 15))
        )
        assert s.line_col(0) == (5, 10)
        assert s.line_col(1) == (5, 11)  # the "<" stands where "&lt;" starts
        assert s.line_col(2) == (5, 15)
        assert s.line_col(4) == (6, 1)
        loc = s.location(0, 3)
        assert (loc.line, loc.column, loc.end_line, loc.end_column) == (5, 10, 5, 16)

    def test_scan_elements_matches_lxml_order(self):
        xml = '<?xml version="1.0"?>\n<!-- <fake/> -->\n<a x=">"><b/><![CDATA[<c>]]><d\n y=\'/>\'>t</d><?pi <e/>?></a>'
        spans = scan_elements(xml)
        root = etree.fromstring(xml.encode())
        assert [s.local_name for s in spans] == [e.tag for e in root.iter(etree.Element)] == ["a", "b", "d"]
        d = spans[2]
        assert xml[d.start : d.start + 2] == "<d" and xml[d.content_start : d.content_end] == "t"

    def test_locator_attribute_and_fallback(self):
        xml = '<serverConf>\n  <securityZone name="public"\n      allowUserPassword="true"/>\n</serverConf>'
        root = etree.fromstring(xml.encode())
        subject = SourceText(path="s.xml", text=xml, language="xml", tree=root)
        zone = root[0]
        loc = XmlLocator(subject).attribute(zone, "allowUserPassword")
        assert (loc.line, loc.column, loc.end_column) == (3, 7, 31)
        assert XmlLocator(subject).element(zone).line == 2
        assert XmlLocator(subject).attribute(zone, "missing").line == 2
        # A text that does not match the tree: fall back on lxml's line.
        stale = SourceText(path="s.xml", text="<other/>", language="xml", tree=root)
        assert XmlLocator(stale).attribute(zone, "allowUserPassword").line == zone.sourceline == 3

    def test_iter_start_tags_on_broken_text(self):
        text = '<!-- <extAccount password="c"/> -->\n<x><![CDATA[<extAccount password="d"/>]]>\n<extAccount name="a" password="p&amp;1"'
        assert list(iter_start_tags(text, ["extAccount"])) == []  # an unfinished tag is no tag
        text += ">\n<ns:extAccount password='q&#x41;&#66;'/>"
        tags = list(iter_start_tags(text, ["extAccount"]))
        assert [t.attributes["password"][0] for t in tags] == ["p&1", "qAB"]
        assert [(t.name, t.local_name) for t in tags] == [("extAccount", "extAccount"), ("ns:extAccount", "extAccount")]
        value, name_at, end = tags[0].attributes["password"]
        assert text[name_at:end] == 'password="p&amp;1"'


def test_fixture_workflow_package():
    """fixtures/repo's workflow: the carriers, and the Logon of script line 6 on file line 28."""
    from conftest import ROOT

    path = "fixtures/repo/campaign/packages/wkf_crm_sync.xml"
    with open(f"{ROOT}/{path}", "rb") as fh:
        data = fh.read()
    subjects = read_all(CampaignXmlReader(), data, path)
    assert [(s.origin, s.first_line) for s in subjects] == [
        ("workflow WKF_CRM_SYNC, activity start (<initScript>)", 12),
        ("workflow WKF_CRM_SYNC, activity js (<script>)", 23),
        ("workflow WKF_CRM_SYNC, activity jsx (<call>)", 39),
        ("workflow WKF_CRM_SYNC, activity jsx (<recall>)", 42),
        ("", 1),
    ]
    script = subjects[1]
    assert script.text.split("\n")[5].startswith('var res = session.Logon("", "api_crm", "Crm-Sync-2024!"')
    assert real_position(data.decode("utf-8"), "Crm-Sync-2024!", script) == at(
        data.decode("utf-8"), 28, "Crm-Sync-2024!"
    )
