// edgekit runtime: FULLY_CONNECTED, int8 (TFLM's fully_connected.cc).
#ifndef EK_FULLY_CONNECTED_H_
#define EK_FULLY_CONNECTED_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  int32_t batches, in_depth, out_depth;
  int32_t input_offset, filter_offset, output_offset;
  int32_t act_min, act_max;
  const int32_t* multiplier;     /* one value, or one per output when per_channel */
  const int32_t* shift;          /* NULL when right_shift is given */
  int32_t per_channel;
  /* sum of each output's weights (filter offset included), so the input offset is applied once per output
   * (NULL when base is given) */
  const int32_t* row_sums;
  /* bias + input_offset * row_sums per output when the filter offset is 0 and the bias constant (NULL:
   * computed at run time): every output is its dot product plus this */
  const int32_t* base;
  /* right shift - 1 per multiplier when every shift is a right shift (ek_requantize_right); else NULL */
  const int8_t* right_shift;
  /* Units whose weights the generator interleaved (base given, in_depth a multiple of 4; 0: none): blocks of
   * EK_FC_BLOCK units while that many remain, then one block of 4 if 4 remain, each block laid out
   * [in_depth / 4][units of the block][4], so that one pointer walks every unit of the block with constant
   * offsets; the units after them keep the plain [unit][in_depth] rows. The weights must then be
   * word-aligned (the generator emits them as uint32_t words): Thumb-2 DSP builds load them with LDRD. */
  int32_t blocked_units;
  /* Nonzero when every accumulator stays below 2^30 in magnitude (the generator's bound: |base| + 128 *
   * sum |w|), so the short requantization takes one high multiply of 2x (ek_requantize_right_narrow). */
  int32_t narrow;
} ek_fc_params;

/* Units per interleaved block of FULLY_CONNECTED weights (runtime_ops/fully_connected.py, FC_BLOCK). */
#define EK_FC_BLOCK 8

#if EK_DSP_ASM
/* Four units' int8 dot products over an input row, `groups` words of four inputs from x: each input word
 * loaded and sign-extended (SXTB16) once for the four units, their four weight words loaded two at a time
 * (LDRD, units 2 and 3 at w + 8, then units 0 and 1 with w stepping `step` bytes to the next group), two
 * SMLADs per word; two groups per pass of the loop, an odd count entering it at the second. The caller
 * names its variables a0 .. a3 (accumulators), x, w, end (x + 4 * groups, groups at least 1) and t, pe,
 * po, u, v (scratch): twelve registers. The weights must be word-aligned (LDRD). */
#define EK_FC_QUAD_S8_PAIR(acc, word)                      \
  "sxtb16 %[t], %[" #word "]\n\t"                          \
  "smlad %[" #acc "], %[pe], %[t], %[" #acc "]\n\t"        \
  "sxtb16 %[t], %[" #word "], ror #8\n\t"                  \
  "smlad %[" #acc "], %[po], %[t], %[" #acc "]\n\t"
#define EK_FC_QUAD_S8_GROUP(step)                                                  \
  "ldr %[t], [%[x]], #4\n\t"                                                       \
  "sxtb16 %[pe], %[t]\n\t"                                                         \
  "sxtb16 %[po], %[t], ror #8\n\t"                                                 \
  "ldrd %[u], %[v], [%[w], #8]\n\t" EK_FC_QUAD_S8_PAIR(a2, u) EK_FC_QUAD_S8_PAIR(a3, v) \
  "ldrd %[u], %[v], [%[w]], #" #step "\n\t" EK_FC_QUAD_S8_PAIR(a0, u) EK_FC_QUAD_S8_PAIR(a1, v)
#define EK_FC_QUAD_S8_ASM(step)                                                                        \
  __asm__ volatile("sub %[t], %[end], %[x]\n\t"                                                       \
                   "lsls %[t], %[t], #29\n\t" /* an odd count of groups: bit 2 of 4 * groups into N */   \
                   "bmi 2f\n\t"                                                                        \
                   "1:\n\t" EK_FC_QUAD_S8_GROUP(step) "2:\n\t" EK_FC_QUAD_S8_GROUP(step)               \
                   "cmp %[x], %[end]\n\t"                                                              \
                   "bne 1b\n\t"                                                                        \
                   : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(w), [x] "+r"(x), \
                     [t] "=&r"(t), [pe] "=&r"(pe), [po] "=&r"(po), [u] "=&r"(u), [v] "=&r"(v)           \
                   : [end] "r"(end)                                                                     \
                   : "cc", "memory")
#endif

/* FULLY_CONNECTED: weights [out_depth][in_depth]; bias may be NULL (and is, when base holds it). */
void ek_fully_connected_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights, const int32_t* bias,
                           int8_t* output);

/* ek_fully_connected_s8 for weights in plain rows and p->base given (no interleaved units): the kernel a
 * model links alone when no layer of it has interleaved weights, a fifth of the whole one's code. Also
 * runs 1x1 CONV_2D layers (pixels as batches, per-channel multipliers) whose channels the blocked
 * convolution does not take. */
void ek_fully_connected_base_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights,
                                const int32_t* bias, int8_t* output);

/* The outputs of one batch from accumulators that already hold each unit's base and products (a layer
 * whose products another kernel summed: ek_conv_dense_s8): requantization, output offset, clamp. */
void ek_fully_connected_finish_s8(const ek_fc_params* p, const int32_t* acc, int8_t* output);

/* Outputs first .. first + count - 1 of one batch from their accumulators (acc[0] is unit first's): the
 * parameters read once for all of them. */
void ek_fully_connected_finish_units_s8(const ek_fc_params* p, const int32_t* acc, int32_t first, int32_t count,
                                        int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_FULLY_CONNECTED_H_ */
