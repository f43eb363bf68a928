"""Run firmware built for an emulated board (QEMU mps2) or the host, with a time limit.

QEMU boots the ELF with the CMSDK UART0 on standard output and semihosting for the exit status, so the
firmware's ``return`` from main is the process's exit code. The host board's firmware is a program.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from edgekit.catalog import Board
from edgekit.errors import FlashError, ToolNotFound

EMULATED_PLATFORMS = ("edgekit-qemu", "edgekit-host")


@dataclass(frozen=True)
class FirmwareRun:
    """How a firmware run ended: its exit status, its output and how long it took."""

    status: int
    output: str
    seconds: float


def is_emulated(board: Board) -> bool:
    """True for boards whose firmware edgekit runs itself (QEMU machines and the host)."""
    return board.platform in EMULATED_PLATFORMS


def firmware_command(firmware: Path, board: Board, count_instructions: bool = False) -> list[str]:
    """The command that boots ``firmware`` for ``board``. ``count_instructions`` runs QEMU with
    ``-icount shift=0``: one nanosecond of virtual time per instruction, so timers count instructions."""
    if board.platform == "edgekit-host":
        return [str(firmware)]
    qemu = shutil.which("qemu-system-arm")
    if qemu is None:
        raise ToolNotFound("qemu-system-arm", "run scripts/setup.sh, or: sudo apt-get install qemu-system-arm")
    return [qemu, "-M", board.mcu, "-nographic", "-monitor", "none", "-serial", "stdio",
            *(["-icount", "shift=0"] if count_instructions else []),
            "-semihosting-config", "enable=on,target=native", "-kernel", str(firmware)]


def run_firmware(firmware: Path, board: Board, timeout_s: float = 60.0,
                 on_line: Callable[[str], None] | None = None, count_instructions: bool = False) -> FirmwareRun:
    """Boot ``firmware`` on the emulated ``board``, stream its output, and return when it exits.

    :raises FlashError: when the firmware is missing or does not exit within ``timeout_s`` seconds.
    """
    if not firmware.is_file():
        raise FlashError(f"no firmware at {firmware}", ["build it first with `edgekit build`"])
    command = firmware_command(firmware, board, count_instructions)
    start = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    lines: list[str] = []

    def pump() -> None:  # streams each line as it arrives, while the caller waits with a deadline
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if on_line:
                on_line(line)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        status = process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        reader.join(timeout=5)
        process.stdout.close()
        raise FlashError(f"the firmware on {board.id} did not exit within {timeout_s:.0f} s",
                         ["it may be waiting for serial input or stuck; give a longer --timeout to wait more",
                          f"last output: {lines[-1] if lines else '(none)'}"]) from None
    reader.join(timeout=5)
    process.stdout.close()
    return FirmwareRun(status, "\n".join(lines), time.monotonic() - start)
