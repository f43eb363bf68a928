"""The one exception tree of edgekit.

Every error a user can cause is an :class:`EdgekitError`. Each class formats its own message in
``__init__`` so the wording is the same wherever it is raised, and a known fix is appended as a
"Things to try:" list. The CLI maps these to exit codes in one place (``edgekit.cli.main``).
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Iterable


def _with_hints(message: str, hints: Iterable[str]) -> str:
    hints = [h for h in hints if h]
    if not hints:
        return message
    return message + "\nThings to try:\n" + "\n".join(f"  - {h}" for h in hints)


class EdgekitError(Exception):
    """Base of every error edgekit raises on purpose (bad input, missing tools, failed checks)."""

    exit_code = 1

    def __init__(self, message: str, hints: Iterable[str] = ()) -> None:
        self.hints = list(hints)
        super().__init__(_with_hints(message, self.hints))


class ModelError(EdgekitError):
    """A model file that is missing, unreadable, corrupt or of a kind edgekit cannot use."""

    def __init__(self, path: str | Path | None, problem: str, hints: Iterable[str] = ()) -> None:
        self.path = None if path is None else str(path)
        where = f"Model '{self.path}': " if self.path else "Model: "
        super().__init__(where + problem, hints)


class DataError(EdgekitError):
    """Representative, test or training data that does not fit the model or cannot be read."""

    def __init__(self, source: str | None, problem: str, hints: Iterable[str] = ()) -> None:
        self.source = source
        where = f"Data '{source}': " if source else "Data: "
        super().__init__(where + problem, hints)


class QuantizationError(EdgekitError):
    """Conversion to a full-integer model failed, or its result is not what was asked for."""


class OutputExistsError(EdgekitError):
    """An output path already holds a file and the user did not ask to replace it."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        super().__init__(
            f"Output '{self.path}' already exists; edgekit does not overwrite files unless asked.",
            ["pass --force to replace it", "or choose another path with -o"],
        )


class ToolNotFound(EdgekitError):
    """An external program or optional Python package that a command needs is not installed."""

    def __init__(self, tool: str, install_hint: str) -> None:
        self.tool = tool
        super().__init__(f"{tool} is not installed.", [install_hint])


class InterpreterCrash(EdgekitError):
    """A host interpreter (TFLite or TFLM) refused the model or crashed while running it."""


class BoardError(EdgekitError):
    """An unknown board name, or a board file with a missing, unknown or mistyped key."""

    def __init__(self, path: str | Path | None, problem: str, hints: Iterable[str] = ()) -> None:
        self.path = None if path is None else str(path)
        where = f"Board file '{self.path}': " if self.path else "Board: "
        super().__init__(where + problem, hints)


class TemplateError(EdgekitError):
    """A firmware template that does not exist, does not suit the board, or cannot run this model."""


class RenderError(EdgekitError):
    """A firmware project that cannot be written where it was asked to go."""


class BudgetError(EdgekitError):
    """A budget that cannot be computed (an unreadable ELF, a model the runtime cannot run)."""


class BuildError(EdgekitError):
    """PlatformIO or a compiler failed to build a rendered project."""


class OfflineError(EdgekitError):
    """A build needs PlatformIO's registry, which cannot be reached."""


class FlashError(EdgekitError):
    """Uploading or booting firmware failed: no port, no device answering, an emulator that stopped."""


class DeviceError(EdgekitError):
    """A device on the serial protocol that cannot be opened, stops answering, keeps sending damaged
    frames, resets, or runs another model than the one being validated."""


class Interrupted(EdgekitError):
    """Ctrl-C (SIGINT) while an outside tool ran: the tool and every process it started were stopped."""

    exit_code = 130

    def __init__(self, tool: str, log: Path | None = None) -> None:
        super().__init__(f"interrupted: {tool} and every process it started were stopped; nothing is left running",
                         ["run the command again to finish the work"] + ([f"the log so far is in {log}"] if log else []))


#: errno values that mean the disk (or a quota, or the process's file size limit) is full.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


class WriteError(EdgekitError):
    """A file edgekit writes cannot be written: the disk is full, a size limit, no permission."""

    def __init__(self, path: str | Path | None, exc: OSError) -> None:
        self.path = None if path is None else str(path)
        reason = exc.strerror or str(exc)
        where = f"'{self.path}'" if self.path else "an output file"
        if exc.errno in DISK_FULL_ERRNOS:
            hints = ["free some space on that disk (`df -h` shows how much is left), or write somewhere else "
                     "(-o / --build-dir)"]
            if exc.errno == errno.EFBIG:
                hints.append("'File too large' can also be a file size limit: `ulimit -f` shows it")
            super().__init__(f"cannot write {where}: {reason}; the files written before are unchanged", hints)
        else:
            super().__init__(f"cannot write {where}: {reason}",
                             ["choose a folder you can write to (-o / --build-dir)"])
