"""``edgekit report``: render a build's report.html again (after a validation, or a newer edgekit)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("report")
@click.argument("build_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--open", "open_page", is_flag=True, help="Open the page in the default web browser.")
def command(build_dir: Path, open_page: bool) -> None:
    """Write BUILD_DIR/report.html from the build's files (one page, no network needed) and print its path."""
    from edgekit.htmlreport import write_report

    page = write_report(build_dir)
    click.echo(str(page))
    if open_page:
        import webbrowser

        if not webbrowser.open(page.absolute().as_uri()):
            click.echo("note: no web browser could be started here; open the file above yourself", err=True)
