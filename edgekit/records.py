"""Small frozen records passed between stages and printed in reports.

They hold plain Python values only (no numpy arrays, no TensorFlow objects), so a record can be
turned into JSON with :func:`as_dict` and compared in tests.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class LayerError:
    """Quantization error of one layer's output, measured against the float layer on the same inputs.

    ``sqnr_db`` is the signal-to-quantization-noise ratio over the debug samples:
    10*log10(mean(int8_output^2) / mean((float_output - int8_output)^2)), outputs in real units.
    Above ~30 dB a layer is harmless; below ~15 dB it usually costs accuracy.
    """

    op: str
    tensor: str
    sqnr_db: float
    max_abs_error: float
    scale: float


@dataclass(frozen=True)
class Metric:
    """One model-quality figure: classification accuracy (0-1, higher is better) or regression MSE."""

    name: str  # "accuracy" or "mse"
    float_model: float | None
    int8_tflite: float | None
    int8_tflm: float | None


@dataclass(frozen=True)
class QuantReport:
    """What quantization produced and what it cost."""

    source: str
    mode: str  # "ptq", "qat" or "tflite" (an int8 .tflite passed through after checking)
    io_type: str
    float_bytes: int | None  # float .tflite of the same graph, for the size ratio
    int8_bytes: int
    ops: tuple[str, ...]
    calibration_samples: int
    test_samples: int
    metric: Metric | None  # the first scored output's (the only output's, usually)
    #: fraction of test samples whose int8 outputs are identical on TFLite and on the TFLM interpreter
    tflite_tflm_agreement: float | None
    tflite_tflm_max_diff: int | None
    layers: tuple[LayerError, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)
    #: one figure per model output (None where that output has no labels); filled for several outputs
    output_metrics: tuple[Metric | None, ...] = ()

    @property
    def ratio(self) -> float | None:
        """How many times smaller the int8 model is than the float one."""
        if not self.float_bytes:
            return None
        return self.float_bytes / self.int8_bytes

    def worst_layers(self, count: int = 3) -> tuple[LayerError, ...]:
        """The layers with the lowest SQNR, worst first."""
        # A layer whose SQNR could not be measured (NaN) is listed first: it needs a look too.
        return tuple(sorted(self.layers, key=lambda layer: (not math.isnan(layer.sqnr_db), layer.sqnr_db))[:count])


def as_dict(record: Any) -> dict[str, Any]:
    """A record as a JSON-ready dict, with derived properties (``ratio``) included."""
    data = asdict(record)
    if isinstance(record, QuantReport):
        data["ratio"] = record.ratio
        data["worst_layers"] = [layer.tensor for layer in record.worst_layers()]
    return data
