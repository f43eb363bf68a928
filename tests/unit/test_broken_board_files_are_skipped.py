"""A broken board file in EDGEKIT_BOARDS_PATH is skipped with a warning unless it is the board asked for; a
missing EDGEKIT_BOARDS_PATH folder is named in a warning instead of being ignored."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from edgekit.catalog import BOARDS_PATH_VARIABLE
from tests.conftest import shared_model

INVALID = Path(__file__).resolve().parents[1] / "boards"


@pytest.fixture
def broken_boards(tmp_path, monkeypatch):
    folder = tmp_path / "boards"
    folder.mkdir()
    for name in ("invalid_syntax", "invalid_missing_key"):
        shutil.copy(INVALID / f"{name}.toml", folder)
    monkeypatch.setenv(BOARDS_PATH_VARIABLE, str(folder))
    return folder


@pytest.mark.parametrize("board", ["qemu_m4", "qemu"])  # by id and by alias (the alias table reads every file)
def test_shipped_board_still_works_beside_a_broken_user_file(board, broken_boards, run_cli):
    code, out, err = run_cli("check", shared_model("hello_world_int8.tflite"), "-b", board)
    assert code == 0, err
    assert "qemu_m4: fits" in out
    assert f"warning: skipping board 'invalid_syntax': Board file '{broken_boards / 'invalid_syntax.toml'}': is not " \
           "valid TOML" in err or board == "qemu_m4"


def test_board_listing_skips_broken_files_with_a_warning(broken_boards, run_cli):
    code, out, err = run_cli("boards")
    assert code == 0, err
    assert "qemu_m4" in out and "invalid_syntax" not in out
    assert "warning: skipping board 'invalid_syntax'" in err
    assert "warning: skipping board 'invalid_missing_key'" in err and "required key" in err
    assert "Traceback" not in err


def test_the_broken_board_asked_for_is_an_error(broken_boards, run_cli):
    code, out, err = run_cli("check", shared_model("hello_world_int8.tflite"), "-b", "invalid_syntax")
    assert code == 1
    assert "error: Board file" in err and "invalid_syntax.toml': is not valid TOML" in err


def test_missing_boards_path_folder_is_warned_about(tmp_path, monkeypatch, run_cli):
    missing = tmp_path / "no-such-folder"
    monkeypatch.setenv(BOARDS_PATH_VARIABLE, str(missing))
    code, out, err = run_cli("check", shared_model("hello_world_int8.tflite"), "-b", "qemu_m4")
    assert code == 0
    assert f"warning: {BOARDS_PATH_VARIABLE} names '{missing}', which is not a folder" in err
