// edgekit runtime: MUL, int8, int16 and int32; bit-exact with TFLM's reference kernel (integer_ops/mul.h).
#include "ek_mul.h"

/* One output: the product of the offset inputs, rescaled by input1 scale * input2 scale / output scale. */
static inline int32_t mul_value(const ek_binary_params* p, int32_t x, int32_t y) {
  const int32_t product = (x + p->input1_offset) * (y + p->input2_offset);
  const int32_t value = ek_requantize(product, p->output_multiplier, p->output_shift) + p->output_offset;
  return ek_min_i32(ek_max_i32(value, p->act_min), p->act_max);
}

/* int32 (no quantization): a wrapping product, clamped to the activation range. */
static inline int32_t mul_s32_value(const ek_binary_params* p, int32_t x, int32_t y) {
  return ek_min_i32(ek_max_i32((int32_t)((uint32_t)x * (uint32_t)y), p->act_min), p->act_max);
}

EK_BINARY_KERNEL(ek_mul_s8, int8_t, int8_t, mul_value)
EK_BINARY_KERNEL(ek_mul_s16, int16_t, int16_t, mul_value)
EK_BINARY_KERNEL(ek_mul_s32, int32_t, int32_t, mul_s32_value)
