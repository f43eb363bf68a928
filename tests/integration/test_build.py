"""Real builds: `pio run` with edgekit's own platforms for the host and the three emulated Cortex-M boards,
booted in QEMU; and PlatformIO's and the compilers' failures turned into clear errors."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from edgekit import platformio
from edgekit.catalog import load_board
from edgekit.errors import BudgetError, BuildError, OfflineError, RenderError
from edgekit.pipeline import BuildOptions, build
from tests.conftest import make_tflm_tree, shared_model

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """One edgekit cache (and so one PlatformIO core with tool-scons) for all builds of this module."""
    monkeypatch.setenv(platformio.CACHE_VARIABLE, str(tmp_path_factory.getbasetemp() / "edgekit-cache"))


@pytest.mark.parametrize("board", ["qemu_m3", "qemu_m4", "qemu_m7", "host"])
def test_build_and_boot_on_emulated_boards(board, run_cli, tmp_path):
    out = tmp_path / "out"
    code, stdout, err = run_cli("build", shared_model("kws_ref_model.tflite"), "--board", board, "-o", out, "--json",
                                "--template", "edgekit_probe")
    assert code == 0, err
    summary = json.loads(stdout)
    assert [s["name"] for s in summary["stages"]] == ["quantize", "read", "budget", "render", "build", "size"]
    firmware = Path(summary["firmware"])
    assert firmware.is_file() and (out / "build.log").is_file()
    # edgekit's ELF figures are PlatformIO's own, read with the same section rules
    log = (out / "build.log").read_text()
    pio_ram = int(re.search(r"RAM:.*\(used (\d+) bytes", log)[1])
    pio_flash = int(re.search(r"Flash:.*\(used (\d+) bytes", log)[1])
    assert summary["measured"]["ram"]["used"] == pio_ram
    assert summary["measured"]["flash"]["used"] == pio_flash
    assert pio_flash > shared_model("kws_ref_model.tflite").stat().st_size  # the model is linked in

    code, stdout, err = run_cli("flash", "--board", board, "--build-dir", out)
    assert code == 0, err
    assert "model crc32 0x33a66a7c, host 0x33a66a7c: match" in stdout
    assert "1 input(s) of 490 bytes" in stdout


def test_firmware_status_reaches_the_exit_code(run_cli, tmp_path):
    """A corrupted model array makes the device-side check fail, and `flash` exits with that status."""
    out = tmp_path / "out"
    assert run_cli("build", shared_model("hello_world_int8.tflite"), "-b", "qemu_m4", "-o", out,
                   "--template", "edgekit_probe")[0] == 0
    data = out / "project" / "src" / "model_data.cc"
    flipped = re.sub(r"(model_data\[\] = \{\n\s+)0x([0-9a-f]{2})",
                     lambda m: f"{m[1]}0x{int(m[2], 16) ^ 1:02x}", data.read_text(), count=1)
    assert flipped != data.read_text()
    data.write_text(flipped)
    platformio.build_project(out / "project", "edgekit-qemu", out / "rebuild.log")
    code, stdout, err = run_cli("flash", "-b", "qemu_m4", "--build-dir", out)
    assert code == 1
    assert "MISMATCH" in stdout and "exited with status 1" in err


def test_compile_error_in_an_edited_source_names_file_and_line(tmp_path):
    probe = BuildOptions(template="edgekit_probe")
    result = build(shared_model("hello_world_int8.tflite"), "host", tmp_path / "out", probe)
    main = result.project_dir / "src" / "main.cc"
    lines = main.read_text().splitlines()
    lines.insert(10, "this is not C++;")
    main.write_text("\n".join(lines) + "\n")
    with pytest.raises(BuildError, match=r"compile error in src/main.cc, line 11"):
        platformio.build_project(result.project_dir, "edgekit-host", tmp_path / "again.log")
    # and the next `edgekit build` does not overwrite the edited file
    with pytest.raises(RenderError, match="changed since edgekit wrote it"):
        build(shared_model("hello_world_int8.tflite"), "host", tmp_path / "out", probe)
    assert "this is not C++;" in main.read_text()


def test_flash_overflow_is_a_budget_failure_before_and_after_the_build(tmp_path, monkeypatch):
    (tmp_path / "boards").mkdir()
    (tmp_path / "boards" / "tiny_qemu.toml").write_text(
        'extends = "qemu_m4"\nname = "QEMU with a small flash"\n[upload]\nmaximum_size = 65536\n'
        '[sources]\n"upload.maximum_size" = "test"\n')
    monkeypatch.setenv("EDGEKIT_BOARDS_PATH", str(tmp_path / "boards"))
    with pytest.raises(BudgetError, match=r"flash: [\d,]+ of 65,536 B: [\d,]+ B \([\d.]+%\) over"):
        build(shared_model("vww_96_int8.tflite"), "tiny_qemu", tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_linker_and_size_check_failures_from_the_real_toolchain(tmp_path):
    """PlatformIO's own size check and a linker region overflow, on projects built with real pio run."""
    result = build(shared_model("hello_world_int8.tflite"), "qemu_m4", tmp_path / "out")
    ini = result.project_dir / "platformio.ini"
    ini.write_text(ini.read_text().replace("board_upload.maximum_size = 4194304", "board_upload.maximum_size = 4096"))
    with pytest.raises(BudgetError, match=r"over the 4,096 bytes of flash PlatformIO allows"):
        platformio.build_project(result.project_dir, "edgekit-qemu", tmp_path / "size.log")
    (result.project_dir / "src" / "big.c").write_text("char big_buffer[5000000];\nchar* keep(void) { return big_buffer; }\n")
    ini.write_text(ini.read_text().replace("board_upload.maximum_size = 4096", "board_upload.maximum_size = 4194304")
                   + "build_flags = -Wl,--undefined=keep\n")
    with pytest.raises(BudgetError, match=r"does not fit"):
        platformio.build_project(result.project_dir, "edgekit-qemu", tmp_path / "link.log")


@pytest.mark.parametrize("board, template", [
    ("esp32dev", "tflm_espidf"), ("esp32dev", "tflm_chirale"), ("nano33ble", "tflm_chirale"),
    ("pico", "tflm_chirale"), ("nucleo_f446re", "tflm_baremetal"), ("esp32dev", "edgekit_espidf"),
    ("nucleo_f446re", "edgekit_baremetal"),
])
def test_registry_boards_offline_fail_with_the_offline_message(board, template, run_cli, tmp_path, monkeypatch):
    # These machines cannot reach PlatformIO's registry; the stand-in makes the test the same on one that can.
    monkeypatch.setattr(platformio, "registry_reachable", lambda timeout_s=2.0: False)
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(tmp_path / "empty-core"))
    extra = ["--tflm-dir", make_tflm_tree(tmp_path / "tflm")] if template == "tflm_baremetal" else []
    code, out, err = run_cli("build", shared_model("hello_world_int8.tflite"), "-b", board, "-t", template,
                             "-o", tmp_path / "out", *extra)
    assert code == 1
    assert "you are offline" in err and "Traceback" not in err
    assert (tmp_path / "out" / "project" / "platformio.ini").is_file()  # the project is there to build online


def test_platformios_own_offline_failure_is_recognised():
    """The tail of a real `pio run` for esp32dev on this offline machine (61 s of retries, then this)."""
    run = platformio.PioRun(("pio", "run"), 1, 61.0, Path("build.log"),
                            "Processing esp32dev (platform: espressif32 @ ~6.13.0; board: esp32dev; framework: espidf)\n"
                            "Platform Manager: Installing espressif32 @ ~6.13.0\nHTTPClientError: \n")
    error = platformio.explain_failure(run, Path("."))
    assert isinstance(error, OfflineError) and "you are offline" in str(error)


def test_output_folder_with_the_users_files_is_refused(run_cli, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("my notes")
    code, out, err = run_cli("build", shared_model("hello_world_int8.tflite"), "-b", "host", "-o", folder)
    assert code == 1 and "holds files edgekit did not write" in err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_flash_without_a_build_and_unknown_ports(run_cli, tmp_path):
    code, out, err = run_cli("flash", "-b", "qemu_m4", "--build-dir", tmp_path / "nothing")
    assert code == 1 and "no build in" in err
    out_dir = tmp_path / "out"
    assert run_cli("build", shared_model("hello_world_int8.tflite"), "-b", "host", "-o", out_dir)[0] == 0
    code, out, err = run_cli("flash", "-b", "qemu_m4", "--build-dir", out_dir)
    assert code == 2 and "holds a build for host" in err


def test_timeout_stops_a_firmware_that_never_exits(tmp_path):
    from edgekit.emulator import run_firmware
    from edgekit.errors import FlashError

    result = build(shared_model("hello_world_int8.tflite"), "host", tmp_path / "out",
                   BuildOptions(template="edgekit_probe"))
    main = result.project_dir / "src" / "main.cc"
    main.write_text(main.read_text().replace("  return intact ? 0 : 1;", "  for (;;) {}\n  return intact ? 0 : 1;"))
    firmware, _ = platformio.build_project(result.project_dir, "edgekit-host", tmp_path / "loop.log")
    with pytest.raises(FlashError, match="did not exit within 2 s"):
        run_firmware(firmware, load_board("host"), timeout_s=2)


def test_qemu_boots_with_the_documented_command_line(tmp_path):
    """The platform's own `pio run -t upload` boots the firmware in QEMU too."""
    result = build(shared_model("hello_world_int8.tflite"), "qemu_m3", tmp_path / "out")
    run = platformio.run_pio(["run", "-t", "upload"], result.project_dir, tmp_path / "upload.log", "edgekit-qemu")
    assert "self-test: 1 of 1 samples identical to the host TFLM" in run.output
    assert subprocess.run(["qemu-system-arm", "--version"], capture_output=True).returncode == 0


@pytest.mark.parametrize("name", ["vww_96_int8", "kws_ref_model", "pretrainedResnet_quant", "ad01_int8"])
def test_edgekit_runtime_on_qemu_m4_is_bit_exact_with_tflm_on_20_samples(name, run_cli, tmp_path):
    """The firmware embeds 20 pseudo-random inputs and the host TFLM's outputs for them, runs each on the
    emulated Cortex-M4 and exits with 0 only when every output is identical."""
    out = tmp_path / "out"
    code, stdout, err = run_cli("build", shared_model(f"{name}.tflite"), "-b", "qemu_m4", "--runtime", "edgekit",
                                "--selftest-samples", "20", "-o", out, "--json")
    assert code == 0, err
    summary = json.loads(stdout)
    assert summary["template"] == "edgekit_runtime"
    # the arena is the generator's own plan, exactly what the ELF holds
    assert summary["estimate"]["arena_bytes"] == summary["estimate"]["ram"]["parts"][0]["bytes"]
    # the budget before the build is the ELF's: RAM to the byte, flash within 1%
    estimate, measured = summary["estimate"], summary["measured"]
    assert estimate["ram"]["used"] == measured["ram"]["used"]
    assert abs(estimate["flash"]["used"] - measured["flash"]["used"]) <= 0.01 * measured["flash"]["used"]
    code, stdout, err = run_cli("flash", "-b", "qemu_m4", "--build-dir", out)
    assert code == 0, stdout + err
    assert "self-test: 20 of 20 samples identical to the host TFLM" in stdout


def test_runtime_choice_per_board(run_cli, tmp_path):
    code, out, err = run_cli("build", shared_model("hello_world_int8.tflite"), "-b", "qemu_m4", "--runtime", "tflm",
                             "-o", tmp_path / "a")
    # TFLM on an emulated board is compiled from the user's tree: without one, how to make it (no loop back)
    assert code == 1 and "create_tflm_tree.py" in err and "--tflm-dir" in err and "--runtime edgekit" not in err
    code, out, err = run_cli("build", shared_model("audio_preprocessor_int8.tflite"), "-b", "qemu_m4",
                             "-o", tmp_path / "b")
    # a custom op runs on neither engine: named once, with the one fix, and no advice to switch engines
    assert code == 1 and err.count("custom op 'SignalEnergy'") == 1 and "replace the layer" in err
    assert "--runtime" not in err
