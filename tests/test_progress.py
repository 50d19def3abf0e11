"""Progress on a terminal only: a real pseudo-terminal sees it; a pipe, CI, --quiet and --no-progress do not."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from conftest import ROOT, write

from imslint.progress import Progress, wanted


def _tree(base, n=30):
    for i in range(n):
        write(
            base,
            f"src/f{i}.js",
            f'var s = xtk.session.Logon("api_crm", "Pw-{i}-x9!", <params/>);\n' if i % 3 == 0 else "var a = 1;\n",
        )
    return str(base / "src")


def _run_on_a_terminal(args, cwd, env):
    """Run imslint with standard error on a pseudo-terminal; return (exit code, what the terminal showed)."""
    import pty

    main, sub = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "imslint.cli", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=sub
        )
        os.close(sub)
        chunks = []
        while True:
            try:
                data = os.read(main, 65536)
            except OSError:  # the other end closed
                break
            if not data:
                break
            chunks.append(data)
        proc.stdout.read()
        code = proc.wait(timeout=120)
    finally:
        os.close(main)
    return code, b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pseudo-terminals on this system")
def test_a_terminal_sees_progress_and_a_pipe_or_ci_does_not(tmp_path):
    src = _tree(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "IMSLINT_NO_PROGRESS")}
    env["PYTHONPATH"] = ROOT
    code, shown = _run_on_a_terminal(["check", "--no-config", "-f", "json", src], str(tmp_path), env)
    assert code == 1
    assert "30/30 files (100 %)" in shown and "files/s" in shown
    assert shown.rstrip().endswith("\x1b[2K") or "\r\x1b[2K" in shown  # the line is cleared at the end
    for extra, env2 in ((["--no-progress"], env), (["--quiet"], env), ([], dict(env, CI="true"))):
        code, shown = _run_on_a_terminal(["check", "--no-config", "-f", "json", *extra, src], str(tmp_path), env2)
        assert code == 1 and "files/s" not in shown, extra
    piped = subprocess.run(
        [sys.executable, "-m", "imslint.cli", "check", "--no-config", src],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
    )
    assert piped.returncode == 1 and "files/s" not in piped.stderr + piped.stdout


def test_the_status_line_counts_rate_and_time_left():
    now = [0.0]
    out = io.StringIO()
    p = Progress(out, clock=lambda: now[0])
    p.start(1000)
    now[0] = 2.0
    p.advance(400)
    assert p.line(2.0) == "imslint: 400/1,000 files (40 %), 200 files/s, about 3 s left"
    now[0] = 5.0
    p.advance(600)
    assert "1,000/1,000 files (100 %)" in out.getvalue() and "left" not in p.line(5.0)
    p.close()
    assert out.getvalue().endswith("\r\x1b[2K")


def test_progress_is_wanted_only_on_a_terminal_outside_ci():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert wanted(False, False, Tty(), {})
    assert not wanted(False, False, io.StringIO(), {})
    assert not wanted(True, False, Tty(), {})
    assert not wanted(False, True, Tty(), {})
    assert not wanted(False, False, Tty(), {"CI": "1"})
