// edgekit runtime: QUANTIZE and DEQUANTIZE, float32 <-> integer, and integer requantization.
#include "ek_quantize.h"

/* round(x / scale) as TFLite's AffineQuantize: float32 division, halves away from zero. The clamp to
 * +-65536 keeps the int32 conversion defined and changes nothing after the clamp to int8 or int16. */
static inline int32_t quantize_f32(float x, float scale) {
  float scaled = x / scale;
  if (!(scaled == scaled)) scaled = 0.0f;
  if (scaled > 65536.0f) scaled = 65536.0f;
  if (scaled < -65536.0f) scaled = -65536.0f;
  int32_t q = (int32_t)scaled;
  const float fraction = scaled - (float)q;
  if (fraction >= 0.5f) q += 1;
  if (fraction <= -0.5f) q -= 1;
  return q;
}

static inline int32_t clamp_i32(int32_t value, int32_t low, int32_t high) {
  return value < low ? low : value > high ? high : value;
}

void ek_quantize_f32_s8(const float* input, int8_t* output, int32_t count, float scale, int32_t zero_point) {
  for (int32_t i = 0; i < count; ++i) output[i] = (int8_t)clamp_i32(quantize_f32(input[i], scale) + zero_point,
                                                                     INT8_MIN, INT8_MAX);
}

void ek_quantize_f32_s16(const float* input, int16_t* output, int32_t count, float scale, int32_t zero_point) {
  for (int32_t i = 0; i < count; ++i) output[i] = (int16_t)clamp_i32(quantize_f32(input[i], scale) + zero_point,
                                                                      INT16_MIN, INT16_MAX);
}

/* DEQUANTIZE in double, then to float, as TFLM's Dequantize. */
#define EK_DEFINE_DEQUANTIZE(suffix, type)                                                           \
  void ek_dequantize_##suffix##_f32(const type* input, float* output, int32_t count, double scale,   \
                                    int32_t zero_point) {                                            \
    for (int32_t i = 0; i < count; ++i) output[i] = (float)(scale * (double)((int32_t)input[i] - zero_point)); \
  }

EK_DEFINE_DEQUANTIZE(s8, int8_t)
EK_DEFINE_DEQUANTIZE(s16, int16_t)
EK_DEFINE_DEQUANTIZE(u8, uint8_t)

/* Requantization between two integer types: one function per pair TFLM's QUANTIZE takes. */
#define EK_DEFINE_REQUANTIZE(in_suffix, in_type, out_suffix, out_type, low, high)                    \
  void ek_requantize_##in_suffix##_##out_suffix(const ek_requantize_params* p, const in_type* input,  \
                                                out_type* output) {                                  \
    for (int32_t i = 0; i < p->count; ++i) {                                                         \
      const int32_t value = ek_requantize((int32_t)input[i] - p->input_zero_point, p->multiplier, p->shift); \
      output[i] = (out_type)clamp_i32(value + p->output_zero_point, low, high);                      \
    }                                                                                                \
  }

EK_DEFINE_REQUANTIZE(s8, int8_t, s8, int8_t, INT8_MIN, INT8_MAX)
EK_DEFINE_REQUANTIZE(s8, int8_t, u8, uint8_t, 0, UINT8_MAX)
EK_DEFINE_REQUANTIZE(u8, uint8_t, s8, int8_t, INT8_MIN, INT8_MAX)
EK_DEFINE_REQUANTIZE(s8, int8_t, s16, int16_t, INT16_MIN, INT16_MAX)
EK_DEFINE_REQUANTIZE(s8, int8_t, s32, int32_t, INT32_MIN, INT32_MAX)
EK_DEFINE_REQUANTIZE(s16, int16_t, s8, int8_t, INT8_MIN, INT8_MAX)
EK_DEFINE_REQUANTIZE(s16, int16_t, s16, int16_t, INT16_MIN, INT16_MAX)
EK_DEFINE_REQUANTIZE(s16, int16_t, s32, int32_t, INT32_MIN, INT32_MAX)
EK_DEFINE_REQUANTIZE(s32, int32_t, s8, int8_t, INT8_MIN, INT8_MAX)
EK_DEFINE_REQUANTIZE(s32, int32_t, s16, int16_t, INT16_MIN, INT16_MAX)
