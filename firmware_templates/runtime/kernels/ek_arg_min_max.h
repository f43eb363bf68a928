// edgekit runtime: ARG_MAX and ARG_MIN, int8 input, int32 indices (TFLM's arg_min_max.cc).
#ifndef EK_ARG_MIN_MAX_H_
#define EK_ARG_MIN_MAX_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The input as [outer][axis][inner]; one index per (outer, inner), in that order. */
typedef struct {
  int32_t outer, axis, inner;
} ek_arg_params;

/* The first index of the largest (ARG_MAX) or smallest (ARG_MIN) value along the axis: ties go to the
 * lowest index, as TFLM's strict comparison gives. */
void ek_arg_max_s8(const ek_arg_params* p, const int8_t* input, int32_t* output);
void ek_arg_min_s8(const ek_arg_params* p, const int8_t* input, int32_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_ARG_MIN_MAX_H_ */
