// edgekit runtime: SELECT_V2; bit-exact with TFLM's reference kernel (Select, BroadcastSelect5DSlow).
#include "ek_select.h"

/* The kernel for one element type: one row at a time, each input advancing by its own inner step. */
#define EK_SELECT_KERNEL(name, type)                                                                     \
  void name(const ek_select_params* p, const uint8_t* condition, const type* x, const type* y,          \
            type* output) {                                                                             \
    const ek_broadcast* b = &p->broadcast;                                                              \
    int32_t counter[EK_BROADCAST_MAX_OUTER] = {0};                                                      \
    int32_t offset[3] = {0, 0, 0};                                                                      \
    do {                                                                                                \
      const uint8_t* c = condition + offset[0];                                                         \
      const type* a = x + offset[1];                                                                    \
      const type* e = y + offset[2];                                                                    \
      for (int32_t i = 0; i < b->count; ++i, c += b->inner[0], a += b->inner[1], e += b->inner[2]) {    \
        output[i] = *c ? *a : *e;                                                                       \
      }                                                                                                 \
      output += b->count;                                                                               \
    } while (ek_broadcast_next_row(b, 3, counter, offset));                                             \
  }

EK_SELECT_KERNEL(ek_select_v2_s8, int8_t)
EK_SELECT_KERNEL(ek_select_v2_s16, int16_t)
EK_SELECT_KERNEL(ek_select_v2_f32, float)
