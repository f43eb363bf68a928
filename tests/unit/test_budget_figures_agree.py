"""Figures that must agree between commands: `edgekit boards` and `check` use the same template-dependent
limits; a framework whose size is unknown is never counted as zero; the edgekit runtime's arena in the
budget is the one its generator compiles in (with in-place outputs), not a plan without them."""

from __future__ import annotations

import json
import re

import numpy as np

from edgekit.arena import best_plan
from edgekit.budget import check_budget
from edgekit.catalog import list_boards, load_board
from edgekit.codegen import runtime_context
from edgekit.reader import read_model
from tests.conftest import shared_model
from tests.opmodels import Builder, schema


def test_boards_listing_shows_the_limits_check_uses(run_cli):
    code, out, err = run_cli("boards")
    assert code == 0, err
    rows = {line.split()[0]: line for line in out.splitlines()[1:]}
    for board, template in (("esp32dev", None), ("esp32dev", "tflm_chirale"), ("nucleo_f446re", None),
                            ("esp32-s3-devkitc-1", None), ("esp32-s3-devkitc-1", "edgekit_arduino")):
        args = ["-t", template] if template else []
        code, out, err = run_cli("check", shared_model("kws_ref_model.tflite"), "-b", board, "--json", *args)
        report = json.loads(out)
        flash, ram = f"{report['flash']['limit']:,}", f"{report['ram']['limit']:,}"
        if template is None:  # the default template's limits are the listing's columns
            columns = rows[board].split()
            assert columns[4:6] == [flash, ram], rows[board]
        else:  # another template's limits are listed beside it
            assert re.search(rf"{template}[^:]*: flash {flash}, RAM {ram}", rows[board]), rows[board]
    code, out, err = run_cli("boards", "--json")
    esp32 = next(b for b in json.loads(out) if b["id"] == "esp32dev")
    assert esp32["limits"]["tflm_espidf"] == {"flash": 1_048_576, "ram": 327_680}
    assert esp32["limits"]["tflm_chirale"] == {"flash": 1_310_720, "ram": 163_840}


def test_unknown_framework_size_is_not_counted_as_zero(run_cli):
    board = load_board("esp32-c3-devkitm-1")
    assert "espidf" not in dict(board.framework_flash)  # the case: no published ESP-IDF figure for the C3
    code, out, err = run_cli("check", shared_model("kws_ref_model.tflite"), "-b", board.id)
    assert "fits as far as known (espidf framework (size unknown for this board) not counted)" in out
    assert re.search(r"Flash: .*\(used at least [\d,]+ bytes", out)
    assert "note: flash fits only if the espidf framework (size unknown for this board) takes at most" in out
    assert re.search(r"^\s+unknown  espidf framework \(size unknown for this board\)$", out, re.MULTILINE), out
    code, out, err = run_cli("check", shared_model("kws_ref_model.tflite"), "-b", board.id, "--json")
    flash = json.loads(out)["flash"]
    assert flash["complete"] is False and flash["unknown"] == ["espidf framework (size unknown for this board)"]
    assert [p["bytes"] for p in flash["parts"] if "unknown" in p["label"]] == [None]
    code, out, err = run_cli("check", shared_model("kws_ref_model.tflite"), "--all-boards")
    row = next(line for line in out.splitlines() if line.startswith(board.id))
    assert "fits? flash>=" in row


def _model_with_an_in_place_op() -> bytes:
    """FULLY_CONNECTED -> LOGISTIC (written over its input by the edgekit runtime) -> FULLY_CONNECTED."""
    rng = np.random.default_rng(1)
    b = Builder()
    x = b.tensor([1, 64], "int8", [0.02], [0])
    w1 = b.tensor([256, 64], "int8", [0.01], [0], data=rng.integers(-127, 128, (256, 64), dtype=np.int8))
    h = b.tensor([1, 256], "int8", [0.1], [0])
    s = b.tensor([1, 256], "int8", [1 / 256], [-128])
    w2 = b.tensor([10, 256], "int8", [0.01], [0], data=rng.integers(-127, 128, (10, 256), dtype=np.int8))
    y = b.tensor([1, 10], "int8", [0.2], [0])
    b.operator(schema.BuiltinOperator.FULLY_CONNECTED, [x, w1, -1], [h], schema.BuiltinOptions.FullyConnectedOptions,
               schema.FullyConnectedOptionsT(), 1)
    b.operator(schema.BuiltinOperator.LOGISTIC, [h], [s], 0, None, 1)
    b.operator(schema.BuiltinOperator.FULLY_CONNECTED, [s, w2, -1], [y], schema.BuiltinOptions.FullyConnectedOptions,
               schema.FullyConnectedOptionsT(), 1)
    return b.finish([x], [y])


def test_edgekit_runtime_budget_arena_is_the_generated_arena():
    model = _model_with_an_in_place_op()
    info = read_model(model)
    generated = runtime_context(model, info)["arena_bytes"]
    assert generated < best_plan(info).head  # the in-place output makes the arena smaller
    report = check_budget(model, info, load_board("qemu_m4"), "edgekit_runtime")
    assert report.arena_bytes == report.arena_estimate == generated
    assert report.ram.parts[0].bytes == generated
