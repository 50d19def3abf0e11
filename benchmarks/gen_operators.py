"""Generate a synthetic Campaign package export of N operators (benchmark input, fixed seed).

Mix ``realistic`` (the default): most operators are compliant IMS accounts; about 2%
are native people (some without email, a few sharing one), 0.3% technical operators,
0.5% disabled, plus a handful of groups (about 3% of the operators get a finding).
Mix ``few``: the same shapes at a twentieth of those rates, so 99.9% of the operators
are IMS accounts with unique emails (about 0.15% get a finding). The file is written
as a stream, so N can be in the millions without holding the document in memory.

    python benchmarks/gen_operators.py --count 200000 --out benchmarks/data/ops-200k.xml
    python benchmarks/gen_operators.py --count 200000 --mix few --out benchmarks/data/ops-few-200k.xml
    python benchmarks/gen_operators.py --count 1000000 --out benchmarks/data/ops-1000k.csv   (console CSV)
"""

from __future__ import annotations

import argparse
import random
import sys
from xml.sax.saxutils import quoteattr

FIRST = ["alice", "bob", "carol", "dan", "eve", "fatima", "gus", "hélène", "ivan", "jun", "kim", "lea", "mo", "nina"]
LAST = ["smith", "martin", "durand", "lopez", "chen", "okafor", "novak", "garcia", "müller", "rossi", "kowalski"]
GROUPS = ["admin", "delivery", "content", "report", "workflow", "operation", "campaignManager"]


# Cumulative shares of native people, technical and disabled operators (the rest is on IMS).
MIXES = {"realistic": (0.02, 0.023, 0.028), "few": (0.001, 0.00115, 0.0014)}


def people(count: int, seed: int, mix: str = "realistic"):
    """Yield (login, label, email, authentication type, disabled, no console, groups) per operator."""
    rng = random.Random(seed)
    native, technical, disabled = MIXES[mix]
    for i in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        label = f"{first.title()} {last.title()} {i}"
        roll = rng.random()
        groups = rng.sample(GROUPS[1:], rng.randint(0, 2))
        if roll < native:  # native person
            email = "" if rng.random() < 0.1 else f"{first}.{last}.{i}@acme.com"
            if rng.random() < 0.05:
                email = "shared.mailbox@acme.com"
            yield f"{first[0]}{last}{i}", label, email, "native", False, False, groups
        elif roll < technical:  # technical
            yield f"api_sync{i}", f"Integration {i}", "", "native", False, True, []
        elif roll < disabled:  # disabled native
            yield f"old{i}", label, "", "native", True, False, []
        else:  # IMS, the vast majority
            email = f"{first}.{last}.{i}@acme.com"
            yield email, label, email, "ims", False, False, groups


def operators(count: int, seed: int, mix: str = "realistic"):
    """Yield one ``<operator>`` element (as text, with its trailing newline) per operator."""
    for login, label, email, auth, disabled, no_console, groups in people(count, seed, mix):
        members = "".join(f'\n      <group _operation="none" name="{g}" type="1"/>' for g in groups)
        links = f"\n    <operatorGroup>{members}\n    </operatorGroup>" if groups else ""
        attrs = (' disable="1"' if disabled else "") + (
            f" email={quoteattr(email)}" if email or auth == "ims" or not (disabled or no_console) else ""
        )
        access = ' noConsoleCnx="true"' if no_console else ""
        yield (
            f'    <operator{attrs} label={quoteattr(label)} name={quoteattr(login)} type="0">\n'
            f'    <access authenticationType="{auth}"{access}/>{links}\n    </operator>\n'
        )


def generate_csv(count: int, out: str, seed: int = 42, mix: str = "realistic") -> None:
    """Write the same operators as a console CSV export (``;``-separated, labels as the console shows them)."""
    import csv

    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(
            ["Name", "Label", "Email", "Account disabled", "Authentication type", "Forbid access from the rich client"]
        )
        for login, label, email, auth, disabled, no_console, _ in people(count, seed, mix):
            writer.writerow(
                [
                    login,
                    label,
                    email,
                    "Yes" if disabled else "No",
                    "IMS" if auth == "ims" else "Native",
                    "Yes" if no_console else "No",
                ]
            )


def generate(count: int, out: str, seed: int = 42, mix: str = "realistic") -> None:
    """Write the export to ``out``."""
    with open(out, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("\ufeff<?xml version='1.0'?>\n")
        fh.write(
            '<package author="Administrator (admin)" buildDate="2025-02-03 09:30:00.000Z" buildNumber="9383" '
            'buildVersion="7.4" label="Benchmark operators" name="benchOperators" namespace="cus" vendor="">\n'
        )
        fh.write('  <entities schema="xtk:operator">\n')
        for name in GROUPS:
            fh.write(f'    <operator label="{name.title()} group" name="{name}" type="1"/>\n')
        buf = []
        for n, text in enumerate(operators(count, seed, mix), 1):
            buf.append(text)
            if n % 4096 == 0:
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))
        fh.write("  </entities>\n</package>\n")


def main(argv=None) -> int:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, required=True, help="number of operators")
    ap.add_argument("--out", required=True, help="file to write")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--mix", choices=sorted(MIXES), default="realistic", help="share of operators with findings")
    args = ap.parse_args(argv)
    (generate_csv if args.out.endswith(".csv") else generate)(args.count, args.out, args.seed, args.mix)
    return 0


if __name__ == "__main__":
    sys.exit(main())
