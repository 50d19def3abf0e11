"""The repository works as a pre-commit hook: the real `pre-commit try-repo` on a throwaway git repository."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import ROOT, write


def git(cwd, *args):
    subprocess.run(
        ["git", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        env=dict(
            os.environ,
            GIT_AUTHOR_NAME="t",
            GIT_AUTHOR_EMAIL="t@example.com",
            GIT_COMMITTER_NAME="t",
            GIT_COMMITTER_EMAIL="t@example.com",
        ),
    )


@pytest.mark.skipif(not os.path.isdir(os.path.join(ROOT, ".git")), reason="needs the project as a git checkout")
def test_pre_commit_try_repo(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo, "clean.js", "var token = getImsToken();\nreq.header['Authorization'] = 'Bearer ' + token;\n")
    write(
        repo,
        "legacy.js",
        'var cnx = new HttpSoapConnection("https://acme.campaign.adobe.com/nl/jsp/soaprouter.jsp", "utf-8", 0);\n'
        'var svc = new SoapService(cnx, "urn:xtk:session");\n'
        'var r = svc.Logon("", "api_crm", "Sup3rSecret!", <params/>);\n',
    )
    git(repo, "add", ".")
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "cache"), PIP_DISABLE_PIP_VERSION_CHECK="1")

    def try_repo(*files):
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", ROOT, "imslint", "--verbose", "--files", *files],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    bad = try_repo("legacy.js", "clean.js")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "legacy.js:3:" in bad.stdout and "IMS101" in bad.stdout
    assert "Sup3rSecret!" not in bad.stdout
    good = try_repo("clean.js")
    assert good.returncode == 0, good.stdout + good.stderr
