// edgekit runtime: ABS, NEG and RSQRT (TFLM's elementwise.cc and neg.cc).
#ifndef EK_ELEMENTWISE_UNARY_H_
#define EK_ELEMENTWISE_UNARY_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ABS int8/int16: |x - zp_in|, rescaled when the scales differ (rescale != 0), plus zp_out, clamped.
 * RSQRT int8/int16: 1/sqrt(x - zp_in) through TFLM's fixed-point inverse square root. */
typedef struct {
  int32_t count, input_zero_point, output_zero_point, multiplier, shift, rescale;
} ek_unary_params;

void ek_abs_s8(const ek_unary_params* p, const int8_t* input, int8_t* output);
void ek_abs_s16(const ek_unary_params* p, const int16_t* input, int16_t* output);
void ek_rsqrt_s8(const ek_unary_params* p, const int8_t* input, int8_t* output);
void ek_rsqrt_s16(const ek_unary_params* p, const int16_t* input, int16_t* output);

/* The float32 versions TFLM runs (NEG has no integer version in TFLM). */
void ek_abs_f32(int32_t count, const float* input, float* output);
void ek_neg_f32(int32_t count, const float* input, float* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_ELEMENTWISE_UNARY_H_ */
