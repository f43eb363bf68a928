// edgekit runtime: ADD, int8; bit-exact with TFLM's reference kernel.
#include "ek_add.h"

void ek_add_s8(const ek_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t a = (int32_t)((uint32_t)((int32_t)input1[i % p->input1_count] + p->input1_offset) << p->left_shift);
    const int32_t b = (int32_t)((uint32_t)((int32_t)input2[i % p->input2_count] + p->input2_offset) << p->left_shift);
    const int32_t scaled_a = ek_requantize(a, p->input1_multiplier, p->input1_shift);
    const int32_t scaled_b = ek_requantize(b, p->input2_multiplier, p->input2_shift);
    const int32_t sum = ek_requantize(scaled_a + scaled_b, p->output_multiplier, p->output_shift) + p->output_offset;
    output[i] = ek_clamp_s8(sum, p->act_min, p->act_max);
  }
}
