// edgekit runtime: ABS, NEG and RSQRT with the arithmetic of TFLM's elementwise kernels. The int8 and
// int16 versions differ only in their element type and bounds, so each is written once as a macro.
#include "ek_elementwise_unary.h"
#include "ek_inv_sqrt.h"

static inline int32_t clamp_i32(int32_t value, int32_t low, int32_t high) {
  return value < low ? low : value > high ? high : value;
}

#define EK_DEFINE_UNARY(suffix, type, low, high)                                                       \
  void ek_abs_##suffix(const ek_unary_params* p, const type* input, type* output) {                    \
    for (int32_t i = 0; i < p->count; ++i) {                                                           \
      int32_t value = (int32_t)input[i] - p->input_zero_point;                                         \
      if (value < 0) value = -value;                                                                   \
      if (p->rescale) value = ek_requantize(value, p->multiplier, p->shift);                           \
      output[i] = (type)clamp_i32(value + p->output_zero_point, low, high);                            \
    }                                                                                                  \
  }                                                                                                    \
  void ek_rsqrt_##suffix(const ek_unary_params* p, const type* input, type* output) {                  \
    for (int32_t i = 0; i < p->count; ++i) {                                                           \
      const int32_t value = (int32_t)input[i] - p->input_zero_point;                                   \
      if (value == 0) { /* TFLM: a value at the zero point gives the largest output */                 \
        output[i] = high;                                                                              \
        continue;                                                                                      \
      }                                                                                                \
      int32_t inv_sqrt_multiplier, inv_sqrt_shift;                                                     \
      ek_inv_sqrt_multiplier_exp(value, &inv_sqrt_multiplier, &inv_sqrt_shift);                        \
      /* 1 / sqrt(value) with 20 fractional bits, then to the output scale */                         \
      const int32_t fixed = ek_requantize(1, inv_sqrt_multiplier, inv_sqrt_shift + 20);                \
      const int32_t scaled = ek_requantize(fixed, p->multiplier, p->shift - 20);                       \
      output[i] = (type)clamp_i32(scaled + p->output_zero_point, low, high);                           \
    }                                                                                                  \
  }

EK_DEFINE_UNARY(s8, int8_t, INT8_MIN, INT8_MAX)
EK_DEFINE_UNARY(s16, int16_t, INT16_MIN, INT16_MAX)

void ek_abs_f32(int32_t count, const float* input, float* output) {
  /* clears the sign bit, as fabsf (-0.0 becomes +0.0), without needing libm */
  for (int32_t i = 0; i < count; ++i) {
    uint32_t bits;
    memcpy(&bits, &input[i], sizeof bits);
    bits &= 0x7FFFFFFFu;
    memcpy(&output[i], &bits, sizeof bits);
  }
}

void ek_neg_f32(int32_t count, const float* input, float* output) {
  for (int32_t i = 0; i < count; ++i) output[i] = -input[i];
}
