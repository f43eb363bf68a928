// edgekit runtime: CONV_2D, int8: 1x1 rows, im2col columns, or tap by tap; bit-exact with TFLM's reference kernel.
#include "ek_conv.h"
#include <string.h>

/* --- convolutions -------------------------------------------------------------------------------- */
/* The kernels copy what their loops need from the parameter block into locals: every int8 store could
 * otherwise alias it, and the compiler would load each field again after each output. */

/* Output channels for one or two pixels whose inputs are the rows a and b (b NULL for one) of length
 * `depth`: each output channel's filter row dotted with them, two channels at a time, plus the channel's
 * base (bias + input_offset * the filter's sum, so the offset is never added per multiply). */
static void filter_rows_s8(const ek_conv_params* p, const int8_t* a, const int8_t* b, int32_t depth,
                           const int8_t* filter, int8_t* out_a, int8_t* out_b) {
  const int32_t channels = p->out_c, output_offset = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t* multiplier = p->multiplier;
  const int32_t* shift = p->shift;
  const int8_t* right = p->right_shift;
  const int32_t* base = p->base;
  int32_t oc = 0;
  for (; oc + 2 <= channels; oc += 2) {
    const int8_t* u = filter + oc * depth;
    const int32_t base0 = base[oc], base1 = base[oc + 1];
    int32_t dots[4];
    if (b) {
      ek_dot_s8_2x2(a, b, u, u + depth, depth, dots);
      out_b[oc] = ek_conv_finish_s8(dots[2] + base0, oc, right, multiplier, shift, output_offset, act_min, act_max);
      out_b[oc + 1] = ek_conv_finish_s8(dots[3] + base1, oc + 1, right, multiplier, shift, output_offset, act_min,
                                        act_max);
    } else {
      dots[0] = ek_dot_s8(a, u, depth);
      dots[1] = ek_dot_s8(a, u + depth, depth);
    }
    out_a[oc] = ek_conv_finish_s8(dots[0] + base0, oc, right, multiplier, shift, output_offset, act_min, act_max);
    out_a[oc + 1] = ek_conv_finish_s8(dots[1] + base1, oc + 1, right, multiplier, shift, output_offset, act_min,
                                      act_max);
  }
  for (; oc < channels; ++oc) {
    const int8_t* u = filter + oc * depth;
    out_a[oc] = ek_conv_finish_s8(ek_dot_s8(a, u, depth) + base[oc], oc, right, multiplier, shift, output_offset,
                                  act_min, act_max);
    if (b) {
      out_b[oc] = ek_conv_finish_s8(ek_dot_s8(b, u, depth) + base[oc], oc, right, multiplier, shift, output_offset,
                                    act_min, act_max);
    }
  }
}

/* Input depths up to which a 1x1 convolution runs channel pairs outside (measured on MobileNet's layers). */
#define EK_POINTWISE_SHORT_DEPTH 32

/* 1x1, stride 1, no padding: output channels two at a time in the outer loop, so that their multipliers,
 * shifts and bases stay in registers while the inner loop runs over the pixels two at a time. */
static void pointwise_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, int8_t* output) {
  const int32_t channels = p->out_c, depth = p->in_c, pixels = p->out_h * p->out_w;
  const int32_t output_offset = p->output_offset, act_min = p->act_min, act_max = p->act_max;
  const int8_t* right = p->right_shift;
  int32_t oc = 0;
  for (; oc + 2 <= channels; oc += 2) {
    const int8_t* u = filter + oc * depth;
    const int32_t base0 = p->base[oc], base1 = p->base[oc + 1];
    const int32_t mult0 = p->multiplier[oc], mult1 = p->multiplier[oc + 1];
    const int32_t* shift = p->shift;
    const int8_t* x = input;
    int8_t* out = output + oc;
    int32_t px = 0;
    if (right) {
      const int32_t right0 = right[oc], right1 = right[oc + 1];
      for (; px + 2 <= pixels; px += 2, x += 2 * depth, out += 2 * channels) {
        int32_t dots[4];
        ek_dot_s8_2x2(x, x + depth, u, u + depth, depth, dots);
        out[0] = ek_clamp_s8(ek_requantize_right(dots[0] + base0, mult0, right0) + output_offset, act_min, act_max);
        out[1] = ek_clamp_s8(ek_requantize_right(dots[1] + base1, mult1, right1) + output_offset, act_min, act_max);
        out[channels] = ek_clamp_s8(ek_requantize_right(dots[2] + base0, mult0, right0) + output_offset, act_min,
                                    act_max);
        out[channels + 1] = ek_clamp_s8(ek_requantize_right(dots[3] + base1, mult1, right1) + output_offset,
                                        act_min, act_max);
      }
    } else {
      for (; px + 2 <= pixels; px += 2, x += 2 * depth, out += 2 * channels) {
        int32_t dots[4];
        ek_dot_s8_2x2(x, x + depth, u, u + depth, depth, dots);
        out[0] = ek_finish_s8(dots[0] + base0, mult0, shift[oc], output_offset, act_min, act_max);
        out[1] = ek_finish_s8(dots[1] + base1, mult1, shift[oc + 1], output_offset, act_min, act_max);
        out[channels] = ek_finish_s8(dots[2] + base0, mult0, shift[oc], output_offset, act_min, act_max);
        out[channels + 1] = ek_finish_s8(dots[3] + base1, mult1, shift[oc + 1], output_offset, act_min, act_max);
      }
    }
    if (px < pixels) {
      const int32_t dot0 = ek_dot_s8(x, u, depth), dot1 = ek_dot_s8(x, u + depth, depth);
      out[0] = ek_conv_finish_s8(dot0 + base0, oc, right, p->multiplier, shift, output_offset, act_min, act_max);
      out[1] = ek_conv_finish_s8(dot1 + base1, oc + 1, right, p->multiplier, shift, output_offset, act_min, act_max);
    }
  }
  if (oc < channels) {
    /* the last, odd channel */
    const int8_t* u = filter + oc * depth;
    for (int32_t px = 0; px < pixels; ++px) {
      output[px * channels + oc] = ek_conv_finish_s8(ek_dot_s8(input + px * depth, u, depth) + p->base[oc], oc, right,
                                                     p->multiplier, p->shift, output_offset, act_min, act_max);
    }
  }
}

/* n bytes from src to dst, a word at a time: the im2col rows of a small-depth convolution are a few bytes
 * long, where a call to memcpy costs more than the copy. */
static inline void copy_s8(int8_t* dst, const int8_t* src, int32_t n) {
  int32_t i = 0;
  for (; i + 4 <= n; i += 4) {
    uint32_t word;
    memcpy(&word, src + i, 4);
    memcpy(dst + i, &word, 4);
  }
  for (; i < n; ++i) dst[i] = src[i];
}

/* One im2col column: the window of output pixel (oy, ox) in filter order [k_h][k_w][in_c]; taps in the
 * padding hold the input zero point (-input_offset), so that they add exactly nothing. A filter row whose
 * taps all lie inside the input and side by side (dilation 1) is one contiguous copy. */
static void im2col_s8(const ek_conv_params* p, const int8_t* input, int32_t oy, int32_t ox, int8_t* column) {
  const int32_t depth = p->in_c, k_w = p->k_w, in_w = p->in_w, dilation_w = p->dilation_w;
  const int8_t zero_point = (int8_t)(-p->input_offset);
  const int32_t ix0 = ox * p->stride_w - p->pad_left;
  const int row_inside = dilation_w == 1 && ix0 >= 0 && ix0 + k_w <= in_w;
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t iy = oy * p->stride_h - p->pad_top + p->dilation_h * ky;
    if (iy < 0 || iy >= p->in_h) {
      memset(column, zero_point, (size_t)(k_w * depth));
      column += k_w * depth;
    } else if (row_inside) {
      copy_s8(column, input + (iy * in_w + ix0) * depth, k_w * depth);
      column += k_w * depth;
    } else {
      for (int32_t kx = 0; kx < k_w; ++kx, column += depth) {
        const int32_t ix = ix0 + dilation_w * kx;
        if (ix < 0 || ix >= in_w) {
          memset(column, zero_point, (size_t)depth);
        } else {
          copy_s8(column, input + (iy * in_w + ix) * depth, depth);
        }
      }
    }
  }
}

/* Two neighbouring output pixels whose windows lie wholly inside the input (dilation 1 across): each
 * filter row is k_w * in_c contiguous bytes in the input and in the filter, so two pixels times two
 * output channels are dotted row by row where they lie, plus the channels' bases. `window` is the first
 * pixel's top-left input value. */
static void window_pair_s8(const ek_conv_params* p, const int8_t* window, const int8_t* filter, int8_t* out) {
  const int32_t channels = p->out_c, row = p->k_w * p->in_c, k_h = p->k_h, filter_size = k_h * row;
  const int32_t row_step = p->dilation_h * p->in_w * p->in_c, pixel_step = p->stride_w * p->in_c;
  const int32_t output_offset = p->output_offset, act_min = p->act_min, act_max = p->act_max;
  const int8_t* right = p->right_shift;
  int32_t oc = 0;
  for (; oc + 2 <= channels; oc += 2) {
    const int8_t* u = filter + oc * filter_size;
    int32_t au = p->base[oc], av = p->base[oc + 1], bu = au, bv = av;
    const int8_t* x = window;
    for (int32_t ky = 0; ky < k_h; ++ky, x += row_step, u += row) {
      int32_t dots[4];
      ek_dot_s8_2x2(x, x + pixel_step, u, u + filter_size, row, dots);
      au += dots[0];
      av += dots[1];
      bu += dots[2];
      bv += dots[3];
    }
    out[oc] = ek_conv_finish_s8(au, oc, right, p->multiplier, p->shift, output_offset, act_min, act_max);
    out[oc + 1] = ek_conv_finish_s8(av, oc + 1, right, p->multiplier, p->shift, output_offset, act_min, act_max);
    out[channels + oc] = ek_conv_finish_s8(bu, oc, right, p->multiplier, p->shift, output_offset, act_min, act_max);
    out[channels + oc + 1] = ek_conv_finish_s8(bv, oc + 1, right, p->multiplier, p->shift, output_offset, act_min,
                                               act_max);
  }
  if (oc < channels) {
    const int8_t* u = filter + oc * filter_size;
    int32_t a = p->base[oc], b = a;
    const int8_t* x = window;
    for (int32_t ky = 0; ky < k_h; ++ky, x += row_step, u += row) {
      a += ek_dot_s8(x, u, row);
      b += ek_dot_s8(x + pixel_step, u, row);
    }
    out[oc] = ek_conv_finish_s8(a, oc, right, p->multiplier, p->shift, output_offset, act_min, act_max);
    out[channels + oc] = ek_conv_finish_s8(b, oc, right, p->multiplier, p->shift, output_offset, act_min, act_max);
  }
}

void ek_conv2d_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                  int8_t* output) {
  const int32_t channels = p->out_c, pixels = p->out_h * p->out_w;
  if (p->base && p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
      p->pad_left == 0 && p->in_h == p->out_h && p->in_w == p->out_w) {
    /* 1x1, stride 1, no padding (MobileNet's pointwise layers): each pixel's input row is its column.
     * Short rows: per-output work dominates, so channel pairs outside keep their constants in registers;
     * long rows: pixel pairs outside, as im2col below. */
    if (p->in_c <= EK_POINTWISE_SHORT_DEPTH) {
      pointwise_s8(p, input, filter, output);
      return;
    }
    const int32_t depth = p->in_c;
    int32_t px = 0;
    for (; px + 2 <= pixels; px += 2) {
      filter_rows_s8(p, input + px * depth, input + (px + 1) * depth, depth, filter, output + px * channels,
                     output + (px + 1) * channels);
    }
    if (px < pixels) filter_rows_s8(p, input + px * depth, NULL, depth, filter, output + px * channels, NULL);
    return;
  }
  const int32_t window = p->k_h * p->k_w * p->in_c;
  if (p->base && window <= EK_IM2COL_BYTES) {
    /* im2col, two output pixels at a time: the same product of rows as the 1x1 case */
    int8_t columns[2][EK_IM2COL_BYTES];
    int32_t px = 0;
    for (; px + 2 <= pixels; px += 2) {
      im2col_s8(p, input, px / p->out_w, px % p->out_w, columns[0]);
      im2col_s8(p, input, (px + 1) / p->out_w, (px + 1) % p->out_w, columns[1]);
      filter_rows_s8(p, columns[0], columns[1], window, filter, output + px * channels,
                     output + (px + 1) * channels);
    }
    if (px < pixels) {
      im2col_s8(p, input, px / p->out_w, px % p->out_w, columns[0]);
      filter_rows_s8(p, columns[0], NULL, window, filter, output + px * channels, NULL);
    }
    return;
  }
  const int32_t in_h = p->in_h, in_w = p->in_w, depth = p->in_c, out_h = p->out_h, out_w = p->out_w;
  const int32_t k_h = p->k_h, k_w = p->k_w, dilation_h = p->dilation_h;
  const int32_t dilation_w = p->dilation_w, input_offset = p->input_offset, output_offset = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t* multiplier = p->multiplier;
  const int32_t* shift = p->shift;
  const int32_t* sums = p->tap_sums;
  for (int32_t oy = 0; oy < out_h; ++oy) {
    const int32_t in_y0 = oy * p->stride_h - p->pad_top;
    int32_t ky_first, ky_end;
    ek_valid_taps(in_y0, dilation_h, k_h, in_h, &ky_first, &ky_end);
    const int rows_inside = p->base && dilation_w == 1 && ky_first == 0 && ky_end == k_h;
    for (int32_t ox = 0; ox < out_w; ++ox) {
      const int32_t in_x0 = ox * p->stride_w - p->pad_left;
      if (rows_inside && ox + 1 < out_w && in_x0 >= 0 && in_x0 + p->stride_w + k_w <= in_w) {
        /* two whole windows side by side: no im2col copy, their rows are read where they lie */
        window_pair_s8(p, input + (in_y0 * in_w + in_x0) * depth, filter, output + (oy * out_w + ox) * channels);
        ++ox;
        continue;
      }
      int32_t kx_first, kx_end;
      /* taps in the padding contribute nothing: only the ones inside the input are visited */
      ek_valid_taps(in_x0, dilation_w, k_w, in_w, &kx_first, &kx_end);
      int8_t* out = output + (oy * out_w + ox) * channels;
      for (int32_t oc = 0; oc < channels; ++oc) {
        int32_t acc = bias ? bias[oc] : 0;
        for (int32_t ky = ky_first; ky < ky_end; ++ky) {
          const int32_t iy = in_y0 + dilation_h * ky;
          const int8_t* w = filter + ((oc * k_h + ky) * k_w + kx_first) * depth;
          const int8_t* in = input + (iy * in_w + in_x0 + dilation_w * kx_first) * depth;
          if (sums && dilation_w == 1) {
            /* the row's valid taps are side by side in the input and in the filter: one dot product;
             * sum(w * (x + offset)) = sum(w * x) + offset * sum(w), the same integers */
            acc += ek_dot_s8(w, in, (kx_end - kx_first) * depth);
            for (int32_t kx = kx_first; kx < kx_end; ++kx) acc += input_offset * sums[(oc * k_h + ky) * k_w + kx];
          } else {
            for (int32_t kx = kx_first; kx < kx_end; ++kx, w += depth, in += dilation_w * depth) {
              for (int32_t ic = 0; ic < depth; ++ic) acc += (int32_t)w[ic] * ((int32_t)in[ic] + input_offset);
            }
          }
        }
        out[oc] = ek_conv_finish_s8(acc, oc, p->right_shift, multiplier, shift, output_offset, act_min, act_max);
      }
    }
  }
}

/* --- CONV_2D with the filter in blocks of four output channels (ek_conv2d_blocked_s8) ------------ */
/* The generator lays each block of four output channels out as segments (the whole window, or one filter
 * row), each segment as groups of four values: [group][channel][4], the last group zero-padded. One
 * pointer then walks four channels with constant offsets, and a word of it holds one channel's four
 * consecutive values (what SMLAD pairs with a word of input). */

#if EK_USE_DSP
/* Two pixels (inputs xa, xb) times channels c and c + 1 of a block (w at channel c's first word) over n
 * values, n a multiple of 4; acc holds {a_c, a_c+1} at acc[0..1] and {b_c, b_c+1} at acc[4..5]. Two passes
 * make a block: four channels at once need more registers than the Cortex-M4 has (measured: spills cost
 * more than the second pass). */
static void pass_2x2_s8(const int8_t* xa, const int8_t* xb, const int8_t* w, int32_t n, int32_t* acc) {
  int32_t au = acc[0], av = acc[1], bu = acc[4], bv = acc[5];
  EK_NO_UNROLL
  for (int32_t groups = n >> 2; groups; --groups, xa += 4, xb += 4, w += 16) {
    const uint32_t wu = ek_load_s8x4(w), wv = ek_load_s8x4(w + 4);
    const uint32_t u_even = ek_sxtb16(wu), u_odd = ek_sxtb16_odd(wu);
    const uint32_t v_even = ek_sxtb16(wv), v_odd = ek_sxtb16_odd(wv);
    uint32_t x = ek_load_s8x4(xa);
    uint32_t x_even = ek_sxtb16(x), x_odd = ek_sxtb16_odd(x);
    au = ek_smlad(x_even, u_even, au);
    au = ek_smlad(x_odd, u_odd, au);
    av = ek_smlad(x_even, v_even, av);
    av = ek_smlad(x_odd, v_odd, av);
    x = ek_load_s8x4(xb);
    x_even = ek_sxtb16(x);
    x_odd = ek_sxtb16_odd(x);
    bu = ek_smlad(x_even, u_even, bu);
    bu = ek_smlad(x_odd, u_odd, bu);
    bv = ek_smlad(x_even, v_even, bv);
    bv = ek_smlad(x_odd, v_odd, bv);
  }
  acc[0] = au;
  acc[1] = av;
  acc[4] = bu;
  acc[5] = bv;
}

/* Two pixels times a block's four channels over n values (a multiple of 4): acc[0..3] pixel a, acc[4..7]
 * pixel b. */
static void dot_2x4_s8(const int8_t* xa, const int8_t* xb, const int8_t* w, int32_t n, int32_t* acc) {
  pass_2x2_s8(xa, xb, w, n, acc);
  pass_2x2_s8(xa, xb, w + 8, n, acc + 2);
}

#if EK_DSP_ASM
/* EK_BLOCKED_COLUMN_BYTES as text, for the assembly's immediate offset */
#define EK_CONV_TEXT(value) #value
#define EK_CONV_IMMEDIATE(value) EK_CONV_TEXT(value)
/* pass_2x2_s8 over the two im2col columns (pixel b's EK_BLOCKED_COLUMN_BYTES after pixel a's, one pointer
 * for both) in assembly: the two channels' words loaded by one LDRD and sign-extended once for both
 * pixels, each pixel's input word loaded and extended into the same two registers in turn; two groups per
 * pass of the loop, an odd count entering it at the second, the end kept in memory. Twelve registers. */
#define EK_CONV_PASS_GROUP                                                  \
  "ldrd %[ue], %[ve], [%[w]], #16\n\t"                                     \
  "sxtb16 %[uo], %[ue], ror #8\n\t"                                        \
  "sxtb16 %[ue], %[ue]\n\t"                                                \
  "sxtb16 %[vo], %[ve], ror #8\n\t"                                        \
  "sxtb16 %[ve], %[ve]\n\t"                                                \
  "ldr %[xe], [%[x], #" EK_CONV_IMMEDIATE(EK_BLOCKED_COLUMN_BYTES) "]\n\t" \
  "sxtb16 %[xo], %[xe], ror #8\n\t"                                        \
  "sxtb16 %[xe], %[xe]\n\t"                                                \
  "smlad %[bu], %[xe], %[ue], %[bu]\n\t"                                   \
  "smlad %[bu], %[xo], %[uo], %[bu]\n\t"                                   \
  "smlad %[bv], %[xe], %[ve], %[bv]\n\t"                                   \
  "smlad %[bv], %[xo], %[vo], %[bv]\n\t"                                   \
  "ldr %[xe], [%[x]], #4\n\t"                                              \
  "sxtb16 %[xo], %[xe], ror #8\n\t"                                        \
  "sxtb16 %[xe], %[xe]\n\t"                                                \
  "smlad %[au], %[xe], %[ue], %[au]\n\t"                                   \
  "smlad %[au], %[xo], %[uo], %[au]\n\t"                                   \
  "smlad %[av], %[xe], %[ve], %[av]\n\t"                                   \
  "smlad %[av], %[xo], %[vo], %[av]\n\t"
/* Two pixels times a block's four channels from their bases (acc[0..3] pixel a, acc[4..7] pixel b), two
 * channels per pass (EK_CONV_PASS_GROUP's twelve registers), in one call. */
EK_NOINLINE static void dot_2x4_columns_s8(const int8_t* columns, const int8_t* w, int32_t n, const int32_t* base,
                                           int32_t* acc) {
  const int8_t* end = columns + n;
  for (int32_t c = 0; c < 4; c += 2, w += 8) {
    int32_t au = base[c], av = base[c + 1], bu = au, bv = av;
    const int8_t* x = columns;
    const int8_t* ww = w;
    uint32_t ue, uo, ve, vo, xe, xo;
    if (n) {
      __asm__ volatile("ldr %[xe], %[end]\n\t"
                       "sub %[xe], %[xe], %[x]\n\t"
                       "lsls %[xe], %[xe], #29\n\t" /* an odd count of groups: bit 2 of n into N */
                       "bmi 2f\n\t"
                       "1:\n\t" EK_CONV_PASS_GROUP "2:\n\t" EK_CONV_PASS_GROUP
                       "ldr %[xe], %[end]\n\t"
                       "cmp %[x], %[xe]\n\t"
                       "bne 1b\n\t"
                       : [au] "+r"(au), [av] "+r"(av), [bu] "+r"(bu), [bv] "+r"(bv), [x] "+r"(x), [w] "+r"(ww),
                         [ue] "=&r"(ue), [uo] "=&r"(uo), [ve] "=&r"(ve), [vo] "=&r"(vo), [xe] "=&r"(xe),
                         [xo] "=&r"(xo)
                       : [end] "m"(end)
                       : "cc", "memory");
    }
    acc[c] = au;
    acc[c + 1] = av;
    acc[4 + c] = bu;
    acc[5 + c] = bv;
  }
}
#undef EK_CONV_PASS_GROUP
#undef EK_CONV_IMMEDIATE
#undef EK_CONV_TEXT
#else
/* Pixel b's input EK_BLOCKED_COLUMN_BYTES after pixel a's (the two im2col columns), from the channels'
 * bases. */
static void dot_2x4_columns_s8(const int8_t* columns, const int8_t* w, int32_t n, const int32_t* base,
                               int32_t* acc) {
  for (int32_t c = 0; c < 4; ++c) acc[c] = acc[4 + c] = base[c];
  dot_2x4_s8(columns, columns + EK_BLOCKED_COLUMN_BYTES, w, n, acc);
}
#endif

/* One pixel times a block's four channels over n values, n a multiple of 4. */
static void dot_1x4_s8(const int8_t* x, const int8_t* w, int32_t n, int32_t* acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  EK_NO_UNROLL
  for (int32_t groups = n >> 2; groups; --groups, x += 4, w += 16) {
    const uint32_t xw = ek_load_s8x4(x);
    const uint32_t x_even = ek_sxtb16(xw), x_odd = ek_sxtb16_odd(xw);
    uint32_t ww = ek_load_s8x4(w);
    a0 = ek_smlad(x_odd, ek_sxtb16_odd(ww), ek_smlad(x_even, ek_sxtb16(ww), a0));
    ww = ek_load_s8x4(w + 4);
    a1 = ek_smlad(x_odd, ek_sxtb16_odd(ww), ek_smlad(x_even, ek_sxtb16(ww), a1));
    ww = ek_load_s8x4(w + 8);
    a2 = ek_smlad(x_odd, ek_sxtb16_odd(ww), ek_smlad(x_even, ek_sxtb16(ww), a2));
    ww = ek_load_s8x4(w + 12);
    a3 = ek_smlad(x_odd, ek_sxtb16_odd(ww), ek_smlad(x_even, ek_sxtb16(ww), a3));
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}
#else
/* Value j of the current group for both pixels and the four channels: eight MLAs, each weight loaded once
 * for the two pixels. */
#define EK_CONV_TAPS_2X4(j)            \
  do {                                 \
    const int32_t xj = xa[j], yj = xb[j]; \
    int32_t t = w[(j)];                \
    a0 += xj * t;                      \
    b0 += yj * t;                      \
    t = w[4 + (j)];                    \
    a1 += xj * t;                      \
    b1 += yj * t;                      \
    t = w[8 + (j)];                    \
    a2 += xj * t;                      \
    b2 += yj * t;                      \
    t = w[12 + (j)];                   \
    a3 += xj * t;                      \
    b3 += yj * t;                      \
  } while (0)

/* Two pixels times a block's four channels over n values (a multiple of 4), from start_a[0..3] and
 * start_b[0..3]: acc[0..3] pixel a, acc[4..7] pixel b. Always inlined into its two callers below: when
 * pixel b's values lie a constant distance after pixel a's (the im2col columns), GCC reads them at
 * constant offsets from one pointer, and the eight accumulators, the two inputs and the weight fit the
 * Cortex-M3's registers with only the loop bound on the stack. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void dot_2x4_body_s8(const int8_t* xa, const int8_t* xb, const int8_t* w, int32_t n,
                                   const int32_t* start_a, const int32_t* start_b, int32_t* acc) {
  int32_t a0 = start_a[0], a1 = start_a[1], a2 = start_a[2], a3 = start_a[3];
  int32_t b0 = start_b[0], b1 = start_b[1], b2 = start_b[2], b3 = start_b[3];
  const int8_t* end = w + 4 * n;
  EK_NO_UNROLL
  for (; w != end; xa += 4, xb += 4, w += 16) {
    EK_CONV_TAPS_2X4(0);
    EK_CONV_TAPS_2X4(1);
    EK_CONV_TAPS_2X4(2);
    EK_CONV_TAPS_2X4(3);
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
  acc[4] = b0;
  acc[5] = b1;
  acc[6] = b2;
  acc[7] = b3;
}

/* Pixel a's and b's input anywhere (filter rows read in place). */
EK_NOINLINE static void dot_2x4_s8(const int8_t* xa, const int8_t* xb, const int8_t* w, int32_t n, int32_t* acc) {
  dot_2x4_body_s8(xa, xb, w, n, acc, acc + 4, acc);
}

/* Pixel b's input EK_BLOCKED_COLUMN_BYTES after pixel a's (the two im2col columns), from the channels'
 * bases. */
EK_NOINLINE static void dot_2x4_columns_s8(const int8_t* columns, const int8_t* w, int32_t n, const int32_t* base,
                                           int32_t* acc) {
  dot_2x4_body_s8(columns, columns + EK_BLOCKED_COLUMN_BYTES, w, n, base, base, acc);
}
#undef EK_CONV_TAPS_2X4

/* One pixel times a block's four channels over n values, n a multiple of 4. */
static void dot_1x4_s8(const int8_t* x, const int8_t* w, int32_t n, int32_t* acc) {
  int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3];
  EK_NO_UNROLL
  for (int32_t groups = n >> 2; groups; --groups, x += 4, w += 16) {
    for (int32_t j = 0; j < 4; ++j) {
      const int32_t xj = x[j];
      a0 += xj * w[j];
      a1 += xj * w[4 + j];
      a2 += xj * w[8 + j];
      a3 += xj * w[12 + j];
    }
  }
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}
#endif

/* zero_point * (each of the block's four channels' sum over n values, n a multiple of 4) into acc[0..3]:
 * what n taps in the padding add (their input is the zero point). */
static void padding_4_s8(const int8_t* w, int32_t n, int32_t zero_point, int32_t* acc) {
  int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int32_t groups = n >> 2; groups; --groups, w += 16) {
    for (int32_t j = 0; j < 4; ++j) {
      s0 += w[j];
      s1 += w[4 + j];
      s2 += w[8 + j];
      s3 += w[12 + j];
    }
  }
  acc[0] += zero_point * s0;
  acc[1] += zero_point * s1;
  acc[2] += zero_point * s2;
  acc[3] += zero_point * s3;
}

/* finish_2x4_s8's work, inlined twice: with the activation range all of int8 and without. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void finish_2x4_body_s8(const ek_conv_params* p, int32_t oc, const int32_t* acc, int8_t* out_a,
                                      int8_t* out_b, int narrow, int full) {
  const int32_t output_offset = p->output_offset, act_min = p->act_min, act_max = p->act_max;
  const int32_t* multiplier = p->multiplier + oc;
  if (p->right_shift && narrow) {
    const int8_t* right = p->right_shift + oc;
    for (int32_t c = 0; c < 4; ++c) {
      const int32_t m = multiplier[c], r = right[c];
      out_a[c] = ek_clamp_output_s8(ek_requantize_right_narrow(acc[c], m, r) + output_offset, full, act_min, act_max);
      out_b[c] = ek_clamp_output_s8(ek_requantize_right_narrow(acc[4 + c], m, r) + output_offset, full, act_min,
                              act_max);
    }
  } else if (p->right_shift) {
    const int8_t* right = p->right_shift + oc;
    for (int32_t c = 0; c < 4; ++c) {
      const int32_t m = multiplier[c], r = right[c];
      out_a[c] = ek_clamp_output_s8(ek_requantize_right(acc[c], m, r) + output_offset, full, act_min, act_max);
      out_b[c] = ek_clamp_output_s8(ek_requantize_right(acc[4 + c], m, r) + output_offset, full, act_min, act_max);
    }
  } else {
    const int32_t* shift = p->shift + oc;
    for (int32_t c = 0; c < 4; ++c) {
      out_a[c] = ek_clamp_output_s8(ek_requantize(acc[c], multiplier[c], shift[c]) + output_offset, full, act_min,
                              act_max);
      out_b[c] = ek_clamp_output_s8(ek_requantize(acc[4 + c], multiplier[c], shift[c]) + output_offset, full, act_min,
                              act_max);
    }
  }
}

/* The four channels oc .. oc + 3 of two pixels from their accumulators (acc[0..3] pixel a, acc[4..7]
 * pixel b), each channel's requantization constants read once for both; `narrow`: every accumulator is
 * below 2^30 in magnitude (ek_requantize_right_narrow). */
static void finish_2x4_s8(const ek_conv_params* p, int32_t oc, const int32_t* acc, int8_t* out_a, int8_t* out_b,
                          int narrow) {
  if (p->act_min == -128 && p->act_max == 127) {
    finish_2x4_body_s8(p, oc, acc, out_a, out_b, narrow, 1);
  } else {
    finish_2x4_body_s8(p, oc, acc, out_a, out_b, narrow, 0);
  }
}

/* The im2col column of output pixel (oy, ox): a window wholly inside the input (dilation 1) is k_h
 * contiguous copies, any other one im2col_s8's tap by tap. */
static void blocked_column_s8(const ek_conv_params* p, const int8_t* input, int32_t oy, int32_t ox, int8_t* column) {
  const int32_t in_y0 = oy * p->stride_h - p->pad_top, in_x0 = ox * p->stride_w - p->pad_left;
  const int32_t k_h = p->k_h, k_w = p->k_w, depth = p->in_c;
  if (p->dilation_h == 1 && p->dilation_w == 1 && in_y0 >= 0 && in_y0 + k_h <= p->in_h && in_x0 >= 0 &&
      in_x0 + k_w <= p->in_w) {
    const int32_t row = k_w * depth, row_step = p->in_w * depth;
    const int8_t* src = input + (in_y0 * p->in_w + in_x0) * depth;
    for (int32_t ky = 0; ky < k_h; ++ky, src += row_step, column += row) copy_s8(column, src, row);
  } else {
    im2col_s8(p, input, oy, ox, column);
  }
}

/* Every block of channels of two output pixels at a time, their windows copied into two im2col columns
 * (padding taps hold the zero point), the whole window one segment. */
static void blocked_im2col_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, int8_t* output,
                              int narrow) {
  const int32_t channels = p->out_c, out_w = p->out_w, pixels = p->out_h * out_w;
  const int32_t window = p->k_h * p->k_w * p->in_c, padded = (window + 3) & ~3, block_bytes = 4 * padded;
  /* pixel b's column right after pixel a's: dot_2x4_columns_s8 reads both from one pointer. The values
   * after the window up to a multiple of 4 meet zero weights; zeroed once, they add nothing. */
  int8_t columns[2 * EK_BLOCKED_COLUMN_BYTES];
  memset(columns + window, 0, (size_t)(padded - window));
  memset(columns + EK_BLOCKED_COLUMN_BYTES + window, 0, (size_t)(padded - window));
  int32_t oy = 0, ox = 0; /* pixel px's coordinates, advanced without divisions */
  for (int32_t px = 0; px < pixels; px += 2) {
    blocked_column_s8(p, input, oy, ox, columns);
    /* a lone last pixel is dotted with a copy of itself, its second outputs dropped */
    const int pair = px + 1 < pixels;
    if (pair && ++ox == out_w) {
      ox = 0;
      ++oy;
    }
    blocked_column_s8(p, input, oy, ox, columns + EK_BLOCKED_COLUMN_BYTES);
    if (++ox == out_w) {
      ox = 0;
      ++oy;
    }
    int8_t dropped[4];
    int8_t* out = output + px * channels;
    for (int32_t oc = 0; oc < channels; oc += 4) {
      int32_t acc[8];
      dot_2x4_columns_s8(columns, filter + (oc >> 2) * block_bytes, padded, p->base + oc, acc);
      finish_2x4_s8(p, oc, acc, out + oc, pair ? out + channels + oc : dropped, narrow);
    }
  }
}

/* Filter rows as segments (in_c a multiple of 4, dilation 1): rows of the input are read where they lie.
 * Pairs of neighbouring pixels whose windows lie inside the input across; rows above or below the input
 * add the zero point times the filter row's sum; a pixel at the left or right edge runs alone, its taps
 * in the padding adding the zero point times theirs. */
static void blocked_rows_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, int8_t* output,
                            int narrow) {
  const int32_t channels = p->out_c, out_w = p->out_w, in_w = p->in_w, depth = p->in_c, k_h = p->k_h;
  const int32_t k_w = p->k_w, row = k_w * depth, row_bytes = 4 * row, block_bytes = k_h * row_bytes;
  const int32_t pixel_step = p->stride_w * depth, zero_point = -p->input_offset;
  for (int32_t oy = 0; oy < p->out_h; ++oy) {
    const int32_t in_y0 = oy * p->stride_h - p->pad_top;
    int32_t ky_first, ky_end;
    ek_valid_taps(in_y0, 1, k_h, p->in_h, &ky_first, &ky_end);
    for (int32_t ox = 0; ox < out_w;) {
      const int32_t in_x0 = ox * p->stride_w - p->pad_left;
      int8_t* out = output + (oy * out_w + ox) * channels;
      /* offset of the window's top-left value, maybe outside the input: only rows inside are read */
      const int32_t corner = (in_y0 * in_w + in_x0) * depth;
      if (in_x0 >= 0 && ox + 1 < out_w && in_x0 + p->stride_w + k_w <= in_w) {
        for (int32_t oc = 0; oc < channels; oc += 4) {
          const int8_t* w = filter + (oc >> 2) * block_bytes;
          int32_t acc[8];
          for (int32_t c = 0; c < 4; ++c) acc[c] = acc[4 + c] = p->base[oc + c];
          for (int32_t ky = 0; ky < k_h; ++ky) {
            if (ky >= ky_first && ky < ky_end) {
              const int8_t* xa = input + (corner + ky * in_w * depth);
              dot_2x4_s8(xa, xa + pixel_step, w + ky * row_bytes, row, acc);
            } else {
              int32_t pad[4] = {0, 0, 0, 0};
              padding_4_s8(w + ky * row_bytes, row, zero_point, pad);
              for (int32_t c = 0; c < 4; ++c) {
                acc[c] += pad[c];
                acc[4 + c] += pad[c];
              }
            }
          }
          finish_2x4_s8(p, oc, acc, out + oc, out + channels + oc, narrow);
        }
        ox += 2;
        continue;
      }
      int32_t kx_first, kx_end;
      ek_valid_taps(in_x0, 1, k_w, in_w, &kx_first, &kx_end);
      const int32_t left = kx_first * depth, valid = (kx_end - kx_first) * depth;
      for (int32_t oc = 0; oc < channels; oc += 4) {
        const int8_t* w = filter + (oc >> 2) * block_bytes;
        int32_t acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int32_t c = 0; c < 4; ++c) acc[c] = p->base[oc + c];
        for (int32_t ky = 0; ky < k_h; ++ky) {
          const int8_t* w_row = w + ky * row_bytes;
          if (ky < ky_first || ky >= ky_end || valid <= 0) {
            padding_4_s8(w_row, row, zero_point, acc);
            continue;
          }
          padding_4_s8(w_row, left, zero_point, acc);
          dot_1x4_s8(input + (corner + ky * in_w * depth + left), w_row + 4 * left, valid, acc);
          padding_4_s8(w_row + 4 * (left + valid), row - left - valid, zero_point, acc);
        }
        int8_t dropped[4];
        finish_2x4_s8(p, oc, acc, out + oc, dropped, narrow); /* acc[4..7]: not a pixel */
      }
      ++ox;
    }
  }
}

void ek_conv2d_blocked_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, int8_t* output,
                          int32_t flags) {
  const int narrow = (flags & EK_BLOCKED_NARROW) != 0;
  if (flags & EK_BLOCKED_IM2COL) {
    blocked_im2col_s8(p, input, filter, output, narrow);
  } else {
    blocked_rows_s8(p, input, filter, output, narrow);
  }
}

void ek_conv2d_blocked_im2col_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                                 const int32_t* bias, int8_t* output) {
  (void)bias;
  blocked_im2col_s8(p, input, filter, output, 0);
}

void ek_conv2d_blocked_im2col_narrow_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                                        const int32_t* bias, int8_t* output) {
  (void)bias;
  blocked_im2col_s8(p, input, filter, output, 1);
}

void ek_conv2d_blocked_rows_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                               const int32_t* bias, int8_t* output) {
  (void)bias;
  blocked_rows_s8(p, input, filter, output, 0);
}

void ek_conv2d_blocked_rows_narrow_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter,
                                      const int32_t* bias, int8_t* output) {
  (void)bias;
  blocked_rows_s8(p, input, filter, output, 1);
}
