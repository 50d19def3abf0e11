"""Paths to files: directory walking, exclude globs, .gitignore (through git when available); sorted output."""

from __future__ import annotations

import fnmatch
import os
import subprocess
from dataclasses import dataclass
from typing import Iterable, List, Optional, Sequence, Set, Tuple


@dataclass(frozen=True)
class Discovered:
    """A file to scan: where it is and how findings name it."""

    path: str  # absolute path on disk
    display: str  # path relative to the working directory (``/``-separated), or absolute outside it
    explicit: bool = False  # named on the command line


def display_path(path: str, cwd: Optional[str] = None) -> str:
    """Relative, ``/``-separated path for output; absolute when outside ``cwd``."""
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:  # pragma: no cover - other drive on Windows
        return absolute.replace(os.sep, "/")
    if rel.startswith(".."):
        return absolute.replace(os.sep, "/")
    return rel.replace(os.sep, "/")


def relative_to(path: str, root: str) -> str:
    """``path`` relative to ``root`` (``/``-separated) when inside it, else absolute."""
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, os.path.abspath(root))
    return absolute.replace(os.sep, "/") if rel.startswith("..") else rel.replace(os.sep, "/")


def matches_any(rel: str, patterns: Sequence[str]) -> bool:
    """True when the ``/``-separated relative path matches a glob.

    A pattern without ``/`` matches any path component (``node_modules``,
    ``*.min.js``); a pattern with ``/`` matches the whole relative path or a
    leading part of it (``fixtures/vendor`` or ``build/**/*.js``).
    """
    if not patterns:
        return False
    parts = rel.split("/")
    for pat in patterns:
        p = pat.strip().rstrip("/")
        if not p:
            continue
        if p.startswith("./"):
            p = p[2:]
        if "/" not in p:
            if any(fnmatch.fnmatchcase(part, p) for part in parts):
                return True
        else:
            if fnmatch.fnmatchcase(rel, p) or fnmatch.fnmatchcase(rel, p + "/*"):
                return True
            for i in range(1, len(parts)):
                if fnmatch.fnmatchcase("/".join(parts[:i]), p):
                    return True
    return False


def _git_visible(directory: str) -> Optional[Set[str]]:
    """Files git would show under ``directory`` (tracked and untracked-not-ignored), or None without git."""
    try:
        top = subprocess.run(
            ["git", "-C", directory, "rev-parse", "--show-toplevel"],
            capture_output=True, text=True, timeout=20, check=False,
        )
        if top.returncode != 0:
            return None
        proc = subprocess.run(
            ["git", "-C", directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--full-name", "."],
            capture_output=True, timeout=60, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    toplevel = top.stdout.strip()
    return {
        os.path.normpath(os.path.join(toplevel, os.fsdecode(name)))
        for name in proc.stdout.split(b"\0")
        if name
    }


def discover(
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    root: str = ".",
    respect_gitignore: bool = True,
    force_exclude: bool = False,
    cwd: Optional[str] = None,
) -> Tuple[List[Discovered], List[str]]:
    """Expand ``paths`` into a sorted, de-duplicated list of files, and the paths that do not exist."""
    cwd = cwd or os.getcwd()
    found: dict = {}
    missing: List[str] = []
    root_abs = os.path.abspath(root)
    for given in paths:
        absolute = os.path.normpath(os.path.join(cwd, given))
        if os.path.isfile(absolute):
            rel = relative_to(absolute, root_abs)
            if force_exclude and matches_any(rel, exclude):
                continue
            found.setdefault(absolute, Discovered(absolute, display_path(absolute, cwd), True))
            continue
        if not os.path.isdir(absolute):
            missing.append(given)
            continue
        visible = _git_visible(absolute) if respect_gitignore else None
        for file_path in _walk(absolute, root_abs, exclude):
            if visible is not None and file_path not in visible:
                continue
            found.setdefault(file_path, Discovered(file_path, display_path(file_path, cwd)))
    files = sorted(found.values(), key=lambda d: d.display)
    return files, missing


def _walk(top: str, root: str, exclude: Sequence[str]) -> Iterable[str]:
    """Regular files below ``top``; symlinked directories are not followed (no loops), excluded folders pruned."""
    stack = [top]
    while stack:
        current = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            rel = relative_to(entry.path, root)
            try:
                if entry.is_symlink():
                    if entry.is_dir():
                        continue  # never follow a linked folder: it may loop or leave the tree
                    if not entry.is_file():
                        continue
                elif entry.is_dir(follow_symlinks=False):
                    if not matches_any(rel, exclude):
                        subdirs.append(entry.path)
                    continue
                elif not entry.is_file(follow_symlinks=False):
                    continue  # sockets, fifos, devices
            except OSError:
                continue
            if matches_any(rel, exclude):
                continue
            yield os.path.normpath(entry.path)
        stack.extend(reversed(subdirs))
