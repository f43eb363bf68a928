// edgekit runtime: L2_NORMALIZATION, int8 (TFLM's l2norm.cc).
#ifndef EK_L2NORM_H_
#define EK_L2NORM_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Each row of `depth` values divided by its L2 norm, in TFLM's fixed output scale 1/128 (zero point 0). */
void ek_l2norm_s8(int32_t outer, int32_t depth, int32_t input_zero_point, const int8_t* input, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_L2NORM_H_ */
