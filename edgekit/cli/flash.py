"""``edgekit flash``: upload the last build to the board, or boot it on an emulated board."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("flash")
@click.option("--board", "-b", required=True, help="Board id or alias.")
@click.option("--port", "-p", help="Serial port (default: the one USB serial device plugged in).")
@click.option("--build-dir", type=click.Path(path_type=Path), help="Output folder of `edgekit build` "
              "(default: edgekit-build/<board>).")
@click.option("--timeout", type=click.FloatRange(min=1), default=60.0, show_default=True,
              help="Seconds an emulated board may run before it is stopped.")
def command(board: str, port: str | None, build_dir: Path | None, timeout: float) -> None:
    """Upload the firmware built for BOARD (PlatformIO upload). On an emulated board (qemu_*, host) boot
    it instead, stream its output and exit with the firmware's own status."""
    from edgekit import emulator, platformio
    from edgekit.catalog import load_board
    from edgekit.pipeline import default_output_dir, load_last_build

    target = load_board(board)
    folder = build_dir or default_output_dir(target)
    summary = load_last_build(folder)
    if summary["board"] != target.id:
        raise click.UsageError(f"{folder} holds a build for {summary['board']}, not {target.id}")
    if emulator.is_emulated(target):
        run = emulator.run_firmware(Path(summary["firmware"]), target, timeout, on_line=click.echo)
        if run.status != 0:
            click.echo(f"error: the firmware exited with status {run.status}", err=True)
        raise click.exceptions.Exit(run.status)
    chosen = platformio.find_port(port)
    click.echo(f"edgekit: uploading to {target.id} on {chosen}", err=True)
    platformio.upload(Path(summary["project_dir"]), target.platform, chosen, folder / "upload.log",
                      on_line=lambda line: click.echo(f"  | {line}", err=True))
    click.echo(f"edgekit: uploaded; `edgekit monitor --board {target.id} --port {chosen}` shows its output", err=True)
