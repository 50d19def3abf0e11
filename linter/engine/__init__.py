"""The engine: ``lint(paths, config, registry) -> RunResult``, in small modules.

- :mod:`.run`: the run (discovery, phases, finish, the result cache, the RunResult);
- :mod:`.checker`: one file: its subjects, each selected rule applied in isolation;
- :mod:`.intake`: what a file is from its first bytes (a reader's input; imslint's own outputs: :mod:`imslint.own_output`);
- :mod:`.prefilter`: the keyword pre-filter choosing the source rules a file needs;
- :mod:`.stamping`: Problem -> Finding (redaction, fingerprint), per-file ignores, inline suppressions;
- :mod:`.parallel`: worker processes, a crash-tolerant pool and the rule watchdog;
- :mod:`.pieces`: a big streamed export read in pieces by forked processes;
- :mod:`.outcome` and :mod:`.faults`: what travels between processes, and how plugin faults are contained.

What other modules and plugins import from ``imslint.engine`` is re-exported here.
"""

from __future__ import annotations

from ..model import RunResult
from .checker import BATCH_SIZE, Checker
from .intake import HEAD_SIZE, choose_reader
from .outcome import FileOutcome, Plan
from .parallel import AUTO_JOBS_FILES, MAX_JOBS_PER_CPU, RuleTimeout, auto_jobs, usable_cpus
from .run import check_cache_dir, lint

__all__ = [
    "AUTO_JOBS_FILES",
    "BATCH_SIZE",
    "Checker",
    "FileOutcome",
    "HEAD_SIZE",
    "MAX_JOBS_PER_CPU",
    "Plan",
    "RuleTimeout",
    "RunResult",
    "auto_jobs",
    "check_cache_dir",
    "choose_reader",
    "lint",
    "usable_cpus",
]
