// edgekit runtime: MAXIMUM and MINIMUM, int8, int16 and int32; bit-exact with TFLM's reference kernel.
#include "ek_maximum_minimum.h"

/* The row and the kernel for one element type; the choice between the two ops is made once per row. */
#define EK_MAXIMUM_MINIMUM_KERNEL(name, type)                                                              \
  static void name##_row(const ek_binary_params* p, const type* a, const type* b, type* out,     \
                         int32_t n, int32_t step_a, int32_t step_b) {                                     \
    if (p->variant) {                                                                                     \
      for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) out[i] = *a > *b ? *a : *b;               \
    } else {                                                                                              \
      for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) out[i] = *a < *b ? *a : *b;               \
    }                                                                                                     \
  }                                                                                                       \
  void name(const ek_binary_params* p, const type* input1, const type* input2, type* output) {   \
    EK_BROADCAST_BINARY(&p->broadcast, name##_row, p, input1, input2, output);                            \
  }

EK_MAXIMUM_MINIMUM_KERNEL(ek_maximum_minimum_s8, int8_t)
EK_MAXIMUM_MINIMUM_KERNEL(ek_maximum_minimum_s16, int16_t)
EK_MAXIMUM_MINIMUM_KERNEL(ek_maximum_minimum_s32, int32_t)
