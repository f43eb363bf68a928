// edgekit runtime: SQUARED_DIFFERENCE, int8 and int16; bit-exact with TFLM's reference kernel.
#include "ek_squared_difference.h"

static inline int32_t squared_difference_value(const ek_binary_params* p, int32_t x, int32_t y) {
  const int32_t a = (int32_t)((uint32_t)(x + p->input1_offset) << p->left_shift);
  const int32_t b = (int32_t)((uint32_t)(y + p->input2_offset) << p->left_shift);
  const int32_t difference = ek_requantize(a, p->input1_multiplier, p->input1_shift) -
                             ek_requantize(b, p->input2_multiplier, p->input2_shift);
  /* at most 32768^2 for int16 and (255 << 7)^2 for int8: no overflow */
  const int32_t value = ek_requantize(difference * difference, p->output_multiplier, p->output_shift) +
                        p->output_offset;
  return ek_min_i32(ek_max_i32(value, p->act_min), p->act_max);
}

EK_BINARY_KERNEL(ek_squared_difference_s8, int8_t, int8_t, squared_difference_value)
EK_BINARY_KERNEL(ek_squared_difference_s16, int16_t, int16_t, squared_difference_value)
