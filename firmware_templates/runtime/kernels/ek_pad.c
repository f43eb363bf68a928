// edgekit runtime: PAD, int8.
#include "ek_pad.h"

void ek_pad_s8(const ek_pad_params* p, const int8_t* input, int8_t* output) {
  int32_t out_dims[4];
  for (int d = 0; d < 4; ++d) out_dims[d] = p->before[d] + p->in_dims[d] + p->after[d];
  for (int32_t a = 0; a < out_dims[0]; ++a) {
    for (int32_t b = 0; b < out_dims[1]; ++b) {
      for (int32_t c = 0; c < out_dims[2]; ++c) {
        for (int32_t d = 0; d < out_dims[3]; ++d) {
          const int32_t ia = a - p->before[0], ib = b - p->before[1], ic = c - p->before[2], id = d - p->before[3];
          const int inside = ia >= 0 && ia < p->in_dims[0] && ib >= 0 && ib < p->in_dims[1] && ic >= 0 &&
                             ic < p->in_dims[2] && id >= 0 && id < p->in_dims[3];
          *output++ = inside ? input[((ia * p->in_dims[1] + ib) * p->in_dims[2] + ic) * p->in_dims[3] + id]
                             : p->value;
        }
      }
    }
  }
}
