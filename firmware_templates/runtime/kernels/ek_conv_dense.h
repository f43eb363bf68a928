// edgekit runtime: a convolution whose output only a FULLY_CONNECTED reads, fused with it.
#ifndef EK_CONV_DENSE_H_
#define EK_CONV_DENSE_H_

#include "ek_conv_in_place.h"
#include "ek_fully_connected.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The convolution `p` (through `kernel`, in bands of `band_rows` output rows written to `rows`) and the
 * FULLY_CONNECTED `dense` over its flattened output (batch 1, weights [units][in_depth] in `weights`,
 * `dense->base` given), so that the convolution's output never exists whole: each band's values are added
 * to the units' accumulators `acc` (one int32 per unit, starting from the base) as soon as they are
 * computed, and the units' outputs are written to `output` at the end. Integer sums in another order: the
 * same results as the two layers one after the other (edgekit/runtime_ops/conv_dense.py). */
void ek_conv_dense_s8(const ek_conv_params* p, ek_conv_kernel kernel, const int8_t* input, const int8_t* filter,
                      const int32_t* bias, int8_t* rows, int32_t band_rows, const ek_fc_params* dense,
                      const int8_t* weights, int32_t* acc, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_CONV_DENSE_H_ */
