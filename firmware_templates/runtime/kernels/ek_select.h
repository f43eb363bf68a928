// edgekit runtime: SELECT_V2 (TFLM's select.cc): out = condition ? x : y, element by element, with N-D
// broadcasting of all three inputs; int8, int16 and float32 values are copied as they are.
#ifndef EK_SELECT_H_
#define EK_SELECT_H_

#include "ek_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  ek_broadcast broadcast; /* inputs in the order condition, x, y */
} ek_select_params;

void ek_select_v2_s8(const ek_select_params* p, const uint8_t* condition, const int8_t* x, const int8_t* y,
                     int8_t* output);
void ek_select_v2_s16(const ek_select_params* p, const uint8_t* condition, const int16_t* x, const int16_t* y,
                      int16_t* output);
void ek_select_v2_f32(const ek_select_params* p, const uint8_t* condition, const float* x, const float* y,
                      float* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_SELECT_H_ */
