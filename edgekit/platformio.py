"""Everything that runs PlatformIO: the only module that starts it (the "build" stage's outside tool).

* :func:`find_pio` uses the PlatformIO installed with edgekit (``python -m platformio``), else ``pio`` on
  PATH, else raises :class:`~edgekit.errors.ToolNotFound`.
* :func:`run_pio` streams PlatformIO's output into a log file (and to the caller, line by line) and turns a
  failure into an error a person can act on: offline with no way to download, a missing toolchain, a
  compile error with its file and line, a linker region overflow or PlatformIO's own size check.
* edgekit's own platforms (``edgekit/platforms``) build with system toolchains. For them PlatformIO runs
  with a private core directory in the user's cache, holding one package, ``tool-scons``, made here from
  PyPI's ``scons``: its ``.piopm`` must name the owner ``platformio``, or PlatformIO goes to the registry
  for it (shared/DESIGN.md). They therefore build the same online and offline.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable

from edgekit.errors import BuildError, BudgetError, FlashError, OfflineError, ToolNotFound

PLATFORMS_ROOT = Path(str(resources.files("edgekit").joinpath("platforms")))
#: Platforms shipped with edgekit (board file's platformio.platform -> folder).
LOCAL_PLATFORMS = {name: PLATFORMS_ROOT / name for name in ("edgekit-qemu", "edgekit-qemu-riscv", "edgekit-host")}
REGISTRY_HOST = ("api.registry.platformio.org", 443)
CACHE_VARIABLE = "EDGEKIT_CACHE"


def cache_dir() -> Path:
    """edgekit's cache: ``$EDGEKIT_CACHE``, else ``$XDG_CACHE_HOME/edgekit``, else ``~/.cache/edgekit``."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "edgekit"


def find_pio() -> list[str]:
    """The command that starts PlatformIO."""
    try:
        import platformio  # noqa: F401 - installed with edgekit

        return [sys.executable, "-m", "platformio"]
    except ImportError:
        pass
    for name in ("pio", "platformio"):
        if shutil.which(name):
            return [shutil.which(name)]
    raise ToolNotFound("PlatformIO", "install it with `pip install platformio` (scripts/setup.sh does)")


def registry_reachable(timeout_s: float = 2.0) -> bool:
    """True when PlatformIO's registry answers a TCP connection (a proxy-free check, bounded in time)."""
    try:
        with socket.create_connection(REGISTRY_HOST, timeout=timeout_s):
            return True
    except OSError:
        return False


def _scons_package_version() -> str:
    """PlatformIO's version spelling of the installed SCons: 4.11.1 -> 4.41101.0."""
    from importlib.metadata import version

    major, minor, patch = (int(part) for part in (version("scons").split(".") + ["0", "0"])[:3])
    return f"{major}.{major}{minor:02d}{patch:02d}.0"


def private_core_dir() -> Path:
    """A PlatformIO core directory for edgekit's own platforms, seeded with ``tool-scons`` from PyPI's scons."""
    core = cache_dir() / "platformio"
    package = core / "packages" / "tool-scons"
    version = _scons_package_version()
    marker = package / ".piopm"
    if marker.is_file() and json.loads(marker.read_text()).get("version") == version:
        return core
    import SCons

    staging = package.with_name(f".tool-scons.{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shutil.copytree(Path(SCons.__file__).parent, staging / "SCons", ignore=shutil.ignore_patterns("__pycache__"))
    (staging / "scons.py").write_text("from SCons.Script import main\n\nmain()\n")
    (staging / "package.json").write_text(json.dumps({"name": "tool-scons", "version": version}))
    # Without owner "platformio" PlatformIO does not recognise its core package and asks the registry.
    (staging / ".piopm").write_text(json.dumps({
        "type": "tool", "name": "tool-scons", "version": version,
        "spec": {"owner": "platformio", "id": None, "name": "tool-scons", "requirements": None, "uri": None},
    }))
    shutil.rmtree(package, ignore_errors=True)
    staging.rename(package)
    return core


def platform_spec(platform: str, version: str = "") -> str:
    """What ``platform =`` says in platformio.ini: a link to edgekit's own platform, or a registry name."""
    if platform in LOCAL_PLATFORMS:
        return f"symlink://{LOCAL_PLATFORMS[platform].as_posix()}"
    return f"{platform} @ {version}" if version else platform


def pio_environment(platform: str) -> dict[str, str]:
    """Environment for PlatformIO: quiet, no telemetry, and the private core directory for local platforms."""
    env = {**os.environ, "PLATFORMIO_SETTING_ENABLE_TELEMETRY": "no",
           "PLATFORMIO_SETTING_CHECK_PLATFORMIO_INTERVAL": "3650", "PLATFORMIO_NO_ANSI": "true",
           "PLATFORMIO_DISABLE_PROGRESSBAR": "true"}
    if platform in LOCAL_PLATFORMS:
        env["PLATFORMIO_CORE_DIR"] = str(private_core_dir())
    return env


def platform_installed(platform: str) -> bool:
    """True when a registry platform is already in the user's PlatformIO core directory (usable offline)."""
    core = Path(os.environ.get("PLATFORMIO_CORE_DIR", Path.home() / ".platformio"))
    return (core / "platforms" / platform / "platform.json").is_file()


@dataclass(frozen=True)
class PioRun:
    """A finished PlatformIO run: its command, exit status, seconds and the log file that holds its output."""

    command: tuple[str, ...]
    returncode: int
    seconds: float
    log: Path
    output: str


_COMPILE_ERROR = re.compile(r"^(?P<file>[^\s:][^:\n]*):(?P<line>\d+):(?:\d+:)? (?:fatal )?error: (?P<message>.*)$", re.M)
_REGION_OVERFLOW = re.compile(r"region [`'](?P<region>[\w.]+)' overflowed by (?P<bytes>\d+) bytes")
_SECTION_NOFIT = re.compile(r"section [`'](?P<section>[\w.]+)' will not fit in region [`'](?P<region>[\w.]+)'")
_SIZE_CHECK = re.compile(r"Error: The program size \((?P<used>\d+) bytes\) is greater than maximum allowed "
                         r"\((?P<limit>\d+) bytes\)")
_OFFLINE = re.compile(r"HTTPClientError|Could not resolve host|Name or service not known|Temporary failure in name "
                      r"resolution|Max retries exceeded|InternetConnectionError|Failed to establish a new connection")
_UNDEFINED = re.compile(r"undefined reference to [`'](?P<symbol>[^']+)'")
_MISSING_TOOL = re.compile(r"(?P<tool>[\w+.-]+): (?:command )?not found|No such file or directory: '(?P<tool2>[\w+.-]+)'")


def explain_failure(run: PioRun, project_dir: Path) -> Exception:
    """The error for a failed PlatformIO run, from its output (the most specific cause first)."""
    text = run.output
    log = f"the full log is in {run.log}"
    if match := _REGION_OVERFLOW.search(text):
        return BudgetError(f"the firmware does not fit: region '{match['region']}' overflowed by "
                           f"{int(match['bytes']):,} bytes at link time",
                           ["run `edgekit check` for where the bytes go", "use --offline-plan or a smaller model", log])
    if match := _SECTION_NOFIT.search(text):
        return BudgetError(f"the firmware does not fit: section '{match['section']}' will not fit in region "
                           f"'{match['region']}'", ["run `edgekit check` for where the bytes go", log])
    if match := _SIZE_CHECK.search(text):
        used, limit = int(match["used"]), int(match["limit"])
        return BudgetError(f"the program is {used:,} bytes, {used - limit:,} ({(used - limit) / limit:.1%}) over the "
                           f"{limit:,} bytes of flash PlatformIO allows", [log])
    if _OFFLINE.search(text):
        return OfflineError(
            "PlatformIO could not reach its registry: you are offline, and this board's platform, toolchain or "
            "libraries are not installed yet",
            ["build once where the internet is reachable (or run `pio pkg install` there) and copy "
             "~/.platformio to this machine", "or build for an emulated board (qemu_m4) or the host, which need "
             "no download", log])
    if match := _COMPILE_ERROR.search(text):
        where = match["file"]
        try:
            where = str(Path(where).resolve().relative_to(project_dir.resolve()))
        except ValueError:
            pass
        return BuildError(f"compile error in {where}, line {match['line']}: {match['message']}",
                          ["if you edited that file, fix it or render the project again with --force", log])
    if match := _UNDEFINED.search(text):
        return BuildError(f"link error: undefined reference to '{match['symbol']}'",
                          ["a library the template needs is missing, or an edited source lost a definition", log])
    if match := _MISSING_TOOL.search(text):
        tool = match["tool"] or match["tool2"]
        return ToolNotFound(tool, "run scripts/setup.sh, which installs the compilers and QEMU from Debian")
    tail = "\n".join(text.strip().splitlines()[-12:])
    return BuildError(f"PlatformIO failed (exit status {run.returncode}):\n{tail}", [log])


def run_pio(args: list[str], project_dir: Path, log_path: Path, platform: str,
            on_line: Callable[[str], None] | None = None, timeout_s: float = 1800) -> PioRun:
    """Run ``pio ARGS`` in ``project_dir``, writing every line to ``log_path`` (and to ``on_line``).

    :raises: the error :func:`explain_failure` finds when PlatformIO fails; :class:`BuildError` on timeout.
    """
    command = [*find_pio(), *args]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    start = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        log.write("$ " + " ".join(command) + "\n")
        with subprocess.Popen(command, cwd=project_dir, env=pio_environment(platform), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, errors="replace") as process:
            assert process.stdout is not None
            for line in process.stdout:
                log.write(line)
                lines.append(line)
                if on_line:
                    on_line(line.rstrip("\n"))
                if time.monotonic() - start > timeout_s:
                    process.kill()
                    raise BuildError(f"PlatformIO did not finish within {timeout_s:.0f} s",
                                     [f"the log is in {log_path}"])
            returncode = process.wait()
    run = PioRun(tuple(command), returncode, time.monotonic() - start, log_path, "".join(lines))
    if returncode != 0:
        raise explain_failure(run, project_dir)
    return run


_NO_DEVICE = re.compile(r"Failed to connect to|No serial data received|could not open port|open failed|"
                        r"No device found|Couldn't find a board on the selected port|Error: no device|"
                        r"Could not open .* the port is busy")


def find_port(port: str | None) -> str:
    """The serial port to use: ``port`` if it exists, else the one USB serial port plugged in.

    :raises FlashError: for a port that does not exist, no port at all, or several to choose from.
    """
    from serial.tools import list_ports

    ports = sorted(p.device for p in list_ports.comports() if p.vid is not None)
    if port:
        if port in ports or Path(port).exists():
            return port
        raise FlashError(f"serial port '{port}' does not exist",
                         [f"ports with a USB device: {', '.join(ports) or 'none'}", "check the cable and the port name"])
    if len(ports) == 1:
        return ports[0]
    if not ports:
        raise FlashError("no board found on a USB serial port", ["connect the board (a data cable, not charge-only)",
                                                                  "or give the port with --port"])
    raise FlashError(f"several serial ports have a device: {', '.join(ports)}", ["choose one with --port"])


def upload(project_dir: Path, platform: str, port: str, log_path: Path,
           on_line: Callable[[str], None] | None = None) -> PioRun:
    """``pio run -t upload`` on a built project through ``port``; a device that does not answer is a FlashError."""
    try:
        return run_pio(["run", "-t", "upload", "--upload-port", port], project_dir, log_path, platform, on_line)
    except BuildError:
        text = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
        if _NO_DEVICE.search(text):
            raise FlashError(f"no device answered on {port}",
                             ["check that the board is connected and not in use by a serial monitor",
                              "some boards need their BOOT/reset button held while uploading",
                              f"the full log is in {log_path}"]) from None
        raise


def monitor(port: str, baud: int) -> int:
    """``pio device monitor`` on ``port`` at ``baud``, attached to this terminal; returns its exit status."""
    return subprocess.call([*find_pio(), "device", "monitor", "-p", port, "-b", str(baud)])


def build_project(project_dir: Path, platform: str, log_path: Path,
                  on_line: Callable[[str], None] | None = None) -> tuple[Path, PioRun]:
    """``pio run`` in a rendered project; returns the firmware ELF (or host program) and the run.

    :raises OfflineError: before PlatformIO starts, when it would need the registry and cannot reach it.
    """
    if platform not in LOCAL_PLATFORMS and not platform_installed(platform) and not registry_reachable():
        raise OfflineError(
            f"you are offline: PlatformIO must download the {platform} platform, its toolchain and libraries "
            "from its registry, which cannot be reached",
            [f"build once where the internet is reachable (or run `pio pkg install` in {project_dir} there) and "
             "copy ~/.platformio to this machine", "or build for an emulated board (qemu_m4) or the host, which "
             "need no download"])
    run = run_pio(["run"], project_dir, log_path, platform, on_line)
    build_dir = project_dir / ".pio" / "build"
    candidates = sorted(build_dir.glob("*/firmware.elf")) + sorted(build_dir.glob("*/firmware"))
    if not candidates:
        raise BuildError(f"PlatformIO succeeded but left no firmware in {build_dir}", [f"the log is in {log_path}"])
    return candidates[0], run
