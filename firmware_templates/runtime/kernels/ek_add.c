// edgekit runtime: ADD and SUB, int8, int16 and int32; bit-exact with TFLM's reference kernels (AddFunc,
// BroadcastQuantSubSlow: the same arithmetic, SUB subtracting the rescaled second input; int32 as
// reference_ops::Add and SubWithActivation).
#include "ek_add.h"

/* One output: both inputs shifted left, rescaled to the common scale, summed (or subtracted), rescaled
 * to the output, clamped. The multipliers are below one (TFLM's SmallerThanOneExp). */
static inline int32_t add_value(const ek_binary_params* p, int32_t x, int32_t y) {
  const int32_t a = (int32_t)((uint32_t)(x + p->input1_offset) << p->left_shift);
  const int32_t b = (int32_t)((uint32_t)(y + p->input2_offset) << p->left_shift);
  const int32_t scaled_a = ek_requantize(a, p->input1_multiplier, p->input1_shift);
  const int32_t scaled_b = ek_requantize(b, p->input2_multiplier, p->input2_shift);
  const int32_t sum = scaled_a + p->variant * scaled_b; /* variant: 1 for ADD, -1 for SUB */
  const int32_t value = ek_requantize(sum, p->output_multiplier, p->output_shift) + p->output_offset;
  return ek_min_i32(ek_max_i32(value, p->act_min), p->act_max);
}

/* int32 (no quantization): a wrapping sum or difference, clamped (ADD's range is all of int32). */
static inline int32_t add_s32_value(const ek_binary_params* p, int32_t x, int32_t y) {
  const int32_t sum = (int32_t)((uint32_t)x + (uint32_t)p->variant * (uint32_t)y);
  return ek_min_i32(ek_max_i32(sum, p->act_min), p->act_max);
}

EK_BINARY_KERNEL(ek_add_s8, int8_t, int8_t, add_value)
EK_BINARY_KERNEL(ek_add_s16, int16_t, int16_t, add_value)
EK_BINARY_KERNEL(ek_add_s32, int32_t, int32_t, add_s32_value)
