// <BANNER>
// edgekit's int8 kernels. The arithmetic follows the formulas TFLM's reference kernels use (written down
// in edgekit's research notes, performance.md section 4): gemmlowp-style double rounding, padded taps
// skipped, average pooling rounded half away from zero, softmax through the fixed-point exp.
#include "ek_kernels.h"

#include <limits.h>
#include <string.h>

/* The Cortex-M DSP path: packed 16-bit multiply-accumulates (SMLAD) on cores that have them (M4, M7,
 * M33 with DSP). Define EK_USE_DSP=0 to use the plain C path everywhere. */
#ifndef EK_USE_DSP
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define EK_USE_DSP 1
#else
#define EK_USE_DSP 0
#endif
#endif
#if EK_USE_DSP
#include <arm_acle.h>
#endif

/* sum(a[i] * b[i]) over n int8 pairs; exact in int32, so any order gives TFLM's result. */
static int32_t dot_s8(const int8_t* a, const int8_t* b, int32_t n) {
  int32_t acc = 0;
  int32_t i = 0;
#if EK_USE_DSP
  for (; i + 4 <= n; i += 4) {
    uint32_t wa, wb;
    memcpy(&wa, a + i, 4); /* unaligned word loads are fine on ARMv7E-M */
    memcpy(&wb, b + i, 4);
    /* bytes 0 and 2, then 1 and 3, sign-extended to 16-bit halves; two multiply-accumulates each */
    acc = __smlad(__sxtb16(wa), __sxtb16(wb), acc);
    acc = __smlad(__sxtb16((wa >> 8) | (wa << 24)), __sxtb16((wb >> 8) | (wb << 24)), acc); /* ROR 8 */
  }
#endif
  for (; i < n; ++i) acc += (int32_t)a[i] * (int32_t)b[i];
  return acc;
}

/* --- fixed-point helpers ------------------------------------------------------------------------- */

/* (a * b * 2) >> 32, rounded to nearest; the one overflowing case saturates. */
static int32_t srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return (int32_t)((ab + nudge) / (1LL << 31)); /* C division truncates toward zero, as gemmlowp's */
}

/* x / 2^exponent, rounded half away from zero (exponent in 0..31). */
static int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  int32_t mask = (int32_t)((1LL << exponent) - 1);
  int32_t remainder = x & mask;
  int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * 2^exponent for exponent > 0, saturating. */
static int32_t saturating_shift_left(int32_t x, int exponent) {
  int32_t threshold = (int32_t)((1LL << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent);
}

int32_t ek_requantize(int32_t x, int32_t multiplier, int32_t shift) {
  int left = shift > 0 ? shift : 0;
  int right = shift > 0 ? 0 : -shift;
  /* int32 wrap-around on the left shift, as TFLM's x * (1 << left) has in practice */
  int32_t shifted = (int32_t)((uint32_t)x << left);
  return rounding_divide_by_pot(srdhm(shifted, multiplier), right);
}

static int8_t clamp_s8(int32_t value, int32_t low, int32_t high) {
  if (value < low) value = low;
  if (value > high) value = high;
  return (int8_t)value;
}

/* --- convolutions -------------------------------------------------------------------------------- */

void ek_conv2d_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                  int8_t* output) {
  for (int32_t oy = 0; oy < p->out_h; ++oy) {
    const int32_t in_y0 = oy * p->stride_h - p->pad_top;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t in_x0 = ox * p->stride_w - p->pad_left;
      for (int32_t oc = 0; oc < p->out_c; ++oc) {
        int32_t acc = 0;
        for (int32_t ky = 0; ky < p->k_h; ++ky) {
          const int32_t iy = in_y0 + p->dilation_h * ky;
          if (iy < 0 || iy >= p->in_h) continue; /* padding: contributes nothing */
          for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = in_x0 + p->dilation_w * kx;
            if (ix < 0 || ix >= p->in_w) continue;
            const int8_t* in = input + (iy * p->in_w + ix) * p->in_c;
            const int8_t* w = filter + ((oc * p->k_h + ky) * p->k_w + kx) * p->in_c;
            if (p->tap_sums) {
              /* sum(w * (x + offset)) = sum(w * x) + offset * sum(w): the same integers, fewer operations */
              acc += dot_s8(w, in, p->in_c) + p->input_offset * p->tap_sums[(oc * p->k_h + ky) * p->k_w + kx];
            } else {
              for (int32_t ic = 0; ic < p->in_c; ++ic) acc += (int32_t)w[ic] * ((int32_t)in[ic] + p->input_offset);
            }
          }
        }
        if (bias) acc += bias[oc];
        acc = ek_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
        output[(oy * p->out_w + ox) * p->out_c + oc] = clamp_s8(acc, p->act_min, p->act_max);
      }
    }
  }
}

void ek_depthwise_conv2d_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                            const int32_t* bias, int8_t* output) {
  for (int32_t oy = 0; oy < p->out_h; ++oy) {
    const int32_t in_y0 = oy * p->stride_h - p->pad_top;
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t in_x0 = ox * p->stride_w - p->pad_left;
      for (int32_t ic = 0; ic < p->in_c; ++ic) {
        for (int32_t m = 0; m < p->depth_multiplier; ++m) {
          const int32_t oc = m + ic * p->depth_multiplier;
          int32_t acc = 0;
          for (int32_t ky = 0; ky < p->k_h; ++ky) {
            const int32_t iy = in_y0 + p->dilation_h * ky;
            if (iy < 0 || iy >= p->in_h) continue;
            for (int32_t kx = 0; kx < p->k_w; ++kx) {
              const int32_t ix = in_x0 + p->dilation_w * kx;
              if (ix < 0 || ix >= p->in_w) continue;
              const int32_t x = input[(iy * p->in_w + ix) * p->in_c + ic];
              acc += (int32_t)filter[(ky * p->k_w + kx) * p->out_c + oc] * (x + p->input_offset);
            }
          }
          if (bias) acc += bias[oc];
          acc = ek_requantize(acc, p->multiplier[oc], p->shift[oc]) + p->output_offset;
          output[(oy * p->out_w + ox) * p->out_c + oc] = clamp_s8(acc, p->act_min, p->act_max);
        }
      }
    }
  }
}

/* --- fully connected ----------------------------------------------------------------------------- */

void ek_fully_connected_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights, const int32_t* bias,
                           int8_t* output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* x = input + b * p->in_depth;
    for (int32_t o = 0; o < p->out_depth; ++o) {
      const int8_t* w = weights + o * p->in_depth;
      int32_t acc = 0;
      if (p->row_sums) {
        /* sum((w + fo) * (x + io)) = sum(w * x) + fo * sum(x) + io * sum(w + fo) */
        if (p->filter_offset == 0) {
          acc = dot_s8(w, x, p->in_depth);
        } else {
          for (int32_t i = 0; i < p->in_depth; ++i) acc += ((int32_t)w[i] + p->filter_offset) * (int32_t)x[i];
        }
        acc += p->input_offset * p->row_sums[o];
      } else {
        for (int32_t i = 0; i < p->in_depth; ++i) {
          acc += ((int32_t)w[i] + p->filter_offset) * ((int32_t)x[i] + p->input_offset);
        }
      }
      if (bias) acc += bias[o];
      const int32_t k = p->per_channel ? o : 0;
      acc = ek_requantize(acc, p->multiplier[k], p->shift[k]) + p->output_offset;
      output[b * p->out_depth + o] = clamp_s8(acc, p->act_min, p->act_max);
    }
  }
}

/* --- pooling ------------------------------------------------------------------------------------- */

static int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

void ek_average_pool_s8(const ek_pool_params* p, const int8_t* input, int8_t* output) {
  for (int32_t oy = 0; oy < p->out_h; ++oy) {
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      const int32_t x0 = ox * p->stride_w - p->pad_left;
      const int32_t fy_start = max_i32(0, -y0), fy_end = min_i32(p->k_h, p->in_h - y0);
      const int32_t fx_start = max_i32(0, -x0), fx_end = min_i32(p->k_w, p->in_w - x0);
      for (int32_t c = 0; c < p->channels; ++c) {
        int32_t acc = 0;
        int32_t count = 0;
        for (int32_t fy = fy_start; fy < fy_end; ++fy) {
          for (int32_t fx = fx_start; fx < fx_end; ++fx) {
            acc += input[((y0 + fy) * p->in_w + (x0 + fx)) * p->channels + c];
            ++count;
          }
        }
        if (count == 0) count = 1; /* a window entirely in the padding: TFLM rejects such a model */
        /* round half away from zero with truncating division */
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        output[(oy * p->out_w + ox) * p->channels + c] = clamp_s8(acc, p->act_min, p->act_max);
      }
    }
  }
}

void ek_max_pool_s8(const ek_pool_params* p, const int8_t* input, int8_t* output) {
  for (int32_t oy = 0; oy < p->out_h; ++oy) {
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      const int32_t x0 = ox * p->stride_w - p->pad_left;
      const int32_t fy_start = max_i32(0, -y0), fy_end = min_i32(p->k_h, p->in_h - y0);
      const int32_t fx_start = max_i32(0, -x0), fx_end = min_i32(p->k_w, p->in_w - x0);
      for (int32_t c = 0; c < p->channels; ++c) {
        int32_t best = INT8_MIN;
        for (int32_t fy = fy_start; fy < fy_end; ++fy) {
          for (int32_t fx = fx_start; fx < fx_end; ++fx) {
            best = max_i32(best, input[((y0 + fy) * p->in_w + (x0 + fx)) * p->channels + c]);
          }
        }
        output[(oy * p->out_w + ox) * p->channels + c] = clamp_s8(best, p->act_min, p->act_max);
      }
    }
  }
}

/* --- softmax: gemmlowp's fixed-point exp and reciprocal ------------------------------------------ */

/* exp(a) for a in [-1/4, 0), a and the result in Q0.31 (a Taylor expansion around -1/8). */
static int32_t exp_on_interval_between_negative_one_quarter_and_0(int32_t a) {
  const int32_t constant_term = 1895147668;   /* exp(-1/8) in Q0.31 */
  const int32_t constant_1_over_3 = 715827883; /* 1/3 in Q0.31 */
  const int32_t x = a + (1 << 28);             /* a + 1/8 */
  const int32_t x2 = srdhm(x, x);
  const int32_t x3 = srdhm(x2, x);
  const int32_t x4 = srdhm(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t poly = rounding_divide_by_pot(srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
  return constant_term + srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0; a in Q(integer_bits).(31 - integer_bits), the result in Q0.31. */
static int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = 1 << (fractional_bits - 2);
  const int32_t a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter;
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0(
      saturating_shift_left(a_mod_quarter_minus_one_quarter, integer_bits)); /* -> Q0.31 */
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  /* multiply in exp(-2^k) for each bit k of the remainder, k = -2..4 (Q0.31 constants) */
  static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int k = -2; k <= 4 && k < integer_bits; ++k) {
    if (remainder & (1 << (fractional_bits + k))) result = srdhm(result, multipliers[k + 2]);
  }
  if (integer_bits > 5 && a < -(1 << (36 - integer_bits))) result = 0; /* below -32: zero */
  return a == 0 ? INT32_MAX : result;
}

static int32_t exp_on_negative_values_q5(int32_t a) { return exp_on_negative_values(a, 5); }

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out (Newton-Raphson, three steps). */
static int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int64_t sum = (int64_t)a + INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2); /* Q0.31 */
  const int32_t constant_48_over_17 = 1515870810;      /* Q2.29 */
  const int32_t constant_neg_32_over_17 = -1010580540; /* Q2.29 */
  int32_t x = constant_48_over_17 + srdhm(half_denominator, constant_neg_32_over_17);
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = srdhm(half_denominator, x);       /* Q2.29 */
    const int32_t one_minus = (1 << 29) - half_denominator_times_x;           /* Q2.29 */
    x = x + saturating_shift_left(srdhm(x, one_minus), 2);                    /* Q4.27 -> Q2.29 */
  }
  return saturating_shift_left(x, 1); /* x / 2 in Q1.30, as Q0.31 */
}

/* (1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out (the same Newton-Raphson steps). */
static int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int64_t sum = (int64_t)a + INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  int32_t x = 1515870810 + srdhm(half_denominator, -1010580540);
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus = (1 << 29) - srdhm(half_denominator, x);
    x = x + saturating_shift_left(srdhm(x, one_minus), 2);
  }
  return saturating_shift_left(x - (1 << 29), 2); /* Q2.29 -> Q0.31 */
}

/* logistic(a) for a in Q4.27, the result in Q0.31 (gemmlowp::logistic). */
static int32_t logistic_q4(int32_t a) {
  if (a == 0) return 1 << 30;
  const int32_t magnitude = a > 0 ? a : -a;
  const int32_t positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-magnitude, 4));
  return a > 0 ? positive : INT32_MAX - positive;
}

/* tanh(a) for a in Q4.27, the result in Q0.31 (gemmlowp::tanh: exp(2n) read as Q5.26). */
static int32_t tanh_q4(int32_t a) {
  if (a == 0) return 0;
  const int32_t negative = a < 0 ? a : -a;
  const int32_t t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(negative, 5));
  return a < 0 ? -t : t;
}

void ek_logistic_s8(const ek_activation_params* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    if (x <= -p->input_range_radius) {
      output[i] = INT8_MIN;
    } else if (x >= p->input_range_radius) {
      output[i] = INT8_MAX;
    } else {
      const int32_t q4 = ek_requantize(x, p->input_multiplier, p->input_left_shift);
      output[i] = clamp_s8(rounding_divide_by_pot(logistic_q4(q4), 23) - 128, INT8_MIN, INT8_MAX);
    }
  }
}

void ek_tanh_s8(const ek_activation_params* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    if (x <= -p->input_range_radius) {
      output[i] = INT8_MIN;
    } else if (x >= p->input_range_radius) {
      output[i] = INT8_MAX;
    } else {
      const int32_t q4 = ek_requantize(x, p->input_multiplier, p->input_left_shift);
      output[i] = clamp_s8(rounding_divide_by_pot(tanh_q4(q4), 24), INT8_MIN, INT8_MAX);
    }
  }
}

static int count_leading_zeros(uint32_t x) {
  int count = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++count;
  }
  return count;
}

void ek_softmax_s8(const ek_softmax_params* p, const int8_t* input, int8_t* output) {
  for (int32_t row = 0; row < p->outer; ++row) {
    const int8_t* in = input + row * p->depth;
    int8_t* out = output + row * p->depth;
    int32_t max_in_row = INT8_MIN;
    for (int32_t c = 0; c < p->depth; ++c) max_in_row = max_i32(max_in_row, in[c]);

    int32_t sum_of_exps = 0; /* Q12.19 */
    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = srdhm((int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
        sum_of_exps += rounding_divide_by_pot(exp_on_negative_values_q5(scaled), 12);
      }
    }
    /* reciprocal of the sum (GetReciprocal with 12 integer bits) */
    const int headroom_plus_one = count_leading_zeros((uint32_t)sum_of_exps);
    const int num_bits_over_unit = 12 - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - (1u << 31));
    const int32_t shifted_scale = one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
    const int exponent = num_bits_over_unit + 31 - 8;

    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = srdhm((int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
        const int32_t exp_value = exp_on_negative_values_q5(scaled);
        const int32_t value = rounding_divide_by_pot(srdhm(shifted_scale, exp_value), exponent) + INT8_MIN;
        out[c] = clamp_s8(value, INT8_MIN, INT8_MAX);
      } else {
        out[c] = INT8_MIN;
      }
    }
  }
}

/* --- elementwise --------------------------------------------------------------------------------- */

void ek_add_s8(const ek_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t a = (int32_t)((uint32_t)((int32_t)input1[i % p->input1_count] + p->input1_offset) << p->left_shift);
    const int32_t b = (int32_t)((uint32_t)((int32_t)input2[i % p->input2_count] + p->input2_offset) << p->left_shift);
    const int32_t scaled_a = ek_requantize(a, p->input1_multiplier, p->input1_shift);
    const int32_t scaled_b = ek_requantize(b, p->input2_multiplier, p->input2_shift);
    const int32_t sum = ek_requantize(scaled_a + scaled_b, p->output_multiplier, p->output_shift) + p->output_offset;
    output[i] = clamp_s8(sum, p->act_min, p->act_max);
  }
}

void ek_mul_s8(const ek_mul_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t a = (int32_t)input1[i % p->input1_count] + p->input1_offset;
    const int32_t b = (int32_t)input2[i % p->input2_count] + p->input2_offset;
    const int32_t value = ek_requantize(a * b, p->output_multiplier, p->output_shift) + p->output_offset;
    output[i] = clamp_s8(value, p->act_min, p->act_max);
  }
}

void ek_pad_s8(const ek_pad_params* p, const int8_t* input, int8_t* output) {
  int32_t out_dims[4];
  for (int d = 0; d < 4; ++d) out_dims[d] = p->before[d] + p->in_dims[d] + p->after[d];
  for (int32_t a = 0; a < out_dims[0]; ++a) {
    for (int32_t b = 0; b < out_dims[1]; ++b) {
      for (int32_t c = 0; c < out_dims[2]; ++c) {
        for (int32_t d = 0; d < out_dims[3]; ++d) {
          const int32_t ia = a - p->before[0], ib = b - p->before[1], ic = c - p->before[2], id = d - p->before[3];
          const int inside = ia >= 0 && ia < p->in_dims[0] && ib >= 0 && ib < p->in_dims[1] && ic >= 0 &&
                             ic < p->in_dims[2] && id >= 0 && id < p->in_dims[3];
          *output++ = inside ? input[((ia * p->in_dims[1] + ib) * p->in_dims[2] + ic) * p->in_dims[3] + id]
                             : p->value;
        }
      }
    }
  }
}

void ek_concatenation(const ek_concat_params* p, const int8_t* const* inputs, int8_t* output) {
  for (int32_t k = 0; k < p->outer; ++k) {
    for (int32_t i = 0; i < p->inputs; ++i) {
      memcpy(output, inputs[i] + k * p->chunk[i], (size_t)p->chunk[i]);
      output += p->chunk[i];
    }
  }
}

void ek_mean_s8(const ek_mean_params* p, const int8_t* input, int8_t* output) {
  /* output coordinates run over the kept dimensions; reduced ones span one index there */
  int32_t out_dims[4];
  for (int d = 0; d < 4; ++d) out_dims[d] = p->reduce[d] ? 1 : p->dims[d];
  for (int32_t a = 0; a < out_dims[0]; ++a) {
    for (int32_t b = 0; b < out_dims[1]; ++b) {
      for (int32_t c = 0; c < out_dims[2]; ++c) {
        for (int32_t d = 0; d < out_dims[3]; ++d) {
          int32_t sum = 0;
          for (int32_t ra = 0; ra < (p->reduce[0] ? p->dims[0] : 1); ++ra) {
            for (int32_t rb = 0; rb < (p->reduce[1] ? p->dims[1] : 1); ++rb) {
              for (int32_t rc = 0; rc < (p->reduce[2] ? p->dims[2] : 1); ++rc) {
                for (int32_t rd = 0; rd < (p->reduce[3] ? p->dims[3] : 1); ++rd) {
                  const int32_t ia = a + ra, ib = b + rb, ic = c + rc, id = d + rd;
                  sum += input[((ia * p->dims[1] + ib) * p->dims[2] + ic) * p->dims[3] + id];
                }
              }
            }
          }
          const int32_t value =
              ek_requantize(sum - p->input_zero_point * p->count, p->multiplier, p->shift) + p->output_zero_point;
          *output++ = clamp_s8(value, INT8_MIN, INT8_MAX);
        }
      }
    }
  }
}

void ek_quantize_f32_s8(const float* input, int8_t* output, int32_t count, float scale, int32_t zero_point) {
  for (int32_t i = 0; i < count; ++i) {
    float scaled = input[i] / scale; /* float32 division, as TFLite's AffineQuantize */
    if (!(scaled == scaled)) scaled = 0.0f;
    if (scaled > 65536.0f) scaled = 65536.0f;
    if (scaled < -65536.0f) scaled = -65536.0f;
    int32_t q = (int32_t)scaled;
    const float fraction = scaled - (float)q;
    if (fraction >= 0.5f) q += 1;
    if (fraction <= -0.5f) q -= 1;
    output[i] = clamp_s8(q + zero_point, INT8_MIN, INT8_MAX);
  }
}

void ek_dequantize_s8_f32(const int8_t* input, float* output, int32_t count, double scale, int32_t zero_point) {
  /* in double, then to float, as TFLM's Dequantize */
  for (int32_t i = 0; i < count; ++i) output[i] = (float)(scale * (double)((int32_t)input[i] - zero_point));
}
