// edgekit runtime: ADD and SUB, int8 and int16; bit-exact with TFLM's reference kernels (AddFunc,
// BroadcastQuantSubSlow: the same arithmetic, SUB subtracting the rescaled second input).
#include "ek_add.h"

/* One output before the clamp: both inputs shifted left, rescaled to the common scale, summed (or
 * subtracted), rescaled to the output. The multipliers are below one (TFLM's SmallerThanOneExp). */
static inline int32_t add_value(const ek_add_params* p, int32_t x, int32_t y) {
  const int32_t a = (int32_t)((uint32_t)(x + p->input1_offset) << p->left_shift);
  const int32_t b = (int32_t)((uint32_t)(y + p->input2_offset) << p->left_shift);
  const int32_t scaled_a = ek_requantize(a, p->input1_multiplier, p->input1_shift);
  const int32_t scaled_b = ek_requantize(b, p->input2_multiplier, p->input2_shift);
  const int32_t sum = scaled_a + p->input2_sign * scaled_b;
  const int32_t value = ek_requantize(sum, p->output_multiplier, p->output_shift) + p->output_offset;
  return ek_min_i32(ek_max_i32(value, p->act_min), p->act_max);
}

static void add_row_s8(const ek_add_params* p, const int8_t* a, const int8_t* b, int8_t* out, int32_t n,
                       int32_t step_a, int32_t step_b) {
  for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) out[i] = (int8_t)add_value(p, *a, *b);
}

static void add_row_s16(const ek_add_params* p, const int16_t* a, const int16_t* b, int16_t* out, int32_t n,
                        int32_t step_a, int32_t step_b) {
  for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) out[i] = (int16_t)add_value(p, *a, *b);
}

void ek_add_s8(const ek_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  EK_BROADCAST_BINARY(&p->broadcast, add_row_s8, p, input1, input2, output);
}

void ek_add_s16(const ek_add_params* p, const int16_t* input1, const int16_t* input2, int16_t* output) {
  EK_BROADCAST_BINARY(&p->broadcast, add_row_s16, p, input1, input2, output);
}
