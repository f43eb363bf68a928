// edgekit runtime: SQUARED_DIFFERENCE, int8 and int16; bit-exact with TFLM's reference kernel.
#include "ek_squared_difference.h"

static inline int32_t squared_difference_value(const ek_squared_difference_params* p, int32_t x, int32_t y) {
  const int32_t a = (int32_t)((uint32_t)(x + p->input1_offset) << p->left_shift);
  const int32_t b = (int32_t)((uint32_t)(y + p->input2_offset) << p->left_shift);
  const int32_t difference = ek_requantize(a, p->input1_multiplier, p->input1_shift) -
                             ek_requantize(b, p->input2_multiplier, p->input2_shift);
  /* at most 32767^2 for int16 and (255 << 7)^2 for int8: no overflow */
  const int32_t value = ek_requantize(difference * difference, p->output_multiplier, p->output_shift) +
                        p->output_offset;
  return ek_min_i32(ek_max_i32(value, p->act_min), p->act_max);
}

static void squared_difference_row_s8(const ek_squared_difference_params* p, const int8_t* a, const int8_t* b,
                                      int8_t* out, int32_t n, int32_t step_a, int32_t step_b) {
  for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) out[i] = (int8_t)squared_difference_value(p, *a, *b);
}

static void squared_difference_row_s16(const ek_squared_difference_params* p, const int16_t* a, const int16_t* b,
                                       int16_t* out, int32_t n, int32_t step_a, int32_t step_b) {
  for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) out[i] = (int16_t)squared_difference_value(p, *a, *b);
}

void ek_squared_difference_s8(const ek_squared_difference_params* p, const int8_t* input1, const int8_t* input2,
                              int8_t* output) {
  EK_BROADCAST_BINARY(&p->broadcast, squared_difference_row_s8, p, input1, input2, output);
}

void ek_squared_difference_s16(const ek_squared_difference_params* p, const int16_t* input1,
                               const int16_t* input2, int16_t* output) {
  EK_BROADCAST_BINARY(&p->broadcast, squared_difference_row_s16, p, input1, input2, output);
}
