"""``edgekit validate``: run test samples on the device over the serial protocol and compare with the host."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("validate")
@click.option("--board", "-b", required=True, help="Board id or alias.")
@click.option("--port", "-p", help="Serial port (default: the one USB serial device; an emulated board is started).")
@click.option("--test-data", required=True, metavar="DATA",
              help="Test samples (.npy, .npz with x and y, an image folder, module:function; several inputs: "
                   "x_0, x_1, ... and y or y_0, y_1, ...); labels give accuracy, per output.")
@click.option("--n", "count", type=click.IntRange(min=1), default=100, show_default=True, help="How many samples.")
@click.option("--build-dir", type=click.Path(path_type=Path), help="Output folder of `edgekit build` "
              "(default: edgekit-build/<board>).")
@click.option("--float-model", metavar="MODEL", help="The float model, for float accuracy (default: the one the "
              "build's quantization report names).")
@click.option("--timeout", type=click.FloatRange(min=0.5), default=10.0, show_default=True,
              help="Seconds to wait for each reply before retrying.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def command(ctx: click.Context, board: str, port: str | None, test_data: str, count: int, build_dir: Path | None,
            float_model: str | None, timeout: float, as_json: bool) -> None:
    """Send test inputs to the firmware built for BOARD and check its outputs against the host: exact match
    with the tflite-micro interpreter, accuracy on device vs host int8 vs float, the device's own latency.
    Exits 1 when any output differs. The result also goes to BUILD_DIR/validation.json and report.html."""
    from edgekit.catalog import load_board
    from edgekit.htmlreport import write_report
    from edgekit.pipeline import default_output_dir
    from edgekit.report import figure
    from edgekit.validate import validate

    target = load_board(board)
    folder = build_dir or default_output_dir(target)
    verbose = (ctx.find_root().params.get("verbose") or 0) > 0
    result = validate(folder, target.id, test_data, count, port, float_model, timeout,
                      progress=lambda line: click.echo(f"edgekit: {line}", err=True),
                      on_text=(lambda line: click.echo(f"  | {line}", err=True)) if verbose else (lambda line: None))
    page = write_report(folder)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    else:
        click.echo(f"validated {result.samples} samples on {result.board} ({result.port})")
        click.echo(f"  identical to the host TFLM: {result.identical}/{result.samples} "
                   f"({result.exact_match_rate:.1%}), max difference {result.max_abs_diff} LSB")
        if result.mismatched_samples:
            click.echo(f"  differing samples: {', '.join(map(str, result.mismatched_samples))}")
        for output in result.outputs:
            if len(result.outputs) > 1:
                click.echo(f"  output {output.index} ({output.dtype}): {output.identical}/{result.samples} identical"
                           + (f", max difference {output.max_abs_diff} LSB" if output.max_abs_diff else ""))
            if output.accuracy:
                a = output.accuracy
                click.echo(f"  {a.name} of output {output.index}: device {figure(a.device, a.name)}, host int8 "
                           f"{figure(a.host_int8, a.name)}, float {figure(a.float_model, a.name)}")
        click.echo(f"  latency: mean {result.latency_us_mean:,.0f} µs, min {result.latency_us_min:,}, "
                   f"max {result.latency_us_max:,} ({result.latency_note})")
        link = f"{result.retries} retries, {result.damaged_replies} damaged replies, {result.resets} resets"
        click.echo(f"  link: {link}; {result.seconds:.1f} s")
        for note in result.notes:
            click.echo(f"  note: {note}")
        click.echo(f"report: {page}")
    if result.identical != result.samples:
        raise click.exceptions.Exit(1)
