// edgekit runtime: MUL, int8, int16 and int32 (not quantized), with N-D broadcasting (TFLM's mul.cc).
#ifndef EK_MUL_H_
#define EK_MUL_H_

#include "ek_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

void ek_mul_s8(const ek_binary_params* p, const int8_t* input1, const int8_t* input2, int8_t* output);
/* int16: TFLM requires every zero point to be 0 */
void ek_mul_s16(const ek_binary_params* p, const int16_t* input1, const int16_t* input2, int16_t* output);
void ek_mul_s32(const ek_binary_params* p, const int32_t* input1, const int32_t* input2, int32_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_MUL_H_ */
