"""Files no selected rule can use are not decoded, parsed or turned into subjects (issue 16, item 1)."""

from __future__ import annotations

import os
import shutil

from conftest import ROOT, write

from imslint.config import Config
from imslint.engine import lint
from imslint.readers.campaign_xml import CampaignXmlReader
from imslint.readers.source import SourceReader

MALFORMED = "<workflow><activities><js name='a'>var x = 1;</activities>\n"  # no keyword, does not parse


def run(tmp_path, registry, require=None, **cfg):
    config = Config(root=str(tmp_path), respect_gitignore=False, **cfg)
    return lint(["."], config, registry, cwd=str(tmp_path), require=require)


def spy_reads(monkeypatch):
    read = []
    for cls in (SourceReader, CampaignXmlReader):
        original = cls.read

        def spy(self, source, original=original):
            read.append(source.display_path)
            return original(self, source)

        monkeypatch.setattr(cls, "read", spy)
    return read


def test_a_file_without_keywords_is_not_read_but_counted_as_scanned(tmp_path, registry, monkeypatch):
    write(tmp_path, "clean.js", "function add(a, b) { return a + b; }\n")
    write(tmp_path, "login.js", "var s = xtk.session.Logon('admin', 'Sup3rS3cret', <x/>);\n")
    read = spy_reads(monkeypatch)
    result = run(tmp_path, registry)
    assert read == ["login.js"]
    assert result.files_scanned == 2 and not result.skipped and not result.errors
    assert result.subjects == {"source": 1}
    assert {f.location.path for f in result.findings} == {"login.js"}


def test_a_malformed_xml_file_without_keywords_is_not_an_error(tmp_path, registry):
    write(tmp_path, "broken.xml", MALFORMED)
    result = run(tmp_path, registry)
    assert result.errors == [] and result.files_scanned == 1


def test_a_malformed_xml_file_with_a_keyword_is_still_an_error(tmp_path, registry):
    write(tmp_path, "broken.xml", MALFORMED.replace("var x = 1;", "xtk.session.Logon(login, pass);"))
    result = run(tmp_path, registry)
    assert [e.path for e in result.errors] == ["broken.xml"]
    assert "malformed XML" in result.errors[0].message


def test_the_rules_left_decide_which_readers_run(tmp_path, registry, monkeypatch):
    # "securityzone" is a keyword of the XML-only IMS201: the XML file is parsed; the JavaScript file holds
    # the keyword too, but no rule left takes its subjects (JavaScript): it is not read.
    write(tmp_path, "serverConf.xml", "<serverconf><securityZone name='lan'/></serverconf>\n")
    write(tmp_path, "zones.js", "// securityZone\n")
    write(tmp_path, "other.xml", "<config><entry/></config>\n")
    write(tmp_path, "logon.js", "// logon\n")
    read = spy_reads(monkeypatch)
    run(tmp_path, registry)
    assert sorted(read) == ["logon.js", "serverConf.xml"]
    read.clear()
    run(tmp_path, registry, select=["IMS001"])  # operator rules only: no source file is read
    assert read == []


def test_operator_exports_are_read_whatever_their_bytes_hold(tmp_path, registry):
    shutil.copytree(os.path.join(ROOT, "fixtures", "operators"), tmp_path / "ops")
    with_rules = run(tmp_path, registry)
    assert with_rules.subjects.get("operator")
    # imslint operators: every input is read, even with only source rules selected
    required = run(tmp_path, registry, require=("operator", ["."], lambda p: "not an export"), select=["IMS101"])
    assert required.subjects.get("operator") == with_rules.subjects["operator"]
    assert not required.errors


def test_a_binary_file_without_keywords_is_still_listed_as_skipped(tmp_path, registry):
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = run(tmp_path, registry)
    assert result.skipped == [("image.png", "binary or unsupported file")] and result.files_scanned == 0


def test_a_reader_that_does_not_declare_its_subjects_always_reads(tmp_path):
    from imslint import hookimpl
    from imslint.plugins import load_plugins
    from imslint.readers import Reader

    seen = []

    class Anything(Reader):
        name = "anything"
        priority = 10

        def sniff(self, path, head):
            return path.endswith(".any")

        def read(self, source):
            seen.append(source.display_path)
            return iter(())

    class Plugin:
        @hookimpl
        def imslint_register_readers(self):
            return [Anything]

    registry = load_plugins(extra=[("anything", Plugin())])
    write(tmp_path, "file.any", "nothing a rule looks for\n")
    run(tmp_path, registry)
    assert seen == ["file.any"]
