// edgekit runtime: PAD and PADV2, int8 (TFLM's pad.cc).
#ifndef EK_PAD_H_
#define EK_PAD_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* PAD of a 4-D tensor: before[d] and after[d] elements on each side of dimension d. */
typedef struct {
  int32_t in_dims[4];
  int32_t before[4], after[4];
  int8_t value;
} ek_pad_params;

void ek_pad_s8(const ek_pad_params* p, const int8_t* input, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_PAD_H_ */
