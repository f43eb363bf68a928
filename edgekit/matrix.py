"""Check many models against many boards at once (``edgekit check MODEL... --all-boards``).

A model's board verdicts share two costly figures that do not depend on the board: TFLM's arena (measured
by the real interpreter in a child process) and edgekit's activation plan (a search over placement
orders). Both are computed once per model, and kept in edgekit's cache dir under the SHA-256 of the model
bytes, so a CI matrix that checks the same model again (another board, another job, the next commit)
skips them. Models are checked in parallel processes, one per core: the arena measurement waits on its
child process and the plan search is pure Python, so threads would not help the second.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from edgekit.arena import ArenaEstimate, MemoryPlan, best_plan, estimate_tflm_arena, with_offline_plan
from edgekit.host import HostArena

#: Bump when the cached figures change meaning (a new arena rule, a different plan search).
CACHE_VERSION = 1


@dataclass(frozen=True)
class ModelFigures:
    """What every board's verdict on one model needs: the plan and the TFLM arena (both None when TFLM
    cannot run the model as it is, e.g. a float model)."""

    sha256: str
    plan: MemoryPlan | None
    arena: ArenaEstimate | None
    cached: bool  # True when read from the cache, not computed


def model_sha256(model: bytes) -> str:
    """The cache key of a model: the SHA-256 of its bytes."""
    return hashlib.sha256(model).hexdigest()


def figures_cache_dir() -> Path:
    """Where the per-model figures are kept: ``<edgekit cache>/check``."""
    from edgekit.platformio import cache_dir

    return cache_dir() / "check"


def model_figures(model: bytes, info, offline_plan: bool = False, use_cache: bool = True) -> ModelFigures:
    """The plan and arena of ``model``, from the cache when an earlier run stored them.

    :param offline_plan: measure the arena of the model with the plan written in (what ``--offline-plan``
        builds), not of the model as it is.
    :param use_cache: False to compute afresh (the result is still stored).
    """
    from edgekit.compat import compatibility_problems

    digest = model_sha256(model)
    path = figures_cache_dir() / f"{digest}{'-offline' if offline_plan else ''}.json"
    if use_cache:
        cached = _read_cached(path, digest)
        if cached is not None:
            return cached
    plan = arena = None
    if not compatibility_problems(info, io_type=None):
        plan = best_plan(info)
        arena = estimate_tflm_arena(with_offline_plan(model, plan) if offline_plan and plan.saving > 0 else model)
    figures = ModelFigures(digest, plan, arena, cached=False)
    _write_cached(path, figures)
    return figures


def _read_cached(path: Path, digest: str) -> ModelFigures | None:
    """The figures stored at ``path``, or None when absent, unreadable or from another cache version."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != CACHE_VERSION or data.get("sha256") != digest:
            return None
        plan = arena = None
        if data["plan"] is not None:
            stored = data["plan"]
            plan = MemoryPlan(tuple(tuple(pair) for pair in stored["offsets"]), stored["head"],
                              stored["greedy_head"], stored["lower_bound"])
        if data["arena"] is not None:
            host = dict(data["arena"]["host"])
            host["categories"] = tuple(tuple(c) for c in host["categories"])
            arena = ArenaEstimate(**{**data["arena"], "host": HostArena(**host)})
        return ModelFigures(digest, plan, arena, cached=True)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # a damaged or foreign entry is recomputed, never trusted


def _write_cached(path: Path, figures: ModelFigures) -> None:
    """Store the figures; a cache that cannot be written only costs time, so errors are ignored."""
    from edgekit.files import write_atomic

    data = {"version": CACHE_VERSION, "sha256": figures.sha256, "plan": asdict(figures.plan) if figures.plan is not None else None,
            "arena": asdict(figures.arena) if figures.arena is not None else None}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, (json.dumps(data, sort_keys=True) + "\n").encode())
    except OSError:
        pass


@dataclass(frozen=True)
class ModelVerdicts:
    """One model's reports (as plain data, one per board) and whether its figures came from the cache;
    ``error`` is the message when the model could not be checked at all (the other models still are)."""

    model: str
    sha256: str
    cached: bool
    reports: tuple[dict, ...]
    error: str | None = None

    @property
    def fits_any(self) -> bool:
        """True when the model fits at least one board."""
        return any(r["fits"] for r in self.reports)


def check_model(path: str, board_ids: tuple[str, ...], template: str | None = None, offline_plan: bool = False,
                use_cache: bool = True) -> ModelVerdicts:
    """Check one model file against the boards (by id), with its figures computed once for all of them.

    An edgekit error (a tensor type the reader does not know, a TFLM crash) becomes the verdict's ``error``,
    and a board whose runtime refuses the model gets a report ``{"board", "fits": False, "error"}``: plain
    text crosses the process boundary, and one bad model or board does not hide the others.
    """
    from edgekit.budget import check_budget
    from edgekit.catalog import load_board
    from edgekit.errors import EdgekitError
    from edgekit.reader import read_model_file

    data = b""
    try:
        data, info = read_model_file(path)  # a missing or unreadable file is a ModelError, named in the verdict
        figures = model_figures(data, info, offline_plan, use_cache)
        reports = []
        for board in board_ids:
            try:
                reports.append(check_budget(data, info, load_board(board), template, offline_plan, figures.arena,
                                            plan=figures.plan).as_dict())
            except EdgekitError as exc:  # this board's runtime refuses the model; the other boards still count
                reports.append({"board": board, "fits": False, "error": str(exc)})
        reports = tuple(reports)
    except EdgekitError as exc:
        return ModelVerdicts(str(path), model_sha256(data), False, (), error=str(exc))
    return ModelVerdicts(str(path), figures.sha256, figures.cached, reports)


def check_models(paths: list[str], board_ids: list[str], template: str | None = None, offline_plan: bool = False,
                 jobs: int | None = None, use_cache: bool = True) -> list[ModelVerdicts]:
    """Check every model against every board, models in parallel processes; results in the order given.

    Every path is checked first, so a missing file stops the run before any work with one message (a
    :class:`~edgekit.errors.ModelError`), instead of after minutes of checks.

    :param jobs: processes to use (default: one per core, at most one per model).
    """
    from edgekit.errors import ModelError

    for path in paths:
        if not Path(path).is_file():
            raise ModelError(path, "not found (or not a file).", ["check the path and the current directory"])
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(paths)))
    boards = tuple(board_ids)
    if jobs == 1:
        return [check_model(p, boards, template, offline_plan, use_cache) for p in paths]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(check_model, str(p), boards, template, offline_plan, use_cache) for p in paths]
        return [f.result() for f in futures]
