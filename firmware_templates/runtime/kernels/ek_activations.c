// edgekit runtime: the RELU family, LEAKY_RELU, PRELU, HARD_SWISH and ELU, with the arithmetic of TFLM's
// reference kernels. The int8 and int16 versions differ only in their element type and bounds, so each
// is written once as a macro and stamped out for both.
#include "ek_activations.h"

static inline int32_t clamp_i32(int32_t value, int32_t low, int32_t high) {
  return value < low ? low : value > high ? high : value;
}

#define EK_DEFINE_RELU(suffix, type)                                                                  \
  void ek_relu_##suffix(const ek_relu_params* p, const type* input, type* output) {                   \
    for (int32_t i = 0; i < p->count; ++i) {                                                          \
      const int32_t value = p->output_zero_point +                                                    \
                            ek_requantize((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift); \
      output[i] = (type)clamp_i32(value, p->act_min, p->act_max);                                     \
    }                                                                                                 \
  }                                                                                                   \
  void ek_clamp_only_##suffix(int32_t count, int32_t low, int32_t high, const type* input, type* output) { \
    for (int32_t i = 0; i < count; ++i) output[i] = (type)clamp_i32(input[i], low, high);             \
  }

EK_DEFINE_RELU(s8, int8_t)
EK_DEFINE_RELU(s16, int16_t)

#define EK_DEFINE_LEAKY_RELU(suffix, type, low, high)                                                 \
  void ek_leaky_relu_##suffix(const ek_leaky_relu_params* p, const type* input, type* output) {       \
    for (int32_t i = 0; i < p->count; ++i) {                                                          \
      const int32_t x = (int32_t)input[i] - p->input_zero_point;                                      \
      int32_t scaled;                                                                                 \
      if (x >= 0) {                                                                                   \
        scaled = ek_requantize(x, p->identity_multiplier, p->identity_shift);                         \
      } else {                                                                                        \
        /* TFLM multiplies by |alpha| and negates, which MBQM's rounding makes the same as alpha */    \
        scaled = ek_requantize(x, p->alpha_multiplier, p->alpha_shift);                               \
        if (p->negate_alpha) scaled = -scaled;                                                        \
      }                                                                                               \
      output[i] = (type)clamp_i32(p->output_zero_point + scaled, low, high);                          \
    }                                                                                                 \
  }

EK_DEFINE_LEAKY_RELU(s8, int8_t, INT8_MIN, INT8_MAX)
EK_DEFINE_LEAKY_RELU(s16, int16_t, INT16_MIN, INT16_MAX)

/* Walks the fused loops of a broadcast, innermost (contiguous in the output) first. */
#define EK_DEFINE_PRELU(suffix, type, low, high)                                                      \
  void ek_prelu_##suffix(const ek_prelu_params* p, const type* input, const int8_t* alpha, type* output) { \
    int32_t index[EK_PRELU_MAX_RANK] = {0};                                                           \
    const int32_t inner = p->shape[0], in_step = p->input_stride[0], alpha_step = p->alpha_stride[0]; \
    for (;;) {                                                                                        \
      const type* in = input;                                                                         \
      const int8_t* a = alpha;                                                                        \
      for (int32_t i = 0; i < inner; ++i, in += in_step, a += alpha_step) {                           \
        const int32_t x = p->input_offset + (int32_t)*in;                                             \
        int32_t value;                                                                                \
        if (x >= 0) {                                                                                 \
          value = ek_requantize(x, p->identity_multiplier, p->identity_shift);                        \
        } else {                                                                                      \
          value = ek_requantize(x * (p->alpha_offset + (int32_t)*a), p->alpha_multiplier, p->alpha_shift); \
        }                                                                                             \
        output[i] = (type)clamp_i32(value + p->output_offset, low, high);                             \
      }                                                                                               \
      output += inner;                                                                                \
      int32_t d = 1;                                                                                  \
      for (; d < p->rank; ++d) {                                                                      \
        input += p->input_stride[d];                                                                  \
        alpha += p->alpha_stride[d];                                                                  \
        if (++index[d] < p->shape[d]) break;                                                          \
        input -= p->input_stride[d] * p->shape[d];                                                    \
        alpha -= p->alpha_stride[d] * p->shape[d];                                                    \
        index[d] = 0;                                                                                 \
      }                                                                                               \
      if (d >= p->rank) return;                                                                       \
    }                                                                                                 \
  }

EK_DEFINE_PRELU(s8, int8_t, INT8_MIN, INT8_MAX)
EK_DEFINE_PRELU(s16, int16_t, INT16_MIN, INT16_MAX)

/* --- HARD_SWISH: gemmlowp's 16-bit fixed point ------------------------------------------------- */

/* An int32 value as int16 with two's-complement wrap-around, as TFLM's int16_t assignments. */
static inline int32_t wrap_s16(int32_t value) { return ((value + 32768) & 0xFFFF) - 32768; }

/* gemmlowp's SaturatingRoundingDoublingHighMul on int16. */
static inline int32_t srdhm_s16(int32_t a, int32_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  const int32_t ab = a * b;
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return wrap_s16((ab + nudge) / (1 << 15));
}

/* TFLM's SaturatingDoublingHighMul on int16: as above, rounding toward zero. */
static inline int32_t sdhm_s16(int32_t a, int32_t b) {
  if (a == b && a == INT16_MIN) return INT16_MAX;
  return wrap_s16((a * b) / (1 << 15));
}

/* TFLM's SaturatingLeftShift on int16. */
static inline int32_t saturating_left_shift_s16(int32_t value, int32_t amount) {
  const int64_t result = (int64_t)value * ((int64_t)1 << amount);
  return result > INT16_MAX ? INT16_MAX : result < INT16_MIN ? INT16_MIN : (int32_t)result;
}

void ek_hard_swish_s8(const ek_hard_swish_params* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t hires = ((int32_t)input[i] - p->input_zero_point) * (1 << 7);
    const int32_t preshift_output = srdhm_s16(hires, p->output_multiplier);
    /* x rescaled so that 3.0 is 32768, saturating, then mapped from [-1, 1] to [0, 1] */
    int32_t reluish = hires;
    if (p->reluish_exponent > 0) reluish = saturating_left_shift_s16(reluish, p->reluish_exponent - 1);
    reluish = srdhm_s16(reluish, p->reluish_multiplier);
    if (p->reluish_exponent > 0) reluish = saturating_left_shift_s16(reluish, 1);
    if (p->reluish_exponent < 0) reluish = ek_rounding_divide_by_pot(reluish, -p->reluish_exponent);
    reluish = (reluish + (1 << 15)) >> 1;
    const int32_t product = sdhm_s16(reluish, preshift_output);
    const int32_t value = wrap_s16(ek_rounding_divide_by_pot(product, -p->output_exponent) + p->output_zero_point);
    output[i] = (int8_t)clamp_i32(value, INT8_MIN, INT8_MAX);
  }
}

void ek_lookup_s8(int32_t count, const int8_t* table, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < count; ++i) output[i] = table[(uint8_t)input[i]];
}
