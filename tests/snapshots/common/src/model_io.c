// <BANNER>
#include "model_io.h"

model_input0_t model_quantize_input0(float x) {
  float scaled = x / MODEL_INPUT0_SCALE;
  /* Clamp before converting so that no float overflows the integer (NaN becomes 0). */
  if (!(scaled == scaled)) scaled = 0.0f;
  if (scaled > 65536.0f) scaled = 65536.0f;
  if (scaled < -65536.0f) scaled = -65536.0f;
  /* Round half away from zero like std::round, without libm: the fraction after truncation is exact. */
  int32_t q = (int32_t)scaled;
  float fraction = scaled - (float)q;
  if (fraction >= 0.5f) q += 1;
  if (fraction <= -0.5f) q -= 1;
  q += MODEL_INPUT0_ZERO_POINT;
  if (q < -128) q = -128;
  if (q > 127) q = 127;
  return (model_input0_t)q;
}

void model_quantize_input0_array(const float* x, model_input0_t* q, size_t count) {
  for (size_t i = 0; i < count; ++i) q[i] = model_quantize_input0(x[i]);
}

float model_dequantize_output0(model_output0_t q) {
  return MODEL_OUTPUT0_SCALE * (float)((int32_t)q - MODEL_OUTPUT0_ZERO_POINT);
}

void model_dequantize_output0_array(const model_output0_t* q, float* x, size_t count) {
  for (size_t i = 0; i < count; ++i) x[i] = model_dequantize_output0(q[i]);
}
