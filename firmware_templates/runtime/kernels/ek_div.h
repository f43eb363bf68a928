// edgekit runtime: DIV, int8 and int32 (not quantized), with N-D broadcasting (TFLM's div.cc: the divisor's reciprocal from
// gemmlowp's fixed-point 1 / (1 + x), the dividend normalised by its headroom, one rescaling).
#ifndef EK_DIV_H_
#define EK_DIV_H_

#include "ek_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

void ek_div_s8(const ek_binary_params* p, const int8_t* input1, const int8_t* input2, int8_t* output);
void ek_div_s32(const ek_binary_params* p, const int32_t* input1, const int32_t* input2, int32_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_DIV_H_ */
