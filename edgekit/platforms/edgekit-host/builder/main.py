"""SCons build script of edgekit's host platform: the firmware as a native program, with the system gcc."""

from SCons.Script import AlwaysBuild, Default, DefaultEnvironment  # pylint: disable=import-error

env = DefaultEnvironment()

env.Replace(
    AR="ar",
    CC="gcc",
    CXX="g++",
    RANLIB="ranlib",
    SIZETOOL="size",
    PROGNAME="firmware",
    PROGSUFFIX="",
    SIZECHECKCMD="$SIZETOOL -A -d $SOURCES",
    SIZEPROGREGEXP=r"^(?:\.text|\.data|\.rodata)\s+(\d+).*",
    SIZEDATAREGEXP=r"^(?:\.data|\.bss)\s+(\d+).*",
    SIZEPRINTCMD="$SIZETOOL -B -d $SOURCES",
)
env.Append(
    CCFLAGS=["-O2", "-Wall"],
    CXXFLAGS=["-std=gnu++17"],
    CPPDEFINES=["EDGEKIT_HOST"],
)

target = env.BuildProgram()
run = env.Alias("upload", target, env.VerboseAction("$SOURCE", "Running $SOURCE"))
AlwaysBuild(run)
Default([target])
