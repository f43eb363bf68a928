// edgekit runtime: TFLM's GetInvSqrtQuantizedMultiplierExp (1 / sqrt(x) as a multiplier and a shift, by
// Newton-Raphson in gemmlowp's Q3.28) and a leading-zero count, header-only: RSQRT, L2_NORMALIZATION and
// LOG_SOFTMAX share them.
#ifndef EK_INV_SQRT_H_
#define EK_INV_SQRT_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 / sqrt(input) for input >= 0 as TFLM computes it with kReverseShift = -1: the result is
 * MultiplyByQuantizedMultiplier(v, *multiplier, *shift) ~ v / sqrt(input). Inputs 0 and 1 give the
 * largest multiplier, as TFLM's. */
static inline void ek_inv_sqrt_multiplier_exp(int32_t input, int32_t* multiplier, int32_t* shift) {
  if (input <= 1) {
    *multiplier = INT32_MAX;
    *shift = 0;
    return;
  }
  int32_t output_shift = 11;
  while (input >= (1 << 29)) {
    input /= 4;
    ++output_shift;
  }
  /* shift left by pairs of bits into [2^27, 2^29) */
  const int left_shift_bit_pairs = (ek_count_leading_zeros((uint32_t)input) - 1) / 2 - 1;
  output_shift -= left_shift_bit_pairs;
  input <<= 2 * left_shift_bit_pairs;
  const int32_t half_input = ek_rounding_divide_by_pot(input >> 1, 1); /* Q3.28 */
  const int32_t half_three = (1 << 28) + (1 << 27);                    /* 1.5 in Q3.28 */
  int32_t x = 1 << 28;                                                  /* 1.0: the first guess */
  for (int i = 0; i < 5; ++i) {
    const int32_t x3 = ek_saturating_shift_left(ek_srdhm(ek_srdhm(x, x), x), 6); /* Q9 -> Q3 */
    x = ek_saturating_shift_left(ek_srdhm(half_three, x) - ek_srdhm(half_input, x3), 3);
  }
  x = ek_srdhm(x, 1518500250); /* times sqrt(2) / 2 in Q0.31 */
  if (output_shift < 0) {
    x = (int32_t)((uint32_t)x << -output_shift);
    output_shift = 0;
  }
  *multiplier = x;
  *shift = -output_shift;
}

#ifdef __cplusplus
}
#endif

#endif  /* EK_INV_SQRT_H_ */
