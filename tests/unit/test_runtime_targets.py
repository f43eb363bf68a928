"""Every model of ../shared/models that edgekit's runtime supports gives outputs identical to the
tflite-micro interpreter on every target at once: the host, QEMU's Cortex-M4 (DSP path), Cortex-M3 (plain
C path) and RISC-V virt (RV32IMC, where integer widths, shifts of negative numbers and alignment are not
Arm's). New ops join automatically: a model is in the batch as soon as the runtime runs all its ops."""

from __future__ import annotations

import numpy as np
import pytest

from edgekit.codegen import unsupported_ops
from edgekit.reader import read_model_file
from tests.conftest import SHARED_MODELS
from tests.runtime_batch import TARGETS, case, run_batch
from tests import opmodels


def _supported_shared_models() -> list[tuple[str, bytes]]:
    models = []
    for path in sorted(SHARED_MODELS.glob("*.tflite")):
        model, info = read_model_file(path)
        if info.input_tensors and all(t.dtype != "FLOAT32" for t in info.input_tensors) and not unsupported_ops(info):
            models.append((path.stem, model))
    return models


@pytest.mark.parametrize("target", TARGETS)
def test_shared_models_are_bit_exact_with_tflm_on(target, tmp_path):
    models = _supported_shared_models()
    assert len(models) >= 8, [name for name, _ in models]  # at least the eight CNN/FC models of the set
    cases = [case(name, model, samples=3, seed=index) for index, (name, model) in enumerate(models)]
    differing = {name: n for name, n in run_batch(cases, target, tmp_path).items() if n}
    assert not differing, f"output bytes differing from tflite-micro on {target}: {differing}"


def test_the_batch_runner_reports_outputs_that_differ(tmp_path):
    """The harness itself can fail: outputs expected for other inputs are reported as differing."""
    model = opmodels.fc_model(np.random.default_rng(3), 1, 16, 8, 0)
    ran, other = case("fc", model, samples=2, seed=1), case("fc", model, samples=2, seed=2)
    from edgekit import host

    wrong = host.run_tflm_batch([(other.model, list(other.inputs))])
    assert run_batch([ran], "qemu_rv32", tmp_path, expected=wrong)["fc"] > 0
