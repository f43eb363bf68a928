"""SVDF and UNIDIRECTIONAL_SEQUENCE_LSTM on edgekit's runtime, bit-exact with the tflite-micro interpreter,
with their state carried over from one inference to the next (a case's samples run in order on one
interpreter and one program), and the arena keeping that state apart."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgekit import host
from edgekit.arena import activation_buffers, best_plan, variable_region
from edgekit.codegen import generate, inplace_aliases, render_runtime_sources
from edgekit.errors import ModelError
from edgekit.reader import read_model, read_model_file
from tests.conftest import shared_model
from tests.helpers_c import build_host_program
from tests.opmodels_recurrent import lstm_model, svdf_model, with_outputs
from tests.runtime_batch import TARGETS, Case, assert_batch_bit_exact, case

PROPERTY = settings(max_examples=1, derandomize=True, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: keyword_scrambled_8bit: the int16 input quantized, every SVDF state and output, the fully connected
#: layers, softmax and the int32 output (its scrambled weights saturate the SVDF outputs, so the states
#: are what shows the feature arithmetic).
KEYWORD_TENSORS = [0, 4, 5, 8, 12, 13, 16, 20, 21, 24, 28, 29, 32, 36, 37, 41, 42, 46, 47, 50, 51, 53]
#: trained_lstm_int8: the LSTM's whole output sequence, the logits and the softmax.
LSTM_TENSORS = [23, 25, 26]


def shared_cases() -> list[Case]:
    """Both shared recurrent models with their intermediate tensors as outputs, six and four samples in
    sequence (inputs at an amplitude that keeps the layers off their rails)."""
    rng = np.random.default_rng(0)
    keyword = with_outputs(read_model_file(shared_model("keyword_scrambled_8bit.tflite"))[0], KEYWORD_TENSORS)
    lstm = with_outputs(read_model_file(shared_model("trained_lstm_int8.tflite"))[0], LSTM_TENSORS)
    return [Case("keyword_scrambled_8bit", keyword,
                 (rng.normal(0, 3000, (6, 96)).clip(-32768, 32767).astype(np.int16),)),
            Case("trained_lstm_int8", lstm, (rng.integers(-128, 128, (4, 28, 28)).astype(np.int8),))]


@pytest.mark.parametrize("target", TARGETS)
def test_shared_recurrent_models_are_bit_exact_with_tflm(target, tmp_path):
    assert_batch_bit_exact(shared_cases(), target, tmp_path)


def svdf_cases(seed: int) -> list[Case]:
    """Sixteen SVDFs: int8 and int16 state in turn, ranks 1-3, memories from 1 (no history) to 10, one to
    three batches, sizes drawn from ``seed`` (a case per combination, so no draw leaves a path untested)."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(16):
        shape = (1 + i % 3, int(rng.integers(1, 41)), int(rng.integers(1, 11)), 1 + (i // 2) % 3,
                 1 if i % 5 == 0 else int(rng.integers(2, 11)), ("int8", "int16")[i % 2])
        cases.append(case(f"svdf{i}", svdf_model(rng, *shape), samples=4, seed=seed + i))
    return cases


def lstm_cases(seed: int) -> list[Case]:
    """Sixteen LSTMs: batch-major and time-major in turn, no clip, a tight and a loose cell clip, cell
    scales 2^-15 (tanh's input shifted right) to 2^-9 (shifted left), one to three batches, one to six
    steps, sizes drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(16):
        shape = (1 + (i // 2) % 3, 1 + i % 6, int(rng.integers(1, 25)), int(rng.integers(1, 21)), bool(i % 2),
                 (0.0, 0.5, 3.0)[i % 3], -15 + i % 7)
        cases.append(case(f"lstm{i}", lstm_model(rng, *shape), samples=3, seed=seed + i))
    return cases


# Hypothesis draws the seed the batch's sizes and values come from; each batch covers every path by
# construction (one draw only: it is one compile and one run per target).
@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(seed=st.integers(0, 2**16))
def test_svdf_is_bit_exact_with_tflm(target, seed, tmp_path):
    assert_batch_bit_exact(svdf_cases(seed), target, tmp_path)


@pytest.mark.parametrize("target", TARGETS)
@PROPERTY
@given(seed=st.integers(0, 2**16))
def test_lstm_is_bit_exact_with_tflm(target, seed, tmp_path):
    assert_batch_bit_exact(lstm_cases(seed), target, tmp_path)


def test_state_tensors_are_read_and_kept_apart_in_the_arena():
    model, info = read_model_file(shared_model("keyword_scrambled_8bit.tflite"))
    states = {t.index for t in info.tensors if t.is_variable}
    assert states == {4, 12, 20, 28, 36, 41, 46}  # the activation state of each of the seven SVDFs
    assert not states & {b.tensor for b in activation_buffers(info)}  # TFLM does not plan them either
    plan = best_plan(info, aliases=inplace_aliases(info))
    offsets, end = variable_region(info, plan.head)
    generated = dict(generate(model, info).offsets)
    spans = {i: (generated[i], generated[i] + info.tensors[i].nbytes) for i in generated}
    for state in states:
        assert offsets[state] == generated[state] >= plan.head
        start, stop = spans[state]
        assert all(stop <= a or b <= start for i, (a, b) in spans.items() if i != state)
    assert end == sum(info.tensors[i].nbytes for i in states) + plan.head and end >= plan.head


def test_int8_state_starts_at_its_zero_point():
    # TFLM's ResetVariableTensors: an int8 state holds its zero point (real 0.0) before the first inference;
    # an int16 one holds 0, which the zeroed static arena already has
    model = svdf_model(np.random.default_rng(3), 1, 4, 2, 1, 3, "int8")
    info = read_model(model)
    state = next(t for t in info.tensors if t.is_variable)
    generated = generate(model, info)
    assert state.quantization.zero_points[0] == -6
    assert generated.state_fills == ((dict(generated.offsets)[state.index], state.nbytes, -6),)
    wide = svdf_model(np.random.default_rng(3), 1, 4, 2, 1, 3, "int16")
    assert generate(wide, read_model(wide)).state_fills == ()


def _rewritten(model: bytes, edit) -> bytes:
    import flatbuffers
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as schema

    tree = schema.ModelT.InitFromObj(schema.Model.GetRootAs(model, 0))
    edit(tree.subgraphs[0])
    builder = flatbuffers.Builder(len(model) + 1024)
    builder.Finish(tree.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def test_lstm_and_svdf_parameters_tflm_does_not_run_are_refused():
    lstm = lstm_model(np.random.default_rng(1), 1, 2, 3, 4, False, 0.0, -12)

    def relu_cell_gate(graph):
        graph.operators[0].builtinOptions.fusedActivationFunction = 1

    with pytest.raises(ModelError, match="cell gate activation 1.*use --runtime tflm"):
        generate(edited := _rewritten(lstm, relu_cell_gate), read_model(edited))

    svdf = svdf_model(np.random.default_rng(1), 1, 4, 2, 1, 3, "int16")

    def stateless(graph):
        graph.tensors[graph.operators[0].inputs[4]].isVariable = False

    with pytest.raises(ModelError, match="not a variable tensor.*use --runtime tflm"):
        generate(edited := _rewritten(svdf, stateless), read_model(edited))


def test_reset_puts_the_state_back_as_tflm_starts_it(tmp_path):
    # an LSTM with an int8 hidden state at a non-zero zero point and an int16-state SVDF, one program
    # each: sample A, sample A again (the state differs, so does the output), reset, sample A once more
    for name, model in (("lstm", lstm_model(np.random.default_rng(2), 1, 3, 5, 6, False, 0.0, -12)),
                        ("svdf", svdf_model(np.random.default_rng(2), 1, 6, 3, 1, 4, "int16"))):
        info = read_model(model)
        int8_states = [t for t in info.tensors if t.is_variable and t.dtype == "INT8"]
        assert all(t.quantization.zero_points[0] != 0 for t in int8_states)  # the LSTM's hidden state
        folder = tmp_path / name
        folder.mkdir()
        for file, text in render_runtime_sources(model, info, "//").items():
            (folder / file).write_text(text)
        x, y = info.input_tensors[0], info.output_tensors[0]
        (folder / "main.c").write_text(f"""
#include <stdio.h>
#include <string.h>
#include "ek_model.h"
int main(void) {{
  static unsigned char sample[{x.nbytes}];
  if (fread(sample, 1, sizeof sample, stdin) != sizeof sample) return 1;
  for (int run = 0; run < 3; ++run) {{
    if (run == 2) ek_model_reset();
    memcpy(ek_model_input(0), sample, sizeof sample);
    ek_model_invoke();
    fwrite(ek_model_output(0), 1, {y.nbytes}, stdout);
  }}
  return 0;
}}
""")
        sources = [folder / f for f in sorted(p.name for p in folder.glob("*.c"))]
        program = build_host_program(sources, folder, folder / "run")
        sample = np.random.default_rng(0).integers(-128, 128, x.shape, dtype=np.int8)
        got = np.frombuffer(subprocess.run([str(program)], input=sample.tobytes(), capture_output=True,
                                           check=True).stdout, dtype=np.int8).reshape(3, -1)
        expected = host.run_tflm_tensors(model, [np.stack([sample[0]] * 2)])[0]  # two in a row on TFLM
        assert (got[0] == expected[0].ravel()).all() and (got[1] == expected[1].ravel()).all()
        assert (got[0] != got[1]).any()  # the state changed the second answer
        assert (got[2] == got[0]).all()  # and reset brought the first one back
