// edgekit runtime: SVDF, int8 input and weights with an int8 or int16 state (TFLM's svdf.cc, svdf_common.cc).
#ifndef EK_SVDF_H_
#define EK_SVDF_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t batches, input_size, filters, units, rank, memory;
  const int32_t* feature_offsets;  /* per filter: -input zero point * the sum of its feature weights */
  int32_t state_zero_point, output_zero_point;
  int32_t feature_multiplier, feature_shift;  /* input x weights_feature -> state */
  int32_t output_multiplier, output_shift;    /* state x weights_time -> output */
} ek_svdf_params;

/* SVDF with int16 weights_time and state (state: [batches][filters][memory], a variable tensor that
 * keeps the last `memory` feature activations of every filter from one call to the next). */
void ek_svdf_s8_s16(const ek_svdf_params* p, const int8_t* input, const int8_t* weights_feature,
                    const int16_t* weights_time, const int32_t* bias, int16_t* state, int8_t* output);
/* The same with int8 weights_time and state. */
void ek_svdf_s8_s8(const ek_svdf_params* p, const int8_t* input, const int8_t* weights_feature,
                   const int8_t* weights_time, const int32_t* bias, int8_t* state, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_SVDF_H_ */
