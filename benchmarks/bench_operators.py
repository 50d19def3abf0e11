"""Benchmark: imslint on big operator exports against a bare lxml iterparse of the same file.

For each size (50k, 200k and 1M operators by default) and each mix of operators
(``realistic``: about 3% of the operators get a finding; ``few``: 99.9% are IMS
accounts with unique emails, about 0.15% get one), the script generates the export
into ``benchmarks/data/`` when missing (git-ignored), then measures, each in a fresh
subprocess, the wall time and the peak resident memory of:

``bare``     lxml ``iterparse`` over the file, clearing each ``<operator>`` (the floor); for
             ``--formats csv`` (the console's operator list), Python's ``csv`` module
``reader``   imslint's OperatorXmlReader alone (records built, no rule)
``rules``    the reader plus the seven operator rules called on each record in a tight
             loop (what an engine with no per-call overhead would cost), without the engine
``batch``    the same through the rules' ``check_batch`` (records in batches of 1024)
``json``     the real CLI: ``imslint check FILE --select IMS0 --format json -o report.tmp``, default
             jobs (one per CPU: an export over 8 MiB is read in pieces, one process each)
``json-j1``  the same with ``--jobs 1`` (one process: what a single core gives)
``installed`` the ``json`` row with imslint installed like a user's (``pip install .`` into
             ``benchmarks/data/.install-venv``, see ``bench_code.installed_imslint``): no
             editable-install import hook at start-up
``quiet``    the real CLI: ``imslint check FILE --select IMS0 --quiet -o report.tmp`` (text)
``operators`` the compliance scan: ``imslint operators FILE --no-config --format json -o FILE.json``
             (the rules, then the readiness census that reads the export a second time)
``report``   the same with ``--report FILE.html --report FILE.md --worklist FILE.csv`` (not in the
             default rows: ``--variants operators,report``)

(the two CLI rows only when ``imslint.cli`` is importable). ``x bare`` is the wall time
over the ``bare`` row of the same file.

    python benchmarks/bench_operators.py [--sizes 50000,200000] [--mixes few] [--repeat 3]

Every command runs with Python's bytecode cache on (``benchmarks/data/.pycache``, filled
before the first measurement), as an installed imslint does.

Figures are printed, never asserted: timing belongs in benchmarks, not tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(HERE, "data")

BARE = r"""
import sys
from lxml import etree
n = 0
for _, el in etree.iterparse(sys.argv[1], events=("end",), tag="{*}operator", resolve_entities=False,
                             no_network=True, load_dtd=False, huge_tree=False):
    n += 1
    el.clear()
    while el.getprevious() is not None:
        del el.getparent()[0]
print(n)
"""

BARE_CSV = r"""
import csv, sys
n = 0
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    for row in csv.reader(fh, delimiter=";"):
        n += 1
print(n - 1)
"""

READER = r"""
import sys
sys.path.insert(0, sys.argv[2])
from imslint.readers import InputFile
from imslint.readers.operators import OperatorCsvReader, OperatorXmlReader
n = 0
reader = OperatorCsvReader() if sys.argv[1].endswith(".csv") else OperatorXmlReader()
for rec in reader.read(InputFile(sys.argv[1], "export")):
    n += 1
print(n)
"""

# The operator rules applied by hand, without the engine: per record (RULES) or per batch of 1024 (BATCH).
_RULES_SETUP = r"""
import sys
sys.path.insert(0, sys.argv[2])
from itertools import islice
from imslint.readers import InputFile
from imslint.readers.operators import OperatorXmlReader
from imslint.rule import RunContext
from imslint.rules.operators import RULES
context = RunContext()
rules = [cls() for cls in RULES]
for r in rules:
    r.context = context
found = []
records = OperatorXmlReader().read(InputFile(sys.argv[1], "export.xml"))
"""

_RULES_FINISH = r"""
for r in rules:
    found.extend(r.finish(dict(r.defaults)) or ())
print(len(found))
"""

RULES = (
    _RULES_SETUP
    + r"""
plan = [(r.check, dict(r.defaults)) for r in rules]
for rec in records:
    for check, opts in plan:
        res = check(rec, opts)
        if res:
            found.extend(res)
"""
    + _RULES_FINISH
)

BATCH = (
    _RULES_SETUP
    + r"""
plan = [(r.check_batch, dict(r.defaults)) for r in rules]
while True:
    batch = list(islice(records, 1024))
    if not batch:
        break
    for check_batch, opts in plan:
        found.extend(p for _, p in check_batch(batch, opts))
"""
    + _RULES_FINISH
)


def _measure(cmd: List[str]) -> Dict[str, float]:
    """Run ``cmd`` (output discarded) and report its wall time and peak RSS: call in a fresh process."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    # ru_maxrss is in KiB on Linux (bytes on macOS); this process has only ever waited for cmd.
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if sys.platform == "darwin":  # pragma: no cover
        peak //= 1024
    return {
        "wall": wall,
        "peak_kib": peak,
        "rc": proc.returncode,
        "out": proc.stdout.decode()[-200:],
        "err": proc.stderr.decode()[-500:],
    }


def bytecode_env() -> Dict[str, str]:
    """The environment with Python's bytecode cache on, kept under ``benchmarks/data``.

    An editable install run with PYTHONDONTWRITEBYTECODE (as in this sandbox) would
    recompile imslint's modules on every start (40-60 ms), which an installed imslint
    never does; lxml, pluggy and click come with their bytecode from pip.
    """
    env = dict(os.environ, PYTHONPYCACHEPREFIX=os.path.join(DATA, ".pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def warm_bytecode() -> None:
    """Compile imslint's modules into the bytecode cache once, before anything is timed."""
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", os.path.join(ROOT, "linter"), os.path.join(ROOT, "rules")],
        env=bytecode_env(),
        stdout=subprocess.DEVNULL,
        check=False,
    )


def measure(cmd: List[str], repeat: int) -> Dict[str, float]:
    """Best wall time (and its peak RSS) of ``repeat`` runs, each measured from a fresh wrapper process."""
    best: Optional[Dict[str, float]] = None
    for _ in range(repeat):
        res = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--measure", "--", *cmd],
            stdout=subprocess.PIPE,
            env=bytecode_env(),
        )
        got = json.loads(res.stdout.decode())
        if best is None or got["wall"] < best["wall"]:
            best = got
    assert best is not None
    return best


def imslint_command(path: str, *options: str) -> Optional[List[str]]:
    """The CLI invocation when imslint is installed and its CLI importable, else None."""
    probe = subprocess.run(
        [sys.executable, "-c", "import imslint.cli"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    if probe.returncode != 0:
        return None
    exe = os.path.join(os.path.dirname(sys.executable), "imslint")
    base = [exe] if os.path.exists(exe) else [sys.executable, "-m", "imslint.cli"]
    # A scratch file, not /dev/null: imslint refuses to write its report over a device.
    return base + ["check", path, "--select", "IMS0", "--no-config", *options, "-o", os.path.join(DATA, "report.tmp")]


_INSTALLED: List[Optional[str]] = []


def installed() -> Optional[str]:
    """The imslint of ``benchmarks/data/.install-venv`` (installed, or re-installed when the sources changed)."""
    if not _INSTALLED:
        sys.path.insert(0, HERE)
        import bench_code  # sibling script: one way to install imslint for benchmarks

        _INSTALLED.append(bench_code.installed_imslint(DATA))
    return _INSTALLED[0]


def ensure(count: int, mix: str, fmt: str = "xml") -> str:
    """Path of the export of ``count`` operators of ``mix`` (``xml`` or ``csv``), generated when missing."""
    os.makedirs(DATA, exist_ok=True)
    label = f"{count // 1000}k" if count % 1000 == 0 else str(count)
    path = os.path.join(DATA, f"ops-{label}.{fmt}" if mix == "realistic" else f"ops-{mix}-{label}.{fmt}")
    if not os.path.exists(path):
        print(f"generating {path} ...", flush=True)
        subprocess.run(
            [
                sys.executable,
                os.path.join(HERE, "gen_operators.py"),
                "--count",
                str(count),
                "--mix",
                mix,
                "--out",
                path,
            ],
            check=True,
        )
    return path


def main(argv: Optional[List[str]] = None) -> int:
    """Command line entry point."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--measure"]:
        cmd = argv[argv.index("--") + 1 :]
        print(json.dumps(_measure(cmd)))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="50000,200000,1000000", help="comma-separated operator counts")
    ap.add_argument("--mixes", default="realistic,few", help="comma-separated mixes (realistic, few)")
    ap.add_argument(
        "--variants", default="bare,reader,rules,batch,json,json-j1,quiet", help="comma-separated rows to run"
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (the best is kept)")
    ap.add_argument(
        "--formats", default="xml", help="comma-separated export formats: xml (package), csv (console list)"
    )
    args = ap.parse_args(argv)
    py = sys.executable
    wanted = [v.strip() for v in args.variants.split(",") if v.strip()]
    cli_ok = imslint_command("x") is not None
    warm_bytecode()
    print(f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}, bytecode cache in {os.path.join(DATA, '.pycache')}")
    print(
        f"{'operators':>10} {'mix':<9} {'fmt':<4} {'MiB':>4}  {'variant':<9} {'wall s':>7} {'peak MiB':>9} {'x bare':>7}  output"
    )
    combos = [
        (int(c), m.strip(), f.strip())
        for f in args.formats.split(",")
        if f.strip()
        for c in args.sizes.split(",")
        if c.strip()
        for m in args.mixes.split(",")
        if m.strip()
    ]
    for count, mix, fmt in combos:
        path = ensure(count, mix, fmt)
        size = os.path.getsize(path) / 2**20
        if fmt == "csv":  # the floor is Python's csv module; the rules/batch scripts read XML only
            commands = {"bare": [py, "-c", BARE_CSV, path], "reader": [py, "-c", READER, path, ROOT]}
        else:
            commands = {
                "bare": [py, "-c", BARE, path],
                "reader": [py, "-c", READER, path, ROOT],
                "rules": [py, "-c", RULES, path, ROOT],
                "batch": [py, "-c", BATCH, path, ROOT],
            }
        if cli_ok:
            if "installed" in wanted:
                exe = installed()
                if exe:
                    commands["installed"] = [
                        exe,
                        "check",
                        path,
                        "--select",
                        "IMS0",
                        "--no-config",
                        "--format",
                        "json",
                        "-o",
                        os.path.join(DATA, "report.tmp"),
                    ]
            commands["json"] = imslint_command(path, "--format", "json")  # type: ignore[assignment]
            commands["json-j1"] = imslint_command(path, "--format", "json", "--jobs", "1")  # type: ignore[assignment]
            commands["quiet"] = imslint_command(path, "--format", "text", "--quiet")  # type: ignore[assignment]
            exe = os.path.join(os.path.dirname(sys.executable), "imslint")
            scan = ([exe] if os.path.exists(exe) else [sys.executable, "-m", "imslint.cli"]) + [
                "operators",
                path,
                "--no-config",
                "--format",
                "json",
                "-o",
                os.path.join(DATA, "bench-operators.json"),
            ]
            commands["operators"] = scan
            commands["report"] = scan + [
                "--report",
                os.path.join(DATA, "bench-readiness.html"),
                "--report",
                os.path.join(DATA, "bench-readiness.md"),
                "--worklist",
                os.path.join(DATA, "bench-worklist.csv"),
            ]
        floor = None
        for name in wanted:
            cmd = commands.get(name)
            if cmd is None:
                continue
            res = measure(cmd, args.repeat)
            cli = name in ("json", "json-j1", "quiet", "installed", "operators", "report")
            # The CLI exits 1 when it reports findings at or above --fail-on.
            if res["rc"] not in ((0, 1) if cli else (0,)):
                print(f"  {name} failed (exit {res['rc']}): {res['err']}")
                continue
            if name == "bare":
                floor = res["wall"]
            ratio = f"{res['wall'] / floor:>7.2f}" if floor else f"{'-':>7}"
            shown = res["out"].strip().splitlines()[-1][:30] if res["out"].strip() else ""
            print(
                f"{count:>10} {mix:<9} {fmt:<4} {size:>4.0f}  {name:<9} {res['wall']:>7.2f} {res['peak_kib'] / 1024:>9.1f} "
                f"{ratio}  {shown}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
