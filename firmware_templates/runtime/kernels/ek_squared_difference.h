// edgekit runtime: SQUARED_DIFFERENCE, int8 and int16, with N-D broadcasting (TFLM's
// squared_difference.cc: ADD's rescaling with 7 bits of headroom for int8 and none for int16, then the
// square of the difference rescaled to the output; act_min and act_max are the output type's range).
#ifndef EK_SQUARED_DIFFERENCE_H_
#define EK_SQUARED_DIFFERENCE_H_

#include "ek_broadcast.h"

#ifdef __cplusplus
extern "C" {
#endif

void ek_squared_difference_s8(const ek_binary_params* p, const int8_t* input1, const int8_t* input2,
                              int8_t* output);
void ek_squared_difference_s16(const ek_binary_params* p, const int16_t* input1, const int16_t* input2,
                               int16_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_SQUARED_DIFFERENCE_H_ */
