// edgekit runtime: ADD and SUB, int8 and int16, with N-D broadcasting (TFLM's add.cc and sub.cc: both
// inputs rescaled to twice the larger input scale, with 20 bits of headroom for int8 and 15 for int16).
#ifndef EK_ADD_H_
#define EK_ADD_H_

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
  int32_t act_min, act_max;
  int32_t input2_sign; /* 1 for ADD, -1 for SUB */
} ek_add_params;

void ek_add_s8(const ek_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output);
void ek_add_s16(const ek_add_params* p, const int16_t* input1, const int16_t* input2, int16_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_ADD_H_ */
