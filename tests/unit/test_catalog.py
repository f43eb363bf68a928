"""The board catalog: every shipped board loads, names resolve, and broken board files are refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgekit.catalog import BOARDS_PATH_VARIABLE, SCHEMA, list_boards, load_board, resolve_board_name
from edgekit.errors import BoardError
from edgekit.render import list_templates

INVALID = Path(__file__).resolve().parents[1] / "boards"

# The boards the render issue names, plus the rest of the catalog so far.
REQUIRED = {"esp32dev", "esp32-s3-devkitc-1", "esp32-c3-devkitm-1", "seeed_xiao_esp32s3", "nano33ble", "nrf52840_dk",
            "pico", "nucleo_f446re", "nucleo_l4r5zi", "disco_f746ng", "nucleo_h743zi", "teensy41", "portenta_h7_m7",
            "qemu_m3", "qemu_m4", "qemu_m7", "host"}


def test_every_shipped_board_loads_and_cites_its_numbers():
    boards = {board.id: board for board in list_boards()}
    assert REQUIRED <= set(boards)
    templates = set(list_templates())
    for board in boards.values():
        assert set(board.templates) <= templates, board.id
        assert board.default_template in board.templates or not board.templates
        sources = dict(board.sources)
        for key in ("upload.maximum_size", "upload.maximum_ram_size", "build.f_cpu_mhz"):
            assert sources.get(key), f"{board.id}: {key} has no source"
        assert 0 < board.usable_flash <= board.flash_bytes
        assert 0 < board.static_ram_limit <= board.ram_bytes


def test_framework_baselines_are_per_framework_and_sourced():
    board = load_board("esp32dev")
    assert dict(board.framework_flash)["arduino"] > dict(board.framework_flash)["espidf"] > 100_000
    assert "AceTime" in board.source("memory.framework_flash.arduino")
    assert dict(load_board("nano33ble").framework_ram)["arduino"] > 40_000  # mbed OS takes its share


def test_emulated_boards_match_qemus_memory_map():
    for name, core in (("qemu_m3", "cortex-m3"), ("qemu_m4", "cortex-m4"), ("qemu_m7", "cortex-m7")):
        board = load_board(name)
        assert board.core == core and board.flash_bytes == board.ram_bytes == 4 * 1024 * 1024
    assert load_board("qemu").id == "qemu_m4"


def test_esp32_flash_budget_is_the_app_partition_not_the_chip():
    board = load_board("esp32")
    assert board.id == "esp32dev"
    assert board.flash_bytes == 4194304
    assert board.usable_flash == 1310720  # app0 = 0x140000 in the default partition table
    assert board.static_ram_limit == 163840


@pytest.mark.parametrize("spelling", ["ESP32", "esp32-devkitc", "Nucleo-F446RE", "nucleo_f446re", "xiao-esp32s3"])
def test_ids_and_aliases_resolve_regardless_of_case_and_hyphens(spelling):
    assert resolve_board_name(spelling) in {b.id for b in list_boards()}


def test_unknown_board_suggests_the_closest_names():
    with pytest.raises(BoardError) as caught:
        load_board("nucleo_f446")
    message = str(caught.value)
    assert "unknown board 'nucleo_f446'" in message
    assert "nucleo_f446re" in message


@pytest.mark.parametrize("name, expected", [
    ("invalid_missing_key", "required key 'upload.maximum_ram_size' is missing"),
    ("invalid_mistyped_key", "unknown key 'build.mcuu'"),
    ("invalid_wrong_type", "key 'upload.maximum_ram_size' must be int"),
    ("invalid_unsourced_number", "'upload.maximum_ram_size' = 131072 has no entry in [sources]"),
    ("invalid_default_template", "firmware.default_template 'tflm_espidf' is not in firmware.templates"),
    ("invalid_cycle_a", "'extends' forms a cycle"),
    ("invalid_syntax", "is not valid TOML"),
    ("invalid_framework_unsourced", "'memory.framework_flash.arduino' = 9656 has no entry in [sources]"),
])
def test_broken_board_files_name_the_file_the_key_and_the_expectation(name, expected, monkeypatch):
    monkeypatch.setenv(BOARDS_PATH_VARIABLE, str(INVALID))
    with pytest.raises(BoardError) as caught:
        load_board(name)
    message = str(caught.value)
    assert expected in message
    assert f"{name}.toml" in message


def test_mistyped_key_suggests_the_right_one(monkeypatch):
    monkeypatch.setenv(BOARDS_PATH_VARIABLE, str(INVALID))
    with pytest.raises(BoardError, match="did you mean 'build.mcu'"):
        load_board("invalid_mistyped_key")


def test_user_boards_folder_adds_boards_and_extends_shipped_ones(tmp_path, monkeypatch):
    (tmp_path / "my_f446.toml").write_text(
        'extends = "nucleo_f446re"\nname = "My F446 carrier"\naliases = ["mine"]\n'
        '[upload]\nmaximum_size = 262144\n[sources]\n"upload.maximum_size" = "our linker script"\n'
    )
    monkeypatch.setenv(BOARDS_PATH_VARIABLE, str(tmp_path))
    board = load_board("mine")
    assert board.id == "my_f446"
    assert board.flash_bytes == 262144
    assert board.ram_bytes == load_board("nucleo_f446re").ram_bytes  # inherited
    assert dict(board.sources)["upload.maximum_size"] == "our linker script"
    assert "my_f446" in {b.id for b in list_boards()}


def test_user_board_with_a_shipped_name_replaces_it(tmp_path, monkeypatch):
    shipped = Path(load_board("pico").path)
    text = shipped.read_text().replace('name = "Raspberry Pi Pico"', 'name = "Pico, our copy"')
    (tmp_path / "pico.toml").write_text(text)
    monkeypatch.setenv(BOARDS_PATH_VARIABLE, str(tmp_path))
    assert load_board("pico").name == "Pico, our copy"


def test_schema_documents_every_key():
    for key, (kind, required, meaning) in SCHEMA.items():
        assert meaning and kind in (str, int, bool, list, dict)


def test_boards_command_lists_every_board(run_cli):
    code, out, err = run_cli("boards")
    assert code == 0, err
    assert "esp32dev" in out and "1,310,720" in out and "qemu_m4" in out
    code, out, err = run_cli("boards", "--json")
    import json

    boards = {b["id"]: b for b in json.loads(out)}
    assert REQUIRED <= set(boards)
    assert boards["seeed_xiao_esp32s3"]["psram"] == 8 * 1024 * 1024
