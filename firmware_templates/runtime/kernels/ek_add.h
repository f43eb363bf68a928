// edgekit runtime: ADD and SUB, int8, int16 and int32, with N-D broadcasting (TFLM's add.cc and sub.cc:
// both inputs rescaled to twice the larger input scale, with 20 bits of headroom for int8 and 15 for
// int16; int32 tensors are not quantized and wrap around).
// ek_binary_params.variant: 1 for ADD, -1 for SUB.
#ifndef EK_ADD_H_
#define EK_ADD_H_

#include "ek_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

void ek_add_s8(const ek_binary_params* p, const int8_t* input1, const int8_t* input2, int8_t* output);
void ek_add_s16(const ek_binary_params* p, const int16_t* input1, const int16_t* input2, int16_t* output);
void ek_add_s32(const ek_binary_params* p, const int32_t* input1, const int32_t* input2, int32_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_ADD_H_ */
