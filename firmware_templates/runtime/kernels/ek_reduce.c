// edgekit runtime: MEAN, int8, with TFLM's folded 1/count multiplier.
#include "ek_reduce.h"

void ek_mean_s8(const ek_mean_params* p, const int8_t* input, int8_t* output) {
  /* output coordinates run over the kept dimensions; reduced ones span one index there */
  int32_t out_dims[4];
  for (int d = 0; d < 4; ++d) out_dims[d] = p->reduce[d] ? 1 : p->dims[d];
  for (int32_t a = 0; a < out_dims[0]; ++a) {
    for (int32_t b = 0; b < out_dims[1]; ++b) {
      for (int32_t c = 0; c < out_dims[2]; ++c) {
        for (int32_t d = 0; d < out_dims[3]; ++d) {
          int32_t sum = 0;
          for (int32_t ra = 0; ra < (p->reduce[0] ? p->dims[0] : 1); ++ra) {
            for (int32_t rb = 0; rb < (p->reduce[1] ? p->dims[1] : 1); ++rb) {
              for (int32_t rc = 0; rc < (p->reduce[2] ? p->dims[2] : 1); ++rc) {
                for (int32_t rd = 0; rd < (p->reduce[3] ? p->dims[3] : 1); ++rd) {
                  const int32_t ia = a + ra, ib = b + rb, ic = c + rc, id = d + rd;
                  sum += input[((ia * p->dims[1] + ib) * p->dims[2] + ic) * p->dims[3] + id];
                }
              }
            }
          }
          const int32_t value =
              ek_requantize(sum - p->input_zero_point * p->count, p->multiplier, p->shift) + p->output_zero_point;
          *output++ = ek_clamp_s8(value, INT8_MIN, INT8_MAX);
        }
      }
    }
  }
}
