// edgekit runtime: DIV, int8, with N-D broadcasting (TFLM's div.cc: the divisor's reciprocal from
// gemmlowp's fixed-point 1 / (1 + x), the dividend normalised by its headroom, one rescaling).
#ifndef EK_DIV_H_
#define EK_DIV_H_

#include "ek_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  ek_broadcast broadcast;
  int32_t input1_offset, input2_offset, output_offset;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} ek_div_params;

void ek_div_s8(const ek_div_params* p, const int8_t* input1, const int8_t* input2, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_DIV_H_ */
