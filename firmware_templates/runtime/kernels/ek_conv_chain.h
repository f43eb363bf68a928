// edgekit runtime: two convolutions in a row, the second reading the first's output as it is made.
#ifndef EK_CONV_CHAIN_H_
#define EK_CONV_CHAIN_H_

#include "ek_conv_in_place.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The convolution `first` (through `first_kernel`, from `input`) and the convolution `second` over its
 * output (through `second_kernel`, to `output`), so that the first's output never exists whole: the rows
 * of it that the second's next output row reads are kept in `window` (room for `window_rows` rows), each
 * made once, when a row of the second first reads it, and dropped when no later one does. The same
 * integers as the two layers one after the other (edgekit/runtime_ops/conv_chain.py). */
void ek_conv_chain_s8(const ek_conv_params* first, ek_conv_kernel first_kernel, const int8_t* input,
                      const int8_t* first_filter, const int32_t* first_bias, int8_t* window, int32_t window_rows,
                      const ek_conv_params* second, ek_conv_kernel second_kernel, const int8_t* second_filter,
                      const int32_t* second_bias, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_CONV_CHAIN_H_ */
