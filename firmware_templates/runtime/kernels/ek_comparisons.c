// edgekit runtime: the comparisons on int8; bit-exact with TFLM's reference kernel
// (ComparisonWithScaling, BroadcastComparison4DSlowWithScaling).
#include "ek_comparisons.h"

static inline int32_t rescale(int32_t x, int32_t offset, int32_t left_shift, int32_t multiplier, int32_t shift) {
  return ek_requantize((int32_t)((uint32_t)(x + offset) << left_shift), multiplier, shift);
}

/* One loop per comparison, so the choice is made once per row. */
#define EK_COMPARE_ROW(op)                                                                               \
  for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) {                                            \
    out[i] = (uint8_t)(rescale(*a, p->input1_offset, p->left_shift, p->input1_multiplier, p->input1_shift) \
                           op rescale(*b, p->input2_offset, p->left_shift, p->input2_multiplier,         \
                                      p->input2_shift));                                                 \
  }                                                                                                      \
  break

static void comparison_row_s8(const ek_comparison_params* p, const int8_t* a, const int8_t* b, uint8_t* out,
                              int32_t n, int32_t step_a, int32_t step_b) {
  switch (p->comparison) {
    case EK_EQUAL: EK_COMPARE_ROW(==);
    case EK_NOT_EQUAL: EK_COMPARE_ROW(!=);
    case EK_LESS: EK_COMPARE_ROW(<);
    case EK_LESS_EQUAL: EK_COMPARE_ROW(<=);
    case EK_GREATER: EK_COMPARE_ROW(>);
    default: EK_COMPARE_ROW(>=);
  }
}

void ek_comparison_s8(const ek_comparison_params* p, const int8_t* input1, const int8_t* input2, uint8_t* output) {
  EK_BROADCAST_BINARY(&p->broadcast, comparison_row_s8, p, input1, input2, output);
}
