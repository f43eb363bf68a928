"""Each firmware template: a golden snapshot of the project it renders, and platformio.ini files that
PlatformIO's own parser accepts offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from edgekit.catalog import load_board
from edgekit.reader import read_model_file
from edgekit.render import RenderOptions, list_templates, render_files, render_project
from tests.conftest import make_tflm_tree, shared_model

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"
#: One board per template for the snapshots.
TEMPLATE_BOARDS = {
    "tflm_espidf": "esp32dev",
    "tflm_chirale": "nano33ble",
    "tflm_arduino": "nano33ble",
    "tflm_baremetal": "nucleo_f446re",
}
TREE_MARK = "<TFLM_DIR>"


def test_every_template_has_a_snapshot_board():
    assert set(list_templates()) == set(TEMPLATE_BOARDS)


def _render(template: str, board: str, tree_parent: Path, **extra) -> dict[str, str]:
    model, info = read_model_file(shared_model("hello_world_int8.tflite"))
    tree = make_tflm_tree(tree_parent / "tflm") if template == "tflm_baremetal" else None
    files, _ = render_files(model, info, load_board(board), RenderOptions(
        template=template, arena_bytes=2048, tflm_dir=tree, model_name="hello_world", **extra))
    # The tree's absolute path differs between machines; the snapshot holds a marker instead.
    return {k: v.replace(str(tree.resolve()), TREE_MARK) if tree else v for k, v in files.items()}


@pytest.mark.parametrize("template", sorted(TEMPLATE_BOARDS))
def test_rendered_project_matches_its_golden_snapshot(template, tmp_path, update_snapshots):
    files = _render(template, TEMPLATE_BOARDS[template], tmp_path)
    folder = SNAPSHOTS / template
    if update_snapshots:
        for old in folder.rglob("*"):
            if old.is_file():
                old.unlink()
        for relative, text in files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text)
    golden = {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()}
    assert sorted(golden) == sorted(files), "re-run with --update-snapshots after a deliberate template change"
    for relative, text in files.items():
        assert text == golden[relative], f"{template}/{relative} differs from its snapshot (--update-snapshots)"


def _pio_config(project: Path, core_dir: Path) -> dict:
    """PlatformIO's own parse of the project's platformio.ini (`pio project config`), offline."""
    env = {**os.environ, "PLATFORMIO_CORE_DIR": str(core_dir), "PLATFORMIO_NO_ANSI": "1"}
    done = subprocess.run([sys.executable, "-m", "platformio", "project", "config", "--json-output"],
                          cwd=project, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr.lower(), done.stderr
    return {section: dict(options) for section, options in json.loads(done.stdout)}


@pytest.mark.parametrize("board, template", [
    ("esp32dev", "tflm_espidf"), ("esp32dev", "tflm_chirale"), ("nano33ble", "tflm_chirale"),
    ("nano33ble", "tflm_arduino"), ("pico", "tflm_chirale"), ("nucleo_f446re", "tflm_baremetal"),
])
def test_platformio_accepts_the_rendered_configuration(board, template, tmp_path):
    model, info = read_model_file(shared_model("hello_world_int8.tflite"))
    tree = make_tflm_tree(tmp_path / "tflm") if template == "tflm_baremetal" else None
    target = load_board(board)
    render_project(model, info, target, tmp_path / "fw",
                   RenderOptions(template=template, arena_bytes=2048, tflm_dir=tree))
    config = _pio_config(tmp_path / "fw", tmp_path / "pio-core")
    env = config[f"env:{board}"]
    assert config["platformio"]["default_envs"] == [board]
    assert env["board"] == target.pio_board
    assert env["platform"].startswith(target.platform)
    assert env["monitor_speed"] == target.monitor_speed
    assert env["framework"] == [{"tflm_espidf": "espidf", "tflm_baremetal": "cmsis"}.get(template, "arduino")]
    flags = " ".join(env.get("build_flags", []))
    if template == "tflm_baremetal":
        assert "-mfpu=fpv4-sp-d16" in flags and "-mfloat-abi=hard" in flags  # the STM32 bare framework omits them
        assert "-DTF_LITE_STATIC_MEMORY" in flags and "-DCMSIS_NN" in flags
        assert env["lib_deps"] == ["tflm"]
        library = json.loads((tmp_path / "fw" / "lib" / "tflm" / "library.json").read_text())
        assert library["build"]["srcDir"] == str(tree.resolve())
    elif template != "tflm_espidf":
        assert any("TensorF" in dep or "tflite-micro" in dep for dep in env["lib_deps"])
