// edgekit runtime: MAXIMUM and MINIMUM, int8, int16 and int32, with N-D broadcasting (TFLM's
// maximum_minimum.cc: the raw values compared, whatever the tensors' quantization).
// ek_binary_params.variant: 1 for MAXIMUM, 0 for MINIMUM; no other field is read.
#ifndef EK_MAXIMUM_MINIMUM_H_
#define EK_MAXIMUM_MINIMUM_H_

#include "ek_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

void ek_maximum_minimum_s8(const ek_binary_params* p, const int8_t* input1, const int8_t* input2, int8_t* output);
void ek_maximum_minimum_s16(const ek_binary_params* p, const int16_t* input1, const int16_t* input2,
                            int16_t* output);
void ek_maximum_minimum_s32(const ek_binary_params* p, const int32_t* input1, const int32_t* input2,
                            int32_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_MAXIMUM_MINIMUM_H_ */
