// edgekit runtime: LOG_SOFTMAX, int8, through gemmlowp's fixed-point exp and TFLM's fixed-point log.
#include "ek_log_softmax.h"
#include "ek_fixedpoint.h"
#include "ek_inv_sqrt.h"

static inline int32_t saturating_add(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + b;
  return sum > INT32_MAX ? INT32_MAX : sum < INT32_MIN ? INT32_MIN : (int32_t)sum;
}

/* gemmlowp's RoundingHalfSum: (a + b) / 2, rounded half away from zero. */
static inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + b;
  return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* TFLM's SaturatingRoundingMultiplyByPOTParam for exponent >= 0: x * 2^exponent, saturating. */
static inline int32_t multiply_by_pot(int32_t x, int exponent) {
  return exponent == 0 ? x : ek_saturating_shift_left(x, exponent);
}

/* TFLM's log_x_for_x_greater_than_or_equal_to_1<5>(x) for x in Q12.19: log(x) in Q5.26. The
 * accumulation runs in Q6.25, one bit of headroom above the output. */
static int32_t log_q12_to_q5(int32_t x) {
  const int input_integer_bits = 12, accum_integer_bits = 6;
  const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250; /* Q0.31 */
  const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
  const int32_t shifted_quarter = 1 << (29 - accum_integer_bits); /* 1/4 in Q6.25 */

  /* x = r * 2^z with r in [sqrt(1/2), 1) or so: two candidates, the better one kept */
  const int z_a_headroom_plus_1 = ek_count_leading_zeros((uint32_t)x);
  const int32_t r_a_tmp = multiply_by_pot(x, z_a_headroom_plus_1 - 1);
  const int32_t r_a = multiply_by_pot(ek_srdhm(r_a_tmp, sqrt_half), 1);
  const int32_t z_a_pow_2_adj = saturating_add(
      multiply_by_pot(input_integer_bits - z_a_headroom_plus_1, 31 - accum_integer_bits), shifted_quarter);
  const int32_t z_b = ek_srdhm(x, sqrt_half);
  const int z_b_headroom = ek_count_leading_zeros((uint32_t)z_b) - 1;
  const int32_t r_b = multiply_by_pot(x, z_b_headroom);
  const int64_t z_b_difference =
      (int64_t)multiply_by_pot(input_integer_bits - z_b_headroom, 31 - accum_integer_bits) - shifted_quarter;
  const int32_t z_b_pow_2_adj = z_b_difference < INT32_MIN ? INT32_MIN : (int32_t)z_b_difference;
  const int32_t r = ek_min_i32(r_a, r_b);
  const int32_t z_pow_2_adj = ek_max_i32(z_a_pow_2_adj, z_b_pow_2_adj);

  /* log(r) by a rational approximation around sqrt(sqrt(1/2)) */
  const int32_t p = rounding_half_sum(r, sqrt_sqrt_half);
  int32_t q = r - sqrt_sqrt_half;
  q = q + q;
  const int32_t common_sq = ek_srdhm(q, q);
  const int32_t num = ek_srdhm(q, r) + ek_srdhm(ek_srdhm(q, common_sq), alpha_n);
  const int32_t denom_minus_one = ek_srdhm(p, alpha_i + q + ek_srdhm(alpha_d, common_sq)) + ek_srdhm(alpha_f, q);
  const int32_t recip_denom = ek_one_over_one_plus_x_for_x_in_0_1(denom_minus_one);
  const int32_t num_scaled = ek_rounding_divide_by_pot(num, accum_integer_bits); /* Q0.31 -> Q6.25 */
  const int32_t log_q6 = ek_srdhm(z_pow_2_adj, log_2) + ek_srdhm(num_scaled, recip_denom);
  return ek_saturating_shift_left(log_q6, 1); /* Q6.25 -> Q5.26 */
}

void ek_log_softmax_s8(const ek_log_softmax_params* p, const int8_t* input, int8_t* output) {
  for (int32_t row = 0; row < p->outer; ++row) {
    const int8_t* in = input + row * p->depth;
    int8_t* out = output + row * p->depth;
    int32_t max_in_row = INT8_MIN;
    for (int32_t c = 0; c < p->depth; ++c) max_in_row = ek_max_i32(max_in_row, in[c]);

    int32_t sum_of_exps = 0; /* Q12.19 */
    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = ek_requantize(diff, p->input_multiplier, p->input_left_shift); /* Q5.26 */
        sum_of_exps += ek_rounding_divide_by_pot(ek_exp_on_negative_values(scaled, 5), 12);
      }
    }
    const int32_t log_sum_of_exps = log_q12_to_q5(sum_of_exps); /* Q5.26 */
    /* the smallest difference whose output is above -128: at least diff_min */
    const int32_t shifted_log_sum = (int32_t)((uint32_t)log_sum_of_exps + 0x80000000u);
    const int32_t adjusted_diff_min = ek_max_i32(
        p->diff_min - 1, ek_requantize(shifted_log_sum, p->reverse_scaling_divisor, p->reverse_scaling_shift));

    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff > adjusted_diff_min) {
        const int32_t scaled = ek_requantize(diff, p->input_multiplier, p->input_left_shift);
        /* Q5.26 -> the output's Q4.3 (scale 1/16), 127 its zero point */
        const int32_t value = ek_rounding_divide_by_pot(scaled - log_sum_of_exps, 31 - 5 - 4) + INT8_MAX;
        out[c] = ek_clamp_s8(value, INT8_MIN, INT8_MAX);
      } else {
        out[c] = INT8_MIN;
      }
    }
  }
}
