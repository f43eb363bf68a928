// <BANNER>
// edgekit's int8 kernel library (portable C99). Each kernel reproduces the integer arithmetic of TFLM's
// reference kernel bit for bit: gemmlowp-style double rounding in the requantization, multipliers and
// shifts computed ahead of time by the generator from the model's scales in double precision.
#ifndef EK_KERNELS_H_
#define EK_KERNELS_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* x * multiplier * 2^shift with TFLM's double rounding (MultiplyByQuantizedMultiplier). */
int32_t ek_requantize(int32_t x, int32_t multiplier, int32_t shift);

typedef struct {
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_top, pad_left;
  int32_t depth_multiplier;      /* depthwise only */
  int32_t input_offset;          /* -input zero point */
  int32_t output_offset;         /* output zero point */
  int32_t act_min, act_max;
  const int32_t* multiplier;     /* per output channel */
  const int32_t* shift;          /* per output channel */
  /* CONV_2D: sum of the filter over input channels, per [out_c][k_h][k_w] tap, so that the input offset is
   * applied once per tap instead of once per multiply (NULL: per multiply) */
  const int32_t* tap_sums;
  /* CONV_2D: the whole filter's sum per output channel (the tap sums added up) */
  const int32_t* filter_sums;
} ek_conv_params;

/* Bytes of one im2col column on the stack (two are used at a time): a CONV_2D whose k_h * k_w * in_c is
 * larger runs tap by tap instead. */
#ifndef EK_IM2COL_BYTES
#define EK_IM2COL_BYTES 256
#endif

/* CONV_2D, NHWC, batch 1; filter [out_c][k_h][k_w][in_c]; bias may be NULL. */
void ek_conv2d_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                  int8_t* output);
/* DEPTHWISE_CONV_2D, NHWC, batch 1; filter [1][k_h][k_w][out_c]; bias may be NULL. */
void ek_depthwise_conv2d_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                            const int32_t* bias, int8_t* output);

typedef struct {
  int32_t batches, in_depth, out_depth;
  int32_t input_offset, filter_offset, output_offset;
  int32_t act_min, act_max;
  const int32_t* multiplier;     /* one value, or one per output when per_channel */
  const int32_t* shift;
  int32_t per_channel;
  /* sum of each output's weights (filter offset included), so the input offset is applied once per output */
  const int32_t* row_sums;
} ek_fc_params;

/* FULLY_CONNECTED: weights [out_depth][in_depth]; bias may be NULL. */
void ek_fully_connected_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights, const int32_t* bias,
                           int8_t* output);

typedef struct {
  int32_t in_h, in_w, channels, out_h, out_w;
  int32_t k_h, k_w, stride_h, stride_w, pad_top, pad_left;
  int32_t act_min, act_max;
} ek_pool_params;

void ek_average_pool_s8(const ek_pool_params* p, const int8_t* input, int8_t* output);
void ek_max_pool_s8(const ek_pool_params* p, const int8_t* input, int8_t* output);

typedef struct {
  int32_t outer, depth;
  int32_t input_multiplier, input_left_shift, diff_min;
} ek_softmax_params;

/* SOFTMAX int8 -> int8 (output zero point -128, scale 1/256), TFLM's fixed-point exp path. */
void ek_softmax_s8(const ek_softmax_params* p, const int8_t* input, int8_t* output);

typedef struct {
  int32_t count;
  int32_t input1_offset, input2_offset, output_offset;
  int32_t left_shift;
  int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
  /* broadcasting: element i of the output reads input1[i % input1_count] and input2[i % input2_count] */
  int32_t input1_count, input2_count;
} ek_add_params;

void ek_add_s8(const ek_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output);

typedef struct {
  int32_t count, input1_count, input2_count;  /* broadcasting as for ADD */
  int32_t input1_offset, input2_offset, output_offset;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
} ek_mul_params;

void ek_mul_s8(const ek_mul_params* p, const int8_t* input1, const int8_t* input2, int8_t* output);

/* PAD of a 4-D tensor: before[d] and after[d] elements on each side of dimension d. */
typedef struct {
  int32_t in_dims[4];
  int32_t before[4], after[4];
  int8_t value;
} ek_pad_params;

void ek_pad_s8(const ek_pad_params* p, const int8_t* input, int8_t* output);

/* CONCATENATION of inputs sharing the output's quantization: for each of `outer` slices, input i's
 * `chunk[i]` bytes in turn. */
typedef struct {
  int32_t outer, inputs;
  const int32_t* chunk;
} ek_concat_params;

void ek_concatenation(const ek_concat_params* p, const int8_t* const* inputs, int8_t* output);

typedef struct {
  int32_t count, input_zero_point, input_range_radius, input_multiplier, input_left_shift;
} ek_activation_params;

/* LOGISTIC (output zero point -128, scale 1/256) and TANH (zero point 0, scale 1/128), int8. */
void ek_logistic_s8(const ek_activation_params* p, const int8_t* input, int8_t* output);
void ek_tanh_s8(const ek_activation_params* p, const int8_t* input, int8_t* output);

/* MEAN over the dimensions flagged in `reduce` of a (padded) 4-D tensor; `count` elements per output. */
typedef struct {
  int32_t dims[4];
  int32_t reduce[4];
  int32_t count;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
} ek_mean_params;

void ek_mean_s8(const ek_mean_params* p, const int8_t* input, int8_t* output);

/* QUANTIZE float -> int8, and DEQUANTIZE int8 -> float. */
void ek_quantize_f32_s8(const float* input, int8_t* output, int32_t count, float scale, int32_t zero_point);
void ek_dequantize_s8_f32(const int8_t* input, float* output, int32_t count, double scale, int32_t zero_point);

#ifdef __cplusplus
}
#endif

#endif  /* EK_KERNELS_H_ */
