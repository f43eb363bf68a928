// edgekit runtime: MUL, int8 (TFLM's mul.cc).
#ifndef EK_MUL_H_
#define EK_MUL_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t count, input1_count, input2_count;  /* broadcasting as for ADD */
  int32_t input1_offset, input2_offset, output_offset;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} ek_mul_params;

void ek_mul_s8(const ek_mul_params* p, const int8_t* input1, const int8_t* input2, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_MUL_H_ */
