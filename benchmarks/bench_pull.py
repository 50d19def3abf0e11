"""Benchmark: ``imslint pull`` of 200k operators from the fake Campaign instance (tests/fake_campaign.py).

The fake server runs in its own process (generating its operators takes a few
seconds before it prints its port); each pull runs in a fresh ``imslint``
process, whose wall time and peak resident memory (``ru_maxrss`` from
``wait4``) are printed. Pulls of different sizes at the same page size show
whether memory stays flat; the last row is ``imslint operators`` on the pulled file.

    python benchmarks/bench_pull.py [--sizes 20000,200000] [--page-sizes 1000,5000]

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from typing import List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import fake_campaign as fc  # noqa: E402


def start_server(count: int) -> Tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "tests", "fake_campaign.py"), "--operators", str(count)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline() if proc.stdout else ""
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit(f"the fake server did not start: {line!r}")
    return proc, f"http://127.0.0.1:{int(line.split()[1])}"


def measure(cmd: List[str], env: dict) -> Tuple[float, float, float, int, str]:
    """(wall s, CPU s, peak RSS MiB, exit status, standard error) of ``cmd`` in a child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    err = proc.stderr.read() if proc.stderr else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, proc.returncode, err


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="20000,200000", help="operators on the fake instance (comma-separated)")
    parser.add_argument("--page-sizes", default="1000,5000", help="--page-size values (comma-separated)")
    args = parser.parse_args()
    imslint = [sys.executable, "-c", "from imslint.cli import run; run()"]
    env = dict(
        os.environ,
        IMSLINT_IMS_CLIENT_ID=fc.CLIENT_ID,
        IMSLINT_IMS_CLIENT_SECRET=fc.CLIENT_SECRET,
        IMSLINT_IMS_SCOPE=fc.SCOPE,
        NO_PROXY="127.0.0.1",
        no_proxy="127.0.0.1",
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-pull-") as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            server, url = start_server(size)
            try:
                for page in [int(p) for p in args.page_sizes.split(",")]:
                    out = os.path.join(tmp, f"ops-{size}-{page}.xml")
                    wall, cpu, rss, code, err = measure(
                        imslint + ["pull", "--instance", url, "--ims-url", url, "--out", out, "--page-size", str(page)],
                        env,
                    )
                    pulled = err.strip().splitlines()[-1] if err.strip() else ""
                    mib = os.path.getsize(out) / 2**20 if os.path.exists(out) else 0.0
                    rows.append(
                        (f"pull {size:,} (+{len(fc.GROUPS) + 2} built-in)", page, wall, cpu, rss, mib, code, pulled)
                    )
                wall, cpu, rss, code, err = measure(
                    imslint + ["operators", "--no-config", "-f", "json", "-o", out + ".json", out], env
                )
                rows.append(
                    (f"operators on the {size:,} file", "-", wall, cpu, rss, os.path.getsize(out) / 2**20, code, "")
                )  # exit 1: findings
            finally:
                if server.stdin:
                    server.stdin.close()
                server.wait(30)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); fake server in another process on loopback\n")
    print("wall s: the whole pull, the fake server's time included; CPU s: the imslint process alone\n")
    print(f"| {'run':<34} | page | wall s | CPU s | peak RSS MiB | file MiB | exit |")
    print(f"|{'-' * 36}|------|--------|-------|--------------|----------|------|")
    for name, page, wall, cpu, rss, mib, code, _msg in rows:
        print(f"| {name:<34} | {page!s:>4} | {wall:6.2f} | {cpu:5.2f} | {rss:12.1f} | {mib:8.1f} | {code:>4} |")
    for name, _page, _w, _cpu, _r, _m, _c, msg in rows:
        if msg:
            print(f"{name}: {msg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
