"""`edgekit check` sizes either engine (--runtime), and --all-boards lists every board with TFLM's and the
edgekit runtime's verdicts side by side, including boards where one engine cannot run the model."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from edgekit.catalog import list_boards
from tests import opmodels
from tests.conftest import shared_model
from tests.opmodels import schema


@pytest.fixture(scope="module")
def tflm_only_model(tmp_path_factory):
    """A model TFLM runs and edgekit's runtime does not: REVERSE_V2 (int8), one of the TFLM ops the runtime
    leaves out (see the README)."""
    b = opmodels.Builder()
    x = b.tensor([1, 6], "int8", 0.1, 0)
    axis = b.tensor([1], "int32", data=np.array([1], dtype=np.int32))
    y = b.tensor([1, 6], "int8", 0.1, 0)
    b.operator(schema.BuiltinOperator.REVERSE_V2, [x, axis], [y])
    path = tmp_path_factory.mktemp("tflm_only") / "reverse.tflite"
    path.write_bytes(b.finish([x], [y]))
    return path


def test_check_takes_runtime(run_cli):
    code, out, err = run_cli("check", shared_model("kws_ref_model.tflite"), "-b", "nucleo_f446re", "--runtime",
                             "edgekit", "--json")
    assert code == 0, err
    assert json.loads(out)["template"] == "edgekit_baremetal"
    code, out, err = run_cli("check", shared_model("kws_ref_model.tflite"), "-b", "nucleo_f446re", "--runtime", "tflm",
                             "--json")
    assert code == 0 and json.loads(out)["template"] == "tflm_baremetal"
    code, out, err = run_cli("check", shared_model("kws_ref_model.tflite"), "-b", "qemu_rv32", "--runtime", "tflm")
    assert code == 1 and "no tflm firmware template for qemu_rv32" in err and "Traceback" not in err


def test_hint_names_only_an_engine_the_board_has(run_cli, tflm_only_model):
    code, out, err = run_cli("check", tflm_only_model, "-b", "qemu_m4")
    assert code == 1
    # qemu_m4's TFLM is the user's own tree: the advice says so, and both engines are a command away
    assert "problem: runtime: op REVERSE_V2 is not in the edgekit runtime; TFLM runs it" in err
    assert "--tflm-dir TREE" in err and "--all-boards` shows both engines" in err
    code, out, err = run_cli("check", tflm_only_model, "-b", "nucleo_f446re", "--runtime", "edgekit")
    assert code == 1 and "`edgekit check MODEL --board nucleo_f446re --runtime tflm`" in err


def test_all_boards_shows_every_board_with_both_engines(run_cli, tflm_only_model):
    code, out, err = run_cli("check", tflm_only_model, "--all-boards")
    assert code == 0, err  # TFLM runs it on the boards with a TFLM template
    lines = out.splitlines()
    assert lines[0].split() == ["board", "TFLM", "edgekit", "runtime"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {b.id for b in list_boards()}
    assert re.search(r"fits\??\s+flash", rows["nucleo_f446re"]) and "cannot run REVERSE_V2" in rows["nucleo_f446re"]
    # qemu_m4 runs TFLM from the user's tree; qemu_rv32 has no TFLM template at all
    assert re.search(r"fits\??\s+flash", rows["qemu_m4"]) and "cannot run REVERSE_V2" in rows["qemu_m4"]
    assert "no tflm template" in rows["qemu_rv32"] and "cannot run REVERSE_V2" in rows["qemu_rv32"]

    code, out, err = run_cli("check", tflm_only_model, "--all-boards", "--json")
    verdicts = json.loads(out)
    assert {(v["board"], v["runtime"]) for v in verdicts} == {(b.id, r) for b in list_boards() for r in ("tflm", "edgekit")}
    assert all(not v["fits"] for v in verdicts if v["runtime"] == "edgekit")


def test_all_boards_exit_code_says_whether_anything_fits(run_cli, tflm_only_model):
    code, out, err = run_cli("check", tflm_only_model, "--all-boards", "--runtime", "edgekit")
    assert code == 1
    assert len(out.splitlines()) == len(list_boards()) + 1
