"""``edgekit render``: a .tflite model -> a PlatformIO firmware project for one board. No TensorFlow."""

from __future__ import annotations

import json
from pathlib import Path

import click

from edgekit.catalog import OPTIMIZE_GOALS, OPTIMIZE_HELP
from edgekit.cli import MODEL_PATH


@click.command("render")
@click.argument("model", type=MODEL_PATH)
@click.option("--board", "-b", required=True, help="Board id or alias (see `edgekit boards`).")
@click.option("--output", "-o", "output", required=True, type=click.Path(path_type=Path),
              help="Project folder to write (created if missing).")
@click.option("--template", "-t", help="Firmware template (default: the board's own).")
@click.option("--arena-size", type=click.IntRange(min=1), metavar="BYTES",
              help="Tensor arena compiled in (default: TFLM's need on a 32-bit target, from the host TFLM "
                   "allocator, plus optimized-kernel scratch and a margin).")
@click.option("--offline-plan", is_flag=True,
              help="Write edgekit's activation plan into the model (OfflineMemoryAllocation) so TFLM's arena shrinks.")
@click.option("--tflm-dir", type=click.Path(path_type=Path, file_okay=False),
              help="TFLM source tree for the bare-metal template (from create_tflm_tree.py).")
@click.option("--selftest-data", metavar="DATA",
              help="Take the boot self-test input from the first sample of DATA (as for quantize).")
@click.option("--optimize", type=click.Choice(OPTIMIZE_GOALS), default="balanced", show_default=True,
              help=OPTIMIZE_HELP)
@click.option("--force", is_flag=True, help="Replace files edgekit did not write or that were edited since.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def command(model: Path, board: str, output: Path, template: str | None, arena_size: int | None,
            offline_plan: bool, tflm_dir: Path | None, selftest_data: str | None, optimize: str, force: bool,
            as_json: bool) -> None:
    """Render MODEL (a full-integer .tflite) as a PlatformIO project for BOARD in OUTPUT.

    The project holds the model as an aligned const C array, an op resolver with exactly the model's
    ops, quantize/dequantize helpers, and a main that reports the arena, runs a self-test at boot and
    serves edgekit's serial protocol. Files the user wrote or changed are never replaced without --force.
    """
    from edgekit.arena import best_plan, estimate_tflm_arena, with_offline_plan
    from edgekit.budget import arena_to_compile
    from edgekit.catalog import load_board
    from edgekit.reader import read_model, read_model_file
    from edgekit.render import (RenderOptions, check_model, choose_template, render_project,
                                selftest_input_from_data)
    from edgekit import tflm_ops

    data, info = read_model_file(model)
    target = load_board(board)
    chosen = choose_template(target, template)
    if not chosen.needs_tflm_dir:  # a tree's own op set is checked when rendering
        check_model(info, chosen, tflm_ops.snapshot(chosen.op_snapshot))
    saving = 0
    if offline_plan:
        plan = best_plan(info)
        saving = plan.saving
        if saving > 0:
            data = with_offline_plan(data, plan)
            info = read_model(data, str(model))
    arena = arena_size or arena_to_compile(estimate_tflm_arena(data), info, chosen)
    options = RenderOptions(
        template=template,
        arena_bytes=arena,
        tflm_dir=tflm_dir,
        selftest_input=selftest_input_from_data(selftest_data, info) if selftest_data else None,
        selftest_origin=f"the first sample of {selftest_data}" if selftest_data else "",
        model_name=model.stem,
        force=force,
        optimize=optimize,
    )
    result = render_project(data, info, target, output, options)
    if saving:
        # the device runs (and reports the hash of) the planned model: give the user that exact file
        (result.project_dir / "model_offline_plan.tflite").write_bytes(data)
    summary = {
        "project_dir": str(result.project_dir),
        "board": target.id,
        "template": result.template.name,
        "library": f"{result.template.library} {result.template.library_version}",
        "checked_against": result.template.checked_against,
        "ops": list(result.ops),
        "arena_bytes": arena,
        "model_bytes": info.size_bytes,
        "selftest_checked": result.selftest_checked,
        "offline_plan_saving": saving,
        "files": list(result.files),
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"rendered {len(result.files)} files into {result.project_dir} for {target.id} ({target.name})")
    click.echo(f"  template  {result.template.name}: {result.template.title}")
    click.echo(f"  ops       {len(result.ops)}: {', '.join(result.ops)}")
    click.echo(f"  arena     {arena:,} B{'' if arena_size else ' (estimated for a 32-bit target, with scratch and margin)'}")
    if offline_plan:
        click.echo(f"  plan      offline memory plan written into the model ({output / 'model_offline_plan.tflite'}): "
                   f"{saving:,} B less arena"
                   if saving else "  plan      TFLM's own plan is already optimal for this model; none written")
    if "cmsis" in result.template.frameworks and target.serial == "none" and "cmsis" in target.frameworks:
        click.echo(f"  serial    edgekit has no UART driver for {target.id}: define ek_board_serial_init/write/read "
                   "in src/main.cpp for your UART")
    click.echo(f"  build     cd {result.project_dir} && pio run")
