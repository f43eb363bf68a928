"""Run firmware built for an emulated board (QEMU mps2) or the host, with a time limit, or start it
serving edgekit's serial protocol on a pty.

QEMU boots the ELF with the CMSDK UART0 on standard output and semihosting for the exit status, so the
firmware's ``return`` from main is the process's exit code. The host board's firmware is a program.
To serve, the firmware gets the word "serve" (a semihosting argument under QEMU, ``argv[1]`` on the host)
and its serial link is a pseudo-terminal, which the host opens with pyserial exactly like a USB port.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import subprocess
import threading
import time
import tty
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from edgekit.catalog import Board
from edgekit.errors import FlashError, ToolNotFound

EMULATED_PLATFORMS = ("edgekit-qemu", "edgekit-qemu-riscv", "edgekit-host")
#: The QEMU system emulator of each QEMU platform, and the Debian package that has it.
_QEMU_BINARIES = {"edgekit-qemu": ("qemu-system-arm", "qemu-system-arm"),
                  "edgekit-qemu-riscv": ("qemu-system-riscv32", "qemu-system-misc")}


@dataclass(frozen=True)
class FirmwareRun:
    """How a firmware run ended: its exit status, its output and how long it took."""

    status: int
    output: str
    seconds: float


def is_emulated(board: Board) -> bool:
    """True for boards whose firmware edgekit runs itself (QEMU machines and the host)."""
    return board.platform in EMULATED_PLATFORMS


def _qemu(board: Board) -> str:
    name, package = _QEMU_BINARIES[board.platform]
    qemu = shutil.which(name)
    if qemu is None:
        raise ToolNotFound(name, f"run scripts/setup.sh, or: sudo apt-get install {package}")
    return qemu


def _qemu_command(firmware: Path, board: Board, options: list[str], semihosting: str = "") -> list[str]:
    # RISC-V virt: no firmware below the kernel (-bios none), so the ELF's own entry point runs first
    machine = ["-M", board.mcu, *(["-bios", "none"] if board.platform == "edgekit-qemu-riscv" else [])]
    return [_qemu(board), *machine, *options, "-semihosting-config", f"enable=on,target=native{semihosting}",
            "-kernel", str(firmware)]


def firmware_command(firmware: Path, board: Board, count_instructions: bool = False) -> list[str]:
    """The command that boots ``firmware`` for ``board``. ``count_instructions`` runs QEMU with
    ``-icount shift=0``: one nanosecond of virtual time per instruction, so timers count instructions."""
    if board.platform == "edgekit-host":
        return [str(firmware)]
    return _qemu_command(firmware, board, ["-nographic", "-monitor", "none", "-serial", "stdio",
                                           *(["-icount", "shift=0"] if count_instructions else [])])


#: QEMU says where the pty of a ``-serial pty`` is: "char device redirected to /dev/pts/3 (label serial0)".
_PTY_LINE = re.compile(rb"redirected to (/dev/\S+)")


@dataclass(frozen=True)
class ServedFirmware:
    """A firmware serving the protocol: the pty to open, ``start`` to call once it is open, and
    ``monitor`` to give QEMU a monitor command (``stop``, ``cont``, ``system_reset``; QEMU boards only)."""

    port: str
    start: Callable[[], None]
    monitor: Callable[[str], None]


@contextlib.contextmanager
def serve_firmware(firmware: Path, board: Board, start_timeout_s: float = 20.0) -> Iterator[ServedFirmware]:
    """Start ``firmware`` on the emulated ``board`` serving the protocol on a pty.

    Under QEMU the CPU starts frozen (``-S``) and ``start()`` releases it through the monitor, so the
    caller opens the pty first and loses no boot line; ``-icount shift=0`` makes the firmware's clock
    count instructions (1 µs of reported latency = 1,000 instructions). The host board's program gets the
    other end of a pty made here. Everything is stopped when the block ends.

    :raises FlashError: when the firmware is missing or the emulator does not start within ``start_timeout_s``.
    """
    if not firmware.is_file():
        raise FlashError(f"no firmware at {firmware}", ["build it first with `edgekit build`"])
    if board.platform == "edgekit-host":
        with _serve_host_program(firmware) as served:
            yield served
        return
    command = _qemu_command(firmware, board, ["-display", "none", "-S", "-monitor", "stdio", "-serial", "pty",
                                              "-icount", "shift=0"], ",arg=serve")
    # The pty's name comes on the monitor (stdout) or, without one, on stderr: read both.
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def monitor(command: str) -> None:
        assert process.stdin is not None
        try:
            process.stdin.write(command.encode() + b"\n")
            process.stdin.flush()
        except OSError:  # QEMU has exited: the firmware stopped (a fault ends it through semihosting)
            raise FlashError(f"the emulator for {board.id} stopped (exit status {process.poll()})",
                             ["run `edgekit flash` on the build to see the firmware's own output"]) from None

    try:
        yield ServedFirmware(_read_pty_path(process, start_timeout_s), lambda: monitor("cont"), monitor)
    finally:
        _stop(process)


@contextlib.contextmanager
def _serve_host_program(firmware: Path) -> Iterator[ServedFirmware]:
    # The program talks on the pty's controlling side; the caller opens the terminal side by its name.
    controller, terminal = os.openpty()
    tty.setraw(terminal)  # no echo, no line editing: the firmware would otherwise read its own output
    process = None
    try:
        def start() -> None:
            nonlocal process, controller
            process = subprocess.Popen([str(firmware), "serve"], stdin=controller, stdout=controller,
                                       stderr=subprocess.DEVNULL)
            # only the program holds its side now: when it ends, the terminal side reports it
            os.close(controller)
            controller = -1

        def monitor(command: str) -> None:
            raise FlashError("the host board has no emulator monitor", ["use a qemu_* board"])

        yield ServedFirmware(os.ttyname(terminal), start, monitor)
    finally:
        if process is not None:
            _stop(process)
        if controller >= 0:
            os.close(controller)
        os.close(terminal)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait()
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def _read_pty_path(process: subprocess.Popen, timeout_s: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout_s
    seen = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.1)
        if ready:
            chunk = os.read(process.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk
            match = _PTY_LINE.search(seen)
            if match:
                return match[1].decode()
        elif process.poll() is not None:
            break
    raise FlashError(f"QEMU did not start: {seen.decode('utf-8', 'replace').strip() or 'no output'}",
                     ["check that QEMU works: qemu-system-arm -M help (qemu-system-riscv32 for RISC-V boards)"])


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
