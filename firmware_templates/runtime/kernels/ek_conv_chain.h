// edgekit runtime: convolutions in a row, each reading the one before it as it is made.
#ifndef EK_CONV_CHAIN_H_
#define EK_CONV_CHAIN_H_

#include "ek_conv_in_place.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most windows one chain keeps (edgekit/runtime_ops/conv_chain.py, MAX_WINDOWS). */
#define EK_CONV_CHAIN_MAX 2

/* What a convolution reads: its parameter block, the kernel that runs it (ek_conv2d_s8's signature),
 * its input, filter and bias. */
typedef struct {
  const ek_conv_params* p;
  ek_conv_kernel kernel;
  const int8_t* input;
  const int8_t* filter;
  const int32_t* bias;
} ek_conv_source;

/* Rows [kept, made) of a convolution's output, kept in `rows` as a later layer reads them; the input
 * rows come from the window `source`, or from the convolution's own input when that is NULL. */
typedef struct ek_conv_window {
  ek_conv_source conv;
  struct ek_conv_window* source;
  ek_conv_params band;
  int8_t* rows;
  int32_t row_bytes, kept, made;
} ek_conv_window;

/* Starts `count` windows in `w`, one per convolution of `stages`, each reading the one before it (the
 * first reading its own input), with room at `rows[k]`; returns the last, or NULL when count is 0. */
ek_conv_window* ek_conv_windows_start(ek_conv_window* w, const ek_conv_source* stages, int32_t count,
                                      int8_t* const* rows);

/* Output rows [low, high) of the window's convolution, where `low` never decreases from one call to the
 * next: the rows above `low` are dropped (no later call reads them), those not yet made are made, each
 * once. Returns row `low`; the others follow it. */
const int8_t* ek_conv_window_rows(ek_conv_window* w, int32_t low, int32_t high);

/* Output row r of the convolution `p` (run by `kernel`) into `out`, reading `window`'s rows, or `input`
 * when window is NULL; `band` is a copy of p, which this sets. */
void ek_conv_row_s8(ek_conv_params* band, const ek_conv_params* p, ek_conv_kernel kernel, const int8_t* input,
                    ek_conv_window* window, const int8_t* filter, const int32_t* bias, int32_t r, int8_t* out);

/* The convolutions `stages` (count of them, at most EK_CONV_CHAIN_MAX, each reading the one before it,
 * the first its own input) and the convolution `last` over the last of them (through `kernel`, to
 * `output`), so that no stage's output ever exists whole: each keeps the rows that the next still reads
 * in `windows[k]` (sized by the generator for the tallest band the next one asks for), each row made
 * once, when the next first reads it. The same integers as the layers one after the other
 * (edgekit/runtime_ops/conv_chain.py). */
void ek_conv_chain_s8(const ek_conv_params* last, ek_conv_kernel kernel, const int8_t* filter, const int32_t* bias,
                      const ek_conv_source* stages, int32_t count, int8_t* const* windows, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_CONV_CHAIN_H_ */
