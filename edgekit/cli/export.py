"""``edgekit export``: a .tflite model -> a library for the user's own firmware. No TensorFlow."""

from __future__ import annotations

import json
from pathlib import Path

import click

from edgekit.export import FORMATS, RUNTIMES

#: What a user adds to their project for each format (printed after the export, and in the README).
USAGE = {
    "cmake": "add_subdirectory({dir}) and target_link_libraries(<your target> PRIVATE edgekit_model)",
    "arduino": "Arduino IDE: Sketch > Include Library > Add .ZIP Library... > {zip}; PlatformIO: "
               "lib_deps = file://{zip}",
    "espidf": "copy {dir} into your project's components/ folder (or add it to EXTRA_COMPONENT_DIRS) and "
              "REQUIRES edgekit_model",
    "zephyr": "list {dir} in ZEPHYR_EXTRA_MODULES (or your west manifest) and set CONFIG_EDGEKIT_MODEL=y",
    "c": "include {dir}/edgekit_model.mk in your Makefile, add $(EDGEKIT_MODEL_CFLAGS) and $(EDGEKIT_MODEL_SRCS)",
}


@click.command("export")
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--format", "-f", "fmt", required=True, type=click.Choice(FORMATS), help="Library layout.")
@click.option("--output", "-o", "output", required=True, type=click.Path(path_type=Path),
              help="Library folder to write.")
@click.option("--runtime", type=click.Choice(RUNTIMES), default="edgekit", show_default=True,
              help="edgekit's ahead-of-time runtime, or TFLM's interpreter (you supply TFLM).")
@click.option("--board", "-b", help="Check the model against this board's flash and RAM first.")
@click.option("--arena-size", type=click.IntRange(min=1), metavar="BYTES",
              help="TFLM's arena (--runtime tflm); default: measured with the host TFLM plus a margin.")
@click.option("--force", is_flag=True, help="Replace an existing library folder (and .zip).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def command(model: Path, fmt: str, output: Path, runtime: str, board: str | None, arena_size: int | None,
            force: bool, as_json: bool) -> None:
    """Export MODEL (a full-integer .tflite) as a library for your own firmware, in the layout of FORMAT:
    a CMake library, an Arduino library (.zip), an ESP-IDF component, a Zephyr module, or plain C."""
    from edgekit.catalog import load_board
    from edgekit.export import export_library

    result = export_library(model, fmt, output, runtime, load_board(board) if board else None, force, arena_size)
    summary = {"output_dir": str(result.output_dir), "format": result.format, "runtime": result.runtime,
               "archive": str(result.archive) if result.archive else None, "arena_bytes": result.arena_bytes,
               "model_sha256": result.model_sha256, "files": list(result.files)}
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"exported {model.name} as a {fmt} library ({runtime} runtime) into {result.output_dir}: "
               f"{len(result.files)} files, arena {result.arena_bytes:,} B")
    if result.archive:
        click.echo(f"  archive  {result.archive}")
    click.echo("  use      " + USAGE[fmt].format(dir=result.output_dir.resolve(),
                                                 zip=(result.archive or output).resolve()))
