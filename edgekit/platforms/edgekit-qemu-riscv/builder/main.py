"""SCons build script of edgekit's RISC-V QEMU platform: bare-metal RV32IMC firmware (the ESP32-C3's
instruction set) with Debian's riscv64-unknown-elf-gcc and picolibc, linked at QEMU virt's memory map,
plus this platform's start-up code."""

from os.path import join

from SCons.Script import AlwaysBuild, Default, DefaultEnvironment  # pylint: disable=import-error

env = DefaultEnvironment()
platform = env.PioPlatform()
board = env.BoardConfig()
platform_dir = platform.get_dir()

cpu_flags = ["-march=%s" % board.get("build.march"), "-mabi=%s" % board.get("build.mabi")]

env.Replace(
    AR="riscv64-unknown-elf-gcc-ar",
    AS="riscv64-unknown-elf-gcc",
    CC="riscv64-unknown-elf-gcc",
    CXX="riscv64-unknown-elf-g++",
    GDB="riscv64-unknown-elf-gdb",
    # Debian has no libstdc++ for this target, and the firmware needs none (no exceptions, RTTI or
    # library containers): link C++ objects with the C driver so that no -lstdc++ is asked for.
    LINK="riscv64-unknown-elf-gcc",
    OBJCOPY="riscv64-unknown-elf-objcopy",
    RANLIB="riscv64-unknown-elf-gcc-ranlib",
    SIZETOOL="riscv64-unknown-elf-size",
    PROGNAME="firmware",
    PROGSUFFIX=".elf",
    SIZECHECKCMD="$SIZETOOL -A -d $SOURCES",
    SIZEPROGREGEXP=r"^(?:\.text|\.data|\.rodata|\.init_array)\s+(\d+).*",
    SIZEDATAREGEXP=r"^(?:\.data|\.bss)\s+(\d+).*",
    SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES",
    LDSCRIPT_PATH=join(platform_dir, "ldscripts", "virt.ld"),
)

env.Append(
    ASFLAGS=cpu_flags,
    ASPPFLAGS=cpu_flags,
    CCFLAGS=cpu_flags + ["--specs=picolibc.specs", "-O2", "-ffunction-sections", "-fdata-sections", "-Wall"],
    CXXFLAGS=["-fno-rtti", "-fno-exceptions", "-fno-threadsafe-statics", "-std=gnu++17"],
    CPPDEFINES=[("F_CPU", "$BOARD_F_CPU"), "EDGEKIT_QEMU", "EDGEKIT_QEMU_RISCV"],
    LINKFLAGS=cpu_flags + ["--specs=picolibc.specs", "-nostartfiles", "-Wl,--gc-sections"],
    LIBS=["c", "m", "gcc"],
)

# The entry point, the test-device exit and the UART live in the platform, not in every project.
env.BuildSources(join("$BUILD_DIR", "edgekit_startup"), join(platform_dir, "startup"))

target_elf = env.BuildProgram()

# `pio run -t upload` boots the firmware in QEMU; edgekit's own `flash` runs QEMU with a time limit.
upload = env.Alias("upload", target_elf, env.VerboseAction(
    "qemu-system-riscv32 -M $BOARD_MCU -bios none -nographic -monitor none -serial stdio "
    "-semihosting-config enable=on,target=native -kernel $SOURCE", "Booting $SOURCE in QEMU $BOARD_MCU"))
AlwaysBuild(upload)
Default([target_elf])
