"""``edgekit ci``: write a GitHub Actions workflow that checks, builds and validates every model on every
board as a matrix. No TensorFlow."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("ci")
@click.argument("models", nargs=-1, required=True)
@click.option("--board", "-b", "boards", multiple=True, help="A board of the matrix (repeatable).")
@click.option("--all-boards", is_flag=True, help="Every board edgekit knows.")
@click.option("--test-data", metavar="DATA",
              help="Data in your repository for `edgekit validate` on the emulated boards.")
@click.option("--install", "install_spec", metavar="SPEC",
              help="What the workflow pip-installs (default: this edgekit version from PyPI).")
@click.option("--python", "python_version", default="3.11", show_default=True, help="Python on the runner.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=Path(".github/workflows/edgekit.yml"),
              show_default=True, help="Where to write the workflow.")
@click.option("--force", is_flag=True, help="Replace an existing workflow file.")
def command(models: tuple[str, ...], boards: tuple[str, ...], all_boards: bool, test_data: str | None,
            install_spec: str | None, python_version: str, output: Path, force: bool) -> None:
    """Write a GitHub Actions workflow running MODELS on the boards as a matrix: `edgekit check`, `edgekit
    build` and, on emulated boards with --test-data, `edgekit validate`; reports kept as artifacts."""
    from edgekit.catalog import list_boards
    from edgekit.ci import matrix, render_workflow, write_workflow

    chosen = [board.id for board in list_boards()] if all_boards else list(boards)
    text = render_workflow(list(models), chosen, test_data, install_spec, python_version)
    path = write_workflow(output, text, force)
    jobs = matrix(list(models), chosen)
    click.echo(f"wrote {path}: {len(jobs)} jobs ({len(models)} model(s) x {len(chosen)} board(s)), "
               f"{sum(job.emulated for job in jobs)} on emulated boards"
               + (" with validation" if test_data else ""))
