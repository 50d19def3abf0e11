"""An opt-in cache of per-file results, so that a file checked before is not analysed again.

A code file's findings depend only on its bytes and on the run's settings: the
rules and their options, severities, ``per-file-ignores``, the size limit, the
configuration root, and the code of imslint and of every plugin. The cache keeps,
for each file checked, its stat (size, modification and change times, inode), a
BLAKE2b digest of its bytes and what checking it produced (findings already
stamped and redacted, facts, counts). On the next run with the same settings:

- a file whose stat is unchanged is not opened;
- a file whose stat changed (a fresh clone, a ``touch``) is read and hashed: the
  same digest means the same outcome, without analysis;
- any other file is checked as usual.

Only outcomes that depend on nothing else are kept: no errors, no rule with a
``finish`` step (they see the whole run), no rule that says ``cacheable = False``,
and nothing read by a streaming or later-phase reader (operator exports). The
settings are hashed into the file name (``imslint-<hash>.json``), so runs with
different settings keep separate files side by side. The file is JSON, never
pickle: a cache restored from a shared CI store cannot run code. A damaged or
unreadable cache is ignored, and a cache that cannot be written costs a warning,
never the run. A run over a few files leaves a big cache alone (see
:meth:`ResultCache.worth_reading`).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from . import __version__
from .discovery import CACHEDIR_SIGNATURE
from .model import Fact, Finding, Location

BYTES_PER_FILE = 25_000  # see ResultCache.worth_reading
MAX_BYTES = 1 << 30  # a cache file larger than this (about 4 million entries) is not read: memory stays bounded
FORMAT = 2  # bump when what an entry holds, or how results are computed, changes incompatibly

_TAG = CACHEDIR_SIGNATURE.decode("ascii") + "\n# This file is a cache directory tag created by imslint.\n"
_IGNORE = "# created by imslint\n*\n"


def _starts_with(path: str, text: str) -> bool:
    """True when the file ``path`` starts with ``text``."""
    want = text.encode("utf-8")
    try:
        with open(path, "rb") as fh:
            return fh.read(len(want)) == want
    except OSError:
        return False


def digest(data: bytes) -> str:
    """The BLAKE2b-128 digest of a file's bytes (hex): it decides whether a cached outcome still holds."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _code_state(objects: Iterable[Any]) -> List[Tuple[str, str]]:
    """(module, digest of its source file) for imslint's own modules and the packages defining ``objects``.

    A cached outcome is only valid for the code that computed it: after an
    upgrade, or an edit of a plugin being written, the settings hash changes.
    Contents, not modification times: a CI job that installs the same imslint
    again each time (new files, new times) keeps its cache.
    """
    # Every loaded module of the packages that define them (a rule's helpers live beside it), and imslint's own.
    tops = {"imslint"} | {str(getattr(o, "__module__", "")).split(".")[0] for o in objects} - {""}
    names = {n for n in list(sys.modules) if n.split(".")[0] in tops}
    out = []
    for name in sorted(names):
        path = getattr(sys.modules.get(name), "__file__", None)
        if not path:
            continue
        try:
            with open(path, "rb") as fh:
                out.append((name, digest(fh.read())))
        except OSError:
            out.append((name, "unreadable"))
    return out


def settings_key(plan: Any, registry: Any) -> str:
    """A hash of everything besides a file's bytes that decides its outcome."""
    classes = list(registry.rules.values()) + [type(r) for r in registry.readers]
    material = {
        "format": FORMAT,
        "imslint": __version__,
        "python": sys.version_info[:2],
        "plugins": sorted((p.name, p.module, p.version) for p in registry.plugins),
        "readers": [r.name for r in registry.readers],
        "code": _code_state(classes),
        "rules": plan.rule_ids,
        "severities": {k: int(v) for k, v in plan.severities.items()},
        "options": plan.options,
        "root": plan.root,
        "per_file_ignores": plan.per_file_ignores,
        "max_file_size": plan.max_file_size,
        "reader_options": plan.reader_options,  # a column mapping changes which files are exports
    }
    text = json.dumps(material, sort_keys=True, default=_stable)
    return digest(text.encode("utf-8"))


def _stable(value: Any) -> Any:
    """A JSON stand-in for an option value JSON lacks: sets sorted (their order changes from run to run)."""
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return repr(value)


# --------------------------------------------------------------------------- (de)serialisation


def encode_outcome(outcome: Any) -> Optional[Dict[str, Any]]:
    """A JSON-ready form of a FileOutcome, or None when it would not come back the same (then it is not kept)."""
    d: Dict[str, Any] = {} if outcome.scanned else {"scanned": False}
    if outcome.skipped:
        d["skipped"] = outcome.skipped
    if outcome.subjects:
        d["subjects"] = dict(outcome.subjects)
    try:
        if outcome.findings:
            d["findings"] = [f.to_dict(exact=True) for f in outcome.findings]
        if outcome.suppressed:
            d["suppressed"] = [f.to_dict(exact=True) for f in outcome.suppressed]
        if outcome.facts:
            d["facts"] = [
                [f.kind, f.value, f.location.to_dict(exact=True) if f.location else None] for f in outcome.facts
            ]
        if "findings" in d or "suppressed" in d or "facts" in d:
            # Properties and fact values come from imslint.rules: keep the entry only when JSON gives them back as they were.
            back = decode_outcome(json.loads(json.dumps(d)), type(outcome))
            if (
                back.findings != outcome.findings
                or back.suppressed != outcome.suppressed
                or back.facts != outcome.facts
            ):
                return None
    except (TypeError, ValueError):
        return None
    return d


def decode_outcome(d: Dict[str, Any], cls: Any) -> Any:
    """The FileOutcome (``cls``) an :func:`encode_outcome` dict stands for."""
    out = cls(scanned=d.get("scanned", True), skipped=d.get("skipped"), subjects=dict(d.get("subjects", ())))
    if not ("findings" in d or "suppressed" in d or "facts" in d):
        return out  # most files: nothing found
    out.findings = [Finding.from_dict(f) for f in d.get("findings", ())]
    out.suppressed = [Finding.from_dict(f) for f in d.get("suppressed", ())]
    out.facts = [Fact(kind, value, Location.from_dict(loc) if loc else None) for kind, value, loc in d.get("facts", ())]
    return out


# --------------------------------------------------------------------------- the cache file


Stat = Tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode: any rewrite of the file changes one


def file_stat(path: str) -> Optional[Stat]:
    """The :data:`Stat` of ``path``, None when it cannot be had."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


class ResultCache:
    """The cached outcomes of one set of settings, in ``directory``.

    Entries are keyed by absolute path: ``[display, size, mtime_ns, ctime_ns,
    inode, digest, outcome]``. The display path is part of the entry because
    findings carry it (a run from another folder names files differently).
    """

    def __init__(self, directory: str, key: str) -> None:
        self.directory = os.path.abspath(directory)
        self.key = key
        self.path = os.path.join(self.directory, f"imslint-{key[:20]}.json")
        self.entries: Dict[str, list] = {}
        self.visited: Dict[str, list] = {}  # entries of this run (new, refreshed or confirmed)
        self.warning: Optional[str] = None  # what went wrong reading or writing, for the user
        self.hits = 0
        self._pending: Dict[str, Any] = {}  # decoded outcomes of files whose stat changed, until their digest is known

    def worth_reading(self, n_files: int) -> bool:
        """Whether reading the cache costs less than checking ``n_files`` files (a pre-commit run does not read it).

        Loading takes about 1.7 ms per 1,000 entries (260 bytes each), checking a code
        file 0.25 ms on average: the cache is used when its file holds fewer than
        about 100 entries per file to check.
        """
        try:
            size = os.path.getsize(self.path)
        except OSError:
            return True  # no cache yet: this run starts it
        return size <= max(n_files, 1) * BYTES_PER_FILE

    def load(self) -> None:
        """Read the cache file (an absent, damaged or foreign one is an empty cache)."""
        try:
            with open(self.path, "rb") as fh:
                if os.fstat(fh.fileno()).st_size > MAX_BYTES:
                    self.warning = f"cache {self.path} is larger than {MAX_BYTES >> 20} MiB: not read, and rebuilt"
                    return
                doc = json.loads(fh.read())
        except FileNotFoundError:
            return
        except (OSError, ValueError) as exc:
            self.warning = f"cache {self.path} could not be read and is rebuilt ({exc})"
            return
        except (RecursionError, MemoryError) as exc:  # a poisoned cache (JSON nested 100k deep): rebuilt, never fatal
            self.warning = f"cache {self.path} could not be read and is rebuilt ({type(exc).__name__})"
            return
        if not isinstance(doc, dict) or doc.get("key") != self.key or not isinstance(doc.get("entries"), dict):
            self.warning = f"cache {self.path} is not one this version of imslint wrote and is rebuilt"
            return
        # Entries of the wrong shape (a hand-edited file) are left out, not trusted.
        self.entries = {
            p: e for p, e in doc["entries"].items() if isinstance(e, list) and len(e) == 7 and isinstance(e[6], dict)
        }

    def holds(self, path: str) -> bool:
        """True when the absolute ``path`` is one of the cache's own files (never scanned).

        Only the cache's files: anything else in its folder is scanned as usual.
        """
        if not path.startswith(self.directory):
            return False  # every scanned file but those in the cache's own folder
        from .discovery import is_cache_file

        head, name = os.path.split(path)
        return (
            head == self.directory
            and is_cache_file(name)
            and (
                name not in ("CACHEDIR.TAG", ".gitignore")
                or _starts_with(path, _TAG if name == "CACHEDIR.TAG" else _IGNORE)
            )
        )

    def lookup(self, path: str, display: str, cls: Any) -> Tuple[Optional[Any], Optional[Stat], Optional[str]]:
        """What the cache says of a file: (outcome, stat, digest).

        ``outcome`` is the cached outcome (a ``cls``, fresh each time) when the
        file's stat is unchanged; ``digest`` is the recorded digest when the stat
        changed (the same bytes keep the outcome: :meth:`pending`). ``stat`` is
        the file's, None when it has none. An entry that does not decode (a
        hand-edited file) is no entry.
        """
        stat = file_stat(path)
        entry = self.entries.get(path)
        if stat is None or entry is None or entry[0] != display:
            return None, stat, None
        try:
            outcome = decode_outcome(entry[6], cls)
        except Exception:  # noqa: BLE001 - the cache is input like any other: a bad entry is a miss
            return None, stat, None
        if tuple(entry[1:5]) == stat:
            return outcome, stat, None
        if not isinstance(entry[5], str):
            return None, stat, None
        self._pending[path] = outcome
        return None, stat, entry[5]

    def pending(self, path: str) -> Any:
        """The cached outcome of a file whose stat changed and whose bytes turned out the same."""
        return self._pending.pop(path)

    def confirm(self, path: str, stat: Stat) -> None:
        """The cached outcome of ``path`` was used: keep its entry, with the file's current stat."""
        entry = self.entries[path]
        self.visited[path] = [entry[0], *stat, entry[5], entry[6]]
        self.hits += 1

    def store(self, path: str, display: str, stat: Stat, file_digest: Optional[str], outcome: Any) -> None:
        """Keep a freshly computed outcome (when it can come back from JSON unchanged)."""
        encoded = encode_outcome(outcome)
        if encoded is not None:
            self.visited[path] = [display, *stat, file_digest, encoded]

    def save(self, scanned_roots: Sequence[str]) -> None:
        """Write the cache, when it changed: this run's entries, and earlier ones for files outside what it walked.

        An earlier entry under a folder or file this run scanned that was not
        visited belongs to a file deleted or now excluded: it is dropped.
        """
        roots = [os.path.abspath(r) for r in scanned_roots]
        prefixes = tuple(r.rstrip(os.sep) + os.sep for r in roots)
        exact = set(roots)
        entries = {
            p: e
            for p, e in self.entries.items()
            if p not in self.visited and p not in exact and not p.startswith(prefixes)
        }
        entries.update(self.visited)
        if entries == self.entries and os.path.exists(self.path):
            return  # nothing changed (a run over unchanged files writes nothing)
        try:
            text = json.dumps({"key": self.key, "imslint": __version__, "entries": entries}, separators=(",", ":"))
            os.makedirs(self.directory, exist_ok=True)
            self._mark_directory()
            fd, tmp = tempfile.mkstemp(prefix=".imslint-", suffix=".tmp", dir=self.directory)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)
                os.chmod(tmp, 0o666 & ~_umask())
                os.replace(tmp, self.path)
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError as exc:
            self.warning = f"cache {self.path} could not be written: {exc.strerror or exc}"

    def _mark_directory(self) -> None:
        """A CACHEDIR.TAG (backup tools skip the folder) and a .gitignore (git leaves it out), once.

        Only in a folder that holds nothing but the cache's files: a tag and a ``*``
        .gitignore would hide anything else from backups and from git.
        """
        from .discovery import is_cache_file

        if not all(is_cache_file(n) for n in os.listdir(self.directory)):
            return
        for name, text in (("CACHEDIR.TAG", _TAG), (".gitignore", _IGNORE)):
            target = os.path.join(self.directory, name)
            if not os.path.lexists(target):
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text)


def _umask() -> int:
    """The process umask (read by setting it, then put back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
