// edgekit runtime: the comparisons on int8; bit-exact with TFLM's reference kernel
// (ComparisonWithScaling, BroadcastComparison4DSlowWithScaling).
#include "ek_comparisons.h"

static inline int32_t rescale(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier, int32_t shift) {
  return ek_requantize((int32_t)((uint32_t)(x + offset) << left_shift), multiplier, shift);
}

/* One loop for all six comparisons: the sign of the difference picks a bit of `outcomes` (the rescaled
 * values are below 2^17 in magnitude, so the difference cannot overflow). */
static void comparison_row_s8(const ek_comparison_params* p, const int8_t* a, const int8_t* b, uint8_t* out,
                              int32_t n, int32_t step_a, int32_t step_b) {
  for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) {
    const int32_t difference = rescale(*a, p->input1_offset, p->left_shift, p->input1_multiplier, p->input1_shift) -
                               rescale(*b, p->input2_offset, p->left_shift, p->input2_multiplier, p->input2_shift);
    out[i] = (uint8_t)((p->outcomes >> ((difference > 0) - (difference < 0) + 1)) & 1);
  }
}

void ek_comparison_s8(const ek_comparison_params* p, const int8_t* input1, const int8_t* input2, uint8_t* output) {
  EK_BROADCAST_BINARY(&p->broadcast, comparison_row_s8, p, input1, input2, output);
}
