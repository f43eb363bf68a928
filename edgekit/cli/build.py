"""``edgekit build``: model -> quantized, checked, rendered and built firmware, in one command."""

from __future__ import annotations

import json
from pathlib import Path

import click

from edgekit.catalog import OPTIMIZE_GOALS, OPTIMIZE_HELP, RUNTIMES
from edgekit.cli import MODEL_PATH


@click.command("build")
@click.argument("model", type=MODEL_PATH)
@click.option("--board", "-b", required=True, help="Board id or alias (see `edgekit boards`).")
@click.option("--output", "-o", "output", type=click.Path(path_type=Path),
              help="Output folder (default: edgekit-build/<board>).")
@click.option("--runtime", type=click.Choice(RUNTIMES),
              help="Inference runtime in the firmware (default: the board's; edgekit on the emulated boards, where tflm "
                   "needs --tflm-dir).")
@click.option("--template", "-t", help="Firmware template (default: the board's own).")
@click.option("--rep-data", metavar="DATA", help="Representative data, to quantize a float model first.")
@click.option("--offline-plan", is_flag=True, help="Write edgekit's activation plan into the model (smaller arena).")
@click.option("--arena-size", type=click.IntRange(min=1), metavar="BYTES", help="Tensor arena (default: estimated).")
@click.option("--tflm-dir", type=click.Path(path_type=Path, file_okay=False), help="TFLM tree (create_tflm_tree.py output) for bare-metal and emulated boards.")
@click.option("--selftest-data", metavar="DATA",
              help="Boot self-test inputs: the first samples of DATA (x, or x_0, x_1, ... for several inputs).")
@click.option("--selftest-samples", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many samples the boot self-test checks against the host TFLM.")
@click.option("--optimize", type=click.Choice(OPTIMIZE_GOALS), default="balanced", show_default=True,
              help=OPTIMIZE_HELP)
@click.option("--force", is_flag=True, help="Replace project files edited since the last build.")
@click.option("--json", "as_json", is_flag=True, help="Print the build summary as JSON.")
@click.pass_context
def command(ctx: click.Context, model: Path, board: str, output: Path | None, runtime: str, template: str | None,
            rep_data: str | None, offline_plan: bool, arena_size: int | None, tflm_dir: Path | None,
            selftest_data: str | None, selftest_samples: int, optimize: str, force: bool, as_json: bool) -> None:
    """Build firmware for BOARD from MODEL (.tflite, or a Keras/SavedModel with --rep-data).

    Stages: quantize, read, budget (before), render, PlatformIO build, budget (from the ELF). Fails, with
    what to try, when the model does not fit before or after the build. Boards with edgekit's own
    platforms (qemu_m3, qemu_m4, qemu_m7, host) build offline; run them with `edgekit flash`.
    """
    from edgekit.pipeline import BuildOptions, build

    verbose = (ctx.find_root().params.get("verbose") or 0) > 0
    options = BuildOptions(runtime=runtime, template=template, rep_data=rep_data, offline_plan=offline_plan,
                           arena_bytes=arena_size, tflm_dir=tflm_dir, selftest_data=selftest_data,
                           selftest_count=selftest_samples, force=force, optimize=optimize)
    result = build(model, board, output, options, progress=lambda line: click.echo(f"edgekit: {line}", err=True),
                   pio_line=(lambda line: click.echo(f"  | {line}", err=True)) if verbose else None)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    before, after = result.before, result.after
    click.echo(f"built {result.firmware} for {result.board} ({result.template})")
    click.echo(f"{'':<8}{'estimate':>14}{'measured':>14}{'limit':>16}")
    click.echo(f"{'flash':<8}{before.flash.used:>14,}{after.flash.used:>14,}{after.flash.limit:>16,}")
    click.echo(f"{'RAM':<8}{before.ram.used:>14,}{after.ram.used:>14,}{after.ram.limit:>16,}")
    click.echo("stages: " + ", ".join(f"{s.name} {s.seconds:.1f} s" for s in result.stages))
    click.echo(f"log: {result.output_dir / 'build.log'}")
