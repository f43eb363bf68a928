// edgekit runtime: QUANTIZE and DEQUANTIZE between float32 and int8 (TFLM's quantize.cc, dequantize.cc).
#ifndef EK_QUANTIZE_H_
#define EK_QUANTIZE_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* QUANTIZE float -> int8, and DEQUANTIZE int8 -> float. */
void ek_quantize_f32_s8(const float* input, int8_t* output, int32_t count, float scale, int32_t zero_point);
void ek_dequantize_s8_f32(const int8_t* input, float* output, int32_t count, double scale, int32_t zero_point);

#ifdef __cplusplus
}
#endif

#endif  /* EK_QUANTIZE_H_ */
