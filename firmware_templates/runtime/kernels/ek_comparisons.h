// edgekit runtime: EQUAL, NOT_EQUAL, LESS, LESS_EQUAL, GREATER, GREATER_EQUAL with N-D broadcasting
// (TFLM's comparisons.cc): int8 inputs are each rescaled by their own scale with 8 bits of headroom, so
// inputs of different quantization compare by real value; int32 and bool inputs compare as they are.
// The output is bool (one byte, 0 or 1).
// ek_binary_params.variant: the result for each outcome of comparing the rescaled inputs, bit 0 when
// input1 < input2, bit 1 when equal, bit 2 when greater (EQUAL 2, NOT_EQUAL 5, LESS 1, LESS_EQUAL 3,
// GREATER 4, GREATER_EQUAL 6).
#ifndef EK_COMPARISONS_H_
#define EK_COMPARISONS_H_

#include "ek_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

void ek_comparison_s8(const ek_binary_params* p, const int8_t* input1, const int8_t* input2, uint8_t* output);
void ek_comparison_s32(const ek_binary_params* p, const int32_t* input1, const int32_t* input2, uint8_t* output);
/* bool inputs: TFLM runs EQUAL and NOT_EQUAL on them */
void ek_comparison_b8(const ek_binary_params* p, const uint8_t* input1, const uint8_t* input2, uint8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_COMPARISONS_H_ */
