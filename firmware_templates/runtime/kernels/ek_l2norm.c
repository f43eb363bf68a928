// edgekit runtime: L2_NORMALIZATION, int8, through TFLM's fixed-point inverse square root.
#include "ek_l2norm.h"
#include "ek_inv_sqrt.h"

void ek_l2norm_s8(int32_t outer, int32_t depth, int32_t input_zero_point, const int8_t* input, int8_t* output) {
  for (int32_t row = 0; row < outer; ++row) {
    const int8_t* in = input + row * depth;
    int8_t* out = output + row * depth;
    int32_t sum_of_squares = 0; /* at most 255^2 per value: no overflow below 2^15 values */
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t x = (int32_t)in[c] - input_zero_point;
      sum_of_squares += x * x;
    }
    int32_t multiplier, shift;
    ek_inv_sqrt_multiplier_exp(sum_of_squares, &multiplier, &shift);
    for (int32_t c = 0; c < depth; ++c) {
      /* 7: the output scale 1/128 folded into the shift */
      const int32_t value = ek_requantize((int32_t)in[c] - input_zero_point, multiplier, shift + 7);
      out[c] = ek_clamp_s8(value, INT8_MIN, INT8_MAX);
    }
  }
}
