// edgekit runtime: MEAN, int8 (TFLM's reduce.cc).
#ifndef EK_REDUCE_H_
#define EK_REDUCE_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MEAN over the dimensions flagged in `reduce` of a (padded) 4-D tensor; `count` elements per output. */
typedef struct {
  int32_t dims[4];
  int32_t reduce[4];
  int32_t count;
  int32_t input_zero_point, output_zero_point;
  int32_t multiplier, shift;
} ek_mean_params;

void ek_mean_s8(const ek_mean_params* p, const int8_t* input, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_REDUCE_H_ */
