"""Arena estimates against the Cortex-M4 reference figures, the offline memory plan on the real TFLM,
budgets before the build, and budgets read from a real ELF built with arm-none-eabi-gcc."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest

from edgekit import host
from edgekit.arena import (activation_buffers, best_plan, estimate_tflm_arena, place, plan_size,
                           tflm_greedy_order, with_offline_plan)
from edgekit.budget import budget_from_elf, check_budget, elf_sections
from edgekit.catalog import BOARDS_PATH_VARIABLE, load_board
from edgekit.errors import BudgetError
from edgekit.reader import read_model, read_model_file
from tests.conftest import SHARED_MODELS, shared_model
from tests.helpers_c import compiler


def reference_arenas() -> dict[str, tuple[int, int]]:
    """model -> (arena_used_bytes, head) measured on a Cortex-M4, from ../shared/models/README.md."""
    text = (SHARED_MODELS / "README.md").read_text()
    section = text.split("## Reference figures measured on a 32-bit target", 1)[1]
    rows = re.findall(r"^\| (\w+) \| ([\d,]+) \| ([\d,]+) \|", section, re.MULTILINE)
    return {name: (int(used.replace(",", "")), int(head.replace(",", ""))) for name, used, head in rows}


REFERENCE = reference_arenas()


def test_reference_table_was_read():
    assert len(REFERENCE) == 7 and REFERENCE["vww_96_int8"] == (100_660, 73_728)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_arena_estimate_is_never_below_the_device_and_at_most_5_percent_or_1_kb_above(name):
    used, head = REFERENCE[name]
    estimate = estimate_tflm_arena(shared_model(f"{name}.tflite").read_bytes())
    assert estimate.head == head  # activations: the same plan on any word size
    assert used <= estimate.bytes <= used + max(1024, 0.05 * used), (estimate.bytes, used)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_greedy_planner_reimplementation_gives_tflms_head(name):
    _, info = read_model_file(shared_model(f"{name}.tflite"))
    buffers = activation_buffers(info)
    assert plan_size(buffers, place(tflm_greedy_order(buffers))) == REFERENCE[name][1]


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_best_plan_never_overlaps_live_tensors(name):
    _, info = read_model_file(shared_model(f"{name}.tflite"))
    buffers = activation_buffers(info)
    offsets = dict(best_plan(info).offsets)
    for a in buffers:
        for b in buffers:
            if a.tensor < b.tensor and a.first <= b.last and b.first <= a.last:
                assert offsets[a.tensor] + a.size <= offsets[b.tensor] or offsets[b.tensor] + b.size <= offsets[a.tensor]


def test_offline_plan_shrinks_vww_on_the_real_tflm_and_keeps_its_outputs():
    model, info = read_model_file(shared_model("vww_96_int8.tflite"))
    plan = best_plan(info)
    assert plan.greedy_head == 73_728 and plan.head == plan.lower_bound == 55_296
    planned = with_offline_plan(model, plan)
    assert "OfflineMemoryAllocation" in read_model(planned).metadata_names
    before, after = host.measure_tflm_arena(model), host.measure_tflm_arena(planned)
    assert before.smallest_bytes - after.smallest_bytes >= 18 * 1024
    inputs = np.random.default_rng(3).integers(-128, 127, size=(3, 96, 96, 3), dtype=np.int8)
    np.testing.assert_array_equal(host.run_tflm(model, inputs), host.run_tflm(planned, inputs))


def test_budget_reports_parts_and_fits_a_board_with_room():
    model, info = read_model_file(shared_model("kws_ref_model.tflite"))
    report = check_budget(model, info, load_board("nano33ble"))
    assert report.fits
    assert report.flash.used == sum(p.bytes for p in report.flash.parts) >= len(model)
    assert report.ram.used == sum(p.bytes for p in report.ram.parts) > report.arena_bytes > report.arena_estimate
    assert all(p.source for p in report.flash.parts + report.ram.parts)


def _tiny_board(tmp_path, ram: int, flash: int):
    """A user board folder with a Cortex-M4 board of the given RAM and flash, based on the Nucleo-F446RE."""
    (tmp_path / "tiny_m4.toml").write_text(
        f'extends = "nucleo_f446re"\nname = "Tiny M4"\n[upload]\nmaximum_size = {flash}\nmaximum_ram_size = {ram}\n'
        '[sources]\n"upload.maximum_size" = "test"\n"upload.maximum_ram_size" = "test"\n')
    return tmp_path


def test_over_budget_names_the_shortfall_and_what_to_try(tmp_path, monkeypatch):
    monkeypatch.setenv(BOARDS_PATH_VARIABLE, str(_tiny_board(tmp_path, ram=64 * 1024, flash=256 * 1024)))
    model, info = read_model_file(shared_model("vww_96_int8.tflite"))
    report = check_budget(model, info, load_board("tiny_m4"))
    assert not report.fits
    failed = {c.name: c.detail for c in report.checks if not c.ok}
    assert set(failed) == {"flash", "ram", "static ram"}
    assert re.search(r"[\d,]+ B \(\d+\.\d%\) over", failed["ram"])
    assert any("offline memory plan" in hint and "18,432 B" in hint for hint in report.hints)
    planned = check_budget(model, info, load_board("tiny_m4"), offline_plan=True)
    assert planned.arena_estimate <= report.arena_estimate - 18 * 1024


def test_a_dense_model_over_the_flash_is_told_to_pack_and_fits_packed(tmp_path, monkeypatch):
    # ad01_int8's firmware is estimated at 285,776 B with int8 weights (--optimize speed), 225,231 B with
    # balanced's packing on a Cortex-M4 and 216,621 B with flash's
    monkeypatch.setenv(BOARDS_PATH_VARIABLE, str(_tiny_board(tmp_path, ram=64 * 1024, flash=216 * 1024)))
    model, info = read_model_file(shared_model("ad01_int8.tflite"))
    board = load_board("tiny_m4")
    int8 = check_budget(model, info, board, "edgekit_baremetal", optimize="speed")
    balanced = check_budget(model, info, board, "edgekit_baremetal")
    assert balanced.flash.used <= int8.flash.used - 50_000
    assert {c.name for c in balanced.checks if not c.ok} == {"flash"}
    assert any("--optimize flash" in hint for hint in balanced.hints)
    packed = check_budget(model, info, board, "edgekit_baremetal", optimize="flash")
    assert packed.fits and packed.flash.used <= balanced.flash.used - 5_000


def test_model_the_runtime_cannot_run_fails_the_runtime_check():
    model, info = read_model_file(shared_model("vww_96_float.tflite"))
    report = check_budget(model, info, load_board("esp32dev"))
    runtime = next(c for c in report.checks if c.name == "runtime")
    assert not runtime.ok and "full-integer" in runtime.detail


def test_budget_from_a_real_arm_elf(tmp_path):
    """A firmware-shaped program (vector table, .data, a static arena in .bss) linked for a Cortex-M4."""
    (tmp_path / "fw.c").write_text(
        "#include <stdint.h>\n"
        "static uint8_t arena[100000] __attribute__((aligned(16)));\n"
        "uint32_t counter = 7;\n"
        "const uint8_t model[3000] = {1, 2, 3};\n"
        "int main(void) { arena[counter] = model[counter]; return arena[5]; }\n")
    elf = tmp_path / "fw.elf"
    done = subprocess.run([compiler("arm-none-eabi-gcc"), "-mcpu=cortex-m4", "-mthumb", "-Os", "--specs=nosys.specs",
                           str(tmp_path / "fw.c"), "-o", str(elf)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    sections = elf_sections(elf)
    size = subprocess.run([compiler("arm-none-eabi-size"), "-A", "-d", str(elf)], capture_output=True, text=True,
                          check=True).stdout
    for name in (".text", ".data", ".bss"):
        assert re.search(rf"^{re.escape(name)}\s+{sections[name]}\s", size, re.MULTILINE)
    board = load_board("nucleo_f446re")
    report = budget_from_elf(elf, board)
    assert report.measured and report.fits
    assert report.ram.used == sections[".data"] + sections[".bss"] >= 100_000
    assert report.flash.used >= 3000 + sections[".data"]

    tiny = load_board("nucleo_f446re").__class__(**{**board.__dict__, "ram_bytes": 65536, "static_ram_limit": 65536})
    over = budget_from_elf(elf, tiny)
    assert not over.fits and "over" in next(c.detail for c in over.checks if c.name == "ram")


def test_unreadable_elf_is_a_clear_error(tmp_path):
    (tmp_path / "broken.elf").write_bytes(b"\x7fELF garbage")
    with pytest.raises(BudgetError, match="cannot read the firmware ELF"):
        elf_sections(tmp_path / "broken.elf")


def test_check_cli_json_and_exit_codes(run_cli, tmp_path, monkeypatch):
    code, out, err = run_cli("check", shared_model("kws_ref_model.tflite"), "--board", "nano33ble", "--json")
    assert code == 0, err
    report = json.loads(out)
    for key in ("board", "fits", "arena_bytes", "model_bytes"):
        assert key in report
    for memory in ("flash", "ram"):
        assert {"used", "limit"} <= set(report[memory])
    code, out, err = run_cli("check", shared_model("kws_ref_model.tflite"), "--board", "nano33ble")
    assert code == 0 and re.search(r"RAM:\s+\[=* *\]\s+\d+\.\d% \(used [\d,]+ bytes from 262,144 bytes\)", out)

    monkeypatch.setenv(BOARDS_PATH_VARIABLE, str(_tiny_board(tmp_path, ram=16 * 1024, flash=512 * 1024)))
    code, out, err = run_cli("check", shared_model("kws_ref_model.tflite"), "--board", "tiny_m4")
    assert code == 1
    assert "problem: ram" in err and "Things to try" in err


def test_check_cli_all_boards_and_bad_input(run_cli, tmp_path):
    code, out, err = run_cli("check", shared_model("hello_world_int8.tflite"), "--all-boards", "--json")
    assert code == 0, err
    assert {r["board"] for r in json.loads(out)} >= {"esp32dev", "nano33ble", "nucleo_f446re", "pico"}
    code, out, err = run_cli("check", shared_model("hello_world_int8.tflite"), "--board", "esp23")
    assert code == 1 and "did you mean" in err
    code, out, err = run_cli("check", shared_model("vww_96_float.tflite"), "--board", "esp32")
    assert code == 1 and "is a float model" in err and "Traceback" not in err


def test_every_op_of_the_edgekit_runtime_has_a_measured_code_size():
    """An op added to the runtime without its kernel size would be counted as 0 bytes of flash: only ops
    that run no code (RESHAPE and its kin; SHAPE, a memcpy of a constant its table bytes count) or whose
    kernel several ops share, counted once in EDGEKIT_HELPER_BYTES (the strided copy), may say 0."""
    from edgekit import runtime_ops
    from edgekit.budget import EDGEKIT_HELPER_BYTES

    ops = runtime_ops.supported_ops()
    assert set(runtime_ops.CODE_BYTES) == set(ops)
    free = {op for op in ops if runtime_ops.CODE_BYTES[op] == 0} - set(runtime_ops.KERNEL_CODE_BYTES)
    shared = set().union(*(callers for _, callers in EDGEKIT_HELPER_BYTES))
    assert free <= {"RESHAPE", "SQUEEZE", "EXPAND_DIMS", "SHAPE"} | shared, free


def test_kernel_code_counts_each_linked_form_once():
    """A kernel's code counts when a generated call names it, whichever op's call that is, and a form whose
    code another form includes (the dense kernel's base path) counts only without it."""
    from edgekit.budget import edgekit_kernel_bytes

    def fc(*kernels: str) -> int:
        return edgekit_kernel_bytes(("FULLY_CONNECTED",), tuple(f"{k}(&k_p0, x, w, NULL, y);" for k in kernels))

    base, whole = fc("ek_fully_connected_base_s8"), fc("ek_fully_connected_s8")
    assert 0 < base < whole == fc("ek_fully_connected_s8", "ek_fully_connected_base_s8")
    # a depthwise layer of one input channel runs the blocked CONV_2D kernel: counted without a CONV_2D op
    blocked = edgekit_kernel_bytes(("DEPTHWISE_CONV_2D",), ("ek_conv2d_blocked_im2col_narrow_s8(&k_p0, x, w, NULL, y);",))
    assert blocked > 0 and blocked < edgekit_kernel_bytes(("DEPTHWISE_CONV_2D",), ("ek_depthwise_conv2d_s8(&k_p0, x, w, b, y);",
                                                                                    "ek_conv2d_blocked_im2col_s8(&k_p1, x, w, NULL, y);"))
