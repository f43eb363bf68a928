"""Render records for people (rich tables) and for programs (JSON).

Tables go to stdout because they are the result a user asked for; progress and warnings go to stderr
through :mod:`logging`, so ``--json`` output stays machine-readable.
"""

from __future__ import annotations

import json
import math
from typing import Any

from rich.console import Console
from rich.table import Table

from edgekit.records import QuantReport, as_dict


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def to_json(record: Any) -> str:
    """A record as indented JSON (NaN becomes null, infinities become strings, so any parser reads it)."""
    return json.dumps(_json_safe(as_dict(record)), indent=2, sort_keys=True)


def _size(n: int | None) -> str:
    return "-" if n is None else f"{n:,} B ({n / 1024:.1f} KiB)"


def figure(value: float | None, metric: str) -> str:
    """A quality figure as people read it: accuracy in percent, anything else (MSE) to 6 digits."""
    if value is None:
        return "-"
    return f"{value * 100:.2f} %" if metric == "accuracy" else f"{value:.6g}"


def print_quant_report(report: QuantReport, console: Console | None = None, worst: int = 5) -> None:
    """Print the quantization report: sizes, model quality, TFLite/TFLM agreement and the worst layers."""
    console = console or Console()
    summary = Table(title=f"edgekit quantize: {report.source} ({report.mode.upper()}, {report.io_type} I/O)",
                    show_header=False, title_justify="left")
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("float .tflite", _size(report.float_bytes))
    summary.add_row("int8 .tflite", _size(report.int8_bytes))
    if report.ratio:
        summary.add_row("size ratio (float / int8)", f"{report.ratio:.2f}x")
    summary.add_row("ops", ", ".join(report.ops))
    summary.add_row("calibration samples", str(report.calibration_samples))
    # one block of figures per scored output when the model has several, else the single output's
    scored = ([(f"output {j} ", m) for j, m in enumerate(report.output_metrics) if m is not None]
              if report.output_metrics else [("", report.metric)] if report.metric is not None else [])
    for prefix, m in scored:
        summary.add_row(f"{prefix}float {m.name}", figure(m.float_model, m.name))
        summary.add_row(f"{prefix}int8 {m.name} (TFLite)", figure(m.int8_tflite, m.name))
        summary.add_row(f"{prefix}int8 {m.name} (TFLM)", figure(m.int8_tflm, m.name))
        if m.float_model is not None and m.int8_tflite is not None and m.name == "accuracy":
            summary.add_row(f"{prefix}accuracy change", f"{(m.int8_tflite - m.float_model) * 100:+.2f} points")
    if report.tflite_tflm_agreement is not None:
        summary.add_row(
            "TFLite vs TFLM",
            f"{report.tflite_tflm_agreement * 100:.1f} % of samples identical (max diff {report.tflite_tflm_max_diff} LSB)",
        )
    summary.add_row("time", f"{report.seconds:.1f} s")
    console.print(summary)
    if report.layers:
        layers = Table(title=f"Per-layer quantization error (worst {min(worst, len(report.layers))} of "
                             f"{len(report.layers)}, SQNR: higher is better)", title_justify="left")
        layers.add_column("op")
        layers.add_column("tensor", overflow="fold")
        layers.add_column("SQNR dB", justify="right")
        layers.add_column("max abs error", justify="right")
        for layer in report.worst_layers(worst):
            layers.add_row(layer.op, layer.tensor, f"{layer.sqnr_db:.1f}", f"{layer.max_abs_error:.4g}")
        console.print(layers)
