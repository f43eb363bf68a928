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

/* QUANTIZE int16 -> int8 and int16 -> int32 (TFLM's Requantize: offset, rescale, offset, clamp). */
void ek_requantize_s16_s8(const int16_t* input, int8_t* output, int32_t count, int32_t input_zero_point,
                          int32_t multiplier, int32_t shift, int32_t output_zero_point);
void ek_requantize_s16_s32(const int16_t* input, int32_t* output, int32_t count, int32_t input_zero_point,
                           int32_t multiplier, int32_t shift, int32_t output_zero_point);

#ifdef __cplusplus
}
#endif

#endif  /* EK_QUANTIZE_H_ */
