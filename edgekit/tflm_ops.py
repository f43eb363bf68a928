"""Which builtin ops, and which versions of them, a given TFLM library can run.

TFLM itself never compares op versions when it resolves an op (``GetRegistrationFromOpCode`` reads only
the builtin code), so a model converted by a newer TensorFlow than the library was synced with fails at
run time, or silently misbehaves, on a device. edgekit checks before anything is built:

* the op must have an ``Add...()`` method in the library's ``MicroMutableOpResolver`` (a table per
  library snapshot, read from that snapshot's header; see ``data/tflm_ops.json``);
* the op's version must exist in TensorFlow's op-version table (``runtime_version.cc``) and, for a
  library synced at a known date, must have been released by the TensorFlow version of that date: an
  op version invented later cannot be implemented by that library's kernels.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from edgekit.reader import ModelInfo

_DATA = json.loads(resources.files("edgekit").joinpath("data/tflm_ops.json").read_text(encoding="utf-8"))

#: Builtin op name -> the MicroMutableOpResolver method that registers it (TFLM HEAD).
RESOLVER_METHODS: dict[str, str] = dict(_DATA["resolver_methods"])
#: Builtin op name -> {op version -> first TensorFlow release that runs it}.
RUNTIME_VERSIONS: dict[str, dict[int, str]] = {
    op: {int(version): release for version, release in versions.items()}
    for op, versions in _DATA["runtime_versions"].items()
}


@dataclass(frozen=True)
class LibrarySnapshot:
    """The ops one TFLM library snapshot can register, and the TensorFlow release its date corresponds to."""

    key: str
    title: str
    source: str
    tf_release: str | None  # None: as new as edgekit's op-version table
    builtins: frozenset[str]


def snapshot(key: str) -> LibrarySnapshot:
    """The library snapshot called ``key`` in ``data/tflm_ops.json``."""
    raw = _DATA["snapshots"][key]
    return LibrarySnapshot(key=key, title=raw["title"], source=raw["source"], tf_release=raw["tf_release"],
                           builtins=frozenset(raw["builtins"]))


@lru_cache(maxsize=8)
def snapshot_from_tree(tflm_dir: Path) -> LibrarySnapshot:
    """The ops of a TFLM source tree, read from its own ``micro_mutable_op_resolver.h``."""
    header = Path(tflm_dir) / "tensorflow" / "lite" / "micro" / "micro_mutable_op_resolver.h"
    text = header.read_text(encoding="utf-8", errors="replace")
    builtins = frozenset(re.findall(r"AddBuiltin\(\s*BuiltinOperator_(\w+)", text))
    return LibrarySnapshot(key="tflm-tree", title=f"the TFLM tree in {tflm_dir}", source=str(header),
                           tf_release=None, builtins=builtins)


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def op_problems(info: ModelInfo, library: LibrarySnapshot) -> list[str]:
    """Every op or op version of the model that ``library`` cannot run, each with a fix. Empty means none.

    Custom ops are reported by :func:`edgekit.compat.compatibility_problems`, not here.
    """
    problems = []
    for op, version in info.op_versions:
        if op.startswith("CUSTOM:"):
            continue
        if op not in RESOLVER_METHODS:
            problems.append(f"op {op} has no kernel in TFLM at all (no MicroMutableOpResolver method). "
                            "Fix: replace the layer that produces it with ops TFLM supports.")
            continue
        if op not in library.builtins:
            problems.append(f"op {op} is not in {library.title} (it has no {RESOLVER_METHODS[op]}()). Fix: choose a "
                            "template with a newer TFLM (--template), or replace the layer that produces it.")
            continue
        known = RUNTIME_VERSIONS.get(op, {})
        released = known.get(version)
        if released is None:
            newest = max(known, default=0)
            problems.append(f"op {op} version {version} is newer than any TensorFlow release edgekit knows "
                            f"(newest known: version {newest}). Fix: convert with an older TensorFlow, or update edgekit.")
        elif library.tf_release and _release(released) > _release(library.tf_release):
            problems.append(
                f"op {op} version {version} first shipped in TensorFlow {released}, after {library.title} "
                f"(TensorFlow {library.tf_release} era), whose kernel may not handle it. Fix: convert with "
                f"TensorFlow {library.tf_release} or older, or choose a template with a newer TFLM (--template)."
            )
    return problems
