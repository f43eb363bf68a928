"""SCons build script of edgekit's QEMU platform: bare-metal Cortex-M firmware with the system
arm-none-eabi-gcc and newlib, linked at QEMU mps2's memory map, plus this platform's start-up code."""

import shlex
from os.path import join

from SCons.Script import AlwaysBuild, Default, DefaultEnvironment  # pylint: disable=import-error

env = DefaultEnvironment()
platform = env.PioPlatform()
board = env.BoardConfig()
platform_dir = platform.get_dir()

cpu_flags = ["-mcpu=%s" % board.get("build.cpu"), "-mthumb"] + shlex.split(board.get("build.fpu_flags", ""))

env.Replace(
    AR="arm-none-eabi-gcc-ar",
    AS="arm-none-eabi-as",
    CC="arm-none-eabi-gcc",
    CXX="arm-none-eabi-g++",
    GDB="arm-none-eabi-gdb",
    OBJCOPY="arm-none-eabi-objcopy",
    RANLIB="arm-none-eabi-gcc-ranlib",
    SIZETOOL="arm-none-eabi-size",
    PROGNAME="firmware",
    PROGSUFFIX=".elf",
    # the section rules of PlatformIO's Arm platforms (ststm32, nordicnrf52, raspberrypi), plus the
    # vector table this platform keeps in its own section
    SIZECHECKCMD="$SIZETOOL -A -d $SOURCES",
    SIZEPROGREGEXP=r"^(?:\.isr_vector|\.text|\.data|\.rodata|\.text.align|\.ARM.exidx)\s+(\d+).*",
    SIZEDATAREGEXP=r"^(?:\.data|\.bss|\.noinit)\s+(\d+).*",
    SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES",
    LDSCRIPT_PATH=join(platform_dir, "ldscripts", "mps2.ld"),
)

env.Append(
    ASFLAGS=cpu_flags,
    CCFLAGS=cpu_flags + ["-O2", "-ffunction-sections", "-fdata-sections", "-Wall"],
    CXXFLAGS=["-fno-rtti", "-fno-exceptions", "-fno-threadsafe-statics", "-std=gnu++17"],
    CPPDEFINES=[("F_CPU", "$BOARD_F_CPU"), "EDGEKIT_QEMU"],
    LINKFLAGS=cpu_flags + ["-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections"],
    LIBS=["c", "m", "gcc", "nosys"],
)

# The vector table, reset handler and semihosting exit live in the platform, not in every project.
env.BuildSources(join("$BUILD_DIR", "edgekit_startup"), join(platform_dir, "startup"))

target_elf = env.BuildProgram()

# `pio run -t upload` boots the firmware in QEMU; edgekit's own `flash` runs QEMU with a time limit.
upload = env.Alias("upload", target_elf, env.VerboseAction(
    "qemu-system-arm -M $BOARD_MCU -nographic -monitor none -serial stdio -icount shift=0 "
    "-semihosting-config enable=on,target=native -kernel $SOURCE", "Booting $SOURCE in QEMU $BOARD_MCU"))
AlwaysBuild(upload)
Default([target_elf])
