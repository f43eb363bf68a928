// edgekit runtime: ADD, int8 (TFLM's add.cc).
#ifndef EK_ADD_H_
#define EK_ADD_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t count;
  int32_t input1_offset, input2_offset, output_offset;
  int32_t left_shift;
  int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
  /* broadcasting: element i of the output reads input1[i % input1_count] and input2[i % input2_count] */
  int32_t input1_count, input2_count;
} ek_add_params;

void ek_add_s8(const ek_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_ADD_H_ */
