"""JUnit XML, as GitLab (``artifacts:reports:junit``) and Jenkins (``junit`` step) read it.

One ``<testsuite>`` per file with findings, one failing ``<testcase>`` per finding;
a file that could not be checked is a test case with an ``<error>``. A clean run
is one passing test case, so the report is never empty.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Tuple

from .. import ci_outputs

# Characters XML 1.0 cannot hold (controls, lone surrogates of names that are not UTF-8, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub(
        lambda m: "\\x%02x" % ord(m.group()) if ord(m.group()) < 0x100 else "\\u%04x" % ord(m.group()), text
    )


class JunitReporter:
    """``--format junit``."""

    format = "junit"

    # Its reports left in a scanned tree are recognised (imslint.protocols.OutputRecogniser; see imslint.ci_outputs).
    output_label = ci_outputs.JUNIT
    output_first_bytes = (b"<",)

    def sniff_output(self, head: bytes, tail: Any) -> bool:
        """Whether ``head`` starts like one of its reports."""
        return ci_outputs.sniff(head) == ci_outputs.JUNIT

    def confirm_output(self, data: bytes, path: str) -> bool:
        """Whether all of ``data`` is one of its reports, under a report's name."""
        return ci_outputs.confirm(ci_outputs.JUNIT, data, path)

    def secret_checked_part(self, data: bytes) -> bytes:
        """All of it: its messages are redacted like every report's."""
        return data

    def render(self, result: Any, options: Mapping[str, Any]) -> str:
        """Serialise the report (lxml escapes what must be escaped; nothing is parsed)."""
        from lxml import etree

        files: Dict[str, List[Tuple[str, str, Dict[str, str], str, str]]] = {}
        for f in result.findings:
            loc = f.location
            where = f"{loc.path}:{loc.line}:{loc.column}"
            files.setdefault(loc.path, []).append(
                (
                    f"{f.rule_id} {f.rule_name}",
                    f"{f.rule_id} at {where}",
                    {"type": f.severity.label, "message": f.message},
                    "failure",
                    f"{where}: {f.severity.label} {f.rule_id} {f.message} [{f.rule_name}]",
                )
            )
        for e in result.errors:
            where = f"{e.path}:{e.line}" if e.line else e.path
            files.setdefault(e.path, []).append(
                (
                    "imslint",
                    f"could not check {where}",
                    {"type": e.kind, "message": e.message},
                    "error",
                    f"{where}: {e.message}",
                )
            )
        failures = len(result.findings)
        errors = len(result.errors)
        tests = failures + errors
        root = etree.Element(
            "testsuites", name="imslint", tests=str(max(tests, 1)), failures=str(failures), errors=str(errors)
        )
        if not files:
            suite = etree.SubElement(
                root, "testsuite", name="imslint", tests="1", failures="0", errors="0", skipped="0"
            )
            etree.SubElement(
                suite, "testcase", classname="imslint", name=f"{result.files_scanned} file(s) checked, no findings"
            )
        for path in sorted(files):
            cases = files[path]
            suite = etree.SubElement(
                root,
                "testsuite",
                name=_xml_text(path),
                tests=str(len(cases)),
                failures=str(sum(1 for c in cases if c[3] == "failure")),
                errors=str(sum(1 for c in cases if c[3] == "error")),
                skipped="0",
            )
            for classname, name, attrs, kind, body in cases:
                case = etree.SubElement(
                    suite, "testcase", classname=_xml_text(classname), name=_xml_text(name), file=_xml_text(path)
                )
                outcome = etree.SubElement(case, kind, {k: _xml_text(v) for k, v in attrs.items()})
                outcome.text = _xml_text(body)
        return etree.tostring(root, encoding="unicode", pretty_print=True).join(
            ['<?xml version="1.0" encoding="UTF-8"?>\n', ""]
        )
