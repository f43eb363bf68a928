// edgekit runtime: QUANTIZE and DEQUANTIZE, float32 <-> int8.
#include "ek_quantize.h"

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
    output[i] = ek_clamp_s8(q + zero_point, INT8_MIN, INT8_MAX);
  }
}

void ek_dequantize_s8_f32(const int8_t* input, float* output, int32_t count, double scale, int32_t zero_point) {
  /* in double, then to float, as TFLM's Dequantize */
  for (int32_t i = 0; i < count; ++i) output[i] = (float)(scale * (double)((int32_t)input[i] - zero_point));
}

void ek_requantize_s16_s8(const int16_t* input, int8_t* output, int32_t count, int32_t input_zero_point,
                          int32_t multiplier, int32_t shift, int32_t output_zero_point) {
  for (int32_t i = 0; i < count; ++i) {
    const int32_t value = ek_requantize((int32_t)input[i] - input_zero_point, multiplier, shift) + output_zero_point;
    output[i] = ek_clamp_s8(value, INT8_MIN, INT8_MAX);
  }
}

void ek_requantize_s16_s32(const int16_t* input, int32_t* output, int32_t count, int32_t input_zero_point,
                           int32_t multiplier, int32_t shift, int32_t output_zero_point) {
  /* the int32 range is the clamp, so none is needed */
  for (int32_t i = 0; i < count; ++i)
    output[i] = ek_requantize((int32_t)input[i] - input_zero_point, multiplier, shift) + output_zero_point;
}
