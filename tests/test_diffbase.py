"""``--diff-base REF``: only findings on lines changed since the merge base, on real git repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from conftest import write

from imslint.cli import main
from imslint.diffbase import DiffBaseError, changed_lines, parse_diff

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def zone(name, line_break=""):
    return f'  <securityZone name="{name}" label="{name}" allowUserPassword="true"/>\n{line_break}'


def conf(*names):
    return "<serverConf>\n" + "".join(zone(n) for n in names) + "</serverConf>\n"


def git(repo, *args):
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    proc = subprocess.run(["git", *args], cwd=str(repo), env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture
def repo(tmp_path):
    """main: two files holding three findings (three security zones accepting login/password)."""
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "config", "commit.gpgsign", "false")
    write(tmp_path, "conf/serverConf.xml", conf("public", "partners"))
    write(tmp_path, "conf/old-name.xml", conf("vpn"))
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "three findings")
    return tmp_path


def runner():
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()  # click 8.2+: stderr is always apart


def check(repo, *args):
    cwd = os.getcwd()
    os.chdir(str(repo))
    try:
        result = runner().invoke(main, ["check", "--no-config", "--format", "json", *args])
    finally:
        os.chdir(cwd)
    doc = json.loads(result.stdout) if result.stdout.strip().startswith("{") else None
    return result, doc


def lines_of(doc):
    return sorted((f["location"]["path"], f["location"]["line"]) for f in doc["findings"])


def test_branch_with_three_old_findings_and_one_new_fails_on_the_new_one_only(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    # the file with one finding is renamed (content unchanged), the other gains a zone
    git(repo, "mv", "conf/old-name.xml", "conf/new-name.xml")
    write(repo, "conf/serverConf.xml", conf("public", "partners", "extranet"))
    git(repo, "commit", "-q", "-am", "a new zone")

    full, doc = check(repo, ".")
    assert full.exit_code == 1 and len(doc["findings"]) == 4

    result, doc = check(repo, "--diff-base", "main", ".")
    assert result.exit_code == 1, result.stderr
    assert lines_of(doc) == [("conf/serverConf.xml", 4)]
    assert "extranet" in doc["findings"][0]["message"]
    assert "3 finding(s) on lines not changed" in result.stderr


def test_rename_only_and_merge_base_not_tip_of_main(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "mv", "conf/serverConf.xml", "conf/server-renamed.xml")
    git(repo, "commit", "-q", "-m", "move only")
    # main moves on after the branch point: a zone on main is not the branch's change
    git(repo, "checkout", "-q", "main")
    write(repo, "conf/old-name.xml", conf("vpn", "dmz"))
    git(repo, "commit", "-q", "-am", "main adds a zone")
    git(repo, "checkout", "-q", "feature")

    result, doc = check(repo, "--diff-base", "main", ".")
    assert result.exit_code == 0, (result.stderr, doc)
    assert doc["findings"] == []

    # against the tip of main without a merge base, the branch would look as if it removed "dmz": the
    # merge base keeps the comparison to the branch's own changes, and a real change is still caught
    write(repo, "conf/server-renamed.xml", conf("public", "partners").replace('partners"', 'partners2"'))
    git(repo, "commit", "-q", "-am", "rename a zone")
    result, doc = check(repo, "--diff-base", "main", ".")
    assert result.exit_code == 1
    assert lines_of(doc) == [("conf/server-renamed.xml", 3)]


def test_uncommitted_and_untracked_files_count_as_changed(repo):
    write(repo, "conf/serverConf.xml", conf("public", "partners", "lab"))
    write(repo, "new/serverConf.xml", conf("guest"))  # not added to git at all
    result, doc = check(repo, "--diff-base", "HEAD", ".")
    assert result.exit_code == 1
    assert lines_of(doc) == [("conf/serverConf.xml", 4), ("new/serverConf.xml", 2)]


def test_scanning_a_subfolder_maps_paths_to_the_repository(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, "conf/serverConf.xml", conf("extranet", "public", "partners"))
    git(repo, "commit", "-q", "-am", "zone first")
    result, doc = check(repo / "conf", "--diff-base", "main", ".")
    assert result.exit_code == 1
    assert lines_of(doc) == [("serverConf.xml", 2)]


@pytest.mark.parametrize("ref", ["no-such-branch", "--output=/tmp/x", "main..HEAD\n"])
def test_unknown_or_hostile_ref_is_an_error_not_a_pass(repo, ref):
    result, doc = check(repo, "--diff-base", ref, ".")
    assert result.exit_code == 2
    assert "--diff-base" in result.stderr
    assert doc is None


def test_outside_a_git_repository_is_an_error(tmp_path):
    write(tmp_path, "serverConf.xml", conf("public"))
    env_ceiling = os.environ.get("GIT_CEILING_DIRECTORIES")
    os.environ["GIT_CEILING_DIRECTORIES"] = str(tmp_path.parent)
    try:
        result, _ = check(tmp_path, "--diff-base", "main", ".")
    finally:
        if env_ceiling is None:
            del os.environ["GIT_CEILING_DIRECTORIES"]
        else:
            os.environ["GIT_CEILING_DIRECTORIES"] = env_ceiling
    assert result.exit_code == 2
    assert "git rev-parse failed" in result.stderr


def test_unrelated_histories_have_no_merge_base(repo):
    git(repo, "checkout", "-q", "--orphan", "other")
    git(repo, "commit", "-q", "-m", "orphan")
    git(repo, "checkout", "-q", "main")
    result, _ = check(repo, "--diff-base", "other", ".")
    assert result.exit_code == 2
    assert "merge-base failed" in result.stderr or "no merge base" in result.stderr


def test_diff_base_and_write_baseline_conflict(repo):
    result, _ = check(repo, "--diff-base", "main", "--write-baseline", "b.json", ".")
    assert result.exit_code == 2
    assert not (repo / "b.json").exists()


def test_parse_diff_renames_quoted_names_binary_and_deletions():
    text = "\n".join(
        [
            "diff --git a/old.js b/new.js",
            "similarity index 90%",
            "rename from old.js",
            "rename to new.js",
            "--- a/old.js",
            "+++ b/new.js",
            "@@ -3 +3,2 @@",
            "-x",
            "+y",
            "+z",
            'diff --git "a/caf\\303\\251 \\"q\\".js" "b/caf\\303\\251 \\"q\\".js"',
            '--- "a/caf\\303\\251 \\"q\\".js"',
            '+++ "b/caf\\303\\251 \\"q\\".js"',
            "@@ -10,2 +9,0 @@",
            "@@ -20 +19 @@",
            "diff --git a/gone.js b/gone.js",
            "deleted file mode 100644",
            "--- a/gone.js",
            "+++ /dev/null",
            "@@ -1 +0,0 @@",
            "diff --git a/logo.png b/logo.png",
            "Binary files a/logo.png and b/logo.png differ",
            "diff --git a/moved.js b/moved2.js",
            "similarity index 100%",
            "rename from moved.js",
            "rename to moved2.js",
        ]
    )
    changed = parse_diff(text)
    assert changed == {"new.js": {3, 4}, 'café "q".js': {19}, "logo.png": None, "moved2.js": set()}


def test_changed_lines_rejects_option_like_refs(repo):
    with pytest.raises(DiffBaseError):
        changed_lines("--all", str(repo))


def test_rules_still_see_unchanged_files_and_the_whole_repository(tmp_path):
    """The new operator is technical because unchanged code logs on with it: that cross-file finding is reported."""
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path, "ops.csv", "login,label,email,authentication type\njdoe,John Doe,john@acme.com,native\n")
    write(
        tmp_path,
        "sync.js",
        (
            "// xtk:session soaprouter.jsp\n"
            'var sessionService = new SoapService(cnx, "urn:xtk:session");\n'
            'var r = sessionService.Logon("", "batchjob", decryptString(getOption("batchPwd")), <parameters/>);\n'
        ),
    )
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "an export and the code")
    git(tmp_path, "checkout", "-q", "-b", "feature")
    write(
        tmp_path,
        "ops.csv",
        "login,label,email,authentication type\njdoe,John Doe,john@acme.com,native\n"
        "batchjob,Batch job,batch@acme.com,native\n",
    )
    git(tmp_path, "commit", "-q", "-am", "a new operator")
    result, doc = check(tmp_path, "--diff-base", "main", ".")
    assert result.exit_code == 1
    (finding,) = doc["findings"]
    assert (finding["rule_id"], finding["location"]["path"], finding["location"]["line"]) == ("IMS005", "ops.csv", 3)
    assert "the scanned code logs on with it" in finding["message"]
    assert finding["related"][0]["location"]["path"] == "sync.js"
