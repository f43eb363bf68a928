# <BANNER>
# PlatformIO extra script: the board's FPU flags for compiling *and* linking. The STM32 bare frameworks
# pass only -mcpu/-mthumb, and build_flags do not reach the link, which would then mix float ABIs.
Import("env")  # noqa: F821 - provided by PlatformIO's SCons

FPU_FLAGS = ["-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]
env.Append(CCFLAGS=FPU_FLAGS, ASFLAGS=FPU_FLAGS, LINKFLAGS=FPU_FLAGS)  # noqa: F821
