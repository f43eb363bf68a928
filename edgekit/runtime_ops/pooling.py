"""AVERAGE_POOL_2D and MAX_POOL_2D (``ek_pooling.c``)."""

from __future__ import annotations

from edgekit.runtime_ops import KERNEL_CODE_BYTES, Context, OpCall, handler
from edgekit.runtime_ops.conv import convolution_call
from edgekit.runtime_ops.fixedpoint import activation_range, name_of, padding, quant, refuse

#: The pools in a convolution kernel's signature, a chain's stages (ek_average_pool_rows_s8 and
#: ek_max_pool_rows_s8: arm-none-eabi-gcc 12.2 -O2 Cortex-M4F; riscv64-unknown-elf-gcc 12.2 -O2 RV32IMC),
#: counted when a call names one.
KERNEL_CODE_BYTES["pool_rows"] = ((r"\bek_average_pool_rows_s8\b", {"default": 68, "riscv32": 94}),
                                  (r"\bek_max_pool_rows_s8\b", {"default": 68, "riscv32": 94}))


@handler("AVERAGE_POOL_2D", "MAX_POOL_2D", code_bytes={"AVERAGE_POOL_2D": 352, "MAX_POOL_2D": 312})
def pool(op, ctx: Context) -> OpCall:
    """Window, strides, padding and the activation clamp, one call per image of the batch; as a chain's
    stage (runtime_ops/conv_chain.py), the same in a convolution's parameters, run a band of rows at a
    time. TFLM's int8 pools do not requantize: input and output must share scale and zero point."""
    x, out = ctx.tensor(op.inputs[0]), ctx.tensor(op.outputs[0])
    if x.dtype == "INT8" and quant(x) != quant(out):
        raise refuse(op, f"has input scale/zero point {quant(x)} and output {quant(out)}; TFLM's int8 pools "
                     "require them equal and refuse the model too; re-convert it")
    low, high = activation_range(int(op.option("fusedActivationFunction")), out)
    k_h, k_w = int(op.option("filterHeight", 1)), int(op.option("filterWidth", 1))
    stride_h, stride_w = int(op.option("strideH", 1)), int(op.option("strideW", 1))
    pad_top, pad_left = padding(x.shape[1], out.shape[1], k_h, stride_h, 1), padding(x.shape[2], out.shape[2], k_w,
                                                                                     stride_w, 1)
    average = op.op == "AVERAGE_POOL_2D"
    if op.index in ctx.chains:
        params = (f"{{{x.shape[1]}, {x.shape[2]}, {x.shape[3]}, {out.shape[1]}, {out.shape[2]}, {out.shape[3]}, "
                  f"{k_h}, {k_w}, {stride_h}, {stride_w}, 1, 1, {pad_top}, {pad_left}, 1, 0, 0, {low}, {high}, "
                  "NULL, NULL, NULL, NULL, NULL}")
        kernel = "ek_average_pool_rows_s8" if average else "ek_max_pool_rows_s8"
        call, families = convolution_call(op, ctx, kernel, "NULL, NULL", ("ek_pooling",))
        return OpCall(name_of(op), "ek_conv_params", params, call, (), 0, families)
    params = (f"{{{x.shape[1]}, {x.shape[2]}, {x.shape[3]}, {out.shape[1]}, {out.shape[2]}, {k_h}, {k_w}, "
              f"{stride_h}, {stride_w}, {pad_top}, {pad_left}, {low}, {high}}}")
    kernel = "ek_average_pool_s8" if average else "ek_max_pool_s8"
    inp, output = ctx.ref(op.inputs[0]), ctx.ref(op.outputs[0])
    call = f"{kernel}(P, {inp}, {output});"
    if x.shape[0] > 1:
        # the kernels run one image: a batch is one call per image, each at its own offset
        in_image, out_image = x.nbytes // x.shape[0], out.nbytes // out.shape[0]
        call = (f"for (int32_t b = 0; b < {x.shape[0]}; ++b) "
                f"{kernel}(P, {inp} + b * {in_image}, {output} + b * {out_image});")
    return OpCall(name_of(op), "ek_pool_params", params, call, (), 0, ("ek_pooling",))
