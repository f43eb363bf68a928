// edgekit runtime: MUL, int8 and int16; bit-exact with TFLM's reference kernel (integer_ops/mul.h).
#include "ek_mul.h"

/* One output: the product of the offset inputs, rescaled by input1 scale * input2 scale / output scale. */
static inline int32_t mul_value(const ek_mul_params* p, int32_t x, int32_t y) {
  const int32_t product = (x + p->input1_offset) * (y + p->input2_offset);
  const int32_t value = ek_requantize(product, p->output_multiplier, p->output_shift) + p->output_offset;
  return ek_min_i32(ek_max_i32(value, p->act_min), p->act_max);
}

static void mul_row_s8(const ek_mul_params* p, const int8_t* a, const int8_t* b, int8_t* out, int32_t n,
                       int32_t step_a, int32_t step_b) {
  for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) out[i] = (int8_t)mul_value(p, *a, *b);
}

static void mul_row_s16(const ek_mul_params* p, const int16_t* a, const int16_t* b, int16_t* out, int32_t n,
                        int32_t step_a, int32_t step_b) {
  for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) out[i] = (int16_t)mul_value(p, *a, *b);
}

void ek_mul_s8(const ek_mul_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  EK_BROADCAST_BINARY(&p->broadcast, mul_row_s8, p, input1, input2, output);
}

void ek_mul_s16(const ek_mul_params* p, const int16_t* input1, const int16_t* input2, int16_t* output) {
  EK_BROADCAST_BINARY(&p->broadcast, mul_row_s16, p, input1, input2, output);
}
