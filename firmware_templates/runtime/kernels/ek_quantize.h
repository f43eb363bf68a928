// edgekit runtime: QUANTIZE and DEQUANTIZE (TFLM's quantize.cc, dequantize.cc): float32 <-> integer, and
// integer requantization between int8, uint8, int16 and int32.
#ifndef EK_QUANTIZE_H_
#define EK_QUANTIZE_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* QUANTIZE float -> int8 / int16, and DEQUANTIZE int8 / int16 / uint8 -> float. */
void ek_quantize_f32_s8(const float* input, int8_t* output, int32_t count, float scale, int32_t zero_point);
void ek_quantize_f32_s16(const float* input, int16_t* output, int32_t count, float scale, int32_t zero_point);
void ek_dequantize_s8_f32(const int8_t* input, float* output, int32_t count, double scale, int32_t zero_point);
void ek_dequantize_s16_f32(const int16_t* input, float* output, int32_t count, double scale, int32_t zero_point);
void ek_dequantize_u8_f32(const uint8_t* input, float* output, int32_t count, double scale, int32_t zero_point);

/* QUANTIZE between integer types (TFLM's Requantize):
 * out = clamp(MBQM(x - input_zero_point, multiplier, shift) + output_zero_point). */
typedef struct {
  int32_t count, input_zero_point, output_zero_point, multiplier, shift;
} ek_requantize_params;

void ek_requantize_s8_s8(const ek_requantize_params* p, const int8_t* input, int8_t* output);
void ek_requantize_s8_u8(const ek_requantize_params* p, const int8_t* input, uint8_t* output);
void ek_requantize_u8_s8(const ek_requantize_params* p, const uint8_t* input, int8_t* output);
void ek_requantize_s8_s16(const ek_requantize_params* p, const int8_t* input, int16_t* output);
void ek_requantize_s8_s32(const ek_requantize_params* p, const int8_t* input, int32_t* output);
void ek_requantize_s16_s8(const ek_requantize_params* p, const int16_t* input, int8_t* output);
void ek_requantize_s16_s16(const ek_requantize_params* p, const int16_t* input, int16_t* output);
void ek_requantize_s16_s32(const ek_requantize_params* p, const int16_t* input, int32_t* output);
void ek_requantize_s32_s8(const ek_requantize_params* p, const int32_t* input, int8_t* output);
void ek_requantize_s32_s16(const ek_requantize_params* p, const int32_t* input, int16_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_QUANTIZE_H_ */
