"""``--diff-base REF``: keep only the findings on lines changed since REF (diff-aware gating).

Rules still see whole files and the whole run (cross-file facts, wrappers): this is a
filter on the result, applied after linting, like the baseline. The changed lines are
those ``git diff`` shows between the merge base of REF and HEAD and the working tree,
renames followed (a file only moved is unchanged). A file git does not track (new and
not yet added, or outside the repository) counts as changed: when in doubt a finding
is kept. Any git failure is a :class:`DiffBaseError` (exit 2), never an empty diff.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple

from .model import Finding

# Settings a repository's own configuration could use to run commands or change the diff's shape.
_GIT = [
    "git",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.quotePath=true",
    "-c",
    "diff.noprefix=false",
    "-c",
    "diff.mnemonicPrefix=false",
    "-c",
    "diff.relative=false",
    "-c",
    "diff.renames=true",
]
_HUNK_RE = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


class DiffBaseError(Exception):
    """git could not tell what changed: the gate must not pass on it."""


def _git(args: Sequence[str], cwd: str) -> str:
    env = dict(os.environ)
    for var in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS"):
        env.pop(var, None)
    env["GIT_TERMINAL_PROMPT"] = "0"
    try:
        proc = subprocess.run(_GIT + list(args), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise DiffBaseError(f"--diff-base: cannot run git: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffBaseError(
            f"--diff-base: git {args[0]} failed: {why[-1] if why else f'exit status {proc.returncode}'}"
        )
    return proc.stdout.decode("utf-8", "surrogateescape")


def _unquote(name: str) -> str:
    """A path as git writes it in a patch header: C-quoted when it holds special bytes."""
    if not (len(name) >= 2 and name[0] == '"' and name[-1] == '"'):
        return name
    body, out, i = name[1:-1], bytearray(), 0
    simple = {"n": 10, "t": 9, '"': 34, "\\": 92, "a": 7, "b": 8, "f": 12, "r": 13, "v": 11}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
            if re.match(r"[0-7]{3}", body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
        out.extend(c.encode("utf-8", "surrogateescape"))
        i += 1
    return out.decode("utf-8", "surrogateescape")


def parse_diff(text: str) -> Dict[str, Optional[Set[int]]]:
    """Repository-relative path (new side) -> lines added or changed (``None``: the whole file, e.g. binary)."""
    changed: Dict[str, Optional[Set[int]]] = {}
    current: Optional[str] = None
    for line in text.split("\n"):
        if line.startswith("diff --git "):
            current = None
        elif line.startswith("+++ "):
            name = _unquote(line[4:].rstrip("\t"))
            current = name[2:] if name.startswith("b/") else None  # "/dev/null": a deleted file
            if current is not None:
                changed.setdefault(current, set())
        elif line.startswith("rename to "):
            current = _unquote(line[len("rename to ") :])
            changed.setdefault(current, set())
        elif line.startswith("Binary files ") and line.endswith(" differ"):
            m = re.search(r" and (\"(?:[^\"\\]|\\.)*\"|b/.*) differ$", line)
            if m:
                name = _unquote(m.group(1))
                if name.startswith("b/"):
                    changed[name[2:]] = None
        elif current is not None and line.startswith("@@"):
            m = _HUNK_RE.match(line)
            if m is None:
                raise DiffBaseError(f"--diff-base: unexpected line in git diff output: {line[:80]!r}")
            start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
            lines = changed.get(current)
            if lines is not None:
                lines.update(range(start, start + count))
    return changed


@dataclasses.dataclass
class ChangedLines:
    """What changed since the merge base: per repository-relative path, the changed lines."""

    toplevel: str
    base: str  # the merge-base commit
    changed: Dict[str, Optional[Set[int]]]
    tracked: Set[str]

    def covers(self, path: str, first: int, last: int) -> bool:
        """True when a finding spanning lines ``first``..``last`` of ``path`` (absolute) is on changed lines."""
        rel = os.path.relpath(os.path.realpath(path), self.toplevel).replace(os.sep, "/")
        if rel.startswith("../") or rel == ".." or rel not in self.tracked:
            return True  # outside the repository or not tracked: new to git, so new to the gate
        lines = self.changed.get(rel, set())
        if lines is None:
            return True
        return any(n in lines for n in range(first, max(first, last) + 1))


def changed_lines(ref: str, where: str = ".") -> ChangedLines:
    """The lines changed in the work tree holding ``where`` since the merge base of ``ref`` and HEAD."""
    if not ref or ref.startswith("-") or any(c in ref for c in "\x00\n\r"):
        raise DiffBaseError(f"--diff-base: {ref!r} is not a git revision")
    where = where if os.path.isdir(where) else (os.path.dirname(os.path.abspath(where)) or ".")
    toplevel = _git(["rev-parse", "--show-toplevel"], where).strip()
    if not toplevel:
        raise DiffBaseError("--diff-base: not inside a git work tree")
    toplevel = os.path.realpath(toplevel)
    try:
        commit = _git(["rev-parse", "--verify", "--quiet", ref + "^{commit}"], toplevel).strip()
    except DiffBaseError:
        raise DiffBaseError(f"--diff-base: unknown revision {ref!r} (fetch it first, e.g. fetch-depth: 0)") from None
    base = _git(["merge-base", commit, "HEAD"], toplevel).strip()
    if not re.fullmatch(r"[0-9a-f]{40,64}", base):
        raise DiffBaseError(f"--diff-base: no merge base between {ref!r} and HEAD (a shallow clone needs more history)")
    diff = _git(
        [
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--find-renames",
            "--unified=0",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            base,
            "--",
        ],
        toplevel,
    )
    tracked = {p for p in _git(["ls-files", "-z"], toplevel).split("\x00") if p}
    return ChangedLines(toplevel, base, parse_diff(diff), tracked)


def only_changed(result: Any, ref: str, where: str = ".") -> Tuple[Any, int]:
    """(``result`` with only the findings on changed lines, how many were left out)."""
    lines = changed_lines(ref, where)
    base = getattr(result, "base", ".") or "."
    kept: List[Finding] = []
    for f in result.findings:
        loc = f.location
        path = loc.path if os.path.isabs(loc.path) else os.path.join(base, loc.path)
        if not os.path.exists(path) or lines.covers(path, loc.line, loc.end_line or loc.line):
            kept.append(f)  # a finding not in a file (a run-wide one) stays
    return dataclasses.replace(result, findings=kept), len(result.findings) - len(kept)
