"""The ``edgekit`` command line. Not API: every command is a thin wrapper over a library function.

Commands live one per module and are imported only when run, so ``edgekit --help`` and light
commands start without TensorFlow. Errors are mapped to exit codes here, in one place:
:class:`~edgekit.errors.EdgekitError` prints ``error: <message>`` and exits with its ``exit_code``;
anything else is a bug and says so.
"""

from __future__ import annotations

import importlib
import logging
import sys
import traceback

import click

from edgekit import __version__
from edgekit.errors import EdgekitError

# command name -> module under edgekit.cli that defines a click command called `command`
COMMANDS = {
    "boards": "boards",
    "build": "build",
    "check": "check",
    "ci": "ci",
    "export": "export",
    "flash": "flash",
    "inspect": "inspect",
    "monitor": "monitor",
    "quantize": "quantize",
    "render": "render",
    "report": "report",
    "validate": "validate",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        return importlib.import_module(f"edgekit.cli.{COMMANDS[name]}").command


def _configure_logging(verbosity: int) -> None:
    level = {-2: logging.ERROR, -1: logging.WARNING, 0: logging.INFO}.get(verbosity, logging.DEBUG)
    if verbosity < -2:
        level = logging.CRITICAL
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    root = logging.getLogger("edgekit")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {message}"
        return message


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="edgekit")
@click.option("-v", "--verbose", count=True, help="More output (repeatable).")
@click.option("-q", "--quiet", count=True, help="Less output (repeatable).")
def cli(verbose: int, quiet: int) -> None:
    """Take a TensorFlow model to a microcontroller: quantize, check, render, build, flash."""
    _configure_logging(verbose - quiet)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    try:
        # standalone_mode=False: click raises instead of exiting, so the mapping below sees every error.
        result = cli.main(args=argv, prog_name="edgekit", standalone_mode=False)
    except EdgekitError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    except Exception:  # noqa: BLE001 - the one place that catches everything
        traceback.print_exc()
        click.echo("error: this is a bug in edgekit, please report it with the traceback above", err=True)
        return 3
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
