"""The built-in readers and reporters, registered through the same hooks as any plugin's."""

from __future__ import annotations

from typing import Any, Iterable

from .hookspecs import hookimpl


@hookimpl
def imslint_register_readers() -> Iterable[Any]:
    """Operator exports (XML, CSV), Campaign XML with embedded scripts, and any other text file."""
    from .readers.campaign_xml import CampaignXmlReader
    from .readers.operators import OperatorCsvReader, OperatorXmlReader
    from .readers.source import SourceReader

    return [OperatorXmlReader, OperatorCsvReader, CampaignXmlReader, SourceReader]


@hookimpl
def imslint_register_reporters() -> Iterable[Any]:
    """text, json, sarif, github, gitlab (code quality) and junit."""
    from .reporters.github import GithubReporter
    from .reporters.gitlab import GitlabReporter
    from .reporters.json import JsonReporter
    from .reporters.junit import JunitReporter
    from .reporters.sarif import SarifReporter
    from .reporters.text import TextReporter

    return [TextReporter, JsonReporter, SarifReporter, GithubReporter, GitlabReporter, JunitReporter]
