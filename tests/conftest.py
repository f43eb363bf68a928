"""Shared fixtures: paths to ../shared/models, isolation, and trained example models built once per session.

Models are trained here from the example scripts' own builders (never committed), at session scope,
and copied into each test's temporary folder when a test needs a file it may change.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
# ../shared sits beside the clone in CI; EDGEKIT_SHARED points elsewhere for a clone made in another place.
SHARED_MODELS = Path(os.environ.get("EDGEKIT_SHARED", REPO.parent / "shared")) / "models"


def shared_model(name: str) -> Path:
    """A model from ../shared/models; CI always has it beside the clone, so a missing one is a failure."""
    path = SHARED_MODELS / name
    assert path.exists(), f"{path} is missing: ../shared must sit beside the repository"
    return path


def load_example(name: str):
    """Import examples/<name>/prepare.py as a module, to reuse its data and model builders."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", REPO / "examples" / name / "prepare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Each test runs in its own empty folder, with no edgekit settings leaking in from the environment."""
    for key in list(os.environ):
        if key.startswith("EDGEKIT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def digits(tmp_path_factory):
    """The offline digits data set at 28x28 (from examples/digits), split as the example splits it."""
    from sklearn.model_selection import train_test_split

    example = load_example("digits")
    x, y = example.load_digits_28()
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, stratify=y, random_state=example.SEED)
    folder = tmp_path_factory.mktemp("digits")
    np.savez(folder / "train.npz", x=x_train, y=y_train)
    np.savez(folder / "test.npz", x=x_test, y=y_test)
    np.savez(folder / "calib.npz", x=x_train[:300])
    return folder


def _train(builder_name: str, digits_folder: Path, epochs: int, out: Path) -> Path:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from edgekit.loading import import_tensorflow

    import_tensorflow()
    import keras

    example = load_example("digits")
    keras.utils.set_random_seed(example.SEED)
    with np.load(digits_folder / "train.npz") as train:
        x, y = train["x"], train["y"]
    model = getattr(example, builder_name)(keras)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
    model.save(out)
    return out


@pytest.fixture(scope="session")
def dense_model(digits, tmp_path_factory):
    """The 784-100-10 dense digits model, trained once (Keras 3 .keras file)."""
    return _train("build_dense", digits, 25, tmp_path_factory.mktemp("dense") / "dense.keras")


@pytest.fixture(scope="session")
def cnn_model(digits, tmp_path_factory):
    """The small digits CNN, trained once (Keras 3 .keras file)."""
    return _train("build_cnn", digits, 15, tmp_path_factory.mktemp("cnn") / "cnn.keras")


@pytest.fixture
def run_cli(capsys):
    """Run ``edgekit`` in-process with an argv list; returns (exit code, stdout, stderr)."""
    from edgekit.cli import main

    def run(*argv: str) -> tuple[int, str, str]:
        code = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return code, out, err

    return run


sys.path.insert(0, str(REPO))


def pytest_addoption(parser):
    """``--update-snapshots`` rewrites the golden rendered projects under tests/snapshots."""
    parser.addoption("--update-snapshots", action="store_true", help="rewrite tests/snapshots from the current templates")


@pytest.fixture
def update_snapshots(request) -> bool:
    """True when the run was asked to rewrite the golden files instead of comparing with them."""
    return bool(request.config.getoption("--update-snapshots"))


def make_tflm_tree(root: Path) -> Path:
    """A folder with the layout of a TFLM tree from tflite-micro's create_tflm_tree.py (cortex_m_generic,
    CMSIS-NN). TFLM's sources cannot be had on these machines, and rendering reads only the tree's layout
    and its resolver header, so the header lists one AddBuiltin line per builtin, as the real one does."""
    from edgekit.tflm_ops import RESOLVER_METHODS

    micro = root / "tensorflow" / "lite" / "micro"
    (micro / "cortex_m_generic").mkdir(parents=True)
    (micro / "micro_interpreter.h").write_text("// stand-in for TFLM's header\n")
    (micro / "cortex_m_generic" / "debug_log_callback.h").write_text("// stand-in\n")
    (micro / "micro_mutable_op_resolver.h").write_text("".join(
        f"  TfLiteStatus {method}() {{ return AddBuiltin(BuiltinOperator_{op}, Register_{op}(), Parse); }}\n"
        for op, method in sorted(RESOLVER_METHODS.items())))
    for folder in ("flatbuffers/include", "gemmlowp", "ruy", "kissfft", "cmsis/CMSIS/Core/Include", "cmsis_nn/Include"):
        (root / "third_party" / folder).mkdir(parents=True)
    return root
