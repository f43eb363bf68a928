// edgekit runtime: the comparisons on int8; bit-exact with TFLM's reference kernel
// (ComparisonWithScaling, BroadcastComparison4DSlowWithScaling).
#include "ek_comparisons.h"

static inline int32_t rescale(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier, int32_t shift) {
  return ek_requantize((int32_t)((uint32_t)(x + offset) << left_shift), multiplier, shift);
}

/* All six comparisons in one branch-free expression: the sign of the difference picks a bit of the
 * outcome bits (the rescaled values are below 2^17 in magnitude, so the difference cannot overflow). */
static inline int32_t comparison_value(const ek_binary_params* p, int32_t x, int32_t y) {
  const int32_t difference = rescale(x, p->input1_offset, p->left_shift, p->input1_multiplier, p->input1_shift) -
                             rescale(y, p->input2_offset, p->left_shift, p->input2_multiplier, p->input2_shift);
  return (p->variant >> ((difference > 0) - (difference < 0) + 1)) & 1;
}

EK_BINARY_KERNEL(ek_comparison_s8, int8_t, uint8_t, comparison_value)
