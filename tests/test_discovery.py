"""Discovery: excludes, .gitignore through git, symlinks, sorted display paths."""

from __future__ import annotations

import os
import subprocess

from conftest import write

from imslint.discovery import Excluder, discover


def test_excluder_name_and_path_patterns():
    ex = Excluder(["node_modules", "*.min.js", "legacy/vendor", "build/**/*.js", "./dist/"])
    assert ex("a/node_modules/x.js") and ex("x/app.min.js") and ex("legacy/vendor/lib/a.py")
    assert ex("build/out/a.js") and ex("dist/a.js")
    assert not ex("src/legacy/vendor.py") and not ex("build/readme.md") and not ex("src/app.js")
    assert Excluder(["b"])("a/b/c") and not Excluder([])("a/b/c")


def test_walk_is_sorted_prunes_excludes_and_ignores_linked_folders(tmp_path):
    write(tmp_path, "b/z.js", "")
    write(tmp_path, "a/y.js", "")
    write(tmp_path, "a/node_modules/dep.js", "")
    write(tmp_path, "c.txt", "")
    os.symlink(str(tmp_path / "a"), str(tmp_path / "a" / "loop"))  # a folder link into itself
    os.symlink(str(tmp_path / "c.txt"), str(tmp_path / "link.txt"))
    files, missing = discover(["."], ["node_modules"], str(tmp_path), respect_gitignore=False, cwd=str(tmp_path))
    assert [f.display for f in files] == ["a/y.js", "b/z.js", "c.txt", "link.txt"]
    assert missing == []


def test_gitignore_is_respected_inside_a_work_tree(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".gitignore", "generated/\n*.log\n")
    write(tmp_path, "src/a.js", "")
    write(tmp_path, "generated/b.js", "")
    write(tmp_path, "debug.log", "")
    files, _ = discover(["."], [], str(tmp_path), respect_gitignore=True, cwd=str(tmp_path))
    assert [f.display for f in files] == [".gitignore", "src/a.js"]
    files, _ = discover(["."], [], str(tmp_path), respect_gitignore=False, cwd=str(tmp_path))
    assert "generated/b.js" in [f.display for f in files]


def test_gitignore_applies_to_a_sub_folder_and_through_a_linked_path(tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write(repo, ".gitignore", "*.log\n")
    write(repo, "src/a.js", "")
    write(repo, "src/debug.log", "")
    write(repo, "src/deep/b.js", "")
    files, _ = discover(["repo/src"], [], str(tmp_path), respect_gitignore=True, cwd=str(tmp_path))
    assert [f.display for f in files] == ["repo/src/a.js", "repo/src/deep/b.js"]
    os.symlink(str(repo / "src"), str(tmp_path / "linked"))
    files, _ = discover(["linked"], [], str(tmp_path), respect_gitignore=True, cwd=str(tmp_path))
    assert [f.display for f in files] == ["linked/a.js", "linked/deep/b.js"]
    assert all(f.path.startswith(str(tmp_path / "linked") + os.sep) for f in files)


def test_without_git_every_file_is_scanned(tmp_path, monkeypatch):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path, ".gitignore", "*.log\n")
    write(tmp_path, "a.js", "")
    write(tmp_path, "debug.log", "")
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))  # no git to be found
    files, _ = discover(["."], [".git"], str(tmp_path), respect_gitignore=True, cwd=str(tmp_path))
    assert [f.display for f in files] == [".gitignore", "a.js", "debug.log"]


def test_outside_a_work_tree_every_file_is_scanned(tmp_path):
    write(tmp_path, ".gitignore", "*.log\n")
    write(tmp_path, "debug.log", "")
    files, _ = discover(["."], [], str(tmp_path), respect_gitignore=True, cwd=str(tmp_path))
    assert [f.display for f in files] == [".gitignore", "debug.log"]


def test_explicit_files_outside_cwd_and_missing_paths(tmp_path):
    outside = write(tmp_path, "out/x.js", "")
    inner = tmp_path / "in"
    inner.mkdir()
    files, missing = discover([outside, "nope"], [], str(inner), cwd=str(inner))
    assert [f.display for f in files] == [outside.replace(os.sep, "/")]
    assert files[0].explicit and missing == ["nope"]


def test_folder_that_cannot_be_listed_is_reported(tmp_path, monkeypatch):
    write(tmp_path, "ok/a.js", "")
    write(tmp_path, "locked/b.js", "")
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    unreadable = []
    files, _ = discover(["."], [], str(tmp_path), respect_gitignore=False, cwd=str(tmp_path), unreadable=unreadable)
    assert [f.display for f in files] == ["ok/a.js"]
    assert unreadable == [("locked", "cannot read folder: Permission denied")]


def test_only_imslints_own_cache_folder_is_left_out_and_it_is_listed(tmp_path):
    tag = "Signature: 8a477f597d28d172789f06886806bc55\n# a tool's cache\n"
    write(tmp_path, "src/a.js", "")
    write(tmp_path, "build-cache/CACHEDIR.TAG", tag)  # a committed tag does not hide the code beside it
    write(tmp_path, "build-cache/deep/blob.js", "")
    write(tmp_path, "notes/CACHEDIR.TAG", "not the signature\n")
    write(tmp_path, "notes/n.md", "")
    write(tmp_path, ".cache/CACHEDIR.TAG", tag)  # imslint's cache: its tag and its files only
    write(tmp_path, ".cache/.gitignore", "*\n")
    write(tmp_path, ".cache/imslint-0123456789abcdef0123.json", "{}")
    skipped = []
    files, _ = discover(["."], [], str(tmp_path), respect_gitignore=False, cwd=str(tmp_path), skipped=skipped)
    assert [f.display for f in files] == [
        "build-cache/CACHEDIR.TAG",
        "build-cache/deep/blob.js",
        "notes/CACHEDIR.TAG",
        "notes/n.md",
        "src/a.js",
    ]
    assert skipped == [(".cache", "imslint's result cache folder")]
