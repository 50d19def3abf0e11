"""Long fuzzing runs of the readers and of a whole lint (issue 11): coverage-guided with atheris when it imports.

    python benchmarks/fuzz.py --seconds 600 --crashes fuzz-crashes/            # every target, in turn
    python benchmarks/fuzz.py --target operator-xml --seconds 3600 --crashes out/
    python benchmarks/fuzz.py --no-atheris --seconds 60 --crashes out/         # the plain random loop

Each input goes to one target (the first byte chooses it when ``--target all``). A target may refuse its
input with ``ReadError``; anything else (another exception, a broken invariant, an input taking longer
than ``--timeout`` seconds, a rule or plugin error in a lint) is a crash: the input is saved in the
crash folder as ``<target>-<hash>.bin`` with the traceback beside it (``.txt``), and the run goes on.
At the end it prints the iterations, the crashes (and how many distinct ones) and the elapsed time.
Not a test: nothing in tests/ runs it; the bounded property tests are tests/test_properties.py.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from typing import Callable, Dict, List, Optional, Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

try:  # pragma: no cover - depends on the machine
    import atheris

    ATHERIS: Optional[str] = None
except Exception as exc:  # ImportError, or a build without libFuzzer
    atheris = None
    ATHERIS = f"{type(exc).__name__}: {exc}"

from imslint.config import Config  # noqa: E402
from imslint.engine import lint  # noqa: E402
from imslint.plugins import load_plugins  # noqa: E402
from imslint.readers import InputFile, ReadError  # noqa: E402
from imslint.readers.campaign_xml import CampaignXmlReader  # noqa: E402
from imslint.readers.operators import OperatorCsvReader, OperatorXmlReader  # noqa: E402
from imslint.readers.source import SourceReader, decode_bytes, normalize_newlines  # noqa: E402


class Hang(Exception):
    """An input took longer than ``--timeout`` seconds."""


class Fuzzer:
    """The targets, a scratch folder for their files, and the crash bookkeeping."""

    LINT_NAMES = ("a.js", "wf.xml", "ops.csv", "ops.xml", ".env", "n.ipynb", "a.py", "notes.txt")

    def __init__(self, crashes: str, timeout: float) -> None:
        self.crashes = crashes
        self.timeout = timeout
        self.scratch = tempfile.mkdtemp(prefix="imslint-fuzz-")
        self.registry = load_plugins()
        self.iterations = 0
        self.crash_count = 0
        self.distinct: Dict[Tuple[str, str], str] = {}
        self.targets: Dict[str, Callable[[bytes], None]] = {
            "operator-xml": self.operator_xml,
            "operator-csv": self.operator_csv,
            "campaign-xml": self.campaign_xml,
            "decode": self.decode,
            "source": self.source,
            "lint": self.lint,
        }

    # ----------------------------------------------------------------- targets

    def _file(self, name: str, data: bytes) -> str:
        path = os.path.join(self.scratch, name)
        with open(path, "wb") as fh:
            fh.write(data)
        return path

    def _read(self, reader, name: str, data: bytes) -> list:
        path = self._file(name, data)
        reader.sniff(path, data[:8192])
        try:
            return list(reader.read(InputFile(path, name, data)))
        except ReadError:
            return []

    def operator_xml(self, data: bytes) -> None:
        for record in self._read(OperatorXmlReader(), "ops.xml", data):
            assert record.line >= 1 and record.column >= 1, (record.line, record.column)

    def operator_csv(self, data: bytes) -> None:
        reader = OperatorCsvReader()
        path = self._file("ops.csv", data)
        if reader.sniff(path, data[:8192]):
            try:
                for record in reader.read(InputFile(path, "ops.csv")):
                    assert record.line >= 2, record.line
            except ReadError:
                pass

    def campaign_xml(self, data: bytes) -> None:
        lines = normalize_newlines(decode_bytes(data)).count("\n") + 1
        for subject in self._read(CampaignXmlReader(), "wf.xml", data):
            if subject.text:
                loc = subject.location(0, len(subject.text))
                assert 1 <= loc.line <= loc.end_line <= lines, (loc, lines)

    def decode(self, data: bytes) -> None:
        text = normalize_newlines(decode_bytes(data))
        if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
            breaks = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n").count(b"\n")
            assert text.count("\n") == breaks, (text.count("\n"), breaks)

    def source(self, data: bytes) -> None:
        self._read(SourceReader(), "a.js", data)

    def lint(self, data: bytes) -> None:
        name = self.LINT_NAMES[data[0] % len(self.LINT_NAMES)] if data else "a.js"
        folder = os.path.join(self.scratch, "tree")
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        with open(os.path.join(folder, name), "wb") as fh:
            fh.write(data[1:])
        result = lint(["."], Config(root=folder, respect_gitignore=False), self.registry, cwd=folder, jobs=1)
        bad = [e for e in result.errors if e.kind != "read"]
        assert not bad, [(e.kind, e.message) for e in bad]

    # ----------------------------------------------------------------- one input

    def run_one(self, target: str, data: bytes) -> None:
        """Give ``data`` to ``target``; save it as a crash when it fails otherwise than by ReadError."""
        self.iterations += 1
        if self.timeout:
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            self.targets[target](data)
        except Exception as exc:  # noqa: BLE001 - every failure is a finding of the fuzzer
            self._save(target, data, exc)
        finally:
            if self.timeout:
                signal.setitimer(signal.ITIMER_REAL, 0)

    def _save(self, target: str, data: bytes, exc: BaseException) -> None:
        self.crash_count += 1
        tb = traceback.extract_tb(exc.__traceback__)
        where = f"{tb[-1].filename}:{tb[-1].lineno}" if tb else "?"
        key = (type(exc).__name__, where)
        name = f"{target}-{hashlib.sha1(data).hexdigest()[:12]}"
        os.makedirs(self.crashes, exist_ok=True)
        with open(os.path.join(self.crashes, name + ".bin"), "wb") as fh:
            fh.write(data)
        with open(os.path.join(self.crashes, name + ".txt"), "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        if key not in self.distinct:
            self.distinct[key] = name
            print(f"crash: {target}: {type(exc).__name__} at {where} -> {name}.bin", flush=True)

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


# --------------------------------------------------------------------------- seeds and the plain loop

TOKENS = [
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&#10;",
    b"&#13;",
    b"&lt;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"-->",
    b"<?xml ",
    b"?>",
    b"<!DOCTYPE r [<!ENTITY e 'x'>]>",
    b"&e;",
    b"<operator name='a'>",
    b"</operator>",
    b"<script>",
    b"</script>",
    b"\r",
    b"\n",
    b"\r\n",
    b";",
    b",",
    b"\t",
    b'"',
    b"'",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xc3\xa9",
    b"\xe2\x80\xa8",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"\x81",
    b"\x82\xa0",
    b'Logon("u", "p")',
    b"password=",
    b"__sessiontoken=",
]


def seeds() -> List[bytes]:
    """The fixtures: operator exports, the sample repository's files (small ones) and the case files."""
    out: List[bytes] = []
    for pattern in ("fixtures/operators/*", "fixtures/repo/**/*", "fixtures/cases/*.toml"):
        for path in sorted(glob.glob(os.path.join(ROOT, pattern), recursive=True)):
            if os.path.isfile(path) and os.path.getsize(path) <= 64 * 1024:
                with open(path, "rb") as fh:
                    out.append(fh.read())
    return out or [b"<operator name='a'/>"]


def mutate(rng: random.Random, data: bytes, pool: List[bytes]) -> bytes:
    """``data`` with 1 to 8 random edits: bytes flipped, inserted, deleted, repeated, tokens, splices."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        at = rng.randint(0, len(buf))
        op = rng.randrange(7)
        if op == 0 and buf:
            buf[min(at, len(buf) - 1)] = rng.randrange(256)
        elif op == 1:
            buf[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        elif op == 2:
            del buf[at : at + rng.randint(1, 32)]
        elif op == 3:
            buf[at:at] = rng.choice(TOKENS)
        elif op == 4 and buf:
            start = rng.randrange(len(buf))
            buf[at:at] = buf[start : start + rng.randint(1, 64)] * rng.randint(1, 4)
        elif op == 5:
            other = rng.choice(pool)
            start = rng.randint(0, len(other))
            buf[at:] = other[start : start + rng.randint(0, 512)]
        else:
            del buf[at:]
    return bytes(buf[: 1 << 16])


def plain_loop(fuzzer: Fuzzer, targets: List[str], seconds: float, seed: int) -> None:
    rng = random.Random(seed)
    pool = seeds()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        target = targets[fuzzer.iterations % len(targets)]
        data = rng.choice(pool) if rng.random() < 0.02 else mutate(rng, rng.choice(pool), pool)
        if target == "lint":
            data = bytes([rng.randrange(256)]) + data
        fuzzer.run_one(target, data)


def atheris_loop(fuzzer: Fuzzer, targets: List[str], seconds: float, seed: int, report: Callable[[], None]) -> None:
    """libFuzzer drives; the input's first byte picks the target; the run ends at ``seconds`` (``os._exit``)."""
    corpus = os.path.join(fuzzer.scratch, "corpus")
    os.makedirs(corpus)
    for i, data in enumerate(seeds()):
        for j in range(len(targets)):
            with open(os.path.join(corpus, f"seed-{i}-{j}"), "wb") as fh:
                fh.write(bytes([j]) + data)
    deadline = time.monotonic() + seconds

    def one_input(data: bytes) -> None:
        if time.monotonic() >= deadline:
            report()
            os._exit(1 if fuzzer.crash_count else 0)
        if not data:
            return
        fuzzer.run_one(targets[data[0] % len(targets)], data[1:])

    argv = [sys.argv[0], f"-seed={seed}", "-max_len=65536", "-rss_limit_mb=4096", "-print_final_stats=0", corpus]
    atheris.Setup(argv, one_input)
    atheris.Fuzz()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--target",
        default="all",
        choices=["all", "operator-xml", "operator-csv", "campaign-xml", "decode", "source", "lint"],
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to fuzz (default 60)")
    parser.add_argument("--crashes", required=True, help="folder where failing inputs are saved")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds one input may take (0: no limit)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-atheris", action="store_true", help="the plain random loop even when atheris imports")
    args = parser.parse_args(argv)

    def on_alarm(signum, frame):  # noqa: ARG001
        raise Hang(f"input took more than {args.timeout} s")

    signal.signal(signal.SIGALRM, on_alarm)
    fuzzer = Fuzzer(os.path.abspath(args.crashes), args.timeout)
    targets = list(fuzzer.targets) if args.target == "all" else [args.target]
    use_atheris = atheris is not None and not args.no_atheris
    if use_atheris:
        mode = "atheris (coverage-guided)"
    elif atheris is None:
        mode = f"plain random loop: atheris is not available ({ATHERIS})"
    else:
        mode = "plain random loop (--no-atheris)"
    print(f"fuzzing {', '.join(targets)} for {args.seconds:g} s; {mode}", flush=True)
    started = time.monotonic()

    def report() -> None:
        elapsed = time.monotonic() - started
        rate = fuzzer.iterations / elapsed if elapsed else 0.0
        print(f"iterations: {fuzzer.iterations} ({rate:.0f}/s)")
        print(
            f"crashes: {fuzzer.crash_count} ({len(fuzzer.distinct)} distinct)"
            + (f", inputs saved in {fuzzer.crashes}" if fuzzer.crash_count else "")
        )
        print(f"elapsed: {elapsed:.1f} s", flush=True)
        fuzzer.close()

    if use_atheris:  # pragma: no cover - ends the process itself
        # After the plugin manager loaded every rule module: all of imslint (and lxml's Python side) is traced.
        atheris.instrument_all()
        atheris_loop(fuzzer, targets, args.seconds, args.seed, report)
    plain_loop(fuzzer, targets, args.seconds, args.seed)
    report()
    return 1 if fuzzer.crash_count else 0


if __name__ == "__main__":
    sys.exit(main())
