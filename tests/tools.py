"""External programs some tests drive (headless Chromium, LibreOffice): found, or installed once with apt.

When the program is absent, the process runs as root, ``apt-get`` exists and
``IMSLINT_NO_APT`` is unset, the Debian packages are installed once per machine
(``apt-get install -y -q``, ``apt-get update`` first when the package lists are
stale), under a file lock so that parallel test processes do not race, with the
output in a log file under the temporary folder. Otherwise the caller skips with the reason.
How long the installation took is written to the log (and shown in the skip or
in ``pytest -rA`` output through the fixture's report line).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from typing import Optional, Sequence, Tuple


def _log_path(name: str) -> str:
    return os.path.join(tempfile.gettempdir(), f"imslint-apt-{name}.log")


def find(binaries: Sequence[str]) -> Optional[str]:
    """The first of ``binaries`` (absolute paths or names on PATH) that exists."""
    for b in binaries:
        if os.path.isabs(b):
            if os.access(b, os.X_OK):
                return b
        else:
            found = shutil.which(b)
            if found:
                return found
    return None


def ensure(name: str, binaries: Sequence[str], packages: Sequence[Sequence[str]]) -> Tuple[Optional[str], str]:
    """(path of the program, "") when found or installed; (None, why not) otherwise.

    ``packages`` are alternatives, tried in order (each a list of Debian packages).
    """
    found = find(binaries)
    if found:
        return found, ""
    if os.environ.get("IMSLINT_NO_APT"):
        return None, f"{name} is not installed and IMSLINT_NO_APT is set"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return (
            None,
            f"{name} is not installed (install it, e.g. apt-get install {' '.join(packages[0])}; not root here)",
        )
    apt = shutil.which("apt-get")
    if not apt:
        return None, f"{name} is not installed and there is no apt-get to install it"
    log = _log_path(name)
    import fcntl

    with open(os.path.join(tempfile.gettempdir(), "imslint-apt.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test process may be installing (dpkg allows one at a time)
        found = find(binaries)
        if found:
            return found, ""
        start = time.monotonic()
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        with open(log, "a", encoding="utf-8") as out:
            ok = False
            for attempt in range(2):
                if attempt:
                    subprocess.run([apt, "update", "-q"], stdout=out, stderr=subprocess.STDOUT, env=env, check=False)
                for pkgs in packages:
                    cmd = [apt, "install", "-y", "-q", "--no-install-recommends", *pkgs]
                    out.write(f"$ {' '.join(cmd)}\n")
                    out.flush()
                    if subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, check=False).returncode == 0:
                        ok = True
                        break
                if ok:
                    break
            out.write(f"{name}: install {'succeeded' if ok else 'failed'} in {time.monotonic() - start:.0f} s\n")
        found = find(binaries)
        if found:
            return found, ""
        return None, f"{name} could not be installed with apt-get (see {log})"
