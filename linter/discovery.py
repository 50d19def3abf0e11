"""Paths to files: directory walking, exclude globs, .gitignore (through git when available); sorted output."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass
from typing import Any, Iterable, List, Optional, Sequence, Set, Tuple


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


class Excluder:
    """Exclude globs compiled once: name patterns (no ``/``) match any path component, path patterns the path.

    A pattern without ``/`` matches any path component (``node_modules``,
    ``*.min.js``); a pattern with ``/`` matches the whole relative path or a
    leading part of it (``fixtures/vendor`` or ``build/**/*.js``).
    """

    def __init__(self, patterns: Sequence[str]) -> None:
        names: List[str] = []
        paths: List[str] = []
        for pat in patterns:
            p = pat.strip().rstrip("/")
            if p.startswith("./"):
                p = p[2:]
            if not p:
                continue
            (paths if "/" in p else names).append(fnmatch.translate(p))
        self._name = re.compile("|".join(names)).match if names else None
        self._path = re.compile("|".join(paths)).match if paths else None

    def name(self, name: str) -> bool:
        """True when a single path component is excluded by a name pattern."""
        return bool(self._name and self._name(name))

    def path(self, rel: str) -> bool:
        """True when a ``/``-separated relative path is excluded by a path pattern (the path itself or below it)."""
        return bool(self._path and (self._path(rel) or self._path(rel + "/")))

    def __call__(self, rel: str) -> bool:
        """Full check of a relative path: every component and every leading part."""
        parts = rel.split("/")
        if self._name and any(self._name(part) for part in parts):
            return True
        if self._path:
            return any(self.path("/".join(parts[:i])) for i in range(1, len(parts) + 1))
        return False


class _GitFiles:
    """``git ls-files`` of a folder, started at once and read after the walk (the two overlap).

    What git would show under the folder: tracked files and untracked ones not
    ignored. :meth:`result` is None outside a work tree or without git.
    """

    def __init__(self, directory: str) -> None:
        import subprocess  # only when a folder is walked: a pre-commit run on files never pays for it

        self.directory = directory
        try:
            self.proc: Optional[Any] = subprocess.Popen(
                ["git", "-C", directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "."],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                stdin=subprocess.DEVNULL,
            )
        except OSError:
            self.proc = None

    def result(self) -> Optional[Set[str]]:
        """The absolute paths of the files git shows (names are relative to the folder), or None."""
        import subprocess

        if self.proc is None:
            return None
        try:
            out, _ = self.proc.communicate(timeout=60)
        except subprocess.SubprocessError:
            self.proc.kill()
            self.proc.communicate()
            return None
        if self.proc.returncode != 0:
            return None
        # git prints clean relative names (no `.` or `..`), with `/` on every system.
        prefix = self.directory.rstrip(os.sep) + os.sep
        if os.sep == "/":
            return {prefix + os.fsdecode(name) for name in out.split(b"\0") if name}
        return {
            prefix + os.fsdecode(name).replace("/", os.sep) for name in out.split(b"\0") if name
        }  # pragma: no cover


def discover(
    paths: Sequence[str],
    exclude: Sequence[str] = (),
    root: str = ".",
    respect_gitignore: bool = True,
    force_exclude: bool = False,
    cwd: Optional[str] = None,
    unreadable: Optional[List[Tuple[str, str]]] = None,
    skipped: Optional[List[Tuple[str, str]]] = None,
    gitignored: Optional[List[Tuple[str, str]]] = None,
) -> Tuple[List[Discovered], List[str]]:
    """Expand ``paths`` into a sorted, de-duplicated list of files, and the paths that do not exist.

    Folders that cannot be listed are appended to ``unreadable`` as (display path, reason), folders left
    out (imslint's result cache) to ``skipped``, files git ignores to ``gitignored`` (for ``--show-files``;
    a run does not list them).
    """
    cwd = cwd or os.getcwd()
    found: dict = {}
    missing: List[str] = []
    root_abs = os.path.abspath(root)
    excluder = Excluder(exclude)
    for given in paths:
        absolute = os.path.normpath(os.path.join(cwd, given))
        if os.path.isfile(absolute):
            if force_exclude and excluder(relative_to(absolute, root_abs)):
                if skipped is not None:
                    skipped.append((display_path(absolute, cwd), "excluded (exclude settings, --force-exclude)"))
                continue
            found.setdefault(absolute, Discovered(absolute, display_path(absolute, cwd), True))
            continue
        if not os.path.isdir(absolute):
            missing.append(given)
            continue
        git = _GitFiles(absolute) if respect_gitignore else None
        walked = list(
            _walk(absolute, relative_to(absolute, root_abs), display_path(absolute, cwd), excluder, unreadable, skipped)
        )
        visible = git.result() if git is not None else None
        for file_path, display in walked:
            if visible is not None and file_path not in visible:
                if gitignored is not None:
                    gitignored.append(
                        (display, "ignored by git (.gitignore, .git/info/exclude or the global excludes file)")
                    )
                continue
            if file_path not in found:
                found[file_path] = Discovered(file_path, display)
    files = sorted(found.values(), key=lambda d: d.display)
    return files, missing


CACHEDIR_SIGNATURE = b"Signature: 8a477f597d28d172789f06886806bc55"  # https://bford.info/cachedir/


_CACHE_FILE_RE = re.compile(r"imslint-[0-9a-f]{20}\.json|\.imslint-.*\.tmp|CACHEDIR\.TAG|\.gitignore")


def is_cache_file(name: str) -> bool:
    """True for the name of a file imslint's result cache keeps in its folder."""
    return bool(_CACHE_FILE_RE.fullmatch(name))


def _is_cache_folder(folder: str, names: Iterable[str]) -> bool:
    """True when ``folder`` is imslint's result cache: a valid ``CACHEDIR.TAG`` and nothing but the cache's files.

    A tag alone (committed by anyone) does not hide a folder: one that holds
    anything else is walked like any other.
    """
    if not all(is_cache_file(n) for n in names):
        return False
    try:
        with open(os.path.join(folder, "CACHEDIR.TAG"), "rb") as fh:
            return fh.read(len(CACHEDIR_SIGNATURE)) == CACHEDIR_SIGNATURE
    except OSError:
        return False


def _join(prefix: str, name: str) -> str:
    return name if prefix in ("", ".") else f"{prefix}/{name}"


def _walk(  # noqa: C901
    top: str,
    top_rel: str,
    top_display: str,
    excluder: Excluder,
    unreadable: Optional[List[Tuple[str, str]]] = None,
    skipped: Optional[List[Tuple[str, str]]] = None,
) -> Iterable[Tuple[str, str]]:
    """(path, display path) of regular files below ``top``; linked folders are not followed, excluded ones pruned.

    Relative and displayed paths are built by joining names as the walk descends
    (parents are already checked), which keeps this loop cheap on large trees.
    """
    stack = [(top, top_rel, top_display)]
    while stack:
        current, rel_dir, disp_dir = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError as exc:
            if unreadable is not None:
                unreadable.append((disp_dir, f"cannot read folder: {exc.strerror or exc}"))
            continue
        if any(e.name == "CACHEDIR.TAG" for e in entries) and _is_cache_folder(current, [e.name for e in entries]):
            if skipped is not None:
                skipped.append((disp_dir, "imslint's result cache folder"))
            continue
        subdirs = []
        for entry in entries:
            name = entry.name
            if excluder.name(name):
                if skipped is not None:
                    skipped.append((_join(disp_dir, name), "excluded (exclude settings)"))
                continue
            rel = _join(rel_dir, name)
            try:
                if entry.is_symlink():
                    if entry.is_dir():  # never follow a linked folder: it may loop or leave the tree
                        if skipped is not None:
                            skipped.append((_join(disp_dir, name), "link to a folder (not followed)"))
                        continue
                    if not entry.is_file():
                        if skipped is not None:
                            skipped.append((_join(disp_dir, name), "link to nothing, or to a special file"))
                        continue
                elif entry.is_dir(follow_symlinks=False):
                    if not excluder.path(rel):
                        subdirs.append((entry.path, rel, _join(disp_dir, name)))
                    elif skipped is not None:
                        skipped.append((_join(disp_dir, name), "excluded (exclude settings)"))
                    continue
                elif not entry.is_file(follow_symlinks=False):
                    if skipped is not None:
                        skipped.append((_join(disp_dir, name), "not a regular file (socket, fifo or device)"))
                    continue
            except OSError as exc:
                if unreadable is not None:
                    unreadable.append((_join(disp_dir, name), f"cannot read: {exc.strerror or exc}"))
                continue
            if excluder.path(rel):
                if skipped is not None:
                    skipped.append((_join(disp_dir, name), "excluded (exclude settings)"))
                continue
            yield entry.path, _join(disp_dir, name)
        stack.extend(reversed(subdirs))
