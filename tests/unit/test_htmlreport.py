"""report.html from a build folder's files, and validate's refusals before any device is touched.

The build folders here are assembled from the real budget of a shared model (no PlatformIO run): the
report reads only build.json, model.tflite and the optional quantization and validation records.
"""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pytest

from edgekit.arena import activation_buffers, live_set_bound, place, plan_size, tflm_greedy_order
from edgekit.budget import check_budget
from edgekit.codegen import generate
from edgekit.catalog import load_board
from edgekit.errors import RenderError
from edgekit.htmlreport import write_report
from edgekit.reader import read_model_file
from tests.conftest import shared_model

HOSTILE = "<script>alert('x')</script>&\"model"


def make_build(folder, model_name="kws_ref_model.tflite", board="qemu_m4", source=None):
    """A build folder as `edgekit build` leaves it, with the estimate standing in for the ELF figures."""
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "model.tflite"
    shutil.copy(shared_model(model_name), model)
    data, info = read_model_file(model)
    budget = check_budget(data, info, load_board(board), "edgekit_runtime").as_dict()
    summary = {"board": board, "model": str(model), "source": source or str(model), "template": "edgekit_runtime",
               "firmware": str(folder / "firmware.elf"), "project_dir": str(folder / "project"),
               "output_dir": str(folder), "stages": [{"name": "read", "seconds": 0.1, "detail": ""}],
               "estimate": budget, "measured": budget}
    (folder / "build.json").write_text(json.dumps(summary))
    return folder


def charts(page: str) -> set[str]:
    return set(re.findall(r'data-chart="([\w-]+)"', page))


def test_report_has_every_memory_chart_and_says_what_is_missing(tmp_path):
    page = write_report(make_build(tmp_path / "b")).read_text()
    assert {"arena-timeline", "arena-layout-tflm", "arena-layout-edgekit", "flash-budget", "ram-budget",
            "sizes"} <= charts(page)
    assert "No quantization report" in page and "Not validated yet" in page
    # one timeline point pair per operator of kws_ref_model (13 ops) for each of the three lines
    timeline = page.split('data-chart="arena-timeline"')[1].split("</svg>")[0]
    assert [len(points.split()) for points in re.findall(r'points="([^"]+)"', timeline)] == [26, 26, 26]
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing fetched


def test_the_edgekit_plan_is_never_above_tflms_in_the_report(tmp_path):
    page = write_report(make_build(tmp_path / "b", "vww_96_int8.tflite")).read_text()
    needed = re.search(r"TFLM's greedy planner needs ([\d,]+) B of activations; edgekit's plan needs ([\d,]+) B",
                       page)
    tflm, edgekit = (int(v.replace(",", "")) for v in needed.groups())
    data, info = read_model_file(shared_model("vww_96_int8.tflite"))
    buffers = activation_buffers(info)
    # the report shows the plan the runtime compiles (its convolutions partly in place, below the live-set
    # bound that TFLM's plans cannot beat) beside TFLM's greedy one
    assert edgekit == generate(data, info).arena_bytes < live_set_bound(buffers)
    assert tflm == plan_size(buffers, place(tflm_greedy_order(buffers))) > live_set_bound(buffers)


def test_names_are_escaped(tmp_path):
    folder = make_build(tmp_path / "b", source=f"/models/{HOSTILE}.keras")
    (folder / "quantization.json").write_text(json.dumps({
        "source": HOSTILE, "mode": "ptq", "calibration_samples": 3, "test_samples": 0,
        "metric": None, "layers": [{"op": "CONV_2D", "tensor": HOSTILE, "sqnr_db": None, "max_abs_error": 0.1,
                                    "scale": 0.1}]}))
    page = write_report(folder).read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "quant-layers" in charts(page)


def test_validation_and_quantization_records_are_drawn(tmp_path):
    folder = make_build(tmp_path / "b")
    (folder / "quantization.json").write_text(json.dumps({
        "source": "cnn.keras", "mode": "ptq", "calibration_samples": 300, "test_samples": 360,
        "float_bytes": 20000, "int8_bytes": 9000,
        "metric": {"name": "accuracy", "float_model": 0.98, "int8_tflite": 0.975, "int8_tflm": 0.975},
        "layers": [{"op": "CONV_2D", "tensor": "conv", "sqnr_db": 35.0, "max_abs_error": 0.1, "scale": 0.1},
                   {"op": "SOFTMAX", "tensor": "out", "sqnr_db": "inf", "max_abs_error": 0.0, "scale": 0.1}]}))
    (folder / "validation.json").write_text(json.dumps({
        "board": "qemu_m4", "port": "/dev/pts/3", "emulated": True, "samples": 100, "identical": 99,
        "max_abs_diff": 1, "mismatched_samples": [17], "latency_us_mean": 5104.2, "latency_us_min": 5101,
        "latency_us_max": 5109, "latency_note": "emulated", "device_arena_bytes": 6768, "retries": 2,
        "damaged_replies": 1, "device_crc_errors": 1, "resets": 0, "test_data": "test.npz", "notes": [],
        "accuracy": {"name": "accuracy", "device": 0.97, "host_int8": 0.98, "float_model": 0.98}}))
    page = write_report(folder).read_text()
    assert {"quant-accuracy", "quant-layers", "validation-accuracy"} <= charts(page)
    assert 'class="bad">99 of 100 identical' in page and "differing samples" in page
    assert "97.00 %" in page and "2 retries" in page


def test_an_unreadable_record_stops_the_report_and_a_malformed_one_loses_its_section(tmp_path):
    folder = make_build(tmp_path / "b")
    good_page = write_report(folder).read_text()
    (folder / "validation.json").write_text("{not json")
    with pytest.raises(RenderError, match="validation.json is damaged .*the report was not written"):
        write_report(folder)
    assert (folder / "report.html").read_text() == good_page  # the last good page is kept
    # a record with a key missing, and markup where a number belongs
    (folder / "validation.json").write_text(json.dumps({"board": "qemu_m4", "port": "p", "samples": 1,
                                                        "identical": 1, "max_abs_diff": "<img onerror=x>"}))
    page = write_report(folder).read_text()
    assert "This section could not be drawn" in page and "<img" not in page
    assert 'data-chart="arena-timeline"' in page  # the other sections are still there


def test_report_cli_renders_and_a_missing_build_is_a_clear_error(tmp_path, run_cli):
    folder = make_build(tmp_path / "b")
    code, stdout, _ = run_cli("report", folder)
    assert code == 0 and stdout.strip().endswith("report.html") and (folder / "report.html").is_file()
    code, _, err = run_cli("report", tmp_path / "nothing")
    assert code == 1 and "no build in" in err and "Traceback" not in err
    (folder / "build.json").write_text('{"board": "qemu_m4"')  # cut off
    code, _, err = run_cli("report", folder)
    assert code == 1 and "build.json is damaged" in err and "Traceback" not in err


@pytest.mark.parametrize("problem, args, message", [
    ("no build", [], "no build in"),
    ("other board", ["--board", "qemu_m3"], "holds a build for qemu_m4"),
    ("missing data", ["--test-data", "missing.npz"], "not found"),
    ("wrong shape", ["--test-data", "small.npz"], "shape"),
])
def test_validate_refuses_bad_input_before_touching_a_device(problem, args, message, tmp_path, run_cli):
    folder = tmp_path / "empty" if problem == "no build" else make_build(tmp_path / "b")
    np.savez(tmp_path / "small.npz", x=np.zeros((4, 3, 3), np.float32), y=np.zeros(4))
    base = {"--board": "qemu_m4", "--test-data": str(tmp_path / "small.npz")}
    base.update(dict(zip(args[::2], args[1::2])))
    argv = ["validate", "--build-dir", folder] + [item for pair in base.items() for item in pair]
    code, _, err = run_cli(*argv)
    assert code == 1, err
    assert message in err and "Traceback" not in err
    assert not (folder / "validation.json").exists()
