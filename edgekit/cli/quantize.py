"""``edgekit quantize``: a float model in, a full-integer ``.tflite`` and a report out."""

from __future__ import annotations

from pathlib import Path

import click

from edgekit.cli import MODEL_PATH

from edgekit.compat import IO_TYPES
from edgekit.datasets import IMAGE_RANGES


@click.command("quantize")
@click.argument("model", type=MODEL_PATH)
@click.option("--rep-data", "rep_data", metavar="DATA",
              help="Representative samples for calibration: .npy, .npz[:key], .tfrecord (or a glob of shards), an image "
                   "folder, or module:function (arrays, samples or a tf.data.Dataset).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, help="Where to write the int8 .tflite.")
@click.option("--test-data", metavar="DATA", help="Labelled samples (x, y) to compare float and int8 accuracy.")
@click.option("--qat", is_flag=True, help="Quantization-aware training (tensorflow-model-optimization) before converting.")
@click.option("--train-data", metavar="DATA", help="Labelled training samples for --qat.")
@click.option("--epochs", type=click.IntRange(min=1), default=3, show_default=True, help="QAT epochs.")
@click.option("--learning-rate", type=click.FloatRange(min=0, min_open=True), default=1e-4, show_default=True,
              help="QAT learning rate.")
@click.option("--io-type", type=click.Choice(IO_TYPES), default="int8", show_default=True,
              help="Type of the model's input and output tensors.")
@click.option("--activations", type=click.Choice(["int8", "int16"]), default="int8", show_default=True,
              help="int16: TFLite's 16x8 mode (int16 activations, int8 weights; int16 I/O), for accuracy-sensitive "
                   "models; only TFLM runs it, and the report compares it with int8.")
@click.option("--image-range", type=click.Choice(sorted(IMAGE_RANGES)), default="0-1", show_default=True,
              help="Pixel scaling for image folders.")
@click.option("--no-layer-report", is_flag=True, help="Skip the per-layer quantization error (faster).")
@click.option("--rep-samples", type=click.IntRange(min=1, max=1000), default=1000, show_default=True,
              help="Calibrate on a seeded random sample of this many representative samples (data of any size "
                   "streams: TFRecord files, tf.data functions, image folders).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the calibration sample.")
@click.option("--strategy", type=click.Choice(["mirrored", "multiworker"]),
              help="QAT under tf.distribute: all local devices, or the workers named in TF_CONFIG.")
@click.option("--checkpoint-dir", type=click.Path(path_type=Path),
              help="QAT: checkpoint each epoch here and resume from it after a failure (shared by all workers).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON on stdout.")
@click.option("-f", "--force", is_flag=True, help="Replace OUTPUT if it exists.")
def command(model: Path, rep_data: str | None, output: Path, test_data: str | None, qat: bool,
            train_data: str | None, epochs: int, learning_rate: float, io_type: str, image_range: str,
            no_layer_report: bool, rep_samples: int, seed: int, strategy: str | None, checkpoint_dir: Path | None,
            as_json: bool, force: bool, activations: str) -> None:
    """Quantize MODEL (SavedModel dir, .keras, .h5, or an int8 .tflite to check) to a full-integer .tflite."""
    from edgekit.quantization import check_output_path, quant_report_bytes, quantize, report_path_for, write_model

    # Refuse before minutes of conversion, not after; write_model checks again at the end.
    check_output_path(output, force)
    check_output_path(report_path_for(output), force)
    if (strategy or checkpoint_dir) and not qat:
        raise click.UsageError("--strategy and --checkpoint-dir apply to training: add --qat")
    if qat:
        # tfmot needs tf-keras (QAT under a strategy or on streamed data trains in this process): set before
        # TensorFlow is first imported
        from edgekit.qat import prefer_legacy_keras

        prefer_legacy_keras()
    result = quantize(
        str(model), rep_data, test_data=test_data, qat=qat, train_data=train_data, epochs=epochs,
        io_type=io_type, image_range=image_range, layer_errors=not no_layer_report, learning_rate=learning_rate,
        rep_samples=rep_samples, seed=seed, strategy=strategy, checkpoint_dir=checkpoint_dir, activations=activations,
    )
    from edgekit.distributed import is_chief

    if not is_chief(strategy):  # a multi-worker job: the chief alone writes the model and its report
        click.echo("training done on this worker; the chief writes the model", err=True)
        return
    write_model(output, result.tflite, force=force)
    write_model(report_path_for(output), quant_report_bytes(result.report, result.tflite), force=force)
    from edgekit import report

    if as_json:
        click.echo(report.to_json(result.report))
    else:
        report.print_quant_report(result.report)
        _print_conversion_notes(result.report.extra)
        click.echo(f"wrote {output} ({len(result.tflite):,} bytes) and its report {report_path_for(output)}")


def _print_conversion_notes(extra: dict) -> None:
    """What the report table does not show: the engine, rewrites, and the int8 vs 16x8 comparison."""
    if extra.get("engine"):
        click.echo(f"runs on: {extra['engine']}")
    for line in extra.get("rewrites", []):
        click.echo(f"rewritten for TFLM: {line} (float outputs checked equal)")
    int8 = extra.get("int8_metric")
    if int8:
        from edgekit.report import figure

        click.echo(f"int8 (8x8) for comparison: {extra.get('int8_bytes', 0):,} B, {int8['name']} "
                   f"{figure(int8['int8_tflite'], int8['name'])} on TFLite, "
                   f"{figure(int8['int8_tflm'], int8['name'])} on TFLM")
