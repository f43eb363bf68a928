// edgekit runtime: two convolutions in a row, the second reading the first's output as it is made.
#ifndef EK_CONV_CHAIN_H_
#define EK_CONV_CHAIN_H_

#include "ek_conv_in_place.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a convolution reads: its parameter block, the kernel that runs it (ek_conv2d_s8's signature),
 * its input, filter and bias. */
typedef struct {
  const ek_conv_params* p;
  ek_conv_kernel kernel;
  const int8_t* input;
  const int8_t* filter;
  const int32_t* bias;
} ek_conv_source;

/* Rows of a convolution's output kept in `rows` as later layers read them: [kept, made) of them. */
typedef struct {
  ek_conv_source first;
  ek_conv_params band;
  int8_t* rows;
  int32_t row_bytes, kept, made;
} ek_conv_window;

/* A window of `first`'s output rows in `rows`, holding none yet. */
void ek_conv_window_start(ek_conv_window* w, const ek_conv_source* first, int8_t* rows);

/* Output rows [low, high) of the window's convolution, where `low` never decreases from one call to the
 * next: the rows above `low` are dropped (no later call reads them), those not yet made are made, each
 * once. Returns row `low`; the others follow it. */
const int8_t* ek_conv_window_rows(ek_conv_window* w, int32_t low, int32_t high);

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
