// edgekit runtime: LOG_SOFTMAX, int8 (TFLM's log_softmax.cc).
#ifndef EK_LOG_SOFTMAX_H_
#define EK_LOG_SOFTMAX_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t outer, depth;
  int32_t input_multiplier, input_left_shift;            /* input differences to Q5.26 */
  int32_t reverse_scaling_divisor, reverse_scaling_shift; /* Q5.26 back to input units (shift <= 0) */
  int32_t diff_min;
} ek_log_softmax_params;

/* LOG_SOFTMAX int8 -> int8 over the last axis (output scale 16/256, zero point 127, as TFLM requires). */
void ek_log_softmax_s8(const ek_log_softmax_params* p, const int8_t* input, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_LOG_SOFTMAX_H_ */
