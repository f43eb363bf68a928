"""edgekit: TensorFlow models to microcontrollers, offline and for many vendors.

The public API is the names in ``__all__``; the command line (``edgekit.cli``) is a thin layer over
them and is not API. Heavy dependencies (TensorFlow) are imported only by the functions that need them,
so ``import edgekit`` is fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "quantize", "read_model", "read_model_file", "check_full_integer", "load_dataset",
           "load_board", "list_boards", "render_project", "RenderOptions"]

# name -> module that defines it; imported on first use (PEP 562) so that `edgekit boards` never pays
# for TensorFlow.
_LAZY = {
    "quantize": "edgekit.quantization",
    "read_model": "edgekit.reader",
    "read_model_file": "edgekit.reader",
    "check_full_integer": "edgekit.compat",
    "load_dataset": "edgekit.datasets",
    "load_board": "edgekit.catalog",
    "list_boards": "edgekit.catalog",
    "render_project": "edgekit.render",
    "RenderOptions": "edgekit.render",
}

if TYPE_CHECKING:  # pragma: no cover
    from edgekit.catalog import list_boards, load_board
    from edgekit.compat import check_full_integer
    from edgekit.datasets import load_dataset
    from edgekit.quantization import quantize
    from edgekit.reader import read_model, read_model_file
    from edgekit.render import RenderOptions, render_project


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'edgekit' has no attribute {name!r}")
