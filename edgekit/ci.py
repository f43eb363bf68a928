"""A GitHub Actions workflow that runs edgekit over the user's models and boards as a matrix (the CI
runners do the scheduling; edgekit only writes the file): check the budget, build, validate on the
emulated boards, and keep each job's report pages as artifacts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import edgekit
from edgekit.catalog import load_board
from edgekit.errors import EdgekitError, RenderError

#: Debian packages the emulated boards need on the runner (scripts/setup.sh installs the same).
EMULATOR_PACKAGES = ("gcc", "g++", "gcc-arm-none-eabi", "libnewlib-arm-none-eabi", "libstdc++-arm-none-eabi-newlib",
                     "qemu-system-arm", "gcc-riscv64-unknown-elf", "picolibc-riscv64-unknown-elf", "qemu-system-misc")
DEFAULT_PATH = Path(".github") / "workflows" / "edgekit.yml"


@dataclass(frozen=True)
class MatrixJob:
    """One model on one board."""

    model: str
    board: str
    emulated: bool
    artifact: str  # unique artifact name of the job's reports


def matrix(models: list[str], boards: list[str]) -> list[MatrixJob]:
    """Every model on every board (board names resolved as ``--board`` resolves them).

    :raises BoardError: for an unknown board, with the closest names.
    """
    from edgekit.emulator import is_emulated

    if not models or not boards:
        raise EdgekitError("the matrix needs at least one model and one board",
                           ["name the models as arguments and the boards with --board (repeatable) or --all-boards"])
    jobs = []
    for board_name in boards:
        board = load_board(board_name)
        for model in models:
            stem = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(model).stem)
            jobs.append(MatrixJob(Path(model).as_posix(), board.id, is_emulated(board), f"edgekit-{stem}-{board.id}"))
    names = [job.artifact for job in jobs]
    if len(set(names)) != len(names):
        raise EdgekitError("two models have the same file name, so their reports would overwrite each other",
                           ["rename one of them, or run `edgekit ci` once per folder"])
    return jobs


def render_workflow(models: list[str], boards: list[str], test_data: str | None = None,
                    install_spec: str | None = None, python_version: str = "3.11", validate_samples: int = 100,
                    timeout_minutes: int = 60) -> str:
    """The workflow's YAML text.

    :param test_data: data (path in the user's repository) for ``edgekit validate`` on emulated boards.
    :param install_spec: what ``pip install`` gets (default: this edgekit version from PyPI).
    """
    from edgekit.render import _ENV

    return _ENV.get_template("ci/edgekit.yml.j2").render(
        edgekit_version=edgekit.__version__, jobs=[job.__dict__ for job in matrix(models, boards)],
        test_data=test_data, install_spec=install_spec or f"edgekit=={edgekit.__version__}",
        python_version=python_version, validate_samples=validate_samples, timeout_minutes=timeout_minutes,
        apt_packages=EMULATOR_PACKAGES)


def write_workflow(path: str | Path, text: str, force: bool = False) -> Path:
    """Writes the workflow at ``path``; an existing file is replaced only with ``force``."""
    from edgekit.files import write_atomic

    path = Path(path)
    if path.exists() and not force:
        raise RenderError(f"'{path}' already exists; edgekit replaces nothing it was not asked to",
                          ["pass --force to replace it, or choose another path with -o"])
    return write_atomic(path, text)
