// edgekit runtime: LOGISTIC and TANH, int8 (TFLM's logistic.cc and tanh.cc).
#ifndef EK_LOGISTIC_H_
#define EK_LOGISTIC_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t count, input_zero_point, input_range_radius, input_multiplier, input_left_shift;
} ek_activation_params;

/* LOGISTIC (output zero point -128, scale 1/256) and TANH (zero point 0, scale 1/128), int8. */
void ek_logistic_s8(const ek_activation_params* p, const int8_t* input, int8_t* output);
void ek_tanh_s8(const ek_activation_params* p, const int8_t* input, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_LOGISTIC_H_ */
