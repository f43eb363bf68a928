// edgekit runtime: SOFTMAX, int8, through gemmlowp's fixed-point exp and reciprocal, as TFLM.
#include "ek_softmax.h"
#include "ek_fixedpoint.h"

/* One body for both output types: int8 (zero point -128, scale 1/256) or int16 (zero point -32768, scale
 * 1/65536); TFLM's template differs only in the output width. */
static void softmax_s8(const ek_softmax_params* p, const int8_t* input, int8_t* out8, int16_t* out16) {
  const int32_t out_min = out16 ? INT16_MIN : INT8_MIN, out_max = out16 ? INT16_MAX : INT8_MAX;
  const int out_bits = out16 ? 16 : 8;
  for (int32_t row = 0; row < p->outer; ++row) {
    const int8_t* in = input + row * p->depth;
    int32_t max_in_row = INT8_MIN;
    for (int32_t c = 0; c < p->depth; ++c) max_in_row = ek_max_i32(max_in_row, in[c]);

    int32_t sum_of_exps = 0; /* Q12.19 */
    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = ek_srdhm((int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
        sum_of_exps += ek_rounding_divide_by_pot(ek_exp_on_negative_values(scaled, 5), 12);
      }
    }
    /* reciprocal of the sum (GetReciprocal with 12 integer bits) */
    const int headroom_plus_one = ek_count_leading_zeros((uint32_t)sum_of_exps);
    const int num_bits_over_unit = 12 - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - (1u << 31));
    const int32_t shifted_scale = ek_one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
    const int exponent = num_bits_over_unit + 31 - out_bits;

    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = ek_srdhm((int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
        const int32_t exp_value = ek_exp_on_negative_values(scaled, 5);
        int32_t value = ek_rounding_divide_by_pot(ek_srdhm(shifted_scale, exp_value), exponent) + out_min;
        value = ek_min_i32(ek_max_i32(value, out_min), out_max);
        if (out16) out16[row * p->depth + c] = (int16_t)value;
        else out8[row * p->depth + c] = (int8_t)value;
      } else if (out16) {
        out16[row * p->depth + c] = INT16_MIN;
      } else {
        out8[row * p->depth + c] = INT8_MIN;
      }
    }
  }
}

void ek_softmax_s8(const ek_softmax_params* p, const int8_t* input, int8_t* output) {
  softmax_s8(p, input, output, NULL);
}

void ek_softmax_s8_s16(const ek_softmax_params* p, const int8_t* input, int16_t* output) {
  softmax_s8(p, input, NULL, output);
}
