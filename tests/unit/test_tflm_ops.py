"""The op tables: consistent with each other, and op_problems names what a library cannot run."""

from __future__ import annotations

import dataclasses

import pytest

from edgekit.reader import read_model_file
from edgekit.tflm_ops import RESOLVER_METHODS, RUNTIME_VERSIONS, op_problems, snapshot, snapshot_from_tree
from tests.conftest import make_tflm_tree, shared_model

INT8_MODELS = ["hello_world_int8.tflite", "micro_speech_quantized.tflite", "person_detect.tflite",
               "kws_ref_model.tflite", "vww_96_int8.tflite", "pretrainedResnet_quant.tflite", "ad01_int8.tflite",
               "str_ww_ref_model.tflite", "trained_lstm_int8.tflite"]
SNAPSHOTS = ["esp-tflite-micro-1.3.8", "tflm-2023-02-27"]


def test_tables_agree_with_each_other():
    assert len(RESOLVER_METHODS) == 100 and len(set(RESOLVER_METHODS.values())) == 100
    assert all(method.startswith("Add") for method in RESOLVER_METHODS.values())
    for key in SNAPSHOTS:
        assert snapshot(key).builtins <= set(RESOLVER_METHODS), key
    # The 2023 sync lacks six ops that came later; esp-tflite-micro has today's full set.
    assert set(RESOLVER_METHODS) - snapshot("tflm-2023-02-27").builtins == {
        "BATCH_MATMUL", "DYNAMIC_UPDATE_SLICE", "EMBEDDING_LOOKUP", "REDUCE_ALL", "REDUCE_MIN", "REVERSE_V2"}
    assert snapshot("esp-tflite-micro-1.3.8").builtins == set(RESOLVER_METHODS)
    for op, versions in RUNTIME_VERSIONS.items():
        # consecutive (BROADCAST_TO starts at 2: its version 1 was never a runtime version)
        assert sorted(versions) == list(range(min(versions), min(versions) + len(versions))), op


@pytest.mark.parametrize("name", INT8_MODELS)
@pytest.mark.parametrize("key", SNAPSHOTS)
def test_every_shared_int8_model_runs_on_every_library(name, key):
    _, info = read_model_file(shared_model(name))
    assert op_problems(info, snapshot(key)) == []


def _with_ops(*op_versions):
    _, info = read_model_file(shared_model("hello_world_int8.tflite"))
    return dataclasses.replace(info, op_versions=tuple(op_versions))


def test_op_version_newer_than_the_librarys_tensorflow_is_named():
    def release(text):
        return tuple(int(part) for part in text.split("."))

    newer = [(v, r) for v, r in RUNTIME_VERSIONS["ADD"].items() if release(r) > release("2.12.0")][0]
    problems = op_problems(_with_ops(("ADD", newer[0])), snapshot("tflm-2023-02-27"))
    assert len(problems) == 1
    assert f"op ADD version {newer[0]} first shipped in TensorFlow {newer[1]}" in problems[0]
    assert op_problems(_with_ops(("ADD", newer[0])), snapshot("esp-tflite-micro-1.3.8")) == []


def test_unknown_version_and_unknown_op_are_named():
    problems = op_problems(_with_ops(("CONV_2D", 99), ("NOT_AN_OP", 1)), snapshot("esp-tflite-micro-1.3.8"))
    assert "op CONV_2D version 99 is newer than any TensorFlow release" in problems[0]
    assert "op NOT_AN_OP has no kernel in TFLM" in problems[1]


def test_a_trees_op_set_is_read_from_its_own_header(tmp_path):
    tree = make_tflm_tree(tmp_path / "tree")
    header = tree / "tensorflow" / "lite" / "micro" / "micro_mutable_op_resolver.h"
    header.write_text("\n".join(line for line in header.read_text().splitlines() if "BuiltinOperator_SOFTMAX" not in line))
    library = snapshot_from_tree(tree)
    assert "SOFTMAX" not in library.builtins and "CONV_2D" in library.builtins
    assert "op SOFTMAX is not in the TFLM tree" in op_problems(_with_ops(("SOFTMAX", 1)), library)[0]
