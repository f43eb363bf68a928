"""PlatformIO runner pieces that need no build: finding PlatformIO and serial ports, the private core
directory, and failure messages. Serial devices cannot exist on these machines, so the port list is a
stand-in where a test needs one; PlatformIO's absence is simulated by hiding its module and PATH."""

from __future__ import annotations

import builtins
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from edgekit import platformio
from edgekit.errors import BudgetError, BuildError, FlashError, ToolNotFound


def test_platformio_missing_is_a_clear_error(monkeypatch):
    real_import = builtins.__import__

    def no_platformio(name, *args, **kwargs):
        if name == "platformio":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_platformio)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ToolNotFound, match="PlatformIO is not installed") as caught:
        platformio.find_pio()
    assert "pip install platformio" in str(caught.value)


def test_private_core_has_tool_scons_owned_by_platformio(tmp_path, monkeypatch):
    monkeypatch.setenv(platformio.CACHE_VARIABLE, str(tmp_path))
    core = platformio.private_core_dir()
    package = core / "packages" / "tool-scons"
    meta = json.loads((package / ".piopm").read_text())
    assert meta["spec"]["owner"] == "platformio"
    assert meta["version"] == json.loads((package / "package.json").read_text())["version"] == "4.41101.0"
    assert (package / "SCons" / "Script" / "__init__.py").is_file() and (package / "scons.py").is_file()
    from platformio.dependencies import get_core_dependencies

    assert get_core_dependencies()["tool-scons"] == "~" + meta["version"]  # the version PlatformIO asks for
    assert platformio.private_core_dir() == core  # seeded once


def _ports(monkeypatch, devices):
    from serial.tools import list_ports

    monkeypatch.setattr(list_ports, "comports", lambda: [SimpleNamespace(device=d, vid=0x10C4) for d in devices])


def test_port_detection(monkeypatch):
    _ports(monkeypatch, ["/dev/ttyUSB0"])
    assert platformio.find_port(None) == "/dev/ttyUSB0"
    with pytest.raises(FlashError, match="serial port '/dev/ttyACM7' does not exist") as caught:
        platformio.find_port("/dev/ttyACM7")
    assert "/dev/ttyUSB0" in str(caught.value)
    _ports(monkeypatch, [])
    with pytest.raises(FlashError, match="no board found"):
        platformio.find_port(None)
    _ports(monkeypatch, ["/dev/ttyUSB0", "/dev/ttyUSB1"])
    with pytest.raises(FlashError, match="choose one with --port"):
        platformio.find_port(None)


@pytest.mark.parametrize("output, kind, text", [
    ("ld: region `RAM' overflowed by 928424 bytes\n", BudgetError, "region 'RAM' overflowed by 928,424 bytes"),
    ("Error: The program size (33464 bytes) is greater than maximum allowed (16384 bytes)\n", BudgetError,
     "17,080 (104.2%) over the 16,384 bytes"),
    ("src/main.cc:12:5: error: 'foo' was not declared in this scope\n", BuildError,
     "compile error in src/main.cc, line 12: 'foo' was not declared"),
    ("main.o: in function `main':\nmain.cc:(.text+0x8): undefined reference to `ek_missing'\n", BuildError,
     "undefined reference to 'ek_missing'"),
    ("sh: 1: arm-none-eabi-gcc: not found\n", ToolNotFound, "cross compiler (arm-none-eabi-gcc and g++) is not installed"),
    ("sh: 1: arm-none-eabi-g++: not found\n", ToolNotFound, "cross compiler (arm-none-eabi-gcc and g++) is not installed"),
    ("collect2: fatal error: ld terminated with signal 25 [File size limit exceeded]\n", BuildError,
     "the build ran out of disk space in . (File size limit exceeded)"),
    ("something else went wrong\n", BuildError, "PlatformIO failed (exit status 1)"),
])
def test_failures_become_errors_a_person_can_act_on(output, kind, text):
    run = platformio.PioRun(("pio", "run"), 1, 1.0, Path("build.log"), output)
    error = platformio.explain_failure(run, Path("."))
    assert isinstance(error, kind) and text in str(error)


def test_upload_with_no_device_answering(tmp_path, monkeypatch):
    def failing_run(args, project_dir, log_path, platform, on_line=None, timeout_s=0):
        log_path.write_text("A fatal error occurred: Failed to connect to ESP32: No serial data received.\n")
        raise BuildError("PlatformIO failed (exit status 1)")

    monkeypatch.setattr(platformio, "run_pio", failing_run)
    with pytest.raises(FlashError, match="no device answered on /dev/ttyUSB0"):
        platformio.upload(tmp_path, "espressif32", "/dev/ttyUSB0", tmp_path / "upload.log")


def test_local_platforms_are_linked_not_downloaded():
    spec = platformio.platform_spec("edgekit-qemu")
    assert spec.startswith("symlink://") and Path(spec[len("symlink://"):], "platform.json").is_file()
    assert platformio.platform_spec("espressif32", "~6.13.0") == "espressif32 @ ~6.13.0"
