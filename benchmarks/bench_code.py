#!/usr/bin/env python3
"""Speed benchmark of ``imslint check`` on a generated code repository, next to ripgrep and two secret scanners.

Generates (once) the full tree (20,000 files, ~200 MB) and the 10 % tree with
``gen_repo.py`` under ``--data``, then prints one table:

* imslint ``--jobs 1`` and ``--jobs 2`` on the full tree: wall time (median of
  ``--runs`` after a warm-up run that also fills the page cache), peak RSS of the
  largest process, peak summed PSS of the process tree (polled from /proc during
  the warm-up run), findings, recall against ``.planted.json`` and findings in
  files that hold no planted credential (false positives on the decoys);
* ripgrep with one combined case-insensitive regex of the main legacy patterns;
* on the 10 % tree: the same, plus detect-secrets and semgrep (a local rules file
  equivalent to IMS101/IMS102, ``--metrics=off``), installed in a separate venv
  ``--data/.peers-venv`` (``--skip-slow`` leaves them out);
* the pre-commit case: ``imslint check --no-config`` on 3 small files against the
  bare ``import lxml.etree, pluggy, click``, with ``-X importtime`` offenders when
  the ratio is above the target.

``--profile`` adds where imslint spends its time: the share of files each rule's
keyword pre-filter lets through, and cProfile of a run on the 10 % tree and of
the pre-commit command. Figures go to standard output and to
``--data/bench-results.json``. Nothing here asserts: it prints numbers.

    python benchmarks/bench_code.py [--data benchmarks/data] [--skip-slow] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_repo  # noqa: E402  (sibling script)

SEED = 42
FULL = {"files": 20000, "size_mb": 200.0}
FRACTION = 0.1
PEER_PACKAGES = ("detect-secrets", "semgrep")

# One case-insensitive regex of the main legacy patterns (domain.md section 3), for ripgrep.
RG_PATTERN = (
    r"strPassword|xtk:session#Logon|logonWithUser|logonRemote|ofUserAndPassword|__sessiontoken"
    r"|sessiontoken>[^<]+/|exchange/jwt|allowUserPassword|___[0-9a-f]{8}-|ACC_PASSWORD"
)

# Planted kinds that IMS101 (literal password in a logon) and IMS102 (login/password session token) cover:
# the local semgrep rules imitate those two, so their recall is counted on these kinds only.
IMS101_102_KINDS = (
    "soap-logon-body",
    "svc-logon",
    "logon-with-user",
    "logon-remote",
    "of-user-and-password",
    "zeep-logon",
    "env-password",
    "sessiontoken-user-password",
)

TARGET_RG_RATIO = 3.0
TARGET_PRECOMMIT_RATIO = 2.0

SEMGREP_RULES = r"""rules:
  - id: ims101-literal-password-soap
    languages: [generic]
    severity: ERROR
    message: literal password in an xtk:session#Logon body
    pattern-regex: (?i)<(\w+:)?strPassword>\s*(?-i:(?![A-Z][A-Z0-9_]*\s*<))[^<{$%\s][^<]*</(\w+:)?strPassword>
  - id: ims101-literal-password-call
    languages: [generic]
    severity: ERROR
    message: literal password handed to a Campaign logon call
    pattern-regex: (?i)(\.Logon\(\s*["'][^"']*["']\s*,\s*["'][^"']+["']\s*,\s*["'][^"']+["']|logonWithUser\(\s*["'][^"']+["']\s*,\s*["'][^"']+["']|logonRemote\([^,()]+,\s*["'][^"']+["']\s*,\s*["'][^"']+["']|ofUserAndPassword\(\s*[^,()]+,\s*["'][^"']+["']\s*,\s*["'][^"']+["']|strPassword\s*=\s*["'][^"']+["'])
  - id: ims101-env-password
    languages: [generic]
    severity: ERROR
    message: Campaign password in an environment file
    paths:
      include: ["*.env", ".env*"]
    pattern-regex: (?im)^\s*(ACC|CAMPAIGN)_(PASSWORD|PWD|PASS)\s*=\s*[^\s$]+
  - id: ims101-js-logon-with-user
    languages: [javascript]
    severity: ERROR
    message: literal credentials in logonWithUser
    pattern: logonWithUser("...", "...")
  - id: ims101-zeep-logon
    languages: [python]
    severity: ERROR
    message: literal password in a zeep xtk:session Logon
    pattern: $C.service.Logon(..., strPassword="...", ...)
  - id: ims102-password-session-token
    languages: [generic]
    severity: ERROR
    message: login/password session token
    pattern-regex: (?i)<(\w+:)?_*sessiontoken[^>]*>\s*[^<\s/{$]+/[^<\s]+\s*<
"""

# Run by imslint's own interpreter: how many files each source rule's keyword pre-filter lets through.
KEYWORD_STATS = r"""
import json, os, sys
from imslint.plugins import load_plugins
from imslint.model import SourceText
reg = load_plugins()
rules = {rid: [k.lower() for k in cls.keywords] for rid, cls in reg.rules.items()
         if issubclass(cls.subject, SourceText) and cls.keywords is not None}
always = sorted(rid for rid, cls in reg.rules.items() if issubclass(cls.subject, SourceText) and cls.keywords is None)
root = sys.argv[1]
text_files = text_bytes = any_files = any_bytes = 0
per_rule = {rid: [0, 0] for rid in rules}
per_kw = {}
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = sorted(d for d in dirnames if d != ".git")
    for name in filenames:
        if name == ".planted.json":
            continue
        with open(os.path.join(dirpath, name), "rb") as fh:
            data = fh.read()
        if b"\0" in data[:8192] or data[:4] in (b"\x89PNG", b"PK\x03\x04"):
            continue
        low = data.lower()
        text_files += 1
        text_bytes += len(data)
        hit_any = False
        for rid, kws in rules.items():
            hits = [k for k in kws if k in low]
            for k in hits:
                per_kw[(rid, k)] = per_kw.get((rid, k), 0) + 1
            if hits:
                per_rule[rid][0] += 1
                per_rule[rid][1] += len(data)
                hit_any = True
        if hit_any:
            any_files += 1
            any_bytes += len(data)
print(json.dumps({"text_files": text_files, "text_bytes": text_bytes, "any_files": any_files, "any_bytes": any_bytes,
                  "always": always, "rules": {rid: {"files": v[0], "bytes": v[1], "keywords": [k.decode() for k in rules[rid]]} for rid, v in per_rule.items()},
                  "keywords": [[rid, k.decode(), n] for (rid, k), n in sorted(per_kw.items())]}))
"""


# The least any Python scanner does: walk the tree, read each file, lower-case and decode it, test one keyword.
PYTHON_FLOOR = r"""
import os, sys
n = size = hits = 0
for dirpath, dirnames, filenames in os.walk(sys.argv[1]):
    dirnames[:] = [d for d in dirnames if d != ".git"]
    for name in filenames:
        with open(os.path.join(dirpath, name), "rb") as fh:
            data = fh.read()
        n += 1
        size += len(data)
        if b"logon" in data.lower():
            hits += 1
            data.decode("utf-8", "replace")
print(n, size, hits)
"""

# Prints a cProfile dump as two short tables (by cumulative and by own time), without the CLI/import frames.
PSTATS_SUMMARY = r"""
import os, pstats, sys
st = pstats.Stats(sys.argv[1]).stats
top = int(sys.argv[2])
total = max(ct for (cc, nc, tt, ct, callers) in st.values())
def name(key):
    path, line, func = key
    for marker in ("/site-packages/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    else:
        parts = path.replace(os.sep, "/").split("/")
        path = "/".join(parts[-2:])
    return f"{path}:{line}({func})" if line else func
skip = ("click/", "runpy", "<frozen", "cli.py", "<string>", "builtins.exec", "importlib")
rows = [(ct, tt, nc, name(k)) for k, (cc, nc, tt, ct, callers) in st.items()]
rows = [r for r in rows if not any(s in r[3] for s in skip)]
print(f"  total {total:.2f} s")
print("  by cumulative time:            cum s   own s    calls  function")
for ct, tt, nc, n in sorted(rows, reverse=True)[:top]:
    print(f"  {'':28} {ct:6.2f}  {tt:6.2f}  {nc:7d}  {n}")
print("  by own time:                   cum s   own s    calls  function")
for ct, tt, nc, n in sorted(rows, key=lambda r: -r[1])[:top]:
    print(f"  {'':28} {ct:6.2f}  {tt:6.2f}  {nc:7d}  {n}")
"""

# --------------------------------------------------------------------------- running and measuring


@dataclass
class Run:
    """One measured process: wall time, peak RSS of its largest process, polled tree memory, output."""

    wall: float
    maxrss_kb: int
    rc: int
    cpu: float
    stdout: str
    stderr: str
    tree_pss_kb: Optional[int] = None
    tree_rss_kb: Optional[int] = None


def _children(pid: int) -> List[int]:
    kids: List[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as fh:
                    kids.extend(int(x) for x in fh.read().split())
            except OSError:
                pass
    except OSError:
        pass
    return kids


def _mem_kb(pid: int) -> Tuple[int, int]:
    """(PSS, RSS) of one process in KiB; PSS shares copy-on-write pages of forked workers fairly."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        try:
            with open(f"/proc/{pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        rss = pss = int(line.split()[1])
        except OSError:
            pass
    return pss, rss


class TreePoller(threading.Thread):
    """Samples the summed PSS/RSS of a process and all its descendants until stopped."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_pss = 0
        self.peak_rss = 0
        self._stop_event = threading.Event()

    def run(self) -> None:  # noqa: D102
        while not self._stop_event.is_set():
            pids, todo = [], [self.pid]
            while todo:
                p = todo.pop()
                pids.append(p)
                todo.extend(_children(p))
            pss = rss = 0
            for p in pids:
                a, b = _mem_kb(p)
                pss += a
                rss += b
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_rss = max(self.peak_rss, rss)
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop_event.set()
        self.join()


def run(cmd: Sequence[str], cwd: str, poll: bool = False, env: Optional[Dict[str, str]] = None) -> Run:
    """Run ``cmd`` once; wall time from spawn to reap, ``ru_maxrss`` from ``wait4`` (largest single process)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        poller = TreePoller(proc.pid) if poll else None
        if poller:
            poller.start()
        # wait4 gives this child's own rusage (with its reaped descendants), unlike the cumulative RUSAGE_CHILDREN.
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if poller:
            poller.stop()
        out.seek(0)
        err.seek(0)
        return Run(
            wall,
            usage.ru_maxrss,
            proc.returncode,
            usage.ru_utime + usage.ru_stime,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
            poller.peak_pss if poller else None,
            poller.peak_rss if poller else None,
        )


def measure(
    cmd: Sequence[str],
    cwd: str,
    runs: int,
    warmup: bool = True,
    env: Optional[Dict[str, str]] = None,
    poll: bool = True,
) -> Tuple[List[Run], Optional[Run]]:
    """A warm-up run (polled for tree memory) then ``runs`` timed runs."""
    first = run(cmd, cwd, poll=poll, env=env) if warmup else None
    timed = [run(cmd, cwd, env=env) for _ in range(runs)]
    return timed, first


# --------------------------------------------------------------------------- trees and tools


def ensure_tree(path: str, files: int, size_mb: float, density: float = 1.0) -> Dict[str, Any]:
    """Generate the tree unless a tree of the same seed, size and density is already there; return its manifest."""
    manifest = os.path.join(path, gen_repo.MANIFEST)
    if os.path.exists(manifest):
        with open(manifest, encoding="utf-8") as fh:
            doc = json.load(fh)
        s = doc.get("summary", {})
        if (
            s.get("seed") == SEED
            and s.get("files") == files
            and s.get("generator") == gen_repo.GENERATOR_VERSION
            and s.get("density", 1.0) == density
        ):
            return doc
    print(f"generating {files} files (~{size_mb:.0f} MB, density {density:g}) in {path} ...", file=sys.stderr)
    gen_repo.generate(path, files, size_mb, SEED, 0.01, density=density)
    with open(manifest, encoding="utf-8") as fh:
        return json.load(fh)


def tree_size(path: str) -> Tuple[int, int]:
    """(files, bytes) under ``path`` outside .git and the manifest."""
    n = b = 0
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            if name in (gen_repo.MANIFEST, ".gitignore") and dirpath == path:
                continue
            n += 1
            b += os.path.getsize(os.path.join(dirpath, name))
    return n, b


def find_imslint(given: Optional[str]) -> Optional[str]:
    """The imslint executable: --imslint, the one beside this interpreter, /work/venv's, or the PATH's."""
    candidates = [
        given,
        os.environ.get("IMSLINT"),
        os.path.join(os.path.dirname(sys.executable), "imslint"),
        "/work/venv/bin/imslint",
        shutil.which("imslint"),
    ]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return None


def interpreter_of(script: str) -> str:
    """The Python a console script runs with (its shebang), else this one."""
    try:
        with open(script, "rb") as fh:
            first = fh.readline().decode("utf-8", "replace").strip()
        if first.startswith("#!"):
            exe = first[2:].strip().split()[0]
            if os.path.isfile(exe):
                return exe
    except OSError:
        pass
    return sys.executable


def source_state() -> str:
    """The project's commit and whether its work tree has changes (read-only git calls), for the record."""
    root = os.path.dirname(HERE)
    try:
        head = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=20,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return f", source {head}{' + uncommitted changes' if dirty else ''}" if head else ""


def imslint_status(imslint: Optional[str]) -> Tuple[bool, str]:
    """Whether ``imslint rules`` works and lists the IMS1xx credential rules."""
    if not imslint:
        return False, "imslint not found"
    try:
        p = subprocess.run([imslint, "rules"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"imslint rules failed: {exc}"
    if p.returncode != 0:
        return False, "imslint rules failed: " + (p.stderr.strip().splitlines() or ["?"])[-1]
    ids = re.findall(r"^(IMS1\d\d)\b", p.stdout, re.M)
    if not ids:
        return False, "imslint has no IMS1xx rules yet"
    return True, " ".join(ids)


def ensure_peers(data: str) -> Tuple[Dict[str, Optional[str]], str]:
    """detect-secrets and semgrep from a separate venv (created with this machine's pip when missing)."""
    venv = os.path.join(data, ".peers-venv")
    bindir = os.path.join(venv, "bin")
    tools = {"detect-secrets": os.path.join(bindir, "detect-secrets"), "semgrep": os.path.join(bindir, "semgrep")}
    note = ""
    if not all(os.path.exists(t) for t in tools.values()):
        print(f"installing {', '.join(PEER_PACKAGES)} into {venv} ...", file=sys.stderr)
        base = getattr(sys, "_base_executable", sys.executable)
        try:
            if not os.path.exists(os.path.join(bindir, "python")):
                subprocess.run([base, "-m", "venv", venv], check=True, capture_output=True, timeout=300)
            p = subprocess.run(
                [os.path.join(bindir, "python"), "-m", "pip", "install", "-q", *PEER_PACKAGES],
                capture_output=True,
                text=True,
                timeout=1200,
            )
            if p.returncode != 0:
                note = "pip install failed: " + (p.stderr.strip().splitlines() or ["?"])[-1]
        except (OSError, subprocess.SubprocessError) as exc:
            note = f"venv/pip failed: {exc}"
    return {k: (v if os.path.exists(v) else None) for k, v in tools.items()}, note


# --------------------------------------------------------------------------- scoring against the manifest


def score(
    hits: Sequence[Tuple[str, int]], manifest: Dict[str, Any], kinds: Optional[Sequence[str]] = None
) -> Dict[str, Any]:
    """Recall of planted credentials and hits outside planted files, from (path, line) pairs.

    A planted credential counts as found when a hit falls on a line of its
    snippet (``start_line``..``end_line``); its file counts as found on any hit.
    ``kinds`` limits recall to the planted kinds a tool's rules target; hits in
    any planted file still do not count as outside.
    """
    all_paths = {m["path"] for m in manifest["planted"]}
    planted = [m for m in manifest["planted"] if kinds is None or m["kind"] in kinds]
    by_path: Dict[str, List[Dict[str, Any]]] = {}
    for m in planted:
        by_path.setdefault(m["path"], []).append(m)
    lines_by_path: Dict[str, List[int]] = {}
    for path, line in hits:
        lines_by_path.setdefault(path[2:] if path.startswith("./") else path, []).append(line)
    found = 0
    missed: Dict[str, int] = {}
    for m in planted:
        lines = lines_by_path.get(m["path"], [])
        if any(m["start_line"] <= ln <= m["end_line"] or ln == 0 for ln in lines):
            found += 1
        else:
            missed[m["kind"]] = missed.get(m["kind"], 0) + 1
    files_found = sum(1 for p in by_path if p in lines_by_path)
    outside = sum(len(v) for p, v in lines_by_path.items() if p not in all_paths)
    outside_files = sorted(p for p in lines_by_path if p not in all_paths)
    return {
        "found": found,
        "planted": len(planted),
        "files_found": files_found,
        "planted_files": len(by_path),
        "outside": outside,
        "outside_files": len(outside_files),
        "outside_examples": outside_files[:8],
        "missed_by_kind": missed,
    }


def imslint_hits(doc: Dict[str, Any]) -> Tuple[List[Tuple[str, int]], Dict[str, int]]:
    """(path, line) of each finding of an imslint JSON report, and the number of findings per rule."""
    hits = [(f["location"]["path"], f["location"]["line"] or 0) for f in doc.get("findings", [])]
    per_rule: Dict[str, int] = {}
    for f in doc.get("findings", []):
        per_rule[f["rule_id"]] = per_rule.get(f["rule_id"], 0) + 1
    return hits, per_rule


def rg_hits(stdout: str) -> List[Tuple[str, int]]:
    """ripgrep ``-c`` output: one pseudo-hit (line 0 = anywhere) per matching line count."""
    hits = []
    for line in stdout.splitlines():
        path, _, count = line.rpartition(":")
        if path:
            hits.extend([(path[2:] if path.startswith("./") else path, 0)] * int(count))
    return hits


# --------------------------------------------------------------------------- the benchmark


@dataclass
class Row:
    """One line of the result table."""

    tree: str
    tool: str
    config: str
    wall: Optional[float] = None
    walls: List[float] = field(default_factory=list)
    cpu: Optional[float] = None
    maxrss_mb: Optional[float] = None
    tree_pss_mb: Optional[float] = None
    findings: Optional[int] = None
    recall: str = ""
    outside: str = ""
    note: str = ""
    extra: Dict[str, Any] = field(default_factory=dict)


def fmt_s(x: Optional[float]) -> str:
    return "-" if x is None else (f"{x:.2f}" if x < 100 else f"{x:.0f}")


def print_table(rows: List[Row], sizes: Dict[str, Tuple[int, int]]) -> None:
    """The figures, one row per tool and configuration."""
    head = (
        "tree",
        "tool",
        "config",
        "wall s (median)",
        "min-max",
        "CPU s",
        "MB/s",
        "peak RSS MB",
        "tree PSS MB",
        "findings",
        "recall lines (files)",
        "hits outside planted",
        "note",
    )
    table = [head]
    for r in rows:
        mbps = "-"
        if r.wall:
            mbps = f"{sizes[r.tree][1] / 1e6 / r.wall:.1f}"
        span = f"{min(r.walls):.2f}-{max(r.walls):.2f}" if len(r.walls) > 1 else "-"
        table.append(
            (
                r.tree,
                r.tool,
                r.config,
                fmt_s(r.wall),
                span,
                fmt_s(r.cpu),
                mbps,
                "-" if r.maxrss_mb is None else f"{r.maxrss_mb:.0f}",
                "-" if r.tree_pss_mb is None else f"{r.tree_pss_mb:.0f}",
                "-" if r.findings is None else str(r.findings),
                r.recall or "-",
                r.outside or "-",
                r.note,
            )
        )
    widths = [max(len(str(row[i])) for row in table) for i in range(len(head) - 1)]
    for k, row in enumerate(table):
        print("  ".join(str(c).ljust(w) for c, w in zip(row[:-1], widths)) + "  " + str(row[-1]))
        if k == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * 4)


def bytecode_env(data: str) -> Dict[str, str]:
    """The environment with Python's bytecode cache on, kept under ``data``.

    An editable install run with PYTHONDONTWRITEBYTECODE (as in this sandbox)
    recompiles imslint's modules on every start, while its dependencies come
    with compiled bytecode from pip: a user's installed imslint does not pay that.
    """
    env = dict(os.environ, PYTHONPYCACHEPREFIX=os.path.join(os.path.abspath(data), ".pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _score_imslint(
    row: Row, timed: List[Run], manifest: Dict[str, Any], first: Optional[Run] = None
) -> Optional[Tuple[Dict[str, Any], Dict[str, int], Dict[str, Any]]]:
    """Fill ``row`` from imslint's timed runs: times, memory, findings scored against the planted ones.

    Returns (the last run's JSON report, findings per rule, score), or None when imslint failed (the note says why).
    """
    last = timed[-1]
    if last.rc not in (0, 1):
        row.note = f"exit {last.rc}: " + (last.stderr.strip().splitlines() or ["?"])[-1][:120]
        return None
    row.walls = [t.wall for t in timed]
    row.wall = statistics.median(row.walls)
    row.cpu = statistics.median(t.cpu for t in timed)
    row.maxrss_mb = max(t.maxrss_kb for t in timed + ([first] if first else [])) / 1024
    if first and first.tree_pss_kb:
        row.tree_pss_mb = first.tree_pss_kb / 1024
    doc = json.loads(last.stdout)
    hits, per_rule = imslint_hits(doc)
    s = score(hits, manifest)
    row.findings = len(hits)
    row.recall = f"{s['found']}/{s['planted']} ({s['files_found']}/{s['planted_files']})"
    row.outside = f"{s['outside']} in {s['outside_files']} files"
    return doc, per_rule, s


def bench_imslint(
    imslint: str,
    tree: str,
    name: str,
    jobs: int,
    runs: int,
    manifest: Dict[str, Any],
    env: Optional[Dict[str, str]] = None,
) -> Row:
    """imslint check on a whole tree with ``jobs`` workers."""
    cmd = [imslint, "check", "--no-config", "--format", "json", "--fail-on", "never", "--jobs", str(jobs), "."]
    timed, first = measure(cmd, tree, runs, env=env)
    row = Row(name, "imslint", f"--jobs {jobs}")
    scored = _score_imslint(row, timed, manifest, first)
    if scored is None:
        return row
    doc, per_rule, s = scored
    summary = doc.get("summary", {})
    planted_paths = {m["path"] for m in manifest["planted"]}
    outside_by_rule: Dict[str, int] = {}
    for f in doc.get("findings", []):
        if f["location"]["path"] not in planted_paths:
            outside_by_rule[f["rule_id"]] = outside_by_rule.get(f["rule_id"], 0) + 1
    notes = [f"{summary.get('files_scanned', '?')} files scanned"]
    if summary.get("errors"):
        notes.append(f"{summary['errors']} read errors")
    if summary.get("skipped"):
        notes.append(f"{summary['skipped']} skipped")
    if s["missed_by_kind"]:
        notes.append("missed: " + ", ".join(f"{k} {v}" for k, v in sorted(s["missed_by_kind"].items())))
    row.note = "; ".join(notes)
    row.extra = {"per_rule": per_rule, "outside_by_rule": outside_by_rule, "score": s, "summary": summary}
    return row


CACHE_MODES = {
    "cold": "cache empty (the run fills it)",
    "warm": "cache full, tree unchanged",
    "touched": "cache full, every file rewritten (new mtime, same bytes: a fresh checkout)",
}


def _touch_tree(tree: str) -> None:
    """Give every file a new mtime and ctime, keeping its bytes (what a fresh checkout does)."""
    now = time.time_ns()
    for folder, _, files in os.walk(tree):
        for f in files:
            os.utime(os.path.join(folder, f), ns=(now, now))


def bench_imslint_cache(
    imslint: str,
    tree: str,
    name: str,
    runs: int,
    manifest: Dict[str, Any],
    data: str,
    mode: str,
    env: Optional[Dict[str, str]] = None,
) -> Row:
    """imslint --jobs 2 with a result cache (``--cache-dir`` outside the tree), in one of :data:`CACHE_MODES`."""
    cache = os.path.join(data, ".imslint-cache")
    cmd = [
        imslint,
        "check",
        "--no-config",
        "--format",
        "json",
        "--fail-on",
        "never",
        "--jobs",
        "2",
        "--cache-dir",
        cache,
        ".",
    ]
    row = Row(name, "imslint", f"--jobs 2, cache {mode}")
    shutil.rmtree(cache, ignore_errors=True)
    if mode != "cold":
        run(cmd, tree, env=env)  # fill the cache
    timed = []
    for _ in range(runs):
        if mode == "cold":
            shutil.rmtree(cache, ignore_errors=True)
        elif mode == "touched":
            _touch_tree(tree)
        timed.append(run(cmd, tree, env=env))
    shutil.rmtree(cache, ignore_errors=True)
    if _score_imslint(row, timed, manifest) is not None:
        row.note = CACHE_MODES[mode]
    return row


def bench_rg(rg: str, tree: str, name: str, runs: int, manifest: Dict[str, Any]) -> Row:
    """ripgrep over the same tree with the combined legacy-pattern regex."""
    cmd = [rg, "-i", "-c", "--no-ignore", "--hidden", "-g", "!.git", "-g", f"!{gen_repo.MANIFEST}", RG_PATTERN, "."]
    timed, first = measure(cmd, tree, runs)
    row = Row(name, "rg", "-i -c --no-ignore --hidden")
    last = timed[-1]
    if last.rc not in (0, 1):
        row.note = f"exit {last.rc}: {last.stderr.strip()[:120]}"
        return row
    row.walls = [t.wall for t in timed]
    row.wall = statistics.median(row.walls)
    row.cpu = statistics.median(t.cpu for t in timed)
    row.maxrss_mb = max(t.maxrss_kb for t in timed) / 1024
    if first and first.tree_pss_kb and first.wall > 0.25:  # shorter runs end before the 50 ms poller sees them
        row.tree_pss_mb = first.tree_pss_kb / 1024
    hits = rg_hits(last.stdout)
    s = score(hits, manifest)
    row.findings = len(hits)
    row.recall = f"-  ({s['files_found']}/{s['planted_files']})"
    row.outside = f"{s['outside']} in {s['outside_files']} files"
    row.note = "matching lines; recall per file only (-c)"
    row.extra = {"score": s}
    return row


def bench_floor(py: str, tree: str, name: str, runs: int, env: Optional[Dict[str, str]] = None) -> Row:
    """Reference: the Python floor (walk, read, lower-case, one keyword test) in one process."""
    timed, first = measure([py, "-c", PYTHON_FLOOR, "."], tree, runs, env=env, poll=False)
    row = Row(name, "python floor", "walk+read+lower, 1 process")
    row.walls = [t.wall for t in timed]
    row.wall = statistics.median(row.walls)
    row.cpu = statistics.median(t.cpu for t in timed)
    row.maxrss_mb = max(t.maxrss_kb for t in timed) / 1024
    row.note = "what any pure-Python scanner pays before its rules run"
    return row


def bench_detect_secrets(ds: str, tree: str, name: str, runs: int, manifest: Dict[str, Any]) -> Row:
    """detect-secrets scan --all-files (default plugins)."""
    cmd = [ds, "scan", "--all-files", "--exclude-files", r"(^|/)\.git/|\.planted\.json$", "."]
    timed, first = measure(cmd, tree, runs, warmup=False)
    row = Row(name, "detect-secrets", "scan --all-files")
    last = timed[-1]
    if last.rc != 0:
        row.note = f"exit {last.rc}: " + (last.stderr.strip().splitlines() or ["?"])[-1][:120]
        return row
    row.walls = [t.wall for t in timed]
    row.wall = statistics.median(row.walls)
    row.cpu = statistics.median(t.cpu for t in timed)
    row.maxrss_mb = max(t.maxrss_kb for t in timed) / 1024
    doc = json.loads(last.stdout)
    hits = [(path, r["line_number"]) for path, results in doc.get("results", {}).items() for r in results]
    s = score(hits, manifest)
    row.findings = len(hits)
    row.recall = f"{s['found']}/{s['planted']} ({s['files_found']}/{s['planted_files']})"
    row.outside = f"{s['outside']} in {s['outside_files']} files"
    types: Dict[str, int] = {}
    for results in doc.get("results", {}).values():
        for r in results:
            types[r["type"]] = types.get(r["type"], 0) + 1
    row.note = f"{len(timed)} run(s); " + ", ".join(
        f"{k} {v}" for k, v in sorted(types.items(), key=lambda kv: -kv[1])[:4]
    )
    row.extra = {"score": s, "types": types}
    return row


def bench_semgrep(sg: str, tree: str, name: str, runs: int, manifest: Dict[str, Any], data: str) -> Row:
    """semgrep with a local rules file only (no registry, no metrics)."""
    rules = os.path.join(data, "semgrep-ims.yaml")
    with open(rules, "w", encoding="utf-8") as fh:
        fh.write(SEMGREP_RULES)
    cmd = [
        sg,
        "scan",
        "--config",
        rules,
        "--metrics=off",
        "--disable-version-check",
        "--json",
        "--quiet",
        "--no-git-ignore",
        "--exclude",
        gen_repo.MANIFEST,
        ".",
    ]
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    timed, first = measure(cmd, tree, runs, warmup=False, env=env)
    row = Row(name, "semgrep", "6 local rules, --metrics=off")
    last = timed[-1]
    try:
        doc = json.loads(last.stdout)
    except ValueError:
        row.note = f"exit {last.rc}, no JSON: " + (last.stderr.strip().splitlines() or ["?"])[-1][:150]
        return row
    row.walls = [t.wall for t in timed]
    row.wall = statistics.median(row.walls)
    row.cpu = statistics.median(t.cpu for t in timed)
    row.maxrss_mb = max(t.maxrss_kb for t in timed) / 1024
    hits = [(r["path"], r["start"]["line"]) for r in doc.get("results", [])]
    s = score(hits, manifest, IMS101_102_KINDS)
    row.findings = len(hits)
    row.recall = f"{s['found']}/{s['planted']} ({s['files_found']}/{s['planted_files']})"
    row.outside = f"{s['outside']} in {s['outside_files']} files"
    row.note = (
        f"recall over the {len(IMS101_102_KINDS)} IMS101/IMS102 kinds; {len(timed)} run(s); exit {last.rc}; "
        f"{len(doc.get('errors', []))} errors (parse/timeouts)"
    )
    row.extra = {"score": s}
    return row


def small_files(tree: str, manifest: Dict[str, Any]) -> List[str]:
    """Three small clean files (Campaign JS, Node JS, Python), the shape of a pre-commit call."""
    planted = {m["path"] for m in manifest["planted"]}
    wanted = [
        lambda p: p.startswith("campaign/js/") and p.endswith(".js"),
        lambda p: p.startswith("services/") and p.endswith(".js"),
        lambda p: p.startswith("python/") and p.endswith(".py"),
    ]
    picked: List[Optional[str]] = [None, None, None]
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames.sort()
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in sorted(filenames):
            rel = os.path.relpath(os.path.join(dirpath, name), tree).replace(os.sep, "/")
            if rel in planted or os.path.getsize(os.path.join(tree, rel)) > 6000:
                continue
            for i, pred in enumerate(wanted):
                if picked[i] is None and pred(rel):
                    picked[i] = rel
        if all(picked):
            break
    return [p for p in picked if p]


def importtime_top(
    py: str, cmd_args: Sequence[str], cwd: str, env: Optional[Dict[str, str]] = None, n: int = 15
) -> List[Tuple[int, int, str]]:
    """Top modules by cumulative import time (microseconds) of ``python -X importtime -m imslint.cli ...``."""
    p = subprocess.run(
        [py, "-X", "importtime", "-m", "imslint.cli", *cmd_args], cwd=cwd, capture_output=True, text=True, env=env
    )
    rows = []
    for line in p.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            rows.append((int(m.group(2)), int(m.group(1)), (" " * (len(m.group(3)) - 1)) + m.group(4)))
    rows.sort(reverse=True)
    return rows[:n]


def bench_precommit(
    imslint: str, tree: str, manifest: Dict[str, Any], env: Dict[str, str], runs: int = 10
) -> Dict[str, Any]:
    """imslint on 3 small files versus the bare import of its heavy dependencies.

    Measured with the bytecode cache on (``env``, the installed case) and, when
    this environment turns it off, also as the environment runs it.
    """
    py = interpreter_of(imslint)
    files = small_files(tree, manifest)
    cmd = [imslint, "check", "--no-config", *files]
    bare = [py, "-c", "import lxml.etree, pluggy, click"]
    run(cmd, tree, env=env)  # writes the bytecode cache
    run(bare, tree, env=env)
    t_cmd = [run(cmd, tree, env=env) for _ in range(runs)]
    t_bare = [run(bare, tree, env=env) for _ in range(runs)]
    res: Dict[str, Any] = {
        "files": files,
        "imslint": statistics.median(r.wall for r in t_cmd),
        "bare_import": statistics.median(r.wall for r in t_bare),
        "rc": t_cmd[-1].rc,
        "imslint_maxrss_mb": max(r.maxrss_kb for r in t_cmd) / 1024,
    }
    res["ratio"] = res["imslint"] / res["bare_import"]
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        t_raw = [run(cmd, tree) for _ in range(runs)]
        res["imslint_no_bytecode_cache"] = statistics.median(r.wall for r in t_raw)
    if res["ratio"] > TARGET_PRECOMMIT_RATIO:
        res["importtime"] = importtime_top(py, ["check", "--no-config", *files], tree, env)
    return res


def installed_imslint(data: str) -> Optional[str]:
    """An imslint installed like a user's (``pip install .``, not editable) in ``DATA/.install-venv``.

    An editable install adds an import hook to every start-up (about 8 ms), which
    no user of a released imslint pays; the pre-commit figure is given for both.
    Re-installed when the project's sources changed (by git revision and diff).
    """
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    venv = os.path.join(data, ".install-venv")
    exe = os.path.join(venv, "bin", "imslint")
    stamp_file = os.path.join(venv, "source-stamp")
    stamp = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    stamp += subprocess.run(
        ["git", "-C", root, "diff", "--stat", "--", "linter", "rules", "pyproject.toml"], capture_output=True, text=True
    ).stdout
    try:
        with open(stamp_file, encoding="utf-8") as fh:
            if fh.read() == stamp and os.path.exists(exe):
                return exe
    except OSError:
        pass
    try:
        if not os.path.exists(os.path.join(venv, "bin", "python")):
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run(
            [os.path.join(venv, "bin", "pip"), "install", "-q", "--force-reinstall", root],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"could not install imslint into {venv}: {exc}", file=sys.stderr)
        return None
    with open(stamp_file, "w", encoding="utf-8") as fh:
        fh.write(stamp)
    return exe


def keyword_stats(imslint: str, tree: str, env: Optional[Dict[str, str]] = None) -> Optional[Dict[str, Any]]:
    """Share of text files each rule's keyword pre-filter lets through (run in imslint's interpreter)."""
    p = subprocess.run([interpreter_of(imslint), "-c", KEYWORD_STATS, tree], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        print("keyword statistics failed: " + p.stderr.strip()[-300:], file=sys.stderr)
        return None
    return json.loads(p.stdout)


def cprofile(py: str, args: Sequence[str], cwd: str, env: Optional[Dict[str, str]] = None, top: int = 25) -> str:
    """cProfile of ``python -m imslint.cli ARGS``: the top functions by cumulative and by own time."""
    with tempfile.TemporaryDirectory() as tmp:
        prof = os.path.join(tmp, "imslint.prof")
        subprocess.run(
            [py, "-m", "cProfile", "-o", prof, "-m", "imslint.cli", *args],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        p = subprocess.run([py, "-c", PSTATS_SUMMARY, prof, str(top)], capture_output=True, text=True)
        return p.stdout or p.stderr


# --------------------------------------------------------------------------- issue 16's target table

SPARSE_DENSITY = 0.08  # share of files keeping the pre-filter keywords in the sparse tree

# The targets of issue 16: imslint's wall time over ripgrep's (with imslint's keywords) in the same run.
TARGETS = {
    "sparse, --jobs 2, with the extra": 3.0,
    "sparse, --jobs 2, pure Python": 5.0,
    "dense, --jobs 2, with the extra": 5.0,
    "rescan with the result cache, unchanged tree": 1.5,
    "pre-commit, 3 files, with the extra": 1.5,
    "pre-commit, 3 files, pure Python": 1.5,
}

KEYWORDS = r"""
from imslint.plugins import load_plugins
reg = load_plugins()
ks = {k.lower() for cls in reg.rules.values() for k in (cls.keywords or ())}
print("\n".join(sorted(k.decode("utf-8") if isinstance(k, bytes) else k for k in ks)))
"""

HAS_EXTRA = "import imslint.engine.prefilter as p; print(p.native_available())"


def _median_row(timed: List[Run]) -> Dict[str, float]:
    return {
        "wall": statistics.median(t.wall for t in timed),
        "cpu": statistics.median(t.cpu for t in timed),
        "walls": [round(t.wall, 3) for t in timed],
    }


def targets(imslint: str, data: str, runs: int, env: Dict[str, str]) -> Dict[str, Any]:  # noqa: C901
    """Issue 16's table: each imslint configuration beside ripgrep with imslint's keywords, runs interleaved.

    The machine may be shared: every round runs each command once, in turn, so
    that load changes hit them alike; medians of wall and CPU (user+sys) seconds.
    """
    py = interpreter_of(imslint)
    rg = shutil.which("rg") or "/usr/bin/rg"
    kw_file = os.path.join(data, "imslint-keywords.txt")
    with open(kw_file, "w", encoding="utf-8") as fh:
        fh.write(subprocess.run([py, "-c", KEYWORDS], capture_output=True, text=True, env=env, check=True).stdout)
    extra = subprocess.run([py, "-c", HAS_EXTRA], capture_output=True, text=True, env=env).stdout.strip() == "True"
    pure_env = dict(env, IMSLINT_PREFILTER="python")
    trees = {
        "dense": (os.path.join(data, "full"), ensure_tree(os.path.join(data, "full"), FULL["files"], FULL["size_mb"])),
        "sparse": (
            os.path.join(data, "sparse"),
            ensure_tree(os.path.join(data, "sparse"), FULL["files"], FULL["size_mb"], SPARSE_DENSITY),
        ),
    }
    check = [imslint, "check", "--no-config", "--format", "json", "--fail-on", "never", "--jobs", "2", "."]
    # -c (matching lines per file) reads each file to its end, as imslint must to report every finding; -l would
    # stop at a file's first keyword, which on the dense tree is near its start.
    rg_cmd = [
        rg,
        "-i",
        "-c",
        "-F",
        "--no-ignore",
        "--hidden",
        "-g",
        "!.git",
        "-g",
        f"!{gen_repo.MANIFEST}",
        "-f",
        kw_file,
        ".",
    ]
    cache = os.path.join(data, ".imslint-cache-targets")
    with open(kw_file, encoding="utf-8") as fh:
        n_keywords = len(fh.read().split("\n")) - 1
    out: Dict[str, Any] = {"extra_installed": extra, "rows": {}, "trees": {}, "keywords": n_keywords}
    for name, (tree, manifest) in trees.items():
        commands: Dict[str, Tuple[List[str], Dict[str, str]]] = {"rg": (rg_cmd, env), "pure": (check, pure_env)}
        if extra:
            commands["extra"] = (check, env)
        if name == "dense":
            shutil.rmtree(cache, ignore_errors=True)
            commands["cache"] = (check[:-1] + ["--cache-dir", cache, "."], env)
        for cmd, e in commands.values():
            run(cmd, tree, env=e)  # warm-up: page cache, bytecode, the result cache filled
        timed: Dict[str, List[Run]] = {k: [] for k in commands}
        for _ in range(runs):
            for key, (cmd, e) in commands.items():
                print(f"  {name}: {key} ...", file=sys.stderr)
                timed[key].append(run(cmd, tree, env=e))
        shutil.rmtree(cache, ignore_errors=True)
        res = {k: _median_row(v) for k, v in timed.items()}
        res["rg"]["files"] = len(timed["rg"][-1].stdout.splitlines())
        for key in commands:
            if key == "rg":
                continue
            last = timed[key][-1]
            if last.rc not in (0, 1):
                res[key]["error"] = (last.stderr.strip().splitlines() or ["?"])[-1][:200]
                continue
            doc = json.loads(last.stdout)
            s = score(imslint_hits(doc)[0], manifest)
            res[key].update(
                found=s["found"],
                planted=s["planted"],
                outside=s["outside"],
                findings=len(doc.get("findings", [])),
                errors=doc.get("summary", {}).get("errors"),
            )
        out["trees"][name] = res
        n, b = tree_size(tree)
        res["size"] = {"files": n, "bytes": b, "files_with_keyword": res["rg"]["files"]}
        for key, label in (
            ("extra", f"{name}, --jobs 2, with the extra"),
            ("pure", f"{name}, --jobs 2, pure Python"),
            ("cache", "rescan with the result cache, unchanged tree"),
        ):
            if key in res:
                out["rows"][label] = dict(
                    res[key], rg=res["rg"]["wall"], rg_cpu=res["rg"]["cpu"], ratio=res[key]["wall"] / res["rg"]["wall"]
                )
    # pre-commit: three small files against the Python + imports floor, interleaved
    tree, manifest = trees["dense"]
    files = small_files(tree, manifest)
    floor = [py, "-c", "import lxml.etree, pluggy, click"]
    pre_cmds = {"floor": (floor, env), "pure": ([imslint, "check", "--no-config", *files], pure_env)}
    if extra:
        pre_cmds["extra"] = ([imslint, "check", "--no-config", *files], env)
    for cmd, e in pre_cmds.values():
        run(cmd, tree, env=e)
    pre: Dict[str, List[Run]] = {k: [] for k in pre_cmds}
    for _ in range(max(10, runs)):
        for key, (cmd, e) in pre_cmds.items():
            pre[key].append(run(cmd, tree, env=e))
    pres = {k: _median_row(v) for k, v in pre.items()}
    for key, label in (("extra", "pre-commit, 3 files, with the extra"), ("pure", "pre-commit, 3 files, pure Python")):
        if key in pres:
            out["rows"][label] = dict(
                pres[key],
                floor=pres["floor"]["wall"],
                floor_cpu=pres["floor"]["cpu"],
                ratio=pres[key]["wall"] / pres["floor"]["wall"],
                cpu_ratio=pres[key]["cpu"] / pres["floor"]["cpu"],
            )
    out["precommit_files"] = files
    return out


def print_targets(res: Dict[str, Any], runs: int) -> None:  # noqa: C901 - one table
    """The target table of issue 16, then recall and decoys per tree."""
    print(
        f"## Targets (issue 16): median of {runs} interleaved runs (pre-commit: of 10); "
        f"extra {'installed' if res['extra_installed'] else 'NOT installed'}"
    )
    print()
    print(
        "| row | imslint wall s | CPU s | reference | reference wall s | CPU s | ratio (wall) | ratio (CPU) | target "
        "| verdict (wall) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, target in TARGETS.items():
        r = res["rows"].get(label)
        if r is None:
            print(f"| {label} | - | - | - | - | - | - | - | <= {target:g}x | not run |")
            continue
        if "floor" in r:
            ref, ref_wall, ref_cpu = "Python + imports floor", r["floor"], r["floor_cpu"]
        else:
            ref, ref_wall, ref_cpu = "rg, imslint's keywords", r["rg"], r["rg_cpu"]
        verdict = "met" if r["ratio"] <= target else "NOT met"
        # The CPU ratio is steadier on a shared machine; the targets are on wall time.
        print(
            f"| {label} | {r['wall']:.3f} | {r['cpu']:.2f} | {ref} | {ref_wall:.3f} | {ref_cpu:.2f} | "
            f"{r['ratio']:.2f}x | {r['cpu'] / ref_cpu:.2f}x | <= {target:g}x | {verdict} |"
        )
    print()
    for name, t in res["trees"].items():
        sz = t["size"]
        print(
            f"- {name} tree: {sz['files']} files, {sz['bytes'] / 1e6:.0f} MB, {sz['files_with_keyword']} "
            f"({100 * sz['files_with_keyword'] / sz['files']:.1f} %) hold a keyword (files rg lists)"
        )
        for key in ("pure", "extra", "cache"):
            if key in t:
                r = t[key]
                if "error" in r:
                    print(f"  {key}: {r['error']}")
                else:
                    print(
                        f"  {key}: recall {r['found']}/{r['planted']}, {r['outside']} findings outside planted "
                        f"files (decoys), {r['errors']} errors; walls {r['walls']}"
                    )
        print(f"  rg walls {t['rg']['walls']}  (rg -i -c -F -f <imslint's {res['keywords']} keywords>)")


# --------------------------------------------------------------------------- main


def main(argv: Optional[Sequence[str]] = None) -> int:  # noqa: C901
    """Run everything and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.join(HERE, "data"), help="where the trees and the peers' venv live")
    ap.add_argument("--skip-slow", action="store_true", help="leave out detect-secrets and semgrep")
    ap.add_argument("--runs", type=int, default=3, help="timed runs per tool on each tree (median reported)")
    ap.add_argument("--peer-runs", type=int, default=1, help="timed runs of detect-secrets and semgrep")
    ap.add_argument("--imslint", help="imslint executable (default: the one beside this Python, then /work/venv)")
    ap.add_argument("--profile", action="store_true", help="add keyword pre-filter statistics and cProfile output")
    ap.add_argument("--small-only", action="store_true", help="only the 10 %% tree (quick look)")
    ap.add_argument("--no-cache-rows", action="store_true", help="leave out the runs with a result cache (--cache-dir)")
    ap.add_argument(
        "--targets",
        action="store_true",
        help="only issue 16's target table: dense and sparse trees beside ripgrep with imslint's keywords",
    )
    args = ap.parse_args(argv)

    data = os.path.abspath(args.data)
    os.makedirs(data, exist_ok=True)
    if args.targets:
        imslint = find_imslint(args.imslint)
        if imslint is None:
            print("imslint not found", file=sys.stderr)
            return 2
        print(
            f"# imslint target table ({time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, Python "
            f"{platform.python_version()}; load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())})"
        )
        res = targets(imslint, data, args.runs, bytecode_env(data))
        print_targets(res, args.runs)
        print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        with open(os.path.join(data, "bench-targets.json"), "w", encoding="utf-8") as fh:
            json.dump(res, fh, indent=1)
        return 0
    full_dir, small_dir = os.path.join(data, "full"), os.path.join(data, "small")
    trees: List[Tuple[str, str, Dict[str, Any]]] = []
    if not args.small_only:
        trees.append(("full", full_dir, ensure_tree(full_dir, FULL["files"], FULL["size_mb"])))
    trees.append(("10%", small_dir, ensure_tree(small_dir, int(FULL["files"] * FRACTION), FULL["size_mb"] * FRACTION)))
    sizes = {name: tree_size(path) for name, path, _ in trees}

    imslint = find_imslint(args.imslint)
    env = bytecode_env(data)
    ok, status = imslint_status(imslint)
    rg = shutil.which("rg") or ("/usr/bin/rg" if os.path.exists("/usr/bin/rg") else None)
    print(
        f"# imslint speed benchmark  ({time.strftime('%Y-%m-%d %H:%M')}, {platform.node()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()})"
    )
    for name, path, m in trees:
        n, b = sizes[name]
        print(f"#   {name:>4} tree: {path}  {n} files, {b / 1e6:.0f} MB, {len(m['planted'])} planted credentials")
    print(f"#   imslint: {imslint or '-'}  ({status}){source_state()}")
    print(
        f"#   load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (other processes on the machine skew wall times;"
        " CPU s = user+sys of the process tree)"
    )
    print(f"#   rg: {rg or 'not installed'}   pattern: {RG_PATTERN}")
    print(f"#   imslint runs with the bytecode cache on (PYTHONPYCACHEPREFIX={env['PYTHONPYCACHEPREFIX']})")
    print()

    rows: List[Row] = []
    for name, path, manifest in trees:
        for jobs in (1, 2):
            if ok:
                print(f"running imslint --jobs {jobs} on the {name} tree ...", file=sys.stderr)
                rows.append(bench_imslint(imslint, path, name, jobs, args.runs, manifest, env))
            else:
                rows.append(Row(name, "imslint", f"--jobs {jobs}", note=f"imslint not available: {status}"))
        if ok and not args.no_cache_rows:
            for mode in CACHE_MODES:
                print(f"running imslint --jobs 2 --cache-dir ({mode}) on the {name} tree ...", file=sys.stderr)
                rows.append(bench_imslint_cache(imslint, path, name, args.runs, manifest, data, mode, env))
        if ok:
            rows.append(bench_floor(interpreter_of(imslint), path, name, args.runs, env))
        if rg:
            print(f"running rg on the {name} tree ...", file=sys.stderr)
            rows.append(bench_rg(rg, path, name, args.runs, manifest))
        else:
            rows.append(Row(name, "rg", "", note="ripgrep not installed"))
        if name == "10%" and not args.skip_slow:
            peers, note = ensure_peers(data)
            if peers["detect-secrets"]:
                print("running detect-secrets on the 10% tree ...", file=sys.stderr)
                rows.append(bench_detect_secrets(peers["detect-secrets"], path, name, args.peer_runs, manifest))
            else:
                rows.append(Row(name, "detect-secrets", "", note=f"not installed ({note or 'unknown reason'})"))
            if peers["semgrep"]:
                print("running semgrep on the 10% tree ...", file=sys.stderr)
                rows.append(bench_semgrep(peers["semgrep"], path, name, args.peer_runs, manifest, data))
            else:
                rows.append(Row(name, "semgrep", "", note=f"not installed ({note or 'unknown reason'})"))

    print_table(rows, sizes)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()

    # Targets.
    results: Dict[str, Any] = {"rows": [r.__dict__ for r in rows], "sizes": sizes}
    print("## Targets")
    for name, _, _ in trees:
        j2 = next(
            (r for r in rows if r.tree == name and r.tool == "imslint" and r.config == "--jobs 2" and r.wall), None
        )
        rgr = next((r for r in rows if r.tree == name and r.tool == "rg" and r.wall), None)
        if j2 and rgr:
            ratio = j2.wall / rgr.wall
            verdict = "met" if ratio <= TARGET_RG_RATIO else "NOT met"
            print(
                f"- {name} tree: imslint --jobs 2 / rg = {j2.wall:.2f} s / {rgr.wall:.2f} s = {ratio:.1f}x "
                f"(target <= {TARGET_RG_RATIO:.0f}x: {verdict})"
            )
            results.setdefault("rg_ratio", {})[name] = ratio
            for r in rows:
                if r.tree == name and r.tool == "imslint" and r.config.startswith("--jobs 2, cache") and r.wall:
                    print(f"  {r.config}: {r.wall:.2f} s = {r.wall / rgr.wall:.1f}x rg ({r.note})")
    pre = None
    if ok:
        tree_for_pre = trees[0][1]
        print("running the pre-commit case ...", file=sys.stderr)
        pre = bench_precommit(imslint, tree_for_pre, trees[0][2], env)
        verdict = "met" if pre["ratio"] < TARGET_PRECOMMIT_RATIO else "NOT met"
        print(
            f"- pre-commit: imslint check --no-config {' '.join(pre['files'])}: {pre['imslint'] * 1000:.0f} ms "
            f"(median of 10, exit {pre['rc']}, {pre['imslint_maxrss_mb']:.0f} MB) vs "
            f'`python -c "import lxml.etree, pluggy, click"` {pre["bare_import"] * 1000:.0f} ms: '
            f"{pre['ratio']:.2f}x (target < {TARGET_PRECOMMIT_RATIO:.0f}x: {verdict})"
        )
        if "imslint_no_bytecode_cache" in pre:
            print(
                f"  (with PYTHONDONTWRITEBYTECODE as set in this environment, imslint's own modules are recompiled "
                f"on every start: {pre['imslint_no_bytecode_cache'] * 1000:.0f} ms, "
                f"{pre['imslint_no_bytecode_cache'] / pre['bare_import']:.2f}x)"
            )
        inst = installed_imslint(data)
        if inst:
            pre_i = bench_precommit(inst, tree_for_pre, trees[0][2], env)
            verdict_i = "met" if pre_i["ratio"] < TARGET_PRECOMMIT_RATIO else "NOT met"
            print(
                f"- pre-commit, imslint installed with `pip install .` (no editable-install import hook): "
                f"{pre_i['imslint'] * 1000:.0f} ms vs {pre_i['bare_import'] * 1000:.0f} ms: {pre_i['ratio']:.2f}x "
                f"(target < {TARGET_PRECOMMIT_RATIO:.0f}x: {verdict_i})"
            )
            results["precommit_installed"] = pre_i
        if pre.get("importtime"):
            print("  top imports by cumulative time (python -X importtime), microseconds:")
            for cum, own, mod in pre["importtime"]:
                print(f"    {cum:>8} cumulative {own:>7} self  {mod}")
        results["precommit"] = pre
    else:
        print(f"- pre-commit: imslint not available ({status})")
    print()

    # Per-rule view of the imslint runs.
    for r in rows:
        if r.tool == "imslint" and r.extra.get("per_rule") is not None and r.config == "--jobs 1":
            per = ", ".join(f"{k} {v}" for k, v in sorted(r.extra["per_rule"].items()))
            out = ", ".join(f"{k} {v}" for k, v in sorted(r.extra["outside_by_rule"].items())) or "none"
            print(f"- {r.tree} tree, findings per rule: {per}; outside planted files: {out}")
            if r.extra["score"]["outside_examples"]:
                print(f"  e.g. {', '.join(r.extra['score']['outside_examples'][:5])}")

    if args.profile and ok:
        print()
        print("## Profile")
        target_tree = trees[0][1]
        ks = keyword_stats(imslint, target_tree, env)
        if ks:
            print(
                f"Keyword pre-filter on the {trees[0][0]} tree: {ks['text_files']} text files, "
                f"{ks['text_bytes'] / 1e6:.0f} MB; rules without keywords (run on every file): "
                f"{', '.join(ks['always']) or 'none'}"
            )
            print(
                f"  files reaching at least one keyed rule: {ks['any_files']} "
                f"({100 * ks['any_files'] / ks['text_files']:.0f} %, {ks['any_bytes'] / 1e6:.0f} MB)"
            )
            for rid, v in sorted(ks["rules"].items(), key=lambda kv: -kv[1]["files"]):
                kw = {k: n for r_, k, n in ks["keywords"] if r_ == rid}
                kws = ", ".join(f"{k!r} {kw.get(k, 0)}" for k in v["keywords"])
                print(
                    f"  {rid}: {v['files']:>6} files ({100 * v['files'] / ks['text_files']:4.0f} %), "
                    f"{v['bytes'] / 1e6:6.0f} MB   keywords: {kws}"
                )
            results["keywords"] = ks
            # One rule at a time on the 10 % tree: CPU seconds each costs on top of discovery and reading.
            print()
            print(
                "CPU seconds of imslint --jobs 1 on the 10% tree with one rule selected (1 run each; includes the "
                "shared start-up, discovery and reading):"
            )
            per_rule_cpu: Dict[str, float] = {}
            for rid in sorted(ks["rules"]):
                r1 = run(
                    [
                        imslint,
                        "check",
                        "--no-config",
                        "--select",
                        rid,
                        "--format",
                        "json",
                        "--fail-on",
                        "never",
                        "--jobs",
                        "1",
                        ".",
                    ],
                    small_dir,
                    env=env,
                )
                per_rule_cpu[rid] = r1.cpu
            floor = min(per_rule_cpu.values())
            for rid, cpu in sorted(per_rule_cpu.items(), key=lambda kv: -kv[1]):
                print(f"  {rid}: {cpu:5.2f} s  (+{cpu - floor:.2f} s over the cheapest selection)")
            results["per_rule_cpu_small"] = per_rule_cpu
        py = interpreter_of(imslint)
        print()
        print("cProfile, imslint check --jobs 1 on the 10% tree:")
        print(
            cprofile(
                py,
                [
                    "check",
                    "--no-config",
                    "--format",
                    "json",
                    "--fail-on",
                    "never",
                    "--jobs",
                    "1",
                    "-o",
                    os.devnull,
                    ".",
                ],
                small_dir,
                env,
            )
        )
        if pre:
            print("cProfile, the pre-commit command:")
            print(cprofile(py, ["check", "--no-config", *pre["files"]], trees[0][1], env, top=20))

    with open(os.path.join(data, "bench-results.json"), "w", encoding="utf-8") as fh:
        json.dump(results, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
