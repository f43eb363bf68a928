"""``report.html``: one self-contained page per build (inline SVG and CSS, no script, no network).

Sections: the model; quantization (float vs int8 quality and per-layer error, when the build has the
quantization report); memory (the arena over the invocation under TFLM's planner and under edgekit's,
flash and RAM against the board); estimate vs measured sizes; and the device validation, when
``edgekit validate`` has run. Everything is read from the build folder, so ``edgekit report`` can render
it again at any time.
"""

from __future__ import annotations

import hashlib
import html
import json
import math
from dataclasses import dataclass, replace
from pathlib import Path

from edgekit.arena import activation_buffers, best_plan, place, plan_size, tflm_greedy_order
from edgekit.errors import RenderError
from edgekit.files import write_atomic
from edgekit.reader import ModelInfo, read_model_file
from edgekit.report import figure

REPORT_FILE = "report.html"
PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#eeca3b", "#9d755d", "#bab0ac"]
TFLM_COLOUR, EDGEKIT_COLOUR, BOUND_COLOUR = "#e45756", "#4c78a8", "#54a24b"


def write_report(build_dir: str | Path) -> Path:
    """Render ``build_dir/report.html`` from the build's files and return its path.

    :raises RenderError: when ``build_dir`` holds no build.
    """
    from edgekit.pipeline import load_last_build

    folder = Path(build_dir)
    summary = load_last_build(folder)
    return write_atomic(folder / REPORT_FILE, render_report(folder, summary))


def render_report(folder: Path, summary: dict) -> str:
    """The whole page as a string."""
    from edgekit.catalog import load_board

    model, info = read_model_file(Path(summary["model"]))
    board = load_board(summary["board"])
    quantization = _optional_json(folder / "quantization.json")
    validation = _optional_json(folder / "validation.json")
    sections = [
        _section("model", lambda: _model_section(model, info, summary, board)),
        _section("quantization", lambda: _quantization_section(quantization)),
        _section("memory", lambda: _memory_section(model, info, summary)),
        _section("sizes", lambda: _sizes_section(summary)),
        _section("validation", lambda: _validation_section(validation)),
    ]
    title = f"edgekit report: {Path(summary.get('source') or summary['model']).name} on {board.id}"
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>\n<h1>{_e(title)}</h1>\n"
            + "\n".join(sections) + "\n<footer>Written by edgekit from the files in this folder; "
            "<code>edgekit report</code> renders it again.</footer>\n</body></html>\n")


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;color:#222;
background:#fff;padding:0 1em}
h1{font-size:1.6em;border-bottom:3px solid #4c78a8;padding-bottom:.3em}
h2{font-size:1.25em;margin-top:2em;color:#2a4d75}
h3{font-size:1em;margin-bottom:.3em}
table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left;font-size:.92em}
th{background:#f3f6fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#2e7d32;font-weight:600}.bad{color:#c62828;font-weight:600}
.note{color:#555;font-size:.9em}
svg.chart{display:block;margin:.5em 0 1em;background:#fcfcfd;border:1px solid #e3e6ea}
svg text{font-family:inherit;font-size:11px;fill:#333}
.legend span{display:inline-block;margin-right:1.2em;font-size:.9em}
.legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}
footer{margin-top:3em;color:#777;font-size:.85em}
"""


# --- sections -------------------------------------------------------------------------------------------

def _section(name: str, draw) -> str:
    """One section, or a note where it would be when its record is not what this edgekit writes."""
    try:
        return draw()
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        return (f"<section id=\"{name}\"><h2>{name.capitalize()}</h2><p class=\"note\">This section could not be "
                f"drawn: a record in the build folder is incomplete or from another edgekit version "
                f"({_e(type(exc).__name__)}: {_e(exc)}). Build or validate again.</p></section>")


def _model_section(model: bytes, info: ModelInfo, summary: dict, board) -> str:
    ops: dict[str, int] = {}
    for op in info.operators:
        ops[op.op] = ops.get(op.op, 0) + 1
    weights = sum(t.constant_bytes for t in info.tensors)
    rows = [
        ("model", f"{summary.get('source') or summary['model']} (int8 {len(model):,} B, sha256 "
                  f"{hashlib.sha256(model).hexdigest()[:16]})"),
        ("board", f"{board.id}: {board.name} ({board.mcu}, {board.flash_bytes:,} B flash, {board.ram_bytes:,} B RAM)"),
        ("firmware template", f"{summary['template']} ({summary['estimate']['runtime']} runtime)"),
        ("operators", f"{len(info.operators)}: " + ", ".join(f"{name} ×{count}" for name, count in sorted(ops.items()))),
        ("multiply-accumulates", f"{info.total_macs:,} per inference"),
        ("constants (weights, biases)", f"{weights:,} B"),
    ]
    for role, tensors in (("input", info.input_tensors), ("output", info.output_tensors)):
        for i, t in enumerate(tensors):
            q = t.quantization
            quant = f", scale {q.scales[0]:.6g}, zero point {q.zero_points[0]}" if q is not None and q.scales else ""
            rows.append((f"{role} {i}", f"{t.dtype} {list(t.shape)}{quant}"))
    stages = ", ".join(f"{s['name']} {s['seconds']:.1f} s" for s in summary.get("stages", []))
    rows.append(("build stages", stages or "-"))
    return "<section id=\"model\"><h2>Model</h2>" + _table(rows) + "</section>"


def _quantization_section(report: dict | None) -> str:
    head = "<section id=\"quantization\"><h2>Quantization</h2>"
    if report is None:
        return head + ("<p class=\"note\">No quantization report in this build: it was built from an int8 "
                       ".tflite that <code>edgekit quantize</code> did not write (its report, "
                       "<code>MODEL.quant.json</code>, is copied in when it sits next to the model).</p></section>")
    rows = [("source", report.get("source", "-")), ("mode", str(report.get("mode", "-")).upper()),
            ("calibration samples", str(report.get("calibration_samples", "-"))),
            ("test samples", str(report.get("test_samples", "-")))]
    if report.get("float_bytes"):
        rows.append(("size", f"float {report['float_bytes']:,} B → int8 {report['int8_bytes']:,} B"))
    parts = [head, _table(rows)]
    # a chart per scored output when the model has several outputs, else the one output's
    per_output = report.get("output_metrics") or []
    scored = [(j, m) for j, m in enumerate(per_output) if m] if per_output else \
        [(None, report["metric"])] if report.get("metric") else []
    parts += _metric_charts("quant-accuracy", scored, "on the test data",
                            (("float", "float_model"), ("int8 (TFLite)", "int8_tflite"), ("int8 (TFLM)", "int8_tflm")))
    layers = report.get("layers") or []
    if layers:
        parts.append("<h3>Per-layer quantization error (SQNR in dB, higher is better; below 15 dB usually costs "
                     "accuracy)</h3>")
        rows = []
        for layer in layers:
            value = layer["sqnr_db"]
            finite = isinstance(value, (int, float)) and math.isfinite(value)
            colour = "#999" if not finite else BOUND_COLOUR if value >= 30 else "#eeca3b" if value >= 15 else TFLM_COLOUR
            rows.append((f"{layer['op']} {layer['tensor']}", value if finite else 0.0, colour))
        top = max([v for _, v, _ in rows] + [40.0])
        parts.append(_bar_chart("quant-layers", rows, top, lambda v: f"{v:.1f} dB", label_width=330))
    else:
        parts.append("<p class=\"note\">No per-layer error was measured (quantize ran with --no-layer-report, "
                     "with --qat, or passed an int8 model through).</p>")
    return "".join(parts) + "</section>"


def _memory_section(model: bytes, info: ModelInfo, summary: dict) -> str:
    buffers = activation_buffers(info)
    parts = ["<section id=\"memory\"><h2>Memory</h2>"]
    if buffers:
        greedy = place(tflm_greedy_order(buffers))
        # edgekit's runtime writes some outputs over their inputs (its tensors then share offsets, or a
        # convolution's output overlaps its input) and keeps some tensors as a band or a window of rows
        # (fused convolutions): the plan it compiles for the default goal (--optimize balanced), with those
        # tensors at the bytes they take
        own = buffers
        if summary["estimate"].get("runtime") == "edgekit":
            from edgekit.codegen import generate

            generated = generate(model, info)
            sizes = dict(generated.fused_sizes)
            edgekit, head = dict(generated.offsets), generated.plan_head
            own = [replace(b, size=sizes.get(b.tensor, b.size)) for b in buffers]
        else:
            plan = best_plan(info)
            edgekit, head = dict(plan.offsets), plan.head
        steps = len(info.operators)
        live = [sum(b.size for b in buffers if b.first <= s <= b.last) for s in range(steps)]

        def high_water(offsets: dict[int, int], planned: list = buffers) -> list[int]:
            return [max((offsets[b.tensor] + b.size for b in planned if b.first <= s <= b.last and b.tensor in offsets),
                        default=0) for s in range(steps)]

        parts.append(
            "<h3>Arena over the invocation: bytes in use at each operator</h3><p class=\"note\">The highest arena "
            "byte in use under each plan, and the bytes of tensors alive (no plan without in-place reuse or fused "
            f"layers can do better than the peak of that line: {max(live):,} B). TFLM's greedy planner needs "
            f"{plan_size(buffers, greedy):,} B of activations; edgekit's plan needs {head:,} B.</p>")
        parts.append(_legend([("TFLM greedy plan", TFLM_COLOUR), ("edgekit plan", EDGEKIT_COLOUR),
                              ("bytes alive", BOUND_COLOUR)]))
        parts.append(_step_chart("arena-timeline", [high_water(greedy), high_water(edgekit, own), live],
                                 [TFLM_COLOUR, EDGEKIT_COLOUR, BOUND_COLOUR], [op.op for op in info.operators]))
        for name, planned, offsets, chart in (("TFLM's greedy planner", buffers, greedy, "arena-layout-tflm"),
                                              ("edgekit's plan", own, edgekit, "arena-layout-edgekit")):
            parts.append(f"<h3>Arena layout, {name}: each tensor from the operator that writes it to its last "
                         f"reader ({plan_size(planned, offsets):,} B)</h3>")
            parts.append(_layout_chart(chart, planned, offsets, steps, info))
    for memory in ("flash", "ram"):
        estimate, measured = summary["estimate"][memory], summary["measured"][memory]
        parts.append(f"<h3>{'Flash' if memory == 'flash' else 'RAM'} against the board: {measured['used']:,} of "
                     f"{measured['limit']:,} B ({measured['percent']:.1f}%) measured</h3>")
        rows = [(p["label"], p["bytes"], PALETTE[i % len(PALETTE)]) for i, p in enumerate(estimate["parts"]) if p["bytes"]]
        parts.append(_stacked_bar(f"{memory}-budget", rows, measured["used"], measured["limit"]))
    return "".join(parts) + "</section>"


def _sizes_section(summary: dict) -> str:
    rows = []
    bars = []
    for memory, label in (("flash", "flash"), ("ram", "RAM")):
        before, after = summary["estimate"][memory]["used"], summary["measured"][memory]["used"]
        error = (before - after) / after * 100 if after else 0.0
        rows.append((label, f"{before:,}", f"{after:,}", f"{error:+.1f}%"))
        bars += [(f"{label} estimate", before, "#9ecae9"), (f"{label} measured (ELF)", after, EDGEKIT_COLOUR)]
    table = ("<table><tr><th></th><th>estimate (B)</th><th>measured from the ELF (B)</th><th>estimate error</th></tr>"
             + "".join(f"<tr><td>{_e(a)}</td><td class=\"num\">{b}</td><td class=\"num\">{c}</td>"
                       f"<td class=\"num\">{d}</td></tr>" for a, b, c, d in rows) + "</table>")
    arena = summary["measured"].get("arena_bytes")
    note = f"<p class=\"note\">Arena compiled in: {arena:,} B.</p>" if arena else ""
    return ("<section id=\"sizes\"><h2>Estimate vs measured</h2>" + table + note
            + _bar_chart("sizes", bars, max(v for _, v, _ in bars) or 1, lambda v: f"{int(v):,} B") + "</section>")


def _validation_section(result: dict | None) -> str:
    head = "<section id=\"validation\"><h2>Validation on the device</h2>"
    if result is None:
        return head + ("<p class=\"note\">Not validated yet: <code>edgekit validate --board BOARD --test-data "
                       "DATA</code> runs test samples on the device and adds the results here.</p></section>")
    identical, samples = int(result["identical"]), int(result["samples"])
    verdict = f"<span class=\"{'ok' if identical == samples else 'bad'}\">{identical} of {samples} identical</span>"
    rows = [("device", f"{result['board']} on {result['port']}" + (" (emulated)" if result.get("emulated") else "")),
            ("outputs vs the host TFLM", _Html(f"{verdict}, largest difference {_e(result['max_abs_diff'])} LSB")),
            ("latency per inference", f"mean {result['latency_us_mean']:,.0f} µs, min {result['latency_us_min']:,}, "
                                      f"max {result['latency_us_max']:,} ({result['latency_note']})"),
            ("arena on the device", f"{result['device_arena_bytes']:,} B"),
            ("link", f"{result['retries']} retries, {result['damaged_replies']} damaged replies, "
                     f"{result['device_crc_errors']} frames the device got damaged, {result['resets']} resets"),
            ("test data", result["test_data"])]
    if result.get("mismatched_samples"):
        rows.append(("differing samples", ", ".join(map(str, result["mismatched_samples"]))))
    parts = [head, _table(rows)]
    outputs = result.get("outputs") or []
    if len(outputs) > 1:
        # one row per output tensor: its own exactness and quality
        parts.append("<h3>Per output</h3><table><tr><th>output</th><th>type</th><th>identical to the host TFLM</th>"
                     "<th>largest difference (LSB)</th><th>quality (device / host int8 / float)</th></tr>")
        for output in outputs:
            a = output.get("accuracy")
            quality = (f"{a['name']}: {figure(a['device'], a['name'])} / {figure(a['host_int8'], a['name'])} / "
                       f"{figure(a['float_model'], a['name'])}") if a else "no labels"
            same = int(output["identical"])
            parts.append(f"<tr><td>{_e(output['index'])} {_e(output['name'])}</td><td>{_e(output['dtype'])}</td>"
                         f"<td class=\"num\"><span class=\"{'ok' if same == samples else 'bad'}\">{same} of "
                         f"{samples}</span></td><td class=\"num\">{_e(output['max_abs_diff'])}</td>"
                         f"<td>{_e(quality)}</td></tr>")
        parts.append("</table>")
    scored = [(o["index"], o["accuracy"]) for o in outputs if o.get("accuracy")] if len(outputs) > 1 else \
        [(None, result["accuracy"])] if result.get("accuracy") else []
    parts += _metric_charts("validation-accuracy", scored, f"on {samples} samples",
                            (("float model (host)", "float_model"), ("int8 (host TFLM)", "host_int8"),
                             ("int8 (device)", "device")))
    for note in result.get("notes", []):
        parts.append(f"<p class=\"note\">{_e(note)}</p>")
    return "".join(parts) + "</section>"


def _metric_charts(chart: str, scored: list[tuple[int | None, dict]], where: str,
                   series: tuple[tuple[str, str], ...]) -> list[str]:
    """A heading and bars per quality figure, each measured several ways (``series``: label, key in the
    figure); ``scored`` pairs an output index (None for a one-output model) with its figure."""
    parts = []
    for j, metric in scored:
        bars = [(label, metric[key], PALETTE[i]) for i, (label, key) in enumerate(series) if metric.get(key) is not None]
        top = 1.0 if metric["name"] == "accuracy" else max((v for _, v, _ in bars), default=1.0) or 1.0
        parts.append(f"<h3>{_e(metric['name'])}{'' if j is None else f' of output {j}'} {where}</h3>")
        parts.append(_bar_chart(chart + ("" if j is None else f"-{j}"), bars, top,
                                lambda v, name=metric["name"]: figure(v, name)))
    return parts


# --- charts ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Frame:
    """Plot area inside an SVG: margins around a width x height rectangle."""

    width: int = 1000
    height: int = 220
    left: int = 70
    bottom: int = 30
    top: int = 10

    @property
    def inner_width(self) -> int:
        return self.width - self.left - 10

    @property
    def inner_height(self) -> int:
        return self.height - self.bottom - self.top


def _svg(chart: str, frame: _Frame, body: str, label: str) -> str:
    return (f"<svg class=\"chart\" data-chart=\"{chart}\" role=\"img\" aria-label=\"{_e(label)}\" "
            f"xmlns=\"http://www.w3.org/2000/svg\" width=\"{frame.width}\" height=\"{frame.height}\" "
            f"viewBox=\"0 0 {frame.width} {frame.height}\">{body}</svg>")


def _bytes_axis(frame: _Frame, top: int) -> str:
    ticks = []
    for i in range(5):
        value = top * i / 4
        y = frame.top + frame.inner_height * (1 - i / 4)
        ticks.append(f"<line x1=\"{frame.left}\" x2=\"{frame.width - 10}\" y1=\"{y:.1f}\" y2=\"{y:.1f}\" "
                     f"stroke=\"#e3e6ea\"/><text x=\"{frame.left - 6}\" y=\"{y + 4:.1f}\" text-anchor=\"end\">"
                     f"{_short_bytes(value)}</text>")
    return "".join(ticks)


def _step_chart(chart: str, series: list[list[int]], colours: list[str], labels: list[str]) -> str:
    frame = _Frame()
    steps = len(labels)
    top = max(max(s) for s in series) or 1
    width = frame.inner_width / max(steps, 1)
    body = [_bytes_axis(frame, top)]
    for index, (values, colour) in enumerate(zip(series, colours)):
        points = []
        for i, value in enumerate(values):
            y = frame.top + frame.inner_height * (1 - value / top)
            points += [f"{frame.left + i * width:.1f},{y:.1f}", f"{frame.left + (i + 1) * width:.1f},{y:.1f}"]
        # earlier series drawn wider, so a later one on the same values leaves it visible around it
        stroke = 2 + 2.5 * (len(series) - 1 - index)
        body.append(f"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"{stroke:.1f}\" "
                    f"stroke-opacity=\"0.85\" points=\"{' '.join(points)}\"/>")
    every = max(1, steps // 20)
    for i in range(0, steps, every):
        body.append(f"<text x=\"{frame.left + (i + 0.5) * width:.1f}\" y=\"{frame.height - 12}\" "
                    f"text-anchor=\"middle\">{i}</text>")
    body.append(f"<text x=\"{frame.left + frame.inner_width / 2:.0f}\" y=\"{frame.height - 1}\" "
                "text-anchor=\"middle\">operator</text>")
    return _svg(chart, frame, "".join(body), "arena bytes in use per operator")


def _layout_chart(chart: str, buffers, offsets: dict[int, int], steps: int, info: ModelInfo) -> str:
    frame = _Frame(height=200)
    top = max((offsets[b.tensor] + b.size for b in buffers), default=1) or 1
    width = frame.inner_width / max(steps, 1)
    body = [_bytes_axis(frame, top)]
    for i, b in enumerate(sorted(buffers, key=lambda b: b.tensor)):
        x = frame.left + b.first * width
        y = frame.top + frame.inner_height * (1 - (offsets[b.tensor] + b.size) / top)
        h = max(frame.inner_height * b.size / top, 1.0)
        name = info.tensors[b.tensor].name
        body.append(f"<rect x=\"{x:.1f}\" y=\"{y:.1f}\" width=\"{max((b.last - b.first + 1) * width - 1, 1):.1f}\" "
                    f"height=\"{h:.1f}\" fill=\"{PALETTE[i % len(PALETTE)]}\" fill-opacity=\"0.8\" stroke=\"#fff\" "
                    f"stroke-width=\"0.5\"><title>{_e(name)}: {b.size:,} B at {offsets[b.tensor]:,}, operators "
                    f"{b.first}-{b.last}</title></rect>")
    return _svg(chart, frame, "".join(body), "arena layout")


def _bar_chart(chart: str, rows: list[tuple[str, float, str]], top: float, text, label_width: int = 180) -> str:
    bar, gap = 18, 6
    frame = _Frame(height=max(len(rows), 1) * (bar + gap) + 10, left=label_width, bottom=0, top=5)
    span = frame.inner_width - 80
    body = []
    for i, (label, value, colour) in enumerate(rows):
        y = frame.top + i * (bar + gap)
        w = max(span * (value / top if top else 0), 1)
        body.append(f"<text x=\"{label_width - 8}\" y=\"{y + 13}\" text-anchor=\"end\">{_e(_clip(label, label_width // 7))}</text>"
                    f"<rect x=\"{label_width}\" y=\"{y}\" width=\"{w:.1f}\" height=\"{bar}\" fill=\"{colour}\"/>"
                    f"<text x=\"{label_width + w + 6:.1f}\" y=\"{y + 13}\">{_e(text(value))}</text>")
    return _svg(chart, frame, "".join(body), chart)


def _stacked_bar(chart: str, parts: list[tuple[str, int, str]], measured: int, limit: int) -> str:
    frame = _Frame(height=70, left=10, bottom=20, top=10)
    scale = frame.inner_width / max(limit, measured, sum(v for _, v, _ in parts), 1)
    body, x = [f"<rect x=\"{frame.left}\" y=\"{frame.top}\" width=\"{frame.inner_width}\" height=\"30\" "
               "fill=\"#eef1f5\" stroke=\"#ccc\"/>"], float(frame.left)
    for label, value, colour in parts:
        w = value * scale
        body.append(f"<rect x=\"{x:.1f}\" y=\"{frame.top}\" width=\"{max(w, 0.5):.1f}\" height=\"30\" fill=\"{colour}\">"
                    f"<title>{_e(label)}: {value:,} B (estimate)</title></rect>")
        x += w
    mark = frame.left + measured * scale
    body.append(f"<line x1=\"{mark:.1f}\" x2=\"{mark:.1f}\" y1=\"{frame.top - 6}\" y2=\"{frame.top + 36}\" "
                f"stroke=\"#222\" stroke-width=\"2\"/><text x=\"{frame.left}\" y=\"{frame.height - 4}\">estimate "
                f"parts (coloured) and the measured size (black line) against {limit:,} B</text>")
    legend = _legend([(f"{label} {value:,} B", colour) for label, value, colour in parts])
    return _svg(chart, frame, "".join(body), f"{chart}: {measured:,} of {limit:,} bytes") + legend


def _legend(items: list[tuple[str, str]]) -> str:
    return "<div class=\"legend\">" + "".join(f"<span><i style=\"background:{c}\"></i>{_e(t)}</span>"
                                              for t, c in items) + "</div>"


# --- small helpers --------------------------------------------------------------------------------------

class _Html(str):
    """Markup made here, put into a table cell as it is (everything else is escaped)."""


def _table(rows: list[tuple[str, str]]) -> str:
    return "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{v if isinstance(v, _Html) else _e(v)}</td></tr>"
                               for k, v in rows) + "</table>"


#: What writes each side file, for the message when one is damaged.
_SIDE_FILE_FIX = {"validation.json": "run `edgekit validate` again to write it anew",
                  "quantization.json": "build again with `edgekit build` to write it anew"}


def _optional_json(path: Path) -> dict | None:
    """A side file of the build (validation.json, quantization.json), or None when there is none.

    :raises RenderError: for one that is damaged: the page would silently lose its section, and the last
        good report.html is better left as it is.
    """
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        problem = getattr(exc, "strerror", None) or str(exc)
    else:
        if isinstance(data, dict):
            return data
        problem = f"a JSON {type(data).__name__}, not an object"
    raise RenderError(f"{path} is damaged ({problem}); the report was not written",
                      [_SIDE_FILE_FIX.get(path.name, "write it anew"), f"or delete {path} to leave it out of the report"])


def _short_bytes(value: float) -> str:
    if value >= 1024 * 1024:
        return f"{value / 1024 / 1024:.1f} MiB"
    return f"{value / 1024:.1f} KiB" if value >= 1024 else f"{value:.0f} B"


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else "…" + text[-(size - 1):]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)
