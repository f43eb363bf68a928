// edgekit runtime: MEAN, SUM, REDUCE_MAX and REDUCE_MIN, int8 (TFLM's reduce.cc and reduce_common.cc).
#ifndef EK_REDUCE_H_
#define EK_REDUCE_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A reduction of any rank, as the generator sees it: the kept dimensions and the reduced ones, each as up to
 * four (size, stride) pairs of the input (adjacent dimensions of one kind merged, size-1 ones dropped,
 * padded with size 1). Outputs come in the order of the kept dimensions, which is TFLM's output order with
 * or without keep_dims. */
typedef struct {
  int32_t kept_dims[4], kept_strides[4];
  int32_t reduced_dims[4], reduced_strides[4];
  int32_t sum_offset;         /* MEAN, SUM: -input zero point * elements per output */
  int32_t output_zero_point;  /* MEAN, SUM */
  int32_t multiplier, shift;  /* MEAN, SUM: input scale / output scale (MEAN: with 1/count folded in) */
} ek_reduce_params;

/* MEAN and SUM: the sum of each output's elements, requantized (TFLM's QuantizedMeanOrSum). */
void ek_reduce_sum_s8(const ek_reduce_params* p, const int8_t* input, int8_t* output);
/* REDUCE_MAX and REDUCE_MIN (input and output share their quantization, as TFLM requires). */
void ek_reduce_max_s8(const ek_reduce_params* p, const int8_t* input, int8_t* output);
void ek_reduce_min_s8(const ek_reduce_params* p, const int8_t* input, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_REDUCE_H_ */
