#!/usr/bin/env python3
"""Run imslint over snapshots of public repositories with Adobe Campaign code.

Each snapshot is a plain folder under ROOT (default ``/tmp/rw``), one per
repository (and per old tag for acc-js-sdk), named as in ``SNAPSHOTS`` below.
The script runs the venv's ``imslint check --format json --no-config --no-cache``
once per present snapshot and prints a table of findings per rule and
repository, the time of each run and the total time. Snapshots that are absent
are skipped and named. Findings are not judged here: precision and recall are
judged by hand (see issue 10); this script makes the review repeatable.

    python benchmarks/realworld.py [ROOT] [--list] [--extract] [--imslint PATH]

``--list``     also prints every finding as ``path:line RULE message``.
``--extract``  first writes the snapshots from the bare git directories that the
               mirror tool leaves under ``/work/.mirror/OWNER+NAME/`` (``--mirror``),
               for the repositories that are there and not yet extracted (blobs
               missing from a partial mirror are skipped). Nothing is downloaded.

Only the standard library is used; imslint runs as a subprocess.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import time
from pathlib import Path

VENV_IMSLINT = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "imslint"

# folder under ROOT -> (GitHub owner/name, git revision to extract)
SNAPSHOTS = {
    "acc-js-sdk": ("adobe/acc-js-sdk", "HEAD"),
    "acc-js-sdk@v1.0.9": ("adobe/acc-js-sdk", "v1.0.9"),
    "acc-js-sdk@v0.1.24": ("adobe/acc-js-sdk", "v0.1.24"),  # 0.x API: sdk.init(url, user, pw)
    "Adobe-Campaign-Tools": ("cedricrey/Adobe-Campaign-Tools", "HEAD"),
    "soap_java_adobecampaign": ("Othboury/soap_java_adobecampaign", "HEAD"),
    "AdobeCampaignClientBundle": ("lafourchette/AdobeCampaignClientBundle", "HEAD"),
    "campaign-sync": ("cumpstey/campaign-sync", "HEAD"),
    "adobe-campaign-sync": ("floriancourgey/adobe-campaign-sync", "HEAD"),
    "adobe-campaign": ("CruGlobal/adobe-campaign", "HEAD"),
    "esb-connector-adobecampaignclassic": ("wso2-extensions/esb-connector-adobecampaignclassic", "HEAD"),
    "campaign-classic.en": ("AdobeDocs/campaign-classic.en", "HEAD"),
    "campaign.en": ("AdobeDocs/campaign.en", "HEAD"),
    "API-playground-Adobe-Campaign": ("adobeio/API-playground-Adobe-Campaign", "HEAD"),
    "adobe-campaign-shell": ("floriancourgey/adobe-campaign-shell", "HEAD"),
    "unofficialacc": ("floriancourgey/unofficialacc", "HEAD"),
    "blog": ("floriancgit/blog", "HEAD"),
}


def git_dir(mirror: Path, repo: str) -> Path | None:
    """The bare git directory the mirror tool left for ``owner/name``, if any."""
    base = mirror / repo.replace("/", "+")
    for cand in (base / "repo", base / "repo" / ".git", base):
        if (cand / "HEAD").is_file() and (cand / "objects").is_dir():
            return cand
    return None


def extract(gdir: Path, rev: str, dest: Path) -> tuple[int, int]:
    """Write the files of ``rev`` into ``dest``; returns (written, missing blobs)."""
    listing = subprocess.run(
        ["git", "--git-dir", str(gdir), "ls-tree", "-r", "-z", rev], capture_output=True, check=True
    ).stdout
    entries = []  # (sha, path) of regular files; symlinks and submodules are left out
    for rec in listing.split(b"\0"):
        if rec:
            meta, path = rec.split(b"\t", 1)
            mode, kind, sha = meta.split()
            if kind == b"blob" and mode in (b"100644", b"100755"):
                entries.append((sha, path.decode("utf-8", "surrogateescape")))
    written = missing = 0
    with subprocess.Popen(
        ["git", "--git-dir", str(gdir), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    ) as proc:
        for sha, path in entries:
            proc.stdin.write(sha + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline().split()
            if header[-1] == b"missing":
                missing += 1
                continue
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)  # the newline after each object
            target = dest / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written += 1
        proc.stdin.close()
    return written, missing


def run_imslint(imslint: Path, root: Path, name: str) -> tuple[list[dict], list, float]:
    start = time.perf_counter()
    proc = subprocess.run(
        [str(imslint), "check", "--format", "json", "--no-config", "--no-cache", "--fail-on", "never", name],
        cwd=root,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        sys.exit(f"imslint failed on {name} (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    return report["findings"], report.get("errors", []), elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", nargs="?", default="/tmp/rw", type=Path, help="folder of snapshots")
    ap.add_argument("--list", action="store_true", help="print every finding")
    ap.add_argument("--extract", action="store_true", help="extract absent snapshots from the mirror")
    ap.add_argument("--mirror", default="/work/.mirror", type=Path)
    ap.add_argument("--imslint", default=VENV_IMSLINT, type=Path)
    args = ap.parse_args()
    args.root.mkdir(parents=True, exist_ok=True)

    if args.extract:
        for name, (repo, rev) in SNAPSHOTS.items():
            dest = args.root / name
            gdir = git_dir(args.mirror, repo)
            if dest.exists() or gdir is None:
                continue
            written, missing = extract(gdir, rev, dest)
            print(
                f"extracted {name} ({repo} {rev}): {written} files"
                + (f", {missing} blobs missing from the mirror" if missing else "")
            )

    present = [n for n in SNAPSHOTS if (args.root / n).is_dir()]
    absent = [n for n in SNAPSHOTS if n not in present]
    if absent:
        print(f"skipped (no snapshot under {args.root}): {', '.join(absent)}")
    if not present:
        sys.exit("no snapshot present; try --extract")

    counts: dict[str, collections.Counter] = {}
    all_findings, total = [], 0.0
    for name in present:
        findings, errors, elapsed = run_imslint(args.imslint, args.root, name)
        total += elapsed
        counts[name] = collections.Counter(f["rule_id"] for f in findings)
        counts[name]["_time"] = elapsed
        all_findings += findings
        for err in errors:
            print(f"imslint error in {name}: {err}", file=sys.stderr)

    rules = sorted({r for c in counts.values() for r in c if r != "_time"})
    width = max(len(n) for n in present)
    print(f"\n{'repository':<{width}} " + " ".join(f"{r:>6}" for r in rules) + "  total   time s")
    for name in present:
        c = counts[name]
        n = sum(v for k, v in c.items() if k != "_time")
        print(f"{name:<{width}} " + " ".join(f"{c[r] or '.':>6}" for r in rules) + f" {n:>6} {c['_time']:>8.2f}")
    per_rule = collections.Counter(f["rule_id"] for f in all_findings)
    print(
        f"{'all':<{width}} " + " ".join(f"{per_rule[r]:>6}" for r in rules) + f" {len(all_findings):>6} {total:>8.2f}"
    )
    print(f"\n{len(all_findings)} findings in {len(present)} snapshots, imslint time {total:.1f} s")

    if args.list:
        print()
        for f in sorted(all_findings, key=lambda f: (f["location"]["path"], f["location"]["line"] or 0)):
            loc = f["location"]
            print(f"{loc['path']}:{loc['line']} {f['rule_id']} {f['message']}")


if __name__ == "__main__":
    main()
