// edgekit runtime: gemmlowp's fixed-point exp, 1/(1+x), logistic and tanh, as TFLM's kernels call them.
#include "ek_fixedpoint.h"

/* exp(a) for a in [-1/4, 0), a and the result in Q0.31 (a Taylor expansion around -1/8). */
static int32_t exp_on_interval_between_negative_one_quarter_and_0(int32_t a) {
  const int32_t constant_term = 1895147668;   /* exp(-1/8) in Q0.31 */
  const int32_t constant_1_over_3 = 715827883; /* 1/3 in Q0.31 */
  const int32_t x = a + (1 << 28);             /* a + 1/8 */
  const int32_t x2 = ek_srdhm(x, x);
  const int32_t x3 = ek_srdhm(x2, x);
  const int32_t x4 = ek_srdhm(x2, x2);
  const int32_t x4_over_4 = ek_rounding_divide_by_pot(x4, 2);
  const int32_t poly = ek_rounding_divide_by_pot(ek_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
  return constant_term + ek_srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0; a in Q(integer_bits).(31 - integer_bits), the result in Q0.31. */
int32_t ek_exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = 1 << (fractional_bits - 2);
  const int32_t a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter;
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0(
      ek_saturating_shift_left(a_mod_quarter_minus_one_quarter, integer_bits)); /* -> Q0.31 */
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  /* multiply in exp(-2^k) for each bit k of the remainder, k = -2..4 (Q0.31 constants) */
  static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int k = -2; k <= 4 && k < integer_bits; ++k) {
    if (remainder & (1 << (fractional_bits + k))) result = ek_srdhm(result, multipliers[k + 2]);
  }
  if (integer_bits > 5 && a < -(1 << (36 - integer_bits))) result = 0; /* below -32: zero */
  return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out (Newton-Raphson, three steps). */
int32_t ek_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int64_t sum = (int64_t)a + INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2); /* Q0.31 */
  const int32_t constant_48_over_17 = 1515870810;      /* Q2.29 */
  const int32_t constant_neg_32_over_17 = -1010580540; /* Q2.29 */
  int32_t x = constant_48_over_17 + ek_srdhm(half_denominator, constant_neg_32_over_17);
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = ek_srdhm(half_denominator, x);       /* Q2.29 */
    const int32_t one_minus = (1 << 29) - half_denominator_times_x;           /* Q2.29 */
    x = x + ek_saturating_shift_left(ek_srdhm(x, one_minus), 2);                    /* Q4.27 -> Q2.29 */
  }
  return ek_saturating_shift_left(x, 1); /* x / 2 in Q1.30, as Q0.31 */
}

/* (1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out (the same Newton-Raphson steps). */
static int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int64_t sum = (int64_t)a + INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  int32_t x = 1515870810 + ek_srdhm(half_denominator, -1010580540);
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus = (1 << 29) - ek_srdhm(half_denominator, x);
    x = x + ek_saturating_shift_left(ek_srdhm(x, one_minus), 2);
  }
  return ek_saturating_shift_left(x - (1 << 29), 2); /* Q2.29 -> Q0.31 */
}

/* logistic(a) for a in Q4.27, the result in Q0.31 (gemmlowp::logistic). */
int32_t ek_logistic_q4(int32_t a) {
  if (a == 0) return 1 << 30;
  const int32_t magnitude = a > 0 ? a : -a;
  const int32_t positive = ek_one_over_one_plus_x_for_x_in_0_1(ek_exp_on_negative_values(-magnitude, 4));
  return a > 0 ? positive : INT32_MAX - positive;
}

/* tanh(a) for a in Q4.27, the result in Q0.31 (gemmlowp::tanh: exp(2n) read as Q5.26). */
int32_t ek_tanh_q4(int32_t a) {
  if (a == 0) return 0;
  const int32_t negative = a < 0 ? a : -a;
  const int32_t t = one_minus_x_over_one_plus_x_for_x_in_0_1(ek_exp_on_negative_values(negative, 5));
  return a < 0 ? -t : t;
}
