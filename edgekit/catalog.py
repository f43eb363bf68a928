"""The board catalog: one TOML file per board under ``boards/``, in PlatformIO's vocabulary.

A board file says what the hardware is (platform, board id, MCU, core, FPU, clock, flash and RAM, how it
uploads) and which firmware templates build on it; how edgekit behaves lives in options objects, never here.
Files are checked against :data:`SCHEMA` when loaded: a missing or mistyped key is a
:class:`~edgekit.errors.BoardError` naming the file, the key and what was expected. A board may
``extends = "other"`` one other file (files whose name starts with ``_`` are bases and are not listed).
Users add boards in the folders named by ``EDGEKIT_BOARDS_PATH`` (``os.pathsep``-separated); a user file
with the same name as a shipped one replaces it.
"""

from __future__ import annotations

import difflib
import logging
import os
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from edgekit.errors import BoardError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

BOARDS_PATH_VARIABLE = "EDGEKIT_BOARDS_PATH"
#: The inference engines a board's firmware templates run: TFLM, or edgekit's own generated runtime.
RUNTIMES = ("tflm", "edgekit")
#: What the edgekit runtime's memory plan optimizes (``--optimize``; codegen.generate says how).
OPTIMIZE_GOALS = ("balanced", "ram", "speed", "flash")
#: What each goal does, for the commands' --optimize help (codegen.py says how).
OPTIMIZE_HELP = ("The edgekit runtime's memory plan and weights: ram (smallest arena: convolutions write over their "
                 "own input wherever that shrinks it), speed (every kernel in one call, int8 weights), balanced "
                 "(smallest arena within 1% more instructions; on cores with DSP instructions, dense and 1x1 "
                 "weights in 4 to 6 bits within a quarter more of their instructions), flash (balanced, with "
                 "those weights packed further and on any core: lossless, a quarter to a third less weight "
                 "flash on trained layers, some speed).")
log = logging.getLogger(__name__)

#: Every key a board file may hold: dotted key -> (type, required, what it means).
#: ``int`` values are bytes unless the key says otherwise.
SCHEMA: dict[str, tuple[type, bool, str]] = {
    "name": (str, True, "the board's marketing name"),
    "extends": (str, False, "another board file this one starts from"),
    "aliases": (list, False, "other names accepted by --board"),
    "platformio.platform": (str, True, "PlatformIO development platform, e.g. espressif32"),
    "platformio.platform_version": (str, False, "version range of the platform the templates were checked with"),
    "platformio.board": (str, True, "PlatformIO board id, e.g. esp32dev"),
    "platformio.frameworks": (list, True, "frameworks PlatformIO offers for the board"),
    "platformio.monitor_speed": (int, True, "serial monitor baud rate"),
    "platformio.upload_protocol": (str, True, "how PlatformIO uploads, e.g. esptool, cmsis-dap"),
    "platformio.options": (dict, False, "extra platformio.ini options for every template (board_build.*)"),
    "build.mcu": (str, True, "PlatformIO build.mcu"),
    "build.core": (str, True, "CPU core, e.g. cortex-m4, xtensa-lx6, rv32imc"),
    "build.arch": (str, True, "instruction set family: armv6m, armv7m, armv7em, xtensa, riscv32, host"),
    "build.fpu": (str, True, "hardware floating point: none, sp or dp"),
    "build.dsp": (bool, True, "Arm DSP extension (packed SIMD multiply-accumulate)"),
    "build.f_cpu_mhz": (int, True, "core clock in MHz (PlatformIO build.f_cpu)"),
    "build.cortex_m_flags": (list, False, "FPU flags the board's bare frameworks leave out"),
    "upload.maximum_size": (int, True, "flash bytes PlatformIO allows (upload.maximum_size)"),
    "upload.maximum_ram_size": (int, True, "RAM bytes PlatformIO counts (upload.maximum_ram_size)"),
    "memory.usable_flash": (int, False, "flash an application may really use (e.g. the ESP32 app partition)"),
    "memory.usable_flash_by_framework": (dict, False, "framework -> usable flash where it differs (ESP-IDF's partition)"),
    "memory.static_ram_limit": (int, False, "largest static .data + .bss the linker accepts"),
    "memory.largest_heap_block": (int, False, "largest block the heap can give at boot (for arenas taken from it)"),
    "memory.psram": (int, False, "external RAM bytes usable for the arena at run time"),
    "memory.framework_flash": (dict, False, "framework -> flash a minimal program of it takes (core, RTOS, drivers)"),
    "memory.framework_ram": (dict, False, "framework -> static RAM a minimal program of it takes"),
    "firmware.console": (str, False, "where the serial console is: uart0 (default), usb-serial-jtag, usb-cdc"),
    "firmware.serial": (str, False, "the bare-metal template's UART driver: stm32f4-usart2 (PA2/PA3), or none"),
    "firmware.psram_mode": (str, False, "PSRAM interface for ESP-IDF: quad (default) or octal"),
    "firmware.templates": (list, True, "firmware templates that build on this board, in order of preference"),
    "firmware.default_template": (str, False, "the template used when --template is not given (required with templates)"),
    "sources": (dict, True, "where each number came from: dotted key -> citation"),
}

_SECTIONS = {key.split(".")[0] for key in SCHEMA if "." in key}


@dataclass(frozen=True)
class Board:
    """One board: what the hardware is and which firmware templates build on it (no tool behaviour)."""

    id: str
    name: str
    aliases: tuple[str, ...]
    platform: str
    platform_version: str
    pio_board: str
    frameworks: tuple[str, ...]
    monitor_speed: int
    upload_protocol: str
    pio_options: tuple[tuple[str, str], ...]
    mcu: str
    core: str
    arch: str
    fpu: str
    dsp: bool
    f_cpu_mhz: int
    cortex_m_flags: tuple[str, ...]
    flash_bytes: int
    ram_bytes: int
    usable_flash: int
    static_ram_limit: int
    psram: int
    largest_heap_block: int
    usable_flash_by_framework: tuple[tuple[str, int], ...]
    framework_flash: tuple[tuple[str, int], ...]  # framework -> bytes, where a published figure exists
    framework_ram: tuple[tuple[str, int], ...]
    console: str
    psram_mode: str
    serial: str
    templates: tuple[str, ...]
    default_template: str
    sources: tuple[tuple[str, str], ...]
    path: str = field(compare=False)

    def flash_for(self, framework: str) -> int:
        """Flash an application may use with ``framework`` (ESP-IDF's default partition differs from Arduino's)."""
        return dict(self.usable_flash_by_framework).get(framework, self.usable_flash)

    def source(self, key: str) -> str:
        """Where the figure under a dotted board key comes from (its [sources] entry)."""
        return dict(self.sources).get(key, "")


_warned: set[str] = set()


def _warn_once(message: str) -> None:
    """Log a warning once per process (board files are read by several commands in one run)."""
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


def board_dirs() -> list[Path]:
    """Folders searched for board files: the user's (``EDGEKIT_BOARDS_PATH``) first, then edgekit's own.
    A user folder that does not exist is named in a warning (a typo there would hide the user's boards)."""
    user = [Path(p) for p in os.environ.get(BOARDS_PATH_VARIABLE, "").split(os.pathsep) if p]
    for folder in user:
        if not folder.is_dir():
            _warn_once(f"{BOARDS_PATH_VARIABLE} names '{folder}', which is not a folder; no boards are read from it")
    shipped = Path(str(resources.files("edgekit.boards")))
    return [*user, shipped]


def _board_files() -> dict[str, Path]:
    """Board id -> file, earlier folders winning; bases (``_*.toml``) included."""
    files: dict[str, Path] = {}
    for folder in board_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            files.setdefault(path.stem, path)
    return files


def list_boards() -> list[Board]:
    """Every board edgekit knows (bases excluded), sorted by id. A broken board file is skipped with a
    warning that names it and its problem: one bad user file must not hide every other board."""
    boards = []
    for name in sorted(_board_files()):
        if name.startswith("_"):
            continue
        try:
            boards.append(load_board(name))
        except BoardError as exc:
            _warn_once(f"skipping board '{name}': {_first_line(exc)}")
    return boards


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0]


def _flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``, stopping at tables the schema takes whole (options, sources)."""
    flat = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and dotted in _SECTIONS:
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as stream:
            return _flatten(tomllib.load(stream))
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(path, f"is not valid TOML: {exc}", ["fix the syntax at the position given"]) from None
    except OSError as exc:
        raise BoardError(path, f"cannot be read: {exc.strerror}") from None


def _load_raw(name: str, files: dict[str, Path], seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], Path]:
    """A board file's keys with its ``extends`` chain merged in (the child wins; ``sources`` merge)."""
    path = files[name]
    if name in seen:
        chain = " -> ".join((*seen, name))
        raise BoardError(path, f"'extends' forms a cycle: {chain}", ["make one of these files stand alone"])
    raw = _read_toml(path)
    parent_name = raw.get("extends")
    if parent_name is None:
        return raw, path
    if not isinstance(parent_name, str) or parent_name not in files:
        raise BoardError(path, f"'extends' names '{parent_name}', which is not a board file",
                         [f"known files: {', '.join(sorted(files))}"])
    parent, _ = _load_raw(parent_name, files, (*seen, name))
    merged = {**parent, **raw}
    merged["sources"] = {**parent.get("sources", {}), **raw.get("sources", {})}
    merged.pop("extends")
    return merged, path


def _validate(path: Path, raw: dict[str, Any]) -> None:
    for key, value in raw.items():
        if key not in SCHEMA:
            close = difflib.get_close_matches(key, SCHEMA, n=1)
            hint = [f"did you mean '{close[0]}'?"] if close else [f"allowed keys: {', '.join(sorted(SCHEMA))}"]
            raise BoardError(path, f"unknown key '{key}'", hint)
        expected, _, meaning = SCHEMA[key]
        # bool is an int in Python; a size given as true must still be refused.
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise BoardError(path, f"key '{key}' must be {expected.__name__} ({meaning}), not {value!r}")
        if expected is int and value < 0:
            raise BoardError(path, f"key '{key}' must not be negative, not {value}")
    for key, (_, required, meaning) in SCHEMA.items():
        if required and key not in raw:
            raise BoardError(path, f"required key '{key}' is missing ({meaning})")
    for key in ("platformio.frameworks", "firmware.templates", "aliases", "build.cortex_m_flags"):
        if not all(isinstance(item, str) for item in raw.get(key, [])):
            raise BoardError(path, f"key '{key}' must be a list of strings")
    default = raw.get("firmware.default_template", "")
    if raw["firmware.templates"] and default not in raw["firmware.templates"]:
        raise BoardError(path, f"firmware.default_template '{default}' is not in "
                         f"firmware.templates {raw['firmware.templates']}")
    if raw["build.fpu"] not in ("none", "sp", "dp"):
        raise BoardError(path, f"key 'build.fpu' must be none, sp or dp, not {raw['build.fpu']!r}")
    # Every number must say where it came from.
    numbers = {key: value for key, value in raw.items() if SCHEMA[key][0] is int}
    for key in ("memory.framework_flash", "memory.framework_ram", "memory.usable_flash_by_framework"):
        for framework, value in raw.get(key, {}).items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise BoardError(path, f"key '{key}.{framework}' must be a number of bytes, not {value!r}")
            numbers[f"{key}.{framework}"] = value
    for key, value in numbers.items():
        if key not in raw["sources"]:
            raise BoardError(path, f"key '{key}' = {value} has no entry in [sources]",
                             [f'add  "{key}" = "<where the figure comes from>"  under [sources]'])


def _aliases() -> dict[str, str]:
    """Every accepted spelling -> board id (ids and aliases, lower case, '-' and '_' alike)."""
    names: dict[str, str] = {}
    files = _board_files()
    for name in files:
        if name.startswith("_"):
            continue
        names[_normalise(name)] = name
        try:
            raw, _ = _load_raw(name, files)
        except BoardError as exc:  # its aliases are unknown; its id still resolves (and then fails loudly)
            _warn_once(f"skipping board '{name}': {_first_line(exc)}")
            continue
        for alias in raw.get("aliases", []):
            names.setdefault(_normalise(alias), name)
    return names


def _normalise(name: str) -> str:
    return name.strip().lower().replace("-", "_")


def resolve_board_name(name: str) -> str:
    """The board id for ``name`` (an id or an alias; case and ``-``/``_`` ignored), or a BoardError with
    the closest names."""
    names = _aliases()
    key = _normalise(name)
    if key in names:
        return names[key]
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
    hints = [f"did you mean {', '.join(sorted({names[c] for c in close}))}?"] if close else []
    hints.append("`edgekit boards` lists every board; add your own with a TOML file in a folder named by "
                 f"{BOARDS_PATH_VARIABLE}")
    raise BoardError(None, f"unknown board '{name}'", hints)


def load_board(name: str) -> Board:
    """The board called ``name`` (id or alias), loaded, merged with its base and validated."""
    files = _board_files()
    board_id = name if name in files else resolve_board_name(name)
    raw, path = _load_raw(board_id, files)
    _validate(path, raw)
    flash = raw["upload.maximum_size"]
    ram = raw["upload.maximum_ram_size"]
    return Board(
        id=board_id,
        name=raw["name"],
        aliases=tuple(raw.get("aliases", ())),
        platform=raw["platformio.platform"],
        platform_version=raw.get("platformio.platform_version", ""),
        pio_board=raw["platformio.board"],
        frameworks=tuple(raw["platformio.frameworks"]),
        monitor_speed=raw["platformio.monitor_speed"],
        upload_protocol=raw["platformio.upload_protocol"],
        pio_options=tuple(sorted((str(k), str(v)) for k, v in raw.get("platformio.options", {}).items())),
        mcu=raw["build.mcu"],
        core=raw["build.core"],
        arch=raw["build.arch"],
        fpu=raw["build.fpu"],
        dsp=raw["build.dsp"],
        f_cpu_mhz=raw["build.f_cpu_mhz"],
        cortex_m_flags=tuple(raw.get("build.cortex_m_flags", ())),
        flash_bytes=flash,
        ram_bytes=ram,
        usable_flash=raw.get("memory.usable_flash", flash),
        static_ram_limit=raw.get("memory.static_ram_limit", ram),
        psram=raw.get("memory.psram", 0),
        largest_heap_block=raw.get("memory.largest_heap_block", ram),
        usable_flash_by_framework=tuple(sorted(raw.get("memory.usable_flash_by_framework", {}).items())),
        framework_flash=tuple(sorted(raw.get("memory.framework_flash", {}).items())),
        framework_ram=tuple(sorted(raw.get("memory.framework_ram", {}).items())),
        console=raw.get("firmware.console", "uart0"),
        psram_mode=raw.get("firmware.psram_mode", "quad"),
        serial=raw.get("firmware.serial", "none"),
        templates=tuple(raw["firmware.templates"]),
        default_template=raw.get("firmware.default_template", ""),
        sources=tuple(sorted((str(k), str(v)) for k, v in raw["sources"].items())),
        path=str(path),
    )
