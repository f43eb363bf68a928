// edgekit runtime: N-D broadcasting of elementwise ops (ADD, SUB, MUL, SQUARED_DIFFERENCE, MAXIMUM,
// MINIMUM, DIV, the comparisons, SELECT_V2), shared by their families. Header only.
//
// TFLM's BroadcastBinaryOpSimple (reference/broadcast_loop.h) walks the output in order and merges
// neighbouring dimensions whose inputs advance alike into one loop. The generator does that merging ahead
// of time (edgekit/runtime_ops/broadcast.py), so a kernel gets:
//   - the innermost loop: `count` outputs, each input advancing by `inner[k]` (1, or 0 where it repeats);
//   - the outer loops, innermost first: each one's extent and, per input, how far that input's row start
//     moves when this loop steps and every loop inside it starts over (precomputed, so no division and
//     no multiplication at run time).
// Same shapes and a scalar input are one row (no outer loops): a plain loop over all elements.
#ifndef EK_BROADCAST_H_
#define EK_BROADCAST_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* TFLM's kMaxRank for broadcasting: at most 8 dimensions, so at most 7 outer loops. */
#define EK_BROADCAST_MAX_OUTER 7
/* SELECT_V2 has three inputs (condition, x, y); the binary ops two. */
#define EK_BROADCAST_MAX_INPUTS 3

typedef struct {
  int32_t count;                          /* outputs per row (the innermost loop) */
  int32_t inner[EK_BROADCAST_MAX_INPUTS]; /* per input: 1 if it advances along a row, 0 if it repeats */
  int32_t outer_loops;                    /* 0 when the whole output is one row */
  /* per outer loop, innermost first: its extent, then one row-start step per input (inputs + 1 values) */
  const int32_t* outer;
} ek_broadcast;

/* Moves the inputs' row starts (`offset`, one per input) to the next row; returns 0 after the last row.
 * `counter` (EK_BROADCAST_MAX_OUTER values) starts at zero. An odometer: the innermost outer loop steps,
 * and a loop that reaches its extent starts over while the one outside it steps. */
static inline int ek_broadcast_next_row(const ek_broadcast* b, int inputs, int32_t* counter, int32_t* offset) {
  const int32_t* loop = b->outer;
  for (int32_t d = 0; d < b->outer_loops; ++d, loop += inputs + 1) {
    if (++counter[d] < loop[0]) {
      for (int k = 0; k < inputs; ++k) offset[k] += loop[1 + k];
      return 1;
    }
    counter[d] = 0;
  }
  return 0;
}

/* The parameters of every two-input elementwise kernel, as TFLM's ArithmeticParams: the broadcast plan
 * and the integer arithmetic the generator set up; each kernel reads the fields its op uses. */
typedef struct {
  ek_broadcast broadcast;
  int32_t input1_offset, input2_offset; /* minus the inputs' zero points */
  int32_t output_offset;                /* the output's zero point */
  int32_t left_shift;                   /* headroom the inputs get before their rescaling */
  int32_t input1_multiplier, input1_shift, input2_multiplier, input2_shift;
  int32_t output_multiplier, output_shift;
  int32_t act_min, act_max;
  int32_t variant; /* ADD 1, SUB -1; MAXIMUM 1, MINIMUM 0; a comparison's outcome bits (ek_comparisons.h) */
} ek_binary_params;

/* Calls `row(p, a, b, out, count, step_a, step_b)` for every row of a two-input op: `a` and `b` at the
 * row's start in each input, `out` (an lvalue pointer, advanced here) at the row's output. */
#define EK_BROADCAST_BINARY(broadcast, row, p, input1, input2, output)                                   \
  do {                                                                                                \
    const ek_broadcast* ek_b_ = (broadcast);                                                          \
    int32_t ek_counter_[EK_BROADCAST_MAX_OUTER] = {0};                                                \
    int32_t ek_offset_[2] = {0, 0};                                                                   \
    do {                                                                                              \
      row((p), (input1) + ek_offset_[0], (input2) + ek_offset_[1], (output), ek_b_->count, ek_b_->inner[0], \
          ek_b_->inner[1]);                                                                           \
      (output) += ek_b_->count;                                                                       \
    } while (ek_broadcast_next_row(ek_b_, 2, ek_counter_, ek_offset_));                               \
  } while (0)

/* Defines `void name(const ek_binary_params* p, const in_type* input1, const in_type* input2,
 * out_type* output)`, the kernel that writes `value(p, x, y)` (an int32 already clamped to out_type)
 * for every pair of broadcast inputs. */
#define EK_BINARY_KERNEL(name, in_type, out_type, value)                                                 \
  static void name##_row(const ek_binary_params* p, const in_type* a, const in_type* b, out_type* out,   \
                         int32_t n, int32_t step_a, int32_t step_b) {                                   \
    /* a local copy: the byte stores through `out` may alias `*p`, so the compiler would reload every  \
     * field (from flash) after each store; the copy's fields stay in registers or on the stack */    \
    const ek_binary_params local = *p;                                                                  \
    for (int32_t i = 0; i < n; ++i, a += step_a, b += step_b) out[i] = (out_type)value(&local, *a, *b); \
  }                                                                                                     \
  void name(const ek_binary_params* p, const in_type* input1, const in_type* input2, out_type* output) { \
    EK_BROADCAST_BINARY(&p->broadcast, name##_row, p, input1, input2, output);                          \
  }

#ifdef __cplusplus
}
#endif

#endif  /* EK_BROADCAST_H_ */
