// edgekit runtime: TRANSPOSE_CONV, int8 with per-channel int8 weights and int32 bias (TFLM's
// transpose_conv.cc and reference_integer_ops::TransposeConv).
#ifndef EK_TRANSPOSE_CONV_H_
#define EK_TRANSPOSE_CONV_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t batches;
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w;
  int32_t pad_top, pad_left;
  int32_t input_offset;          /* -input zero point */
  int32_t output_offset;         /* output zero point */
  int32_t act_min, act_max;
  const int32_t* multiplier;     /* per output channel */
  const int32_t* shift;          /* per output channel */
  const int32_t* tap_sums;       /* the filter's sum over input channels, per [out_c][k_h][k_w] */
} ek_transpose_conv_params;

/* NHWC; filter [out_c][k_h][k_w][in_c]; bias may be NULL. Input pixel (iy, ix) with tap (ky, kx) feeds
 * output pixel (iy * stride_h - pad_top + ky, ix * stride_w - pad_left + kx). */
void ek_transpose_conv_s8(const ek_transpose_conv_params* p, const int8_t* input, const int8_t* filter,
                          const int32_t* bias, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_TRANSPOSE_CONV_H_ */
