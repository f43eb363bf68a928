// edgekit runtime: SOFTMAX, int8 (TFLM's softmax.cc).
#ifndef EK_SOFTMAX_H_
#define EK_SOFTMAX_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t outer, depth;
  int32_t input_multiplier, input_left_shift, diff_min;
} ek_softmax_params;

/* SOFTMAX int8 -> int8 (output zero point -128, scale 1/256), TFLM's fixed-point exp path. */
void ek_softmax_s8(const ek_softmax_params* p, const int8_t* input, int8_t* output);
/* SOFTMAX int8 -> int16 (output zero point -32768, scale 1/65536). */
void ek_softmax_s8_s16(const ek_softmax_params* p, const int8_t* input, int16_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_SOFTMAX_H_ */
