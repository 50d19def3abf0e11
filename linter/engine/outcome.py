"""What travels between the run and the processes that check files: the plan in, one outcome per file back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ..model import Fact, FileError, Finding, Severity


@dataclass
class Plan:
    """What every worker needs to check files: picklable, no open handles."""

    rule_ids: List[str]
    severities: Dict[str, Severity]
    options: Dict[str, Dict[str, Any]]
    root: str
    per_file_ignores: Dict[str, List[str]]
    max_file_size: int
    cache: bool = False  # a result cache is in use: each file read whole is hashed (see imslint.cache)
    known_digests: Dict[str, str] = field(default_factory=dict)  # path -> cached digest, for files whose stat changed
    reader_options: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # reader name -> its configure() options
    rule_timeout: float = 0.0  # seconds the rules may spend on one file in a worker process (0: no limit)
    read_all: bool = False  # every file is read, even one no rule's keywords are in (``imslint operators``)


@dataclass
class FileOutcome:
    """What checking one file produced (travels back from worker processes)."""

    findings: List[Finding] = field(default_factory=list)
    suppressed: List[Finding] = field(default_factory=list)
    facts: List[Fact] = field(default_factory=list)  # published by the file's rules, in order (for the parent process)
    errors: List[FileError] = field(default_factory=list)
    skipped: Optional[str] = None
    scanned: bool = False
    subjects: Dict[str, int] = field(default_factory=dict)
    cacheable: bool = False  # depends on the file's bytes and the run's settings only (see imslint.cache)
    digest: Optional[str] = None  # of the bytes read, when a cache is in use
    unchanged: bool = False  # the bytes match the cached digest: the cached outcome stands, nothing was checked
