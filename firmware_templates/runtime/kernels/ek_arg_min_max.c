// edgekit runtime: ARG_MAX and ARG_MIN, int8 -> int32.
#include "ek_arg_min_max.h"

/* flip 0 finds the maximum; flip -1 the minimum (~x reverses the order of int8 values). */
static void ek_arg_extreme_s8(const ek_arg_params* p, const int8_t* input, int32_t* output, int32_t flip) {
  for (int32_t o = 0; o < p->outer; ++o) {
    const int8_t* slab = input + o * p->axis * p->inner;
    for (int32_t i = 0; i < p->inner; ++i) {
      int32_t best = slab[i] ^ flip;
      int32_t index = 0;
      for (int32_t a = 1; a < p->axis; ++a) {
        const int32_t value = slab[a * p->inner + i] ^ flip;
        if (value > best) {
          best = value;
          index = a;
        }
      }
      *output++ = index;
    }
  }
}

void ek_arg_max_s8(const ek_arg_params* p, const int8_t* input, int32_t* output) {
  ek_arg_extreme_s8(p, input, output, 0);
}

void ek_arg_min_s8(const ek_arg_params* p, const int8_t* input, int32_t* output) {
  ek_arg_extreme_s8(p, input, output, -1);
}
