"""What edgekit says when an engine cannot run a model: the op by name, and what runs it on that board,
never advice that leads back where the user came from; one message for an op neither engine has; and
`edgekit inspect`'s verdict per engine."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

from edgekit import runtime_ops
from edgekit.catalog import load_board
from edgekit.errors import EdgekitError, TemplateError
from edgekit.pipeline import choose_runtime_template
from edgekit.reader import read_model
from edgekit.render import load_template, model_problems
from edgekit import tflm_ops
from tests.conftest import shared_model
from tests.opmodels import Builder


def rank_model() -> bytes:
    """int8 in, RANK (a TFLite builtin TFLM has no kernel for) out: neither engine runs it."""
    b = Builder()
    x = b.tensor([1, 4], "int8", 0.1, 0)
    out = b.tensor([], "int32")
    b.operator(schema.BuiltinOperator.RANK, [x], [out])
    return b.finish([x], [out])


def _problems(model: bytes, board: str, template: str) -> list[str]:
    return model_problems(read_model(model), load_template(template), tflm_ops.snapshot("tflm-tree"),
                          load_board(board))


def test_an_op_neither_engine_has_gets_one_message_with_the_fix():
    for board, template in (("qemu_m4", "edgekit_runtime"), ("nrf52840_dk", "edgekit_baremetal")):
        problems = _problems(rank_model(), board, template)
        naming = [p for p in problems if "RANK" in p]
        assert len(naming) == 1, problems
        assert "runs on neither engine" in naming[0] and "replace the layer" in naming[0]
        assert "--runtime" not in naming[0]


@pytest.fixture
def runtime_without_fully_connected(monkeypatch):
    """The edgekit runtime as if it lacked FULLY_CONNECTED (which TFLM has): the advice, not the kernel,
    is under test here."""
    supported = runtime_ops.supported_ops() - {"FULLY_CONNECTED"}
    monkeypatch.setattr(runtime_ops, "supported_ops", lambda: supported)


@pytest.mark.parametrize("board, template, wanted, unwanted", [
    ("qemu_m4", "edgekit_runtime", "--runtime tflm --tflm-dir TREE", "--runtime edgekit"),
    ("host", "edgekit_runtime", "build for qemu_m4 with --runtime tflm --tflm-dir TREE", "--runtime edgekit"),
    ("nrf52840_dk", "edgekit_baremetal", "--runtime tflm --tflm-dir TREE", "--runtime edgekit"),
    ("esp32dev", "edgekit_espidf", "build with TFLM: --runtime tflm", "--tflm-dir"),
])
def test_an_op_missing_from_the_runtime_names_what_runs_it_on_the_board(runtime_without_fully_connected, board,
                                                                         template, wanted, unwanted):
    problems = _problems(shared_model("hello_world_int8.tflite").read_bytes(), board, template)
    assert len(problems) == 1, problems
    assert problems[0].startswith("op FULLY_CONNECTED is not in the edgekit runtime; TFLM runs it.")
    assert wanted in problems[0] and unwanted not in problems[0]


def test_the_build_on_an_emulated_board_says_tflm_from_the_users_tree(runtime_without_fully_connected, run_cli):
    code, _, err = run_cli("build", shared_model("hello_world_int8.tflite"), "--board", "qemu_m4")
    assert code == 1 and "Traceback" not in err
    assert err.count("FULLY_CONNECTED is not") == 1 and "--runtime tflm --tflm-dir TREE" in err


def test_tflm_on_the_emulated_boards_is_a_template_and_the_host_points_to_one():
    assert choose_runtime_template(load_board("qemu_m4"), "tflm", None).name == "tflm_emulated"
    assert choose_runtime_template(load_board("qemu_m3"), "tflm", None).needs_tflm_dir
    with pytest.raises(TemplateError) as refused:
        choose_runtime_template(load_board("host"), "tflm", None)
    assert "qemu_m4 with --runtime tflm --tflm-dir TREE" in str(refused.value)
    assert "--runtime edgekit" not in str(refused.value)


def test_tflm_on_qemu_without_a_tree_says_how_to_make_one(run_cli):
    code, _, err = run_cli("build", shared_model("hello_world_int8.tflite"), "--board", "qemu_m4", "--runtime", "tflm")
    assert code == 1 and "create_tflm_tree.py" in err and "--tflm-dir" in err and "Traceback" not in err


def test_inspect_says_per_engine_whether_the_model_runs(tmp_path, run_cli):
    code, stdout, _ = run_cli("inspect", shared_model("hello_world_int8.tflite"), "--json")
    engines = json.loads(stdout)["engines"]
    assert engines["tflm"] == {"runs": True, "problems": []} and engines["edgekit"]["runs"] is True
    (tmp_path / "rank.tflite").write_bytes(rank_model())
    code, stdout, _ = run_cli("inspect", tmp_path / "rank.tflite", "--json")
    engines = json.loads(stdout)["engines"]
    assert not engines["tflm"]["runs"] and any("RANK" in p for p in engines["tflm"]["problems"])
    assert not engines["edgekit"]["runs"] and any("RANK" in p for p in engines["edgekit"]["problems"])
    code, stdout, _ = run_cli("inspect", tmp_path / "rank.tflite")
    assert "│ TFLM " in stdout and "edgekit runtime" in stdout and "does not run it" in stdout
