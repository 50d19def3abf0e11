"""``imslint check -``: lint bytes read from standard input as if they were the file ``--stdin-filename``.

The name decides everything a path decides in a run: the reader and language,
the configuration found by walking up from its folder, the excludes and
per-file ignores (matched against the name relative to the configuration
root), the fingerprint that the baseline keys on, and the path findings
report. The bytes are written to a private temporary folder that mirrors the
absolute path of the name (so that every relative path the engine computes is
the one the real file would have), linted there, and every path of the result
is given back its real name. Nothing is written next to the real file.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import shutil
import tempfile
from typing import Any, Dict, Optional

STDIN_NAME = "-"


def _mirror(tmp: str, path: str) -> str:
    absolute = os.path.abspath(path)
    drive, rest = os.path.splitdrive(absolute)
    return os.path.join(tmp, drive.replace(":", ""), rest.lstrip(os.sep))


def lint_stdin(data: bytes, name: str, config: Any, registry: Any, baseline: Optional[Any] = None) -> Any:
    """The :class:`RunResult` of linting ``data`` as the file ``name`` (relative to the working folder)."""
    from .discovery import display_path
    from .engine import lint

    cwd = os.getcwd()
    real = os.path.normpath(os.path.join(cwd, name))
    shown = name if name == STDIN_NAME else display_path(real, cwd)
    tmp = tempfile.mkdtemp(prefix="imslint-stdin-")
    try:
        fake_cwd = _mirror(tmp, cwd)
        fake = _mirror(tmp, real)
        os.makedirs(os.path.dirname(fake), exist_ok=True)
        os.makedirs(fake_cwd, exist_ok=True)
        with open(fake, "wb") as fh:
            fh.write(data)
        cfg = copy.copy(config)
        cfg.root = _mirror(tmp, os.path.abspath(config.root))
        cfg.cache_dir = None  # the cache keys on paths and file times: nothing to reuse for standard input
        cfg.force_exclude = True  # an editor pipes every buffer: an excluded name stays quiet
        cfg.respect_gitignore = False
        cfg.jobs = 1
        result = lint([fake], cfg, registry, baseline=baseline, cwd=fake_cwd)
        names: Dict[str, str] = {display_path(fake, fake_cwd): shown, fake: shown}
        _rename(result, names)
        result.root = os.path.abspath(config.root)
        result.base = cwd
        result.inputs = []
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rename(result: Any, names: Dict[str, str]) -> None:
    """Give every path of ``result`` that names the temporary copy its real name."""

    def loc(location: Any) -> Any:
        new = names.get(location.path)
        return dataclasses.replace(location, path=new) if new is not None else location

    def finding(f: Any) -> Any:
        related = tuple(dataclasses.replace(r, location=loc(r.location)) for r in f.related)
        return dataclasses.replace(f, location=loc(f.location), related=related)

    result.findings = [finding(f) for f in result.findings]
    result.suppressed = [finding(f) for f in result.suppressed]
    result.baselined = [finding(f) for f in result.baselined]
    result.errors = [
        dataclasses.replace(e, path=names.get(e.path, e.path), message=_replace_all(e.message, names))
        for e in result.errors
    ]
    result.skipped = [(names.get(p, p), r.replace("--force-exclude", "--stdin-filename")) for p, r in result.skipped]
    result.warnings = [_replace_all(w, names) for w in result.warnings]


def _replace_all(text: str, names: Dict[str, str]) -> str:
    for old, new in sorted(names.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(old, new)
    return text
