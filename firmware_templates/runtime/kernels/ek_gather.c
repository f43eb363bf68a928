// edgekit runtime: GATHER and GATHER_ND: byte copies at indices read at run time.
#include "ek_gather.h"
#include <string.h>

int ek_gather(const ek_gather_params* p, const void* input, const int32_t* coords, void* output) {
  const uint8_t* in = (const uint8_t*)input;
  uint8_t* out = (uint8_t*)output;
  const size_t run = (size_t)p->inner;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int32_t* index = coords + b * p->coords;
    for (int32_t o = 0; o < p->outer; ++o) {
      const uint8_t* slab = in + (size_t)(b * p->outer + o) * (size_t)p->axis_size * run;
      for (int32_t k = 0; k < p->coords; ++k) {
        /* TFLM only DCHECKs the index; an index outside the axis stops here instead of reading past */
        if (index[k] < 0 || index[k] >= p->axis_size) return -1;
        memcpy(out, slab + (size_t)index[k] * run, run);
        out += run;
      }
    }
  }
  return 0;
}

int ek_gather_nd(const ek_gather_nd_params* p, const void* input, const int32_t* indices, void* output) {
  const uint8_t* in = (const uint8_t*)input;
  uint8_t* out = (uint8_t*)output;
  const size_t run = (size_t)p->slice * (size_t)p->element;
  for (int32_t i = 0; i < p->slices; ++i, indices += p->nd) {
    int32_t from = 0;
    for (int32_t j = 0; j < p->nd; ++j) from += indices[j] * p->stride[j];
    if (from < 0 || from + p->slice > p->elements) return -1;
    memcpy(out, in + (size_t)from * (size_t)p->element, run);
    out += run;
  }
  return 0;
}
