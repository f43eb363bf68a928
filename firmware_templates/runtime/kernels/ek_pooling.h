// edgekit runtime: AVERAGE_POOL_2D and MAX_POOL_2D, int8 (TFLM's pooling.cc).
#ifndef EK_POOLING_H_
#define EK_POOLING_H_

#include "ek_common.h"
#include "ek_conv.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t in_h, in_w, channels, out_h, out_w;
  int32_t k_h, k_w, stride_h, stride_w, pad_top, pad_left;
  int32_t act_min, act_max;
} ek_pool_params;

void ek_average_pool_s8(const ek_pool_params* p, const int8_t* input, int8_t* output);
void ek_max_pool_s8(const ek_pool_params* p, const int8_t* input, int8_t* output);

/* The same pools in a convolution kernel's signature (ek_conv_kernel), for a chain's stage
 * (ek_conv_chain.h): the window, strides, padding, depth (in_c = out_c) and clamp come from `p`, which a
 * band of rows may have narrowed; filter and bias are unused. A band's valid taps are the whole image's,
 * so the averages divide by the same counts. */
void ek_average_pool_rows_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                             int8_t* output);
void ek_max_pool_rows_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                         int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_POOLING_H_ */
