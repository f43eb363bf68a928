"""The model x board matrix: every model in ../shared/models checked against every board edgekit knows.

Prints models x boards per second with an empty cache (each model's TFLM arena measured and its plan
searched once, models in parallel) and again with the cache filled, and the peak memory (RSS) of this
process and of its children. Run: .venv/bin/python benchmarks/matrix.py [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
MODELS = Path(os.environ.get("EDGEKIT_SHARED", REPO.parent / "shared")) / "models"

from edgekit.catalog import list_boards  # noqa: E402
from edgekit.matrix import check_models  # noqa: E402


def main() -> int:
    """Run the matrix twice (cold cache, warm cache) and print the rates and peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=None, help="models checked in parallel (default: one per core)")
    args = parser.parse_args()
    models = sorted(str(p) for p in MODELS.glob("*.tflite"))
    boards = [b.id for b in list_boards()]
    with tempfile.TemporaryDirectory(prefix="edgekit-matrix-") as cache:
        os.environ["EDGEKIT_CACHE"] = cache  # a cold cache of our own, never the user's
        print(f"{len(models)} models x {len(boards)} boards = {len(models) * len(boards)} checks, "
              f"jobs {args.jobs or os.cpu_count()}")
        for label in ("cold cache", "warm cache"):
            start = time.perf_counter()
            verdicts = check_models(models, boards, jobs=args.jobs)
            seconds = time.perf_counter() - start
            checks = sum(len(v.reports) for v in verdicts)
            print(f"{label:<11} {seconds:7.2f} s  {checks / seconds:8.1f} models x boards per second")
    print(f"\n{'model':<34}{'fits':>6}  cached")
    for v in verdicts:
        fits = "error" if v.error else f"{sum(r['fits'] for r in v.reports)}/{len(v.reports)}"
        print(f"{Path(v.model).name:<34}{fits:>6}  {v.cached}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak RSS: {own:.0f} MB this process, {children:.0f} MB the largest child (workers, TFLM)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
