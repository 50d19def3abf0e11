"""The GitHub Action (action.yml): its metadata against the documented schema, and its shell steps run here.

No GitHub is needed: the steps that use other actions (setup-python, upload-sarif) are
recorded, not run; every ``run`` step runs under ``bash --noprofile --norc -eo pipefail``
as on a runner, with the variables a runner sets (GITHUB_STEP_SUMMARY, GITHUB_OUTPUT,
GITHUB_ACTION_PATH, GITHUB_WORKSPACE, RUNNER_TEMP...). The inputs are those the
repository's own workflow gives the action.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml
from conftest import HERE, ROOT

ACTION = os.path.join(ROOT, "action.yml")
WORKFLOW = os.path.join(ROOT, ".github", "workflows", "imslint.yml")
SCHEMA = os.path.join(HERE, "data", "github-action.schema.json")
EXPR_RE = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
BIN = os.path.dirname(sys.executable)  # the environment imslint is installed in

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is needed to run the action's steps")


def load(path):
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_action_matches_the_action_metadata_schema():
    import jsonschema

    with open(SCHEMA, encoding="utf-8") as fh:
        schema = json.load(fh)
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(str(e.message) for e in jsonschema.Draft7Validator(schema).iter_errors(load(ACTION)))
    assert errors == []


def test_the_schema_catches_what_github_refuses():
    import jsonschema

    with open(SCHEMA, encoding="utf-8") as fh:
        validator = jsonschema.Draft7Validator(json.load(fh))
    action = load(ACTION)
    bad = json.loads(json.dumps(action))
    del bad["runs"]["steps"][1]["shell"]  # a composite run step needs its shell
    bad["inputs"]["paths"]["default"] = 1
    bad["inputs"]["format"].pop("description")
    assert len(list(validator.iter_errors(bad))) >= 3


def test_inputs_reach_scripts_through_the_environment_only():
    action = load(ACTION)
    declared = set(action["inputs"])
    used = set()
    for step in action["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), (
            f"step {step.get('name')}: an expression inside a script is an injection"
        )
        for value in (
            [step.get("if", ""), step.get("working-directory", "")]
            + list((step.get("env") or {}).values())
            + list((step.get("with") or {}).values())
        ):
            used |= set(re.findall(r"inputs\.([\w-]+)", str(value)))
    for output in action["outputs"].values():
        used |= set(re.findall(r"inputs\.([\w-]+)", output["value"]))
    assert used <= declared, used - declared
    assert declared - used == set(), f"inputs never used: {declared - used}"
    workflow = load(WORKFLOW)
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            assert "${{" not in step.get("run", "")


# --------------------------------------------------------------------------- a local runner for the composite steps


class Runner:
    """Runs the action's steps the way a GitHub runner does, for the expressions this action uses."""

    def __init__(self, tmp_path, workspace, inputs):
        self.action = load(ACTION)
        self.inputs = {k: v.get("default", "") for k, v in self.action["inputs"].items()}
        self.inputs.update({k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in inputs.items()})
        self.tmp = tmp_path
        self.workspace = workspace
        self.steps = {}
        self.used = []  # (action, with) of the steps that use another action
        self.summary = tmp_path / "step_summary.md"
        self.summary.write_text("", encoding="utf-8")
        self.shim = tmp_path / "shim"
        self.shim.mkdir()
        # the install step (`python -m pip install "$GITHUB_ACTION_PATH"`) is recorded: imslint is installed here
        (self.shim / "python").write_text('#!/bin/sh\necho "$@" >> "$SHIM_LOG"\n', encoding="utf-8")
        os.chmod(str(self.shim / "python"), 0o755)
        self.shim_log = tmp_path / "shim.log"
        self.outputs = {}

    def value(self, path):
        parts = path.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.inputs[parts[1]]
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        raise AssertionError(f"expression not understood by the test runner: {path}")

    def expand(self, text):
        return EXPR_RE.sub(lambda m: self.value(m.group(1)), str(text))

    def condition(self, expr):
        if expr in (None, ""):
            return True
        m = re.fullmatch(r"\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*", str(expr))
        assert m, f"condition not understood by the test runner: {expr}"
        equal = self.value(m.group(1)) == m.group(3)
        return equal if m.group(2) == "==" else not equal

    def run(self):
        status = 0
        for step in self.action["runs"]["steps"]:
            if not self.condition(step.get("if")):
                continue
            if "uses" in step:
                self.used.append((step["uses"], {k: self.expand(v) for k, v in (step.get("with") or {}).items()}))
                continue
            output = self.tmp / f"output-{len(self.steps)}"
            output.write_text("", encoding="utf-8")
            script = self.tmp / "step.sh"
            script.write_text(step["run"], encoding="utf-8")
            env = {
                "PATH": os.pathsep.join([str(self.shim), BIN, "/usr/bin", "/bin"]),
                "HOME": str(self.tmp),
                "LANG": "C.UTF-8",
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTION_PATH": ROOT,
                "GITHUB_WORKSPACE": str(self.workspace),
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "GITHUB_OUTPUT": str(output),
                "GITHUB_SERVER_URL": "https://github.com",
                "GITHUB_REPOSITORY": "imslint/imslint",
                "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
                "RUNNER_TEMP": str(self.tmp / "runner-temp"),
                "SHIM_LOG": str(self.shim_log),
                "IMSLINT_NO_QUICK_EXIT": "1",
            }
            env.update({k: self.expand(v) for k, v in (step.get("env") or {}).items()})
            os.makedirs(env["RUNNER_TEMP"], exist_ok=True)
            cwd = os.path.join(str(self.workspace), self.expand(step.get("working-directory", ".")))
            proc = subprocess.run(
                [shutil.which("bash"), "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
            )
            outs = dict(line.split("=", 1) for line in output.read_text(encoding="utf-8").splitlines() if "=" in line)
            if step.get("id"):
                self.steps[step["id"]] = outs
            self.outputs[step.get("id") or step["name"]] = proc
            if proc.returncode != 0:
                status = proc.returncode
                break
        return status

    def action_outputs(self):
        return {k: self.expand(v["value"]) for k, v in self.action["outputs"].items()}


def workflow_inputs():
    """The inputs the repository's workflow gives the action in its fixtures job."""
    (step,) = [s for s in load(WORKFLOW)["jobs"]["fixtures"]["steps"] if s.get("uses") == "./"]
    return dict(step["with"])


@pytest.fixture
def workspace(tmp_path):
    ws = tmp_path / "workspace"
    shutil.copytree(os.path.join(ROOT, "fixtures"), str(ws / "fixtures"))
    return ws


def test_the_workflow_uses_the_action_on_the_fixtures_and_expects_the_gate_to_fail():
    workflow = load(WORKFLOW)
    inputs = workflow_inputs()
    assert inputs["paths"] == "fixtures"
    checks = [
        s for s in workflow["jobs"]["fixtures"]["steps"] if s.get("if") == "steps.imslint.outputs.exit-code != '1'"
    ]
    assert checks, "the workflow must fail when the action does not exit 1 on the fixtures"


def test_the_workflow_run_fails_on_the_fixtures_with_annotations_and_a_job_summary(tmp_path, workspace):
    runner = Runner(tmp_path, workspace, workflow_inputs())
    status = runner.run()
    assert status == 1, {k: (p.stdout[-2000:], p.stderr[-2000:]) for k, p in runner.outputs.items()}
    assert runner.action_outputs()["exit-code"] == "1"
    assert [u for u, _ in runner.used] == ["actions/setup-python@v5"]  # no SARIF upload unless asked
    assert runner.shim_log.read_text(encoding="utf-8").split() == [
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--quiet",
        ROOT,
    ]
    gate = runner.outputs["gate"]
    levels = [line.split(" ", 1)[0] for line in gate.stdout.splitlines()]
    assert levels and levels == sorted(levels, key=["::error", "::warning", "::notice"].index)  # errors first
    summary = runner.summary.read_text(encoding="utf-8")
    assert summary.startswith("## imslint: 65 findings (40 errors, 17 warnings, 8 notes)")
    assert "https://github.com/imslint/imslint/blob/0123456789abcdef0123456789abcdef01234567/fixtures/" in summary
    assert "are not shown as annotations" in summary


def test_the_action_writes_and_hands_over_the_sarif_log_when_asked(tmp_path, workspace):
    runner = Runner(tmp_path, workspace, dict(workflow_inputs(), **{"upload-sarif": True}))
    assert runner.run() == 1
    (upload,) = [w for u, w in runner.used if u.startswith("github/codeql-action/upload-sarif@")]
    assert upload == {"sarif_file": "imslint.sarif", "category": "imslint/fixtures/"}
    log = json.loads((workspace / "imslint.sarif").read_text(encoding="utf-8"))
    assert log["runs"][0]["automationDetails"] == {"id": "imslint/fixtures/"}
    assert runner.action_outputs()["sarif-file"] == "imslint.sarif"
    # the gate ran after the upload and did not take the SARIF log for code to check
    assert "imslint.sarif" not in runner.outputs["gate"].stdout


def test_inputs_are_data_not_shell_code(tmp_path, workspace):
    runner = Runner(
        tmp_path,
        workspace,
        {"paths": "fixtures/repo/config $(touch pwned1) `touch pwned2`; touch pwned3", "format": "json"},
    )
    status = runner.run()
    assert status == 2  # the odd "paths" do not exist: an error, never a pass
    assert not any((workspace / f"pwned{i}").exists() for i in (1, 2, 3))
    assert not any((tmp_path / f"pwned{i}").exists() for i in (1, 2, 3))


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_diff_base_input_gates_on_changed_lines_only(tmp_path, workspace):
    def git(*args):
        subprocess.run(
            ["git", *args],
            cwd=str(workspace),
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

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "fixtures")
    git("checkout", "-q", "-b", "feature")
    (workspace / "fixtures" / "notes.md").write_text("nothing to see\n", encoding="utf-8")
    git("add", "-A")
    git("commit", "-q", "-m", "a note")
    runner = Runner(tmp_path, workspace, dict(workflow_inputs(), **{"diff-base": "main"}))
    assert runner.run() == 0
    assert runner.summary.read_text(encoding="utf-8").startswith("## imslint: no findings")

    (tmp_path / "bad").mkdir()
    runner = Runner(tmp_path / "bad", workspace, dict(workflow_inputs(), **{"diff-base": "no-such-ref"}))
    assert runner.run() == 2
    assert runner.action_outputs()["exit-code"] == "2"
    assert "unknown revision" in runner.outputs["gate"].stderr
