"""``edgekit inspect``: what a ``.tflite`` holds and whether a microcontroller can run it. No TensorFlow."""

from __future__ import annotations

from pathlib import Path

import click

from edgekit.cli import MODEL_PATH
from rich.console import Console
from rich.table import Table

from edgekit.compat import IO_TYPES, compatibility_problems
from edgekit.reader import ModelInfo, TensorInfo, read_model_file


def _quant(t: TensorInfo) -> str:
    q = t.quantization
    if q is None:
        return "-"
    if q.per_channel:
        return f"per-channel ({len(q.scales)} scales, axis {q.axis})"
    return f"scale {q.scales[0]:.6g}, zero point {q.zero_points[0]}"


def engine_verdicts(model: bytes, info: ModelInfo) -> dict[str, list[str]]:
    """Per engine (``tflm``: TFLM at HEAD, ``edgekit``: edgekit's runtime), why it cannot run the model;
    an empty list means it runs it. The edgekit runtime's verdict comes from generating its C (no
    compiler needed), so a parameter it refuses is found too."""
    from edgekit import tflm_ops
    from edgekit.codegen import runtime_context, unsupported_ops
    from edgekit.errors import ModelError

    shared = compatibility_problems(info, io_type=None)
    tflm = shared + tflm_ops.op_problems(info, tflm_ops.snapshot("tflm-tree"))
    missing = [op for op in unsupported_ops(info) if not op.startswith("CUSTOM:")]
    edgekit = shared + [f"op {op} is not in the edgekit runtime" for op in missing]
    if not edgekit:
        try:
            runtime_context(model, info)
        except ModelError as exc:
            edgekit.append(str(exc).removeprefix("Model: ").split("\nThings to try:")[0])
    return {"tflm": tflm, "edgekit": edgekit}


def _engine_line(problems: list[str]) -> str:
    return "runs it" if not problems else "does not run it: " + "; ".join(p.split(". Fix:")[0] for p in problems)


def _print(info: ModelInfo, source: str, problems: list[str], show_tensors: bool,
           engines: dict[str, list[str]]) -> None:
    console = Console()
    summary = Table(title=f"edgekit inspect: {source}", show_header=False, title_justify="left")
    summary.add_column(style="bold")
    summary.add_column(overflow="fold")
    summary.add_row("size", f"{info.size_bytes:,} B (constants {info.constant_bytes:,} B)")
    summary.add_row("sha256", info.sha256)
    summary.add_row("subgraphs", str(info.subgraph_count))
    summary.add_row("operators", f"{len(info.operators)} nodes, {len(info.ops)} distinct")
    summary.add_row("ops (version)", ", ".join(f"{op} v{v}" for op, v in info.op_versions))
    summary.add_row("MACs", f"{info.total_macs:,}")
    for role, tensors in (("input", info.input_tensors), ("output", info.output_tensors)):
        for t in tensors:
            summary.add_row(role, f"'{t.name}' {t.dtype} {list(t.shape)}; {_quant(t)}")
    summary.add_row("TFLM", _engine_line(engines["tflm"]))
    summary.add_row("edgekit runtime", _engine_line(engines["edgekit"]))
    summary.add_row("verdict", "runs on TFLM as a full-integer model" if not problems else f"{len(problems)} problem(s)")
    console.print(summary)
    if show_tensors:
        table = Table(title="Tensors", title_justify="left")
        for column in ("#", "name", "type", "shape", "bytes", "quantization"):
            table.add_column(column, overflow="fold")
        for t in info.tensors:
            table.add_row(str(t.index), t.name, t.dtype, str(list(t.shape)), f"{t.constant_bytes:,}" if t.is_constant else "", _quant(t))
        console.print(table)
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)


@click.command("inspect")
@click.argument("model", type=MODEL_PATH)
@click.option("--io-type", type=click.Choice(IO_TYPES), default="int8", show_default=True,
              help="The input/output type the model must have.")
@click.option("--tensors", "show_tensors", is_flag=True, help="List every tensor.")
@click.option("--json", "as_json", is_flag=True, help="Print the model and the verdict as JSON.")
def command(model: Path, io_type: str, show_tensors: bool, as_json: bool) -> None:
    """Show the ops, tensors, sizes, MACs and I/O quantization of a .tflite MODEL, and whether each engine
    (TFLM, the edgekit runtime) runs it.

    Exits 1 when the model has a problem (each printed with its fix).
    """
    data, info = read_model_file(model)
    problems = compatibility_problems(info, io_type)
    engines = engine_verdicts(data, info)
    if as_json:
        import json

        from edgekit.records import as_dict

        data = as_dict(info)
        data.update(ops=list(info.ops), total_macs=info.total_macs, constant_bytes=info.constant_bytes,
                    problems=problems, compatible=not problems,
                    engines={name: {"runs": not found, "problems": found} for name, found in engines.items()})
        click.echo(json.dumps(data, indent=2))
    else:
        _print(info, str(model), problems, show_tensors, engines)
    if problems:
        raise click.exceptions.Exit(1)
