// edgekit runtime: MUL, int8; bit-exact with TFLM's reference kernel.
#include "ek_mul.h"

void ek_mul_s8(const ek_mul_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t a = (int32_t)input1[i % p->input1_count] + p->input1_offset;
    const int32_t b = (int32_t)input2[i % p->input2_count] + p->input2_offset;
    const int32_t value = ek_requantize(a * b, p->output_multiplier, p->output_shift) + p->output_offset;
    output[i] = ek_clamp_s8(value, p->act_min, p->act_max);
  }
}
