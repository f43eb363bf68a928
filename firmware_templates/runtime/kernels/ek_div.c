// edgekit runtime: DIV, int8 and int32; bit-exact with TFLM's reference kernel (DivElementwise,
// BroadcastDivSlowQuantized; Div and BroadcastDivSlow for int32).
#include "ek_div.h"
#include "ek_fixedpoint.h"

/* Redundant sign bits of x, 31 for zero (TFLM's CountLeadingSignBits). */
static inline int32_t count_leading_sign_bits(int32_t x) {
  return ek_count_leading_zeros((uint32_t)(x < 0 ? ~x : x)) - 1;
}

/* gemmlowp's RoundingDivideByPOT as TFLM runs it with the exponents DIV produces, which may exceed 31
 * where the quotient is far below one output step: the mask is then all ones, and the shift (undefined in
 * C++) is the 64-bit host's, which takes the count modulo 32. */
static inline int32_t div_rounding_divide_by_pot(int32_t x, int32_t exponent) {
  const int32_t mask = exponent >= 32 ? -1 : (int32_t)((1u << exponent) - 1u);
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> (exponent & 31)) + ((x & mask) > threshold ? 1 : 0);
}

static inline int32_t div_value(const ek_binary_params* p, int32_t x, int32_t y) {
  int32_t dividend = x + p->input1_offset;
  int32_t divisor = y + p->input2_offset;
  if (divisor < 0) { /* the reciprocal is a positive multiplier */
    dividend = -dividend;
    divisor = -divisor;
  }
  /* TFLM's GetReciprocal(divisor, 31, &recip_shift): 1 / divisor as (1 / (1 + f)) * 2^-recip_shift */
  const int32_t headroom_plus_one = ek_count_leading_zeros((uint32_t)divisor);
  const int32_t recip_shift = 31 - headroom_plus_one;
  const uint32_t normalised = headroom_plus_one < 32 ? (uint32_t)divisor << headroom_plus_one : 0u;
  const int32_t reciprocal = ek_one_over_one_plus_x_for_x_in_0_1((int32_t)(normalised - (1u << 31)));
  /* MultiplyByQuantizedMultiplierGreaterThanOne(dividend, reciprocal, headroom) */
  const int32_t headroom = count_leading_sign_bits(dividend);
  const int32_t quotient = ek_srdhm((int32_t)((uint32_t)dividend << headroom), reciprocal);
  const int32_t exponent = recip_shift + headroom - p->output_shift;
  const int32_t value = div_rounding_divide_by_pot(ek_srdhm(quotient, p->output_multiplier), exponent) +
                        p->output_offset;
  return ek_min_i32(ek_max_i32(value, p->act_min), p->act_max);
}

/* int32 (no quantization): C's truncating division, clamped to the activation range. TFLM's division by
 * zero, and of INT32_MIN by -1, traps on the 64-bit host; here they give 0 and INT32_MIN. */
static inline int32_t div_s32_value(const ek_binary_params* p, int32_t x, int32_t y) {
  const int32_t quotient = y == 0 ? 0 : (y == -1 ? (int32_t)(0u - (uint32_t)x) : x / y);
  return ek_min_i32(ek_max_i32(quotient, p->act_min), p->act_max);
}

EK_BINARY_KERNEL(ek_div_s8, int8_t, int8_t, div_value)
EK_BINARY_KERNEL(ek_div_s32, int32_t, int32_t, div_s32_value)
