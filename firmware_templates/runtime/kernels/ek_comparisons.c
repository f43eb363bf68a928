// edgekit runtime: the comparisons; bit-exact with TFLM's reference kernel (ComparisonWithScaling,
// BroadcastComparison4DSlowWithScaling for int8; ComparisonImpl, BroadcastComparison4DSlowImpl otherwise).
#include "ek_comparisons.h"

static inline int32_t rescale(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier, int32_t shift) {
  return ek_requantize((int32_t)((uint32_t)(x + offset) << left_shift), multiplier, shift);
}

/* All six comparisons in one branch-free expression: the outcome (-1, 0 or 1) picks a bit of the
 * outcome bits. */
static inline int32_t outcome_value(const ek_binary_params* p, int32_t x, int32_t y) {
  return (p->variant >> ((x > y) - (x < y) + 1)) & 1;
}

static inline int32_t rescaled_value(const ek_binary_params* p, int32_t x, int32_t y) {
  return outcome_value(p, rescale(x, p->input1_offset, p->left_shift, p->input1_multiplier, p->input1_shift),
                       rescale(y, p->input2_offset, p->left_shift, p->input2_multiplier, p->input2_shift));
}

EK_BINARY_KERNEL(ek_comparison_s8, int8_t, uint8_t, rescaled_value)
EK_BINARY_KERNEL(ek_comparison_s32, int32_t, uint8_t, outcome_value)
EK_BINARY_KERNEL(ek_comparison_b8, uint8_t, uint8_t, outcome_value)
