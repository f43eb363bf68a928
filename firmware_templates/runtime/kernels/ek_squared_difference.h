// edgekit runtime: SQUARED_DIFFERENCE, int8 and int16, with N-D broadcasting (TFLM's
// squared_difference.cc: ADD's rescaling with 7 bits of headroom for int8 and none for int16, then the
// square of the difference rescaled to the output).
#ifndef EK_SQUARED_DIFFERENCE_H_
#define EK_SQUARED_DIFFERENCE_H_

#include "ek_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  ek_broadcast broadcast;
  int32_t input1_offset, input2_offset, output_offset;
  int32_t left_shift;
  int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max; /* the output type's range: SQUARED_DIFFERENCE has no fused activation */
} ek_squared_difference_params;

void ek_squared_difference_s8(const ek_squared_difference_params* p, const int8_t* input1, const int8_t* input2,
                              int8_t* output);
void ek_squared_difference_s16(const ek_squared_difference_params* p, const int16_t* input1,
                               const int16_t* input2, int16_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_SQUARED_DIFFERENCE_H_ */
