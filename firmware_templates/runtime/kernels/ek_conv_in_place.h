// edgekit runtime: CONV_2D and DEPTHWISE_CONV_2D with the output overlapping the input in the arena.
#ifndef EK_CONV_IN_PLACE_H_
#define EK_CONV_IN_PLACE_H_

#include "ek_conv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A convolution kernel in ek_conv2d_s8's signature (ek_conv2d_s8, ek_depthwise_conv2d_s8, the blocked and
 * four-channel forms' wrappers), which the in-place, chain and dense drivers run in bands. */
typedef void (*ek_conv_kernel)(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                               const int32_t* bias, int8_t* output);

/* The parameter block `band` (a copy of p, which this sets) of output rows [first, end) of the
 * convolution `p`, over the input rows those windows read; returns the first of them. */
int32_t ek_conv_band_params(ek_conv_params* band, const ek_conv_params* p, int32_t first, int32_t end);

/* Output rows [first, end) of the convolution `p`, written from `rows` on: one call of `kernel` with the
 * parameter block `band` (a copy of p, which this sets) seeing only the input rows those windows read, the
 * rows above them (padding or rows of other bands) turned into pad_top, so that the kernel visits exactly
 * the taps it would visit in one whole call, and computes the same integers. */
void ek_conv_band_s8(ek_conv_params* band, const ek_conv_params* p, ek_conv_kernel kernel, const int8_t* input,
                     const int8_t* filter, const int32_t* bias, int8_t* rows, int32_t first, int32_t end);

/* Runs `kernel` where the output overlaps the input (edgekit's planner, edgekit/runtime_ops/conv.py
 * in_place_shift, placed them so): in bands of output rows (1x1, stride 1, no padding: of pixels), each
 * band one call of the kernel on the input rows its windows read, in an order in which no band writes
 * over an input byte that it or a later band still reads.
 *
 * With D = input - output (bytes), R_in and R_out the input and output row bytes and the band
 * [first, end) of output rows reading input rows [low(first), high(end - 1)):
 * - D >= 0, bands from the top: a band may run when end * R_out <= D + low(first) * R_in (its writes end
 *   before the first input byte that it or any later band reads);
 * - D < 0, bands from the bottom: when first * R_out >= D + high(end - 1) * R_in (its writes start after
 *   the last input byte that it or any earlier band reads).
 * Each band is as long as that allows (and of even length, but for the last one, as the kernels take
 * pixels in pairs); the planner chose D so that a band of its minimum length always may. */
void ek_conv_in_place_s8(const ek_conv_params* p, ek_conv_kernel kernel, const int8_t* input,
                         const int8_t* filter, const int32_t* bias, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_CONV_IN_PLACE_H_ */
