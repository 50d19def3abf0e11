"""The source line under each finding (``check --show-source``), with every secret redacted.

Findings never hold a secret, only its short hash (:func:`imslint.model.secret_hash`),
so the line read back from the file must be redacted here, the way the engine
redacts messages (:func:`imslint.model.redact`). To know every secret a line may
hold, every loaded rule is run once more on the files that have findings, with
nothing left out (all rules, no per-file ignores, inline suppressions or
baseline, default rule options): each secret any rule finds there is located
in its line by its hash, then replaced wherever it appears in the file. When a
secret cannot be located exactly (it is written escaped, encoded, or split),
no source line of that file is shown: a line is shown redacted, or not at all.
"""

from __future__ import annotations

import copy
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from .model import redact, secret_hash

MAX_SEARCHED = 4000  # a line longer than this is not searched for secrets (shown only when its file has none)
MAX_SECRET = 512
SHOWN = 160  # characters of a long line shown around the finding's column

# Characters that end a secret: quotes, spaces, separators of assignments, URLs, calls and markup.
_DELIM_RE = re.compile(r"""[\s"'`=:;,()\[\]{}<>/\\@&?#|+!*$%^~]""")


def _boundaries(line: str) -> List[int]:
    points = {0, len(line)}
    for m in _DELIM_RE.finditer(line):
        points.add(m.start())
        points.add(m.end())
    return sorted(points)


def locate(line: str, hashes: Set[str]) -> Dict[str, str]:
    """The substrings of ``line`` between delimiters whose secret hash is one of ``hashes`` (hash -> secret)."""
    found: Dict[str, str] = {}
    if len(line) > MAX_SEARCHED or not hashes:
        return found
    points = _boundaries(line)
    for i, start in enumerate(points):
        for end in points[i + 1 :]:
            if end - start > MAX_SECRET:
                break
            h = secret_hash(line[start:end])
            if h in hashes and h not in found:
                found[h] = line[start:end]
    return found


class SourceLines:
    """Gives the redacted source line of a finding (``None`` when it must not or cannot be shown)."""

    def __init__(
        self,
        result: Any,
        config: Any,
        registry: Any,
        cwd: Optional[str] = None,
        stdin: Optional[Tuple[str, bytes]] = None,
    ) -> None:
        self.cwd = cwd or os.getcwd()
        self.stdin = stdin
        self.max_file_size = getattr(config, "max_file_size", 5 * 1024 * 1024)
        self._lines: Dict[str, Optional[List[str]]] = {}
        self._secrets: Dict[str, Optional[Set[str]]] = {}  # path -> secrets to redact; None: not all located
        findings = list(result.findings) + list(result.suppressed) + list(result.baselined)
        paths = sorted({f.location.path for f in result.findings})
        others = self._all_secret_findings(paths, config, registry)
        for path in paths:
            if others is None:
                self._secrets[path] = None  # the second pass failed: which secrets the files hold is unknown
                continue
            with_secret = [f for f in findings + others if f.location.path == path and f.secret_hash]
            self._secrets[path] = self._locate_all(path, with_secret)

    def _all_secret_findings(self, paths: List[str], config: Any, registry: Any) -> Optional[list]:
        """Every finding of every rule on ``paths`` (the secrets the run's settings left out too); None on failure."""
        if not paths:
            return []
        cfg = copy.copy(config)
        cfg.select, cfg.extend_select, cfg.ignore = ["ALL"], [], []
        cfg.from_command_line = {}
        cfg.per_file_ignores, cfg.rules, cfg.severity = {}, {}, {}
        cfg.cache_dir, cfg.baseline = None, None
        try:
            if self.stdin is not None:
                from .stdin import lint_stdin

                result = lint_stdin(self.stdin[1], self.stdin[0], cfg, registry)
            else:
                from .engine import lint

                real = [p for p in paths if p != "<run>" and os.path.exists(os.path.join(self.cwd, p))]
                if not real:
                    return []
                cfg.force_exclude = False  # the files were scanned: they are not excluded
                result = lint(real, cfg, registry, cwd=self.cwd)
        except Exception:  # noqa: BLE001 - a second pass that fails shows no source, it never breaks the report
            return None
        if result.errors:
            return None  # a rule that failed on a file may have missed a secret there
        return list(result.findings) + list(result.suppressed)

    def _locate_all(self, path: str, with_secret: Iterable[Any]) -> Optional[Set[str]]:
        lines = self._file_lines(path)
        secrets: Set[str] = set()
        for f in with_secret:
            if lines is None:
                return None
            first = f.location.line
            last = f.location.end_line or first
            found: Dict[str, str] = {}
            for n in range(max(1, first), min(last, first + 50, len(lines)) + 1):
                found.update(locate(lines[n - 1], {f.secret_hash}))
                if found:
                    break
            if f.secret_hash not in found:
                return None  # a secret we cannot find exactly: show nothing of this file
            secrets.add(found[f.secret_hash])
        return secrets

    def _file_lines(self, path: str) -> Optional[List[str]]:
        if path not in self._lines:
            self._lines[path] = self._read(path)
        return self._lines[path]

    def _read(self, path: str) -> Optional[List[str]]:
        from .readers.source import decode_bytes, normalize_newlines

        if self.stdin is not None and path == self.stdin[0]:
            data = self.stdin[1]
        else:
            real = os.path.join(self.cwd, path)
            try:
                if os.path.getsize(real) > max(self.max_file_size, 64 * 1024 * 1024):
                    return None
                with open(real, "rb") as fh:
                    data = fh.read()
            except OSError:
                return None
        # The engine's line model: the same decoding, every line break one break.
        return normalize_newlines(decode_bytes(data)).split("\n")

    def __call__(self, finding: Any) -> Optional[str]:
        """The line of ``finding``, redacted and cut around its column; None when it is not shown."""
        path = finding.location.path
        secrets = self._secrets.get(path)
        if path not in self._secrets or secrets is None:
            return None
        lines = self._file_lines(path)
        n = finding.location.line
        if lines is None or not 0 < n <= len(lines):
            return None
        line = lines[n - 1]
        if len(line) > MAX_SEARCHED and secrets:
            return None  # too long to be sure no secret is cut in half by the window below
        line = redact(line, secrets).expandtabs(4).rstrip()
        if len(line) > SHOWN:
            start = max(0, min(finding.location.column - 1 - SHOWN // 3, len(line) - SHOWN))
            line = ("…" if start else "") + line[start : start + SHOWN] + ("…" if start + SHOWN < len(line) else "")
        return line
