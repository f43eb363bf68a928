// edgekit runtime: CONV_2D and DEPTHWISE_CONV_2D, int8 (TFLM's conv.cc and depthwise_conv.cc).
#ifndef EK_CONV_H_
#define EK_CONV_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t in_h, in_w, in_c;
  int32_t out_h, out_w, out_c;
  int32_t k_h, k_w;
  int32_t stride_h, stride_w, dilation_h, dilation_w;
  int32_t pad_top, pad_left;
  int32_t depth_multiplier;      /* depthwise only */
  int32_t input_offset;          /* -input zero point */
  int32_t output_offset;         /* output zero point */
  int32_t act_min, act_max;
  const int32_t* multiplier;     /* per output channel */
  const int32_t* shift;          /* per output channel; NULL when right_shift is given */
  /* CONV_2D: sum of the filter over input channels, per [out_c][k_h][k_w] tap, so that the input offset is
   * applied once per tap instead of once per multiply (NULL: per multiply) */
  const int32_t* tap_sums;
  /* right shift - 1 per output channel when every channel's shift is a right shift (ek_requantize_right);
   * NULL: ek_requantize with `shift` */
  const int8_t* right_shift;
  /* bias + input_offset * the whole filter's sum, per output channel: the constant part of every output
   * whose window lies wholly inside the input (NULL: none computed) */
  const int32_t* base;
} ek_conv_params;

/* An output channel's value from its accumulator: requantization (the short form when the generator found
 * every shift to be a right shift), output offset, activation clamp. */
static inline int8_t ek_conv_finish_s8(int32_t acc, int32_t oc, const int8_t* right_shift,
                                       const int32_t* multiplier, const int32_t* shift, int32_t output_offset,
                                       int32_t act_min, int32_t act_max) {
  const int32_t scaled = right_shift ? ek_requantize_right(acc, multiplier[oc], right_shift[oc])
                                     : ek_requantize(acc, multiplier[oc], shift[oc]);
  return ek_clamp_s8(scaled + output_offset, act_min, act_max);
}

/* Bytes of one im2col column on the stack (two are used at a time): a CONV_2D whose k_h * k_w * in_c is
 * larger runs tap by tap instead. Fixed: the generator (runtime_ops/conv.py, IM2COL_BYTES) leaves out the
 * bias and tap sums of convolutions that never run tap by tap. */
#define EK_IM2COL_BYTES 256

/* CONV_2D, NHWC, batch 1; filter [out_c][k_h][k_w][in_c]; bias may be NULL. */
void ek_conv2d_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                  int8_t* output);
/* Bytes of each of the two im2col columns of ek_conv2d_blocked_s8 (on the stack): windows up to this long
 * (ResNet's 3x3 over 64 channels) are copied, longer ones read in place. The generator relies on it
 * (runtime_ops/conv.py, BLOCKED_COLUMN_BYTES), and the assembly of ek_conv.c writes it into a load's
 * offset: keep it a plain decimal number below 4096. */
#define EK_BLOCKED_COLUMN_BYTES 576

/* ek_conv2d_blocked_s8's flags: the window goes through im2col columns (else filter rows are read in place);
 * every accumulator stays below 2^30 in magnitude (the generator's bound: |base| + 128 * sum |w|), so the
 * short requantization takes one high multiply of 2x (ek_requantize_right_narrow). */
#define EK_BLOCKED_IM2COL 1
#define EK_BLOCKED_NARROW 2

/* CONV_2D, NHWC, batch 1, out_c a multiple of 4 and p->base given, with the filter the generator laid
 * out in blocks of four output channels (runtime_ops/conv.py, blocked_filter): with EK_BLOCKED_IM2COL, the
 * window of at most EK_BLOCKED_COLUMN_BYTES is one segment; without, in_c is a multiple of 4, dilation 1,
 * and each filter row is a segment. The filter must be word-aligned (the generator emits it as uint32_t
 * words): Thumb-2 DSP builds load it two words at a time (LDRD). */
void ek_conv2d_blocked_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, int8_t* output,
                          int32_t flags);
/* ek_conv2d_blocked_s8 with its flags fixed, in ek_conv2d_s8's signature, for ek_conv_in_place_s8 to run in
 * bands and for the generated calls (`bias` is not read: the base holds it): im2col or filter rows, each
 * with or without EK_BLOCKED_NARROW; a model that calls only one form links only that form's code. */
void ek_conv2d_blocked_im2col_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                                 const int32_t* bias, int8_t* output);
void ek_conv2d_blocked_im2col_narrow_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                                        const int32_t* bias, int8_t* output);
void ek_conv2d_blocked_rows_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                               const int32_t* bias, int8_t* output);
void ek_conv2d_blocked_rows_narrow_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                                      const int32_t* bias, int8_t* output);
/* DEPTHWISE_CONV_2D, NHWC, batch 1; filter [1][k_h][k_w][out_c]; bias may be NULL. */
void ek_depthwise_conv2d_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                            const int32_t* bias, int8_t* output);

/* DEPTHWISE_CONV_2D of depth multiplier 1 with in_c a multiple of 4 and every shift a right shift, its
 * constants in the blocks the generator laid out, one per four channels (runtime_ops/conv.py,
 * quads_blocks; `blocks` is int32-aligned): four channels at a time; `bias` is not read (the blocks' bases
 * hold it). The _narrow forms: every accumulator stays below 2^30 in magnitude (ek_requantize_right_narrow);
 * _narrow_full: and the activation range is all of int8. */
void ek_depthwise_conv2d_quads_s8(const ek_conv_params* p, const int8_t* input, const int8_t* blocks,
                                  const int32_t* bias, int8_t* output);
void ek_depthwise_conv2d_quads_narrow_s8(const ek_conv_params* p, const int8_t* input, const int8_t* blocks,
                                         const int32_t* bias, int8_t* output);
void ek_depthwise_conv2d_quads_narrow_full_s8(const ek_conv_params* p, const int8_t* input, const int8_t* blocks,
                                              const int32_t* bias, int8_t* output);

/* The first and one-past-last kernel taps that land inside [0, size) from `start`, `dilation` apart. */
static inline void ek_valid_taps(int32_t start, int32_t dilation, int32_t taps, int32_t size, int32_t* first,
                                 int32_t* end) {
  int32_t k = 0;
  while (k < taps && start + dilation * k < 0) ++k;
  *first = k;
  while (k < taps && start + dilation * k < size) ++k;
  *end = k;
}

#ifdef __cplusplus
}
#endif

#endif  /* EK_CONV_H_ */
