// edgekit runtime: CONCATENATION (TFLM's concatenation.cc).
#ifndef EK_CONCATENATION_H_
#define EK_CONCATENATION_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CONCATENATION of inputs sharing the output's quantization: for each of `outer` slices, input i's
 * `chunk[i]` bytes in turn. */
typedef struct {
  int32_t outer, inputs;
  const int32_t* chunk;
} ek_concat_params;

void ek_concatenation(const ek_concat_params* p, const int8_t* const* inputs, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_CONCATENATION_H_ */
