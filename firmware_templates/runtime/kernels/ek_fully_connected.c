// edgekit runtime: FULLY_CONNECTED, int8; bit-exact with TFLM's reference kernel.
#include "ek_fully_connected.h"

void ek_fully_connected_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights, const int32_t* bias,
                           int8_t* output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* x = input + b * p->in_depth;
    for (int32_t o = 0; o < p->out_depth; ++o) {
      const int8_t* w = weights + o * p->in_depth;
      int32_t acc = 0;
      if (p->row_sums) {
        /* sum((w + fo) * (x + io)) = sum(w * x) + fo * sum(x) + io * sum(w + fo) */
        if (p->filter_offset == 0) {
          acc = ek_dot_s8(w, x, p->in_depth);
        } else {
          for (int32_t i = 0; i < p->in_depth; ++i) acc += ((int32_t)w[i] + p->filter_offset) * (int32_t)x[i];
        }
        acc += p->input_offset * p->row_sums[o];
      } else {
        for (int32_t i = 0; i < p->in_depth; ++i) {
          acc += ((int32_t)w[i] + p->filter_offset) * ((int32_t)x[i] + p->input_offset);
        }
      }
      if (bias) acc += bias[o];
      const int32_t k = p->per_channel ? o : 0;
      acc = ek_requantize(acc, p->multiplier[k], p->shift[k]) + p->output_offset;
      output[b * p->out_depth + o] = ek_clamp_s8(acc, p->act_min, p->act_max);
    }
  }
}
