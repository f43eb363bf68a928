// edgekit runtime: DEPTHWISE_CONV_2D, int8, four channels per word on the DSP path; bit-exact with TFLM.
#include "ek_conv.h"

#if defined(__GNUC__)
#define EK_DW_NOINLINE __attribute__((noinline))
#else
#define EK_DW_NOINLINE
#endif
/* One output pixel of a depthwise convolution whose depth multiplier is a multiple of 4: four output
 * channels of one input channel at a time, the input value (plus the offset, unless the window lies wholly
 * inside the input and the base holds it) loaded once for four weights (DSP: in both halves of a word,
 * times a word of weights). Its own function, so that its
 * registers do not crowd the depth-multiplier-1 loops. */
EK_DW_NOINLINE static void multiplier_quads_s8(const ek_conv_params* p, const int8_t* window, const int8_t* weights,
                                               const int32_t* bias, int32_t rows, int32_t taps, int8_t* out) {
  const int32_t depth = p->in_c, depth_multiplier = p->depth_multiplier, channels = p->out_c;
  const int32_t row_step = p->dilation_h * p->in_w * depth, tap_step = p->dilation_w * depth;
  const int32_t filter_row = p->k_w * channels;
  const int32_t* base = p->base;
  const int whole = base && rows == p->k_h && taps == p->k_w;
  const int32_t tap_offset = whole ? 0 : p->input_offset;
  for (int32_t ic = 0; ic < depth; ++ic) {
    for (int32_t oc = ic * depth_multiplier; oc < (ic + 1) * depth_multiplier; oc += 4) {
      int32_t acc0, acc1, acc2, acc3;
      if (whole) {
        acc0 = base[oc], acc1 = base[oc + 1], acc2 = base[oc + 2], acc3 = base[oc + 3];
      } else if (bias) {
        acc0 = bias[oc], acc1 = bias[oc + 1], acc2 = bias[oc + 2], acc3 = bias[oc + 3];
      } else {
        acc0 = acc1 = acc2 = acc3 = 0;
      }
      const int8_t* x_row = window + ic;
      const int8_t* w_row = weights + oc;
      for (int32_t ky = 0; ky < rows; ++ky, x_row += row_step, w_row += filter_row) {
        for (int32_t kx = 0; kx < taps; ++kx) {
#if EK_USE_DSP
          const uint32_t x = ((uint32_t)((int32_t)x_row[kx * tap_step] + tap_offset) & 0xFFFFu) * 0x10001u;
          const uint32_t w = ek_load_s8x4(w_row + kx * channels);
          const uint32_t w_even = ek_sxtb16(w), w_odd = ek_sxtb16_odd(w);
          acc0 = ek_smlabb(w_even, x, acc0);
          acc2 = ek_smlatt(w_even, x, acc2);
          acc1 = ek_smlabb(w_odd, x, acc1);
          acc3 = ek_smlatt(w_odd, x, acc3);
#else
          const int32_t x = (int32_t)x_row[kx * tap_step] + tap_offset;
          const int8_t* w = w_row + kx * channels;
          acc0 += x * w[0];
          acc1 += x * w[1];
          acc2 += x * w[2];
          acc3 += x * w[3];
#endif
        }
      }
      const int32_t accs[4] = {acc0, acc1, acc2, acc3};
      for (int32_t k = 0; k < 4; ++k) {
        out[oc + k] = ek_conv_finish_s8(accs[k], oc + k, p->right_shift, p->multiplier, p->shift, p->output_offset,
                                        p->act_min, p->act_max);
      }
    }
  }
}

void ek_depthwise_conv2d_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                            const int32_t* bias, int8_t* output) {
  const int32_t in_h = p->in_h, in_w = p->in_w, depth = p->in_c, out_h = p->out_h, out_w = p->out_w;
  const int32_t channels = p->out_c, k_h = p->k_h, k_w = p->k_w, dilation_h = p->dilation_h;
  const int32_t dilation_w = p->dilation_w, input_offset = p->input_offset, output_offset = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max, depth_multiplier = p->depth_multiplier;
  const int32_t* multiplier = p->multiplier;
  const int32_t* shift = p->shift;
  const int8_t* right = p->right_shift;
  const int32_t* base = p->base;
  const int32_t row_step = dilation_h * in_w * depth, tap_step = dilation_w * depth, filter_row = k_w * channels;
  for (int32_t oy = 0; oy < out_h; ++oy) {
    const int32_t in_y0 = oy * p->stride_h - p->pad_top;
    int32_t ky_first, ky_end;
    ek_valid_taps(in_y0, dilation_h, k_h, in_h, &ky_first, &ky_end);
    for (int32_t ox = 0; ox < out_w; ++ox) {
      const int32_t in_x0 = ox * p->stride_w - p->pad_left;
      int32_t kx_first, kx_end;
      ek_valid_taps(in_x0, dilation_w, k_w, in_w, &kx_first, &kx_end);
      const int32_t rows = ky_end - ky_first, taps = kx_end - kx_first;
      /* the first valid tap of the window, for channel 0 */
      const int8_t* window = input + ((in_y0 + dilation_h * ky_first) * in_w + in_x0 + dilation_w * kx_first) * depth;
      const int8_t* weights = filter + (ky_first * k_w + kx_first) * channels;
      int8_t* out = output + (oy * out_w + ox) * channels;
      int32_t ic = 0;
#if EK_USE_DSP
      if (depth_multiplier == 1) {
#define EK_DW_FINISH4(at)                                                                                \
  do {                                                                                                   \
    out[at] = ek_conv_finish_s8(acc0, at, right, multiplier, shift, output_offset, act_min, act_max);        \
    out[at + 1] = ek_conv_finish_s8(acc1, at + 1, right, multiplier, shift, output_offset, act_min, act_max);\
    out[at + 2] = ek_conv_finish_s8(acc2, at + 2, right, multiplier, shift, output_offset, act_min, act_max);\
    out[at + 3] = ek_conv_finish_s8(acc3, at + 3, right, multiplier, shift, output_offset, act_min, act_max);\
  } while (0)
        /* Four channels per word: x + offset and w as 16-bit halves, one 16x16 multiply-accumulate per
         * channel (SMLABB for bytes 0 and 2, SMLATT for 1 and 3 after the odd extension). */
        const uint32_t offset = ((uint32_t)input_offset & 0xFFFFu) * 0x10001u;
        /* a whole 3x3 window inside the input: nine taps written out, one stride for input and filter */
        const int full3x3 = rows == 3 && taps == 3 && dilation_w == 1;
        if (full3x3 && base && k_h == 3 && k_w == 3) {
          /* the whole window inside the input: the input offset times the filter's sum is in the base, so
           * the taps multiply the raw inputs */
          EK_NO_UNROLL
          for (; ic + 4 <= depth; ic += 4) {
            int32_t acc0 = base[ic], acc1 = base[ic + 1], acc2 = base[ic + 2], acc3 = base[ic + 3];
            const int8_t* x_row = window + ic;
            const int8_t* w_row = weights + ic;
#define EK_DW_TAP(x_at, w_at)                                                                            \
  do {                                                                                                   \
    const uint32_t x = ek_load_s8x4(x_at), w = ek_load_s8x4(w_at);                                       \
    const uint32_t x_even = ek_sxtb16(x), x_odd = ek_sxtb16_odd(x);                                      \
    const uint32_t w_even = ek_sxtb16(w), w_odd = ek_sxtb16_odd(w);                                      \
    acc0 = ek_smlabb(w_even, x_even, acc0);                                                              \
    acc2 = ek_smlatt(w_even, x_even, acc2);                                                              \
    acc1 = ek_smlabb(w_odd, x_odd, acc1);                                                                \
    acc3 = ek_smlatt(w_odd, x_odd, acc3);                                                                \
  } while (0)
            EK_NO_UNROLL
            for (int32_t ky = 0; ky < 3; ++ky, x_row += row_step, w_row += filter_row) {
              EK_DW_TAP(x_row, w_row);
              EK_DW_TAP(x_row + channels, w_row + channels);
              EK_DW_TAP(x_row + 2 * channels, w_row + 2 * channels);
            }
#undef EK_DW_TAP
            EK_DW_FINISH4(ic);
          }
        }
        EK_NO_UNROLL
        for (; ic + 4 <= depth; ic += 4) {
          int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
          const int8_t* x_row = window + ic;
          const int8_t* w_row = weights + ic;
#define EK_DW_TAP(x_at, w_at)                                                                            \
  do {                                                                                                   \
    const uint32_t x = ek_load_s8x4(x_at), w = ek_load_s8x4(w_at);                                       \
    const uint32_t x_even = ek_sadd16(ek_sxtb16(x), offset), x_odd = ek_sadd16(ek_sxtb16_odd(x), offset); \
    const uint32_t w_even = ek_sxtb16(w), w_odd = ek_sxtb16_odd(w);                                      \
    acc0 = ek_smlabb(w_even, x_even, acc0);                                                              \
    acc2 = ek_smlatt(w_even, x_even, acc2);                                                              \
    acc1 = ek_smlabb(w_odd, x_odd, acc1);                                                                \
    acc3 = ek_smlatt(w_odd, x_odd, acc3);                                                                \
  } while (0)
          if (full3x3) {
            EK_NO_UNROLL
            for (int32_t ky = 0; ky < 3; ++ky, x_row += row_step, w_row += filter_row) {
              EK_DW_TAP(x_row, w_row);
              EK_DW_TAP(x_row + channels, w_row + channels);
              EK_DW_TAP(x_row + 2 * channels, w_row + 2 * channels);
            }
          } else {
            for (int32_t ky = 0; ky < rows; ++ky, x_row += row_step, w_row += filter_row) {
              const int8_t* x_tap = x_row;
              const int8_t* w_tap = w_row;
              for (int32_t kx = 0; kx < taps; ++kx, x_tap += tap_step, w_tap += channels) EK_DW_TAP(x_tap, w_tap);
            }
          }
#undef EK_DW_TAP
          if (bias) {
            acc0 += bias[ic];
            acc1 += bias[ic + 1];
            acc2 += bias[ic + 2];
            acc3 += bias[ic + 3];
          }
          EK_DW_FINISH4(ic);
        }
      } else if (depth_multiplier % 4 == 0) {
        multiplier_quads_s8(p, window, weights, bias, rows, taps, out);
        ic = depth;
      }
#undef EK_DW_FINISH4
#endif
      /* a whole window inside the input starts from the base (bias + offset * the filter's sum), and its
       * taps multiply the raw inputs */
      const int whole = base && rows == k_h && taps == k_w;
      const int32_t tap_offset = whole ? 0 : input_offset;
#if !EK_USE_DSP
      /* (the DSP path above has already done these channels four at a time) */
      if (depth_multiplier % 4 == 0) {
        multiplier_quads_s8(p, window, weights, bias, rows, taps, out);
        ic = depth;
      }
      if (depth_multiplier == 1 && whole) {
        /* the plain C path (no DSP): four channels at a time, each input and weight pointer step shared */
        for (; ic + 4 <= depth; ic += 4) {
          int32_t acc0 = base[ic], acc1 = base[ic + 1], acc2 = base[ic + 2], acc3 = base[ic + 3];
          const int8_t* x_row = window + ic;
          const int8_t* w_row = weights + ic;
          for (int32_t ky = 0; ky < rows; ++ky, x_row += row_step, w_row += filter_row) {
            const int8_t* x_tap = x_row;
            const int8_t* w_tap = w_row;
            for (int32_t kx = 0; kx < taps; ++kx, x_tap += tap_step, w_tap += channels) {
              acc0 += (int32_t)w_tap[0] * x_tap[0];
              acc1 += (int32_t)w_tap[1] * x_tap[1];
              acc2 += (int32_t)w_tap[2] * x_tap[2];
              acc3 += (int32_t)w_tap[3] * x_tap[3];
            }
          }
          out[ic] = ek_conv_finish_s8(acc0, ic, right, multiplier, shift, output_offset, act_min, act_max);
          out[ic + 1] = ek_conv_finish_s8(acc1, ic + 1, right, multiplier, shift, output_offset, act_min, act_max);
          out[ic + 2] = ek_conv_finish_s8(acc2, ic + 2, right, multiplier, shift, output_offset, act_min, act_max);
          out[ic + 3] = ek_conv_finish_s8(acc3, ic + 3, right, multiplier, shift, output_offset, act_min, act_max);
        }
      }
      if (depth_multiplier == 1) {
        /* a border window (or no base): the same, with the offset added to each input */
        for (; ic + 4 <= depth; ic += 4) {
          int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
          if (bias) acc0 = bias[ic], acc1 = bias[ic + 1], acc2 = bias[ic + 2], acc3 = bias[ic + 3];
          const int8_t* x_row = window + ic;
          const int8_t* w_row = weights + ic;
          for (int32_t ky = 0; ky < rows; ++ky, x_row += row_step, w_row += filter_row) {
            const int8_t* x_tap = x_row;
            const int8_t* w_tap = w_row;
            for (int32_t kx = 0; kx < taps; ++kx, x_tap += tap_step, w_tap += channels) {
              acc0 += (int32_t)w_tap[0] * ((int32_t)x_tap[0] + input_offset);
              acc1 += (int32_t)w_tap[1] * ((int32_t)x_tap[1] + input_offset);
              acc2 += (int32_t)w_tap[2] * ((int32_t)x_tap[2] + input_offset);
              acc3 += (int32_t)w_tap[3] * ((int32_t)x_tap[3] + input_offset);
            }
          }
          out[ic] = ek_conv_finish_s8(acc0, ic, right, multiplier, shift, output_offset, act_min, act_max);
          out[ic + 1] = ek_conv_finish_s8(acc1, ic + 1, right, multiplier, shift, output_offset, act_min, act_max);
          out[ic + 2] = ek_conv_finish_s8(acc2, ic + 2, right, multiplier, shift, output_offset, act_min, act_max);
          out[ic + 3] = ek_conv_finish_s8(acc3, ic + 3, right, multiplier, shift, output_offset, act_min, act_max);
        }
      }
#endif
      for (; ic < depth; ++ic) {
        for (int32_t m = 0; m < depth_multiplier; ++m) {
          const int32_t oc = m + ic * depth_multiplier;
          int32_t acc = whole ? base[oc] : bias ? bias[oc] : 0;
          const int8_t* x_row = window + ic;
          const int8_t* w_row = weights + oc;
          for (int32_t ky = 0; ky < rows; ++ky, x_row += row_step, w_row += filter_row) {
            for (int32_t kx = 0; kx < taps; ++kx) {
              acc += (int32_t)w_row[kx * channels] * ((int32_t)x_row[kx * tap_step] + tap_offset);
            }
          }
          out[oc] = ek_conv_finish_s8(acc, oc, right, multiplier, shift, output_offset, act_min, act_max);
        }
      }
    }
  }
}

/* --- depth multiplier 1, four channels at a time, from blocks the generator laid out ------------------ */

/* Each block of four channels is int32 words: the taps' weights [k_h][k_w] (four int8 per word, channel
 * c in byte c, little-endian as every edgekit target), then each channel's base and multiplier in turn,
 * then a word of the four right shifts - 1, one per byte (runtime_ops/conv.py, quads_blocks). One pointer walks all of a channel group's
 * constants, which leaves the registers to the accumulators. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ek_depthwise_conv2d_quads_s8's blocks hold four int8 weights per word, little-endian"
#endif

#if defined(__GNUC__)
#define EK_DW_ALWAYS_INLINE __attribute__((always_inline))
#else
#define EK_DW_ALWAYS_INLINE
#endif

/* One tap of four channels: `x_word` four input values, `w_at` the word of their four weights. DSP: each
 * word's bytes 0 and 2, then 1 and 3, sign-extended into 16-bit halves, one 16x16 multiply-accumulate per
 * channel. */
#if EK_USE_DSP
#define EK_DW_TAP(x_word, w_at)                                                                           \
  do {                                                                                                    \
    const uint32_t x_value = (x_word), w_value = (uint32_t)*(w_at);                                       \
    const uint32_t x_even = ek_sxtb16(x_value), x_odd = ek_sxtb16_odd(x_value);                           \
    const uint32_t w_even = ek_sxtb16(w_value), w_odd = ek_sxtb16_odd(w_value);                           \
    acc0 = ek_smlabb(w_even, x_even, acc0);                                                               \
    acc2 = ek_smlatt(w_even, x_even, acc2);                                                               \
    acc1 = ek_smlabb(w_odd, x_odd, acc1);                                                                 \
    acc3 = ek_smlatt(w_odd, x_odd, acc3);                                                                 \
  } while (0)
#define EK_DW_LOAD(x_at) ek_load_s8x4(x_at)
#else
/* (without DSP instructions, the input's four bytes are read one by one: x_word is a pointer) */
#define EK_DW_TAP(x_word, w_at)                                                                           \
  do {                                                                                                    \
    const int8_t* x_value = (x_word);                                                                     \
    const int8_t* w_value = (const int8_t*)(w_at);                                                        \
    acc0 += (int32_t)w_value[0] * x_value[0];                                                             \
    acc1 += (int32_t)w_value[1] * x_value[1];                                                             \
    acc2 += (int32_t)w_value[2] * x_value[2];                                                             \
    acc3 += (int32_t)w_value[3] * x_value[3];                                                             \
  } while (0)
#define EK_DW_LOAD(x_at) (x_at)
#endif

/* Outputs out[0..3] from the accumulators and the block's constants at `c`: base and multiplier of each
 * channel in turn (with `narrow`, twice the base), then a word of the four right shifts - 1. `narrow` and `full` are
 * constants where this is inlined: every accumulator below 2^30 in magnitude (ek_requantize_right_narrow,
 * with the doubling folded into the base), the activation range all of int8 (one saturation). `offset` is
 * the output offset; ((rounded + 1) >> 1) + offset is computed as (rounded + 1 + 2 * offset) >> 1. */
EK_DW_ALWAYS_INLINE static inline void quad_finish_s8(const int32_t* c, int32_t acc0, int32_t acc1, int32_t acc2,
                                                      int32_t acc3, int32_t offset, int32_t act_min,
                                                      int32_t act_max, int8_t* out, int narrow, int full) {
  const int32_t halving = 1 + 2 * offset;
  /* (written out four times: an array of the accumulators would live on the stack) */
#define EK_DW_OUTPUT(k, acc)                                                                              \
  do {                                                                                                    \
    const int32_t base = c[2 * k], multiplier = c[2 * k + 1];                                            \
    const int32_t right_minus_one = ((const int8_t*)(c + 8))[k];                                          \
    if (narrow) {                                                                                         \
      const int32_t high = ek_rounded_high_mul((int32_t)((uint32_t)(acc) << 1) + base, multiplier);              \
      const int32_t sum = ((high + (high >> 31)) >> right_minus_one) + halving;                           \
      out[k] = full ? ek_halved_saturate_s8(sum) : ek_clamp_s8(sum >> 1, act_min, act_max);                 \
    } else {                                                                                              \
      out[k] = ek_clamp_output_s8(ek_requantize_right((acc) + base, multiplier, right_minus_one) + offset, \
                                  full, act_min, act_max);                                                \
    }                                                                                                     \
  } while (0)
  EK_DW_OUTPUT(0, acc0);
  EK_DW_OUTPUT(1, acc1);
  EK_DW_OUTPUT(2, acc2);
  EK_DW_OUTPUT(3, acc3);
#undef EK_DW_OUTPUT
}

/* One tap of the assembly row after its inputs' word is loaded into t0: its weights' word, both sign
 * extended into 16-bit halves (bytes 0 and 2, then 1 and 3), one 16x16 multiply-accumulate per channel. */
#define EK_DW_ASM_MAC                                                                                     \
  "ldr %[t1], [%[w]], #4\n\t"                                                                             \
  "sxtb16 %[t2], %[t0]\n\t"                                                                               \
  "sxtb16 %[t0], %[t0], ror #8\n\t"                                                                       \
  "sxtb16 %[t3], %[t1]\n\t"                                                                               \
  "sxtb16 %[t1], %[t1], ror #8\n\t"                                                                       \
  "smlabb %[a0], %[t3], %[t2], %[a0]\n\t"                                                                 \
  "smlatt %[a2], %[t3], %[t2], %[a2]\n\t"                                                                 \
  "smlabb %[a1], %[t1], %[t0], %[a1]\n\t"                                                                 \
  "smlatt %[a3], %[t1], %[t0], %[a3]\n\t"

/* The row of three taps in inline assembly (EK_DSP_ASM): it takes 12 registers, which an unoptimised
 * build (-O0, whose frame pointer and spills hold more) cannot give it; such a build takes the C form. */

/* Where a run of output pixels reads its windows: the strides between a window's taps and rows and
 * between neighbouring windows, the window's size, the channel groups and their outputs' constants. */
typedef struct {
  int32_t tap_step, row_step, pixel_step;
  int32_t k_h, k_w;
  int32_t quads;       /* groups of four channels */
  int32_t out_step;    /* bytes from one output pixel to the next */
  int32_t offset, act_min, act_max;
} quad_run;

/* `pixels` output pixels from `out` on, the first's window at `window` and wholly inside it (taps multiply
 * the raw inputs; the blocks' bases hold the rest). */
EK_DW_ALWAYS_INLINE static inline void quads_run_body_s8(const quad_run* r, const int8_t* window,
                                                         const int32_t* blocks, int8_t* out, int32_t pixels,
                                                         int narrow, int full) {
  const int32_t tap_step = r->tap_step, k_h = r->k_h, k_w = r->k_w;
#if EK_DSP_ASM
  const int32_t row_step = r->row_step, tap_step2 = 2 * tap_step;
#else
  /* from a row's third tap to the next row's first */
  const int32_t row_advance = r->row_step - 2 * tap_step;
#endif
  for (; pixels > 0; --pixels, window += r->pixel_step, out += r->out_step) {
    const int32_t* block = blocks;
    const int8_t* x_quad = window;
    int8_t* out_quad = out;
    EK_NO_UNROLL
    for (int32_t q = r->quads; q > 0; --q, x_quad += 4, out_quad += 4) {
      int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
      const int8_t* x = x_quad;
      if (k_w == 3) {
        const int32_t* row_end = block + 3 * k_h;
#if EK_DSP_ASM
        /* a row of three taps in 30 instructions: left to itself, GCC hoists the loads of the window
         * ahead of the multiplies and spills (44 instructions a row, measured with GCC 12) */
        EK_NO_UNROLL
        do {
          uint32_t t0, t1, t2, t3;
          __asm__("ldr %[t0], [%[x]]\n\t" EK_DW_ASM_MAC
                  "ldr %[t0], [%[x], %[tap]]\n\t" EK_DW_ASM_MAC
                  "ldr %[t0], [%[x], %[tap2]]\n\t" EK_DW_ASM_MAC
                  : [a0] "+r"(acc0), [a1] "+r"(acc1), [a2] "+r"(acc2), [a3] "+r"(acc3), [w] "+r"(block),
                    [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3)
                  : [x] "r"(x), [tap] "r"(tap_step), [tap2] "r"(tap_step2)
                  : "memory");
          x += row_step;
        } while (block != row_end);
#else
        /* rows of three taps written out, the input pointer stepped; a loop over the rows, so that the
         * compiler does not hoist every load of the window ahead of the multiplies */
        EK_NO_UNROLL
        do {
          EK_DW_TAP(EK_DW_LOAD(x), block);
          x += tap_step;
          EK_DW_TAP(EK_DW_LOAD(x), block + 1);
          x += tap_step;
          EK_DW_TAP(EK_DW_LOAD(x), block + 2);
          x += row_advance;
          block += 3;
        } while (block != row_end);
#endif
      } else {
        for (int32_t ky = 0; ky < k_h; ++ky, x += r->row_step) {
          const int8_t* x_tap = x;
          for (int32_t kx = 0; kx < k_w; ++kx, x_tap += tap_step, ++block) EK_DW_TAP(EK_DW_LOAD(x_tap), block);
        }
      }
      quad_finish_s8(block, acc0, acc1, acc2, acc3, r->offset, r->act_min, r->act_max, out_quad, narrow, full);
      block += 9;
    }
  }
}

/* quads_run_body_s8 for each combination of narrow accumulators and a full activation range, each its own
 * function: a model links those its layers' kernels name (ek_depthwise_conv2d_quads*_s8). */
typedef void (*quad_runner)(const quad_run* r, const int8_t* window, const int32_t* blocks, int8_t* out,
                            int32_t pixels);

EK_NOINLINE static void run_narrow_full_s8(const quad_run* r, const int8_t* window, const int32_t* blocks,
                                           int8_t* out, int32_t pixels) {
  quads_run_body_s8(r, window, blocks, out, pixels, 1, 1);
}

EK_NOINLINE static void run_narrow_s8(const quad_run* r, const int8_t* window, const int32_t* blocks, int8_t* out,
                                      int32_t pixels) {
  quads_run_body_s8(r, window, blocks, out, pixels, 1, 0);
}

EK_NOINLINE static void run_wide_full_s8(const quad_run* r, const int8_t* window, const int32_t* blocks,
                                         int8_t* out, int32_t pixels) {
  quads_run_body_s8(r, window, blocks, out, pixels, 0, 1);
}

EK_NOINLINE static void run_wide_s8(const quad_run* r, const int8_t* window, const int32_t* blocks, int8_t* out,
                                    int32_t pixels) {
  quads_run_body_s8(r, window, blocks, out, pixels, 0, 0);
}

/* Bytes of the stack copy of a border pixel's window (ek_depthwise_conv2d_quads_s8 copies the window of
 * as many channels at a time as fit). */
#define EK_DW_WINDOW_BYTES 576

/* Output pixel (oy, ox) whose window reaches past the input: the window copied, channels a chunk at a
 * time, with the input's zero point where it lies outside (so that the blocks' bases, bias - zero point
 * times the filter's sum, still hold the rest: TFLM's taps outside add nothing), then run as a window
 * inside. */
EK_NOINLINE static void quads_border_s8(const ek_conv_params* p, const quad_run* inside, const int8_t* input,
                                        const int32_t* blocks, int8_t* output, int32_t oy, int32_t ox,
                                        quad_runner run) {
  const int32_t depth = p->in_c, k_h = p->k_h, k_w = p->k_w, taps = k_h * k_w;
  const int32_t in_y0 = oy * p->stride_h - p->pad_top, in_x0 = ox * p->stride_w - p->pad_left;
  const int32_t block_words = taps + 9;
  /* channels per chunk: a multiple of 4 whose window fits the copy */
  int32_t chunk = (EK_DW_WINDOW_BYTES / taps) & ~3;
  if (chunk > depth) chunk = depth;
  uint32_t copy[EK_DW_WINDOW_BYTES / 4];
  int8_t* window = (int8_t*)copy;
  const uint32_t zero_point = ((uint32_t)-p->input_offset & 0xFFu) * 0x01010101u;
  quad_run r = *inside;
  r.tap_step = chunk;
  r.row_step = k_w * chunk;
  int8_t* out = output + (oy * p->out_w + ox) * depth;
  for (int32_t c0 = 0; c0 < depth; c0 += chunk) {
    const int32_t channels = depth - c0 < chunk ? depth - c0 : chunk;
    r.quads = channels >> 2;
    uint32_t* to = copy;
    for (int32_t ky = 0; ky < k_h; ++ky) {
      const int32_t y = in_y0 + ky * p->dilation_h;
      for (int32_t kx = 0; kx < k_w; ++kx, to += chunk >> 2) {
        const int32_t x = in_x0 + kx * p->dilation_w;
        if (y >= 0 && y < p->in_h && x >= 0 && x < p->in_w) {
          /* word by word (a fixed-size memcpy is one load where the core reads unaligned words; the C
           * library's memcpy goes byte by byte on small builds) */
          const int8_t* from = input + ((ptrdiff_t)y * p->in_w + x) * depth + c0;
          for (int32_t w = 0; w < channels >> 2; ++w) memcpy(to + w, from + 4 * w, 4);
        } else {
          for (int32_t w = 0; w < channels >> 2; ++w) to[w] = zero_point;
        }
      }
    }
    run(&r, window, blocks + (c0 >> 2) * block_words, out + c0, 1);
  }
}

#undef EK_DW_TAP
#undef EK_DW_LOAD

/* Each row's pixels: the run whose windows lie inside the input in one call, the rest one by one. */
static void quads_s8(const ek_conv_params* p, const int8_t* input, const int32_t* blocks, int8_t* output,
                     quad_runner run) {
  const int32_t reach_h = (p->k_h - 1) * p->dilation_h + 1, reach_w = (p->k_w - 1) * p->dilation_w + 1;
  const int32_t out_w = p->out_w, depth = p->in_c;
  const quad_run inside = {p->dilation_w * depth, p->dilation_h * p->in_w * depth, p->stride_w * depth,
                           p->k_h, p->k_w, depth >> 2, depth, p->output_offset, p->act_min, p->act_max};
  /* the pixels whose windows start at or after column 0 and end at or before in_w */
  const int32_t last_start = p->in_w - reach_w + p->pad_left;
  int32_t inside_end = last_start >= 0 ? last_start / p->stride_w + 1 : 0;
  if (inside_end > out_w) inside_end = out_w;
  int32_t inside_first = (p->pad_left + p->stride_w - 1) / p->stride_w;
  if (inside_first > inside_end) inside_first = inside_end;
  for (int32_t oy = 0; oy < p->out_h; ++oy) {
    const int32_t in_y0 = oy * p->stride_h - p->pad_top;
    const int whole_rows = in_y0 >= 0 && in_y0 + reach_h <= p->in_h;
    const int32_t first = whole_rows ? inside_first : out_w, end = whole_rows ? inside_end : out_w;
    for (int32_t ox = 0; ox < first; ++ox) quads_border_s8(p, &inside, input, blocks, output, oy, ox, run);
    if (end > first) {
      const int8_t* window = input + ((ptrdiff_t)in_y0 * p->in_w + first * p->stride_w - p->pad_left) * depth;
      run(&inside, window, blocks, output + (oy * out_w + first) * depth, end - first);
    }
    for (int32_t ox = end; ox < out_w; ++ox) quads_border_s8(p, &inside, input, blocks, output, oy, ox, run);
  }
}

void ek_depthwise_conv2d_quads_s8(const ek_conv_params* p, const int8_t* input, const int8_t* blocks,
                                  const int32_t* bias, int8_t* output) {
  (void)bias; /* in the blocks' bases */
  quads_s8(p, input, (const int32_t*)(const void*)blocks, output,
           p->act_min == -128 && p->act_max == 127 ? run_wide_full_s8 : run_wide_s8);
}

void ek_depthwise_conv2d_quads_narrow_s8(const ek_conv_params* p, const int8_t* input, const int8_t* blocks,
                                         const int32_t* bias, int8_t* output) {
  (void)bias;
  quads_s8(p, input, (const int32_t*)(const void*)blocks, output, run_narrow_s8);
}

void ek_depthwise_conv2d_quads_narrow_full_s8(const ek_conv_params* p, const int8_t* input, const int8_t* blocks,
                                              const int32_t* bias, int8_t* output) {
  (void)bias;
  quads_s8(p, input, (const int32_t*)(const void*)blocks, output, run_narrow_full_s8);
}
