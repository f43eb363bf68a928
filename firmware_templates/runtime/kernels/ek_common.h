// edgekit runtime: what every kernel family shares. The integer arithmetic of TFLM's reference kernels,
// written once (as TFLM's common.h and CMSIS-NN's NNSupportFunctions): gemmlowp's rounding doubling high
// multiply and rounding shift, MultiplyByQuantizedMultiplier, the int8 clamp; and the Cortex-M DSP
// instructions the fast paths use, as inline assembly (GCC before 10 has no <arm_acle.h> intrinsics for
// them, and the nRF52 and STM32 mbed platforms pin GCC 7).
#ifndef EK_COMMON_H_
#define EK_COMMON_H_

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The Cortex-M DSP path: packed 16-bit multiply-accumulates (SMLAD) on cores that have them (M4, M7,
 * M33 with DSP). Define EK_USE_DSP=0 to use the plain C path everywhere. */
#ifndef EK_USE_DSP
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define EK_USE_DSP 1
#else
#define EK_USE_DSP 0
#endif
#endif

/* The hand-written inner loops (inline assembly): Thumb-2 DSP builds with optimisation. An unoptimised
 * build (-O0, the frame pointer kept) has too few free registers for them and takes the C form. */
#if EK_USE_DSP && defined(__OPTIMIZE__) && defined(__thumb2__)
#define EK_DSP_ASM 1
#else
#define EK_DSP_ASM 0
#endif

/* Keeps GCC's -funroll-loops off a loop whose body already uses every register: unrolled, it spills. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8
#define EK_NO_UNROLL _Pragma("GCC unroll 1")
#else
#define EK_NO_UNROLL
#endif

/* Keeps an inner-loop function out of its caller, so that the caller's live values do not take the
 * registers its accumulators need. */
#if defined(__GNUC__)
#define EK_NOINLINE __attribute__((noinline))
#else
#define EK_NOINLINE
#endif

#if EK_USE_DSP
/* One 32-bit load of four int8 values (unaligned loads are fine on ARMv7E-M). */
static inline uint32_t ek_load_s8x4(const int8_t* p) {
  uint32_t word;
  memcpy(&word, p, 4);
  return word;
}

/* Bytes 0 and 2 sign-extended into the two 16-bit halves (SXTB16). */
static inline uint32_t ek_sxtb16(uint32_t x) {
  uint32_t result;
  __asm__("sxtb16 %0, %1" : "=r"(result) : "r"(x));
  return result;
}

/* Bytes 1 and 3 sign-extended into the two 16-bit halves, in one instruction (SXTB16 with ROR #8). */
static inline uint32_t ek_sxtb16_odd(uint32_t x) {
  uint32_t result;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(result) : "r"(x));
  return result;
}

/* acc + lo(a) * lo(b) + hi(a) * hi(b), 16-bit halves (SMLAD). */
static inline int32_t ek_smlad(uint32_t a, uint32_t b, int32_t acc) {
  int32_t result;
  __asm__("smlad %0, %1, %2, %3" : "=r"(result) : "r"(a), "r"(b), "r"(acc));
  return result;
}

/* acc + lo(a) * lo(b) (SMLABB) and acc + hi(a) * hi(b) (SMLATT). */
static inline int32_t ek_smlabb(uint32_t a, uint32_t b, int32_t acc) {
  int32_t result;
  __asm__("smlabb %0, %1, %2, %3" : "=r"(result) : "r"(a), "r"(b), "r"(acc));
  return result;
}

static inline int32_t ek_smlatt(uint32_t a, uint32_t b, int32_t acc) {
  int32_t result;
  __asm__("smlatt %0, %1, %2, %3" : "=r"(result) : "r"(a), "r"(b), "r"(acc));
  return result;
}

/* Two 16-bit additions in one word (SADD16). */
static inline uint32_t ek_sadd16(uint32_t a, uint32_t b) {
  uint32_t result;
  __asm__("sadd16 %0, %1, %2" : "=r"(result) : "r"(a), "r"(b));
  return result;
}
#endif

/* Leading zero bits of x, 32 for zero (TFLM's CountLeadingZeros). */
static inline int ek_count_leading_zeros(uint32_t x) {
#if defined(__GNUC__)
  return x ? __builtin_clz(x) : 32;
#else
  int count = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++count;
  }
  return count;
#endif
}

static inline int32_t ek_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t ek_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

/* (a * b * 2) >> 32, rounded to nearest (gemmlowp's SaturatingRoundingDoublingHighMul); the one
 * overflowing case saturates. */
static inline int32_t ek_srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return (int32_t)((ab + nudge) / (1LL << 31)); /* C division truncates toward zero, as gemmlowp's */
}

/* x / 2^exponent, rounded half away from zero (gemmlowp's RoundingDivideByPOT; exponent in 0..31). */
static inline int32_t ek_rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)((1LL << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * 2^exponent for exponent > 0, saturating. */
static inline int32_t ek_saturating_shift_left(int32_t x, int exponent) {
  const int32_t threshold = (int32_t)((1LL << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent);
}

/* TFLM's MultiplyByQuantizedMultiplier: x * 2^left, the rounding doubling high multiply, then a rounding
 * right shift. Multipliers are in [0, 2^31) (QuantizeMultiplier), so the high multiply never saturates,
 * and its "add the nudge, divide by 2^31 truncating" is exactly floor((x * m + 2^30) / 2^31) for either
 * sign: one 64-bit multiply-add and a shift. */
static inline int32_t ek_requantize(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  /* int32 wrap-around on the left shift, as TFLM's x * (1 << left) has in practice */
  const int32_t shifted = (int32_t)((uint32_t)x << left);
  const int32_t high = (int32_t)(((int64_t)shifted * multiplier + (1LL << 30)) >> 31);
  /* rounding_divide_by_pot with a 32-bit mask */
  const int32_t mask = (int32_t)((1u << right) - 1u);
  const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return (high >> right) + ((high & mask) > threshold ? 1 : 0);
}

static inline int8_t ek_clamp_s8(int32_t value, int32_t low, int32_t high) {
  if (value < low) value = low;
  if (value > high) value = high;
  return (int8_t)value;
}

/* value saturated to int8 (the clamp of an output whose activation range is all of int8): one SSAT where
 * the core has it (__ARM_FEATURE_SAT: Cortex-M3 and later, not the M0), two comparisons elsewhere. */
static inline int8_t ek_saturate_s8(int32_t value) {
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
  int32_t result;
  __asm__("ssat %0, #8, %1" : "=r"(result) : "r"(value));
  return (int8_t)result;
#else
  return ek_clamp_s8(value, -128, 127);
#endif
}

/* value >> 1 saturated to int8: one SSAT with its shift where the core has it. */
static inline int8_t ek_halved_saturate_s8(int32_t value) {
#if defined(__ARM_FEATURE_SAT) && __ARM_FEATURE_SAT
  int32_t result;
  __asm__("ssat %0, #8, %1, asr #1" : "=r"(result) : "r"(value));
  return (int8_t)result;
#else
  return ek_saturate_s8(value >> 1);
#endif
}

/* An output clamped to its activation range; `full` (a constant where the caller is specialised on it):
 * the range is all of int8, one saturation. */
static inline int8_t ek_clamp_output_s8(int32_t value, int full, int32_t act_min, int32_t act_max) {
  return full ? ek_saturate_s8(value) : ek_clamp_s8(value, act_min, act_max);
}

/* ek_requantize for a right shift of at least 1 (a multiplier below 0.5, as nearly every layer's), with
 * right - 1 given: the same integers in fewer instructions. With y = high - (high < 0), gemmlowp's
 * round-half-away-from-zero division by 2^right is (y + 2^(right-1)) >> right, computed as
 * ((y >> (right-1)) + 1) >> 1 so that nothing overflows (|high| < 2^31 - 1). */
static inline int32_t ek_requantize_right(int32_t x, int32_t multiplier, int32_t right_minus_one) {
  const int32_t high = (int32_t)(((int64_t)x * multiplier + (1LL << 30)) >> 31);
  const int32_t rounded = (high + (high >> 31)) >> right_minus_one;
  return (rounded + 1) >> 1;
}

/* The rounded high word of a * b, (a * b + 2^31) >> 32: one SMMULR on cores with DSP instructions. */
static inline int32_t ek_rounded_high_mul(int32_t a, int32_t b) {
#if EK_USE_DSP
  int32_t high;
  __asm__("smmulr %0, %1, %2" : "=r"(high) : "r"(a), "r"(b));
  return high;
#else
  return (int32_t)(((int64_t)a * b + (1LL << 31)) >> 32);
#endif
}

/* ek_requantize_right for |x| < 2^30, which the generator proves from the weights and the bias: 2x then
 * fits in int32, and floor((x * m + 2^30) / 2^31) is the rounded high word of 2x * m. */
static inline int32_t ek_requantize_right_narrow(int32_t x, int32_t multiplier, int32_t right_minus_one) {
  const int32_t high = ek_rounded_high_mul(x * 2, multiplier);
  const int32_t rounded = (high + (high >> 31)) >> right_minus_one;
  return (rounded + 1) >> 1;
}

/* An output from its accumulated products: requantization, output offset, activation clamp. */
static inline int8_t ek_finish_s8(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_offset,
                                  int32_t act_min, int32_t act_max) {
  return ek_clamp_s8(ek_requantize(acc, multiplier, shift) + output_offset, act_min, act_max);
}

/* --- int8 dot products (exact in int32, so any order gives TFLM's result) ----------------------- */

/* sum(a[i] * b[i]) over n int8 pairs; exact in int32, so any order gives TFLM's result. */
static inline int32_t ek_dot_s8(const int8_t* a, const int8_t* b, int32_t n) {
  int32_t acc = 0;
  int32_t i = 0;
#if EK_USE_DSP
  for (; i + 4 <= n; i += 4) {
    const uint32_t wa = ek_load_s8x4(a + i), wb = ek_load_s8x4(b + i);
    /* bytes 0 and 2, then 1 and 3, as 16-bit halves; two multiply-accumulates each */
    acc = ek_smlad(ek_sxtb16(wa), ek_sxtb16(wb), acc);
    acc = ek_smlad(ek_sxtb16_odd(wa), ek_sxtb16_odd(wb), acc);
  }
#endif
  for (; i < n; ++i) acc += (int32_t)a[i] * (int32_t)b[i];
  return acc;
}

/* Four dot products at once, of two input rows (a, b) with two weight rows (u, v), over n int8 values:
 * out = {a.u, a.v, b.u, b.v}. Each loaded word feeds two products, which halves the loads and the
 * sign extensions of dot_s8. */
static inline void ek_dot_s8_2x2(const int8_t* a, const int8_t* b, const int8_t* u, const int8_t* v, int32_t n,
                       int32_t out[4]) {
  int32_t au = 0, av = 0, bu = 0, bv = 0;
  int32_t i = 0;
#if EK_USE_DSP
  EK_NO_UNROLL
  for (; i + 4 <= n; i += 4) {
    const uint32_t wu = ek_load_s8x4(u + i), wv = ek_load_s8x4(v + i);
    const uint32_t u_even = ek_sxtb16(wu), u_odd = ek_sxtb16_odd(wu);
    const uint32_t v_even = ek_sxtb16(wv), v_odd = ek_sxtb16_odd(wv);
    uint32_t x = ek_load_s8x4(a + i);
    uint32_t x_even = ek_sxtb16(x), x_odd = ek_sxtb16_odd(x);
    au = ek_smlad(x_even, u_even, au);
    au = ek_smlad(x_odd, u_odd, au);
    av = ek_smlad(x_even, v_even, av);
    av = ek_smlad(x_odd, v_odd, av);
    x = ek_load_s8x4(b + i);
    x_even = ek_sxtb16(x);
    x_odd = ek_sxtb16_odd(x);
    bu = ek_smlad(x_even, u_even, bu);
    bu = ek_smlad(x_odd, u_odd, bu);
    bv = ek_smlad(x_even, v_even, bv);
    bv = ek_smlad(x_odd, v_odd, bv);
  }
#endif
  for (; i < n; ++i) {
    const int32_t x = a[i], y = b[i], wu = u[i], wv = v[i];
    au += x * wu;
    av += x * wv;
    bu += y * wu;
    bv += y * wv;
  }
  out[0] = au;
  out[1] = av;
  out[2] = bu;
  out[3] = bv;
}

#ifdef __cplusplus
}
#endif

#endif  /* EK_COMMON_H_ */
