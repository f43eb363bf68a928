// <BANNER>
// edgekit's int8 kernels. The arithmetic follows the formulas TFLM's reference kernels use (written down
// in edgekit's research notes, performance.md section 4): gemmlowp-style double rounding, padded taps
// skipped, average pooling rounded half away from zero, softmax through the fixed-point exp.
#include "ek_kernels.h"

#include <limits.h>
#include <string.h>

/* The Cortex-M DSP path: packed 16-bit multiply-accumulates (SMLAD) on cores that have them (M4, M7,
 * M33 with DSP). Define EK_USE_DSP=0 to use the plain C path everywhere. */
#ifndef EK_USE_DSP
#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP
#define EK_USE_DSP 1
#else
#define EK_USE_DSP 0
#endif
#endif
#if EK_USE_DSP
#include <arm_acle.h>
#endif

/* Keeps GCC's -funroll-loops off a loop whose body already uses every register: unrolled, it spills. */
#if defined(__GNUC__) && !defined(__clang__)
#define EK_NO_UNROLL _Pragma("GCC unroll 1")
#else
#define EK_NO_UNROLL
#endif

#if EK_USE_DSP
/* One 32-bit load of four int8 values (unaligned loads are fine on ARMv7E-M). */
static inline uint32_t load_s8x4(const int8_t* p) {
  uint32_t word;
  memcpy(&word, p, 4);
  return word;
}

/* Bytes 1 and 3 sign-extended into the two 16-bit halves, in one instruction (SXTB16 with ROR #8). */
static inline uint32_t sxtb16_odd(uint32_t x) {
  uint32_t result;
  __asm__("sxtb16 %0, %1, ror #8" : "=r"(result) : "r"(x));
  return result;
}
#endif

/* sum(a[i] * b[i]) over n int8 pairs; exact in int32, so any order gives TFLM's result. */
static int32_t dot_s8(const int8_t* a, const int8_t* b, int32_t n) {
  int32_t acc = 0;
  int32_t i = 0;
#if EK_USE_DSP
  for (; i + 4 <= n; i += 4) {
    const uint32_t wa = load_s8x4(a + i), wb = load_s8x4(b + i);
    /* bytes 0 and 2, then 1 and 3, as 16-bit halves; two multiply-accumulates each */
    acc = __smlad(__sxtb16(wa), __sxtb16(wb), acc);
    acc = __smlad(sxtb16_odd(wa), sxtb16_odd(wb), acc);
  }
#endif
  for (; i < n; ++i) acc += (int32_t)a[i] * (int32_t)b[i];
  return acc;
}

/* Four dot products at once, of two input rows (a, b) with two weight rows (u, v), over n int8 values:
 * out = {a.u, a.v, b.u, b.v}. Each loaded word feeds two products, which halves the loads and the
 * sign extensions of dot_s8. */
static void dot_s8_2x2(const int8_t* a, const int8_t* b, const int8_t* u, const int8_t* v, int32_t n,
                       int32_t out[4]) {
  int32_t au = 0, av = 0, bu = 0, bv = 0;
  int32_t i = 0;
#if EK_USE_DSP
  EK_NO_UNROLL
  for (; i + 4 <= n; i += 4) {
    const uint32_t wu = load_s8x4(u + i), wv = load_s8x4(v + i);
    const uint32_t u_even = __sxtb16(wu), u_odd = sxtb16_odd(wu);
    const uint32_t v_even = __sxtb16(wv), v_odd = sxtb16_odd(wv);
    uint32_t x = load_s8x4(a + i);
    uint32_t x_even = __sxtb16(x), x_odd = sxtb16_odd(x);
    au = __smlad(x_even, u_even, au);
    au = __smlad(x_odd, u_odd, au);
    av = __smlad(x_even, v_even, av);
    av = __smlad(x_odd, v_odd, av);
    x = load_s8x4(b + i);
    x_even = __sxtb16(x);
    x_odd = sxtb16_odd(x);
    bu = __smlad(x_even, u_even, bu);
    bu = __smlad(x_odd, u_odd, bu);
    bv = __smlad(x_even, v_even, bv);
    bv = __smlad(x_odd, v_odd, bv);
  }
#endif
  for (; i < n; ++i) {
    const int32_t x = a[i], y = b[i], wu = u[i], wv = v[i];
    au += x * wu;
    av += x * wv;
    bu += y * wu;
    bv += y * wv;
  }
  out[0] = au;
  out[1] = av;
  out[2] = bu;
  out[3] = bv;
}

/* --- fixed-point helpers ------------------------------------------------------------------------- */

/* (a * b * 2) >> 32, rounded to nearest; the one overflowing case saturates. */
static int32_t srdhm(int32_t a, int32_t b) {
  if (a == b && a == INT32_MIN) return INT32_MAX;
  int64_t ab = (int64_t)a * (int64_t)b;
  int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
  return (int32_t)((ab + nudge) / (1LL << 31)); /* C division truncates toward zero, as gemmlowp's */
}

/* x / 2^exponent, rounded half away from zero (exponent in 0..31). */
static int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  int32_t mask = (int32_t)((1LL << exponent) - 1);
  int32_t remainder = x & mask;
  int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * 2^exponent for exponent > 0, saturating. */
static int32_t saturating_shift_left(int32_t x, int exponent) {
  int32_t threshold = (int32_t)((1LL << (31 - exponent)) - 1);
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return (int32_t)((uint32_t)x << exponent);
}

/* TFLM's MultiplyByQuantizedMultiplier: x * 2^left, the rounding doubling high multiply, then a rounding
 * right shift. Multipliers are in [0, 2^31) (QuantizeMultiplier), so the high multiply never saturates,
 * and its "add the nudge, divide by 2^31 truncating" is exactly floor((x * m + 2^30) / 2^31) for either
 * sign: one 64-bit multiply-add and a shift. */
static inline int32_t requantize(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t left = shift > 0 ? shift : 0;
  const int32_t right = shift > 0 ? 0 : -shift;
  /* int32 wrap-around on the left shift, as TFLM's x * (1 << left) has in practice */
  const int32_t shifted = (int32_t)((uint32_t)x << left);
  const int32_t high = (int32_t)(((int64_t)shifted * multiplier + (1LL << 30)) >> 31);
  /* rounding_divide_by_pot with a 32-bit mask */
  const int32_t mask = (int32_t)((1u << right) - 1u);
  const int32_t threshold = (mask >> 1) + (high < 0 ? 1 : 0);
  return (high >> right) + ((high & mask) > threshold ? 1 : 0);
}

int32_t ek_requantize(int32_t x, int32_t multiplier, int32_t shift) { return requantize(x, multiplier, shift); }

static int8_t clamp_s8(int32_t value, int32_t low, int32_t high) {
  if (value < low) value = low;
  if (value > high) value = high;
  return (int8_t)value;
}

/* --- convolutions -------------------------------------------------------------------------------- */
/* The kernels copy what their loops need from the parameter block into locals: every int8 store could
 * otherwise alias it, and the compiler would load each field again after each output. */

/* An output from its accumulated products: bias, requantization, output offset, activation clamp. */
static inline int8_t finish(int32_t acc, int32_t multiplier, int32_t shift, int32_t output_offset, int32_t act_min,
                            int32_t act_max) {
  return clamp_s8(requantize(acc, multiplier, shift) + output_offset, act_min, act_max);
}

/* The first and one-past-last kernel taps that land inside [0, size) from `start`, `dilation` apart. */
static inline void valid_taps(int32_t start, int32_t dilation, int32_t taps, int32_t size, int32_t* first,
                              int32_t* end) {
  int32_t k = 0;
  while (k < taps && start + dilation * k < 0) ++k;
  *first = k;
  while (k < taps && start + dilation * k < size) ++k;
  *end = k;
}

/* Output channels for one or two pixels whose inputs are the rows a and b (b NULL for one) of length
 * `depth`: each output channel's filter row dotted with them, two channels at a time, plus
 * input_offset * the filter's sum (so the offset is never added per multiply). */
static void filter_rows_s8(const ek_conv_params* p, const int8_t* a, const int8_t* b, int32_t depth,
                           const int8_t* filter, const int32_t* bias, int8_t* out_a, int8_t* out_b) {
  const int32_t channels = p->out_c, input_offset = p->input_offset, output_offset = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t* multiplier = p->multiplier;
  const int32_t* shift = p->shift;
  const int32_t* sums = p->filter_sums;
  int32_t oc = 0;
  for (; oc + 2 <= channels; oc += 2) {
    const int8_t* u = filter + oc * depth;
    const int32_t base0 = input_offset * sums[oc] + (bias ? bias[oc] : 0);
    const int32_t base1 = input_offset * sums[oc + 1] + (bias ? bias[oc + 1] : 0);
    int32_t dots[4];
    if (b) {
      dot_s8_2x2(a, b, u, u + depth, depth, dots);
      out_b[oc] = finish(dots[2] + base0, multiplier[oc], shift[oc], output_offset, act_min, act_max);
      out_b[oc + 1] = finish(dots[3] + base1, multiplier[oc + 1], shift[oc + 1], output_offset, act_min, act_max);
    } else {
      dots[0] = dot_s8(a, u, depth);
      dots[1] = dot_s8(a, u + depth, depth);
    }
    out_a[oc] = finish(dots[0] + base0, multiplier[oc], shift[oc], output_offset, act_min, act_max);
    out_a[oc + 1] = finish(dots[1] + base1, multiplier[oc + 1], shift[oc + 1], output_offset, act_min, act_max);
  }
  for (; oc < channels; ++oc) {
    const int8_t* u = filter + oc * depth;
    const int32_t base = input_offset * sums[oc] + (bias ? bias[oc] : 0);
    out_a[oc] = finish(dot_s8(a, u, depth) + base, multiplier[oc], shift[oc], output_offset, act_min, act_max);
    if (b) out_b[oc] = finish(dot_s8(b, u, depth) + base, multiplier[oc], shift[oc], output_offset, act_min, act_max);
  }
}

/* One im2col column: the window of output pixel (oy, ox) in filter order [k_h][k_w][in_c]; taps in the
 * padding hold the input zero point (-input_offset), so that they add exactly nothing. */
static void im2col_s8(const ek_conv_params* p, const int8_t* input, int32_t oy, int32_t ox, int8_t* column) {
  const int32_t depth = p->in_c;
  const int8_t zero_point = (int8_t)(-p->input_offset);
  for (int32_t ky = 0; ky < p->k_h; ++ky) {
    const int32_t iy = oy * p->stride_h - p->pad_top + p->dilation_h * ky;
    for (int32_t kx = 0; kx < p->k_w; ++kx, column += depth) {
      const int32_t ix = ox * p->stride_w - p->pad_left + p->dilation_w * kx;
      if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) {
        memset(column, zero_point, (size_t)depth);
      } else {
        memcpy(column, input + (iy * p->in_w + ix) * depth, (size_t)depth);
      }
    }
  }
}

void ek_conv2d_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                  int8_t* output) {
  const int32_t channels = p->out_c, pixels = p->out_h * p->out_w;
  if (p->filter_sums && p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 &&
      p->pad_left == 0 && p->in_h == p->out_h && p->in_w == p->out_w) {
    /* 1x1, stride 1, no padding (MobileNet's pointwise layers): each pixel's input row is its column */
    const int32_t depth = p->in_c;
    int32_t px = 0;
    for (; px + 2 <= pixels; px += 2) {
      filter_rows_s8(p, input + px * depth, input + (px + 1) * depth, depth, filter, bias, output + px * channels,
                     output + (px + 1) * channels);
    }
    if (px < pixels) filter_rows_s8(p, input + px * depth, NULL, depth, filter, bias, output + px * channels, NULL);
    return;
  }
  const int32_t window = p->k_h * p->k_w * p->in_c;
  if (p->filter_sums && window <= EK_IM2COL_BYTES) {
    /* im2col, two output pixels at a time: the same product of rows as the 1x1 case */
    int8_t columns[2][EK_IM2COL_BYTES];
    int32_t px = 0;
    for (; px + 2 <= pixels; px += 2) {
      im2col_s8(p, input, px / p->out_w, px % p->out_w, columns[0]);
      im2col_s8(p, input, (px + 1) / p->out_w, (px + 1) % p->out_w, columns[1]);
      filter_rows_s8(p, columns[0], columns[1], window, filter, bias, output + px * channels,
                     output + (px + 1) * channels);
    }
    if (px < pixels) {
      im2col_s8(p, input, px / p->out_w, px % p->out_w, columns[0]);
      filter_rows_s8(p, columns[0], NULL, window, filter, bias, output + px * channels, NULL);
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
    valid_taps(in_y0, dilation_h, k_h, in_h, &ky_first, &ky_end);
    for (int32_t ox = 0; ox < out_w; ++ox) {
      const int32_t in_x0 = ox * p->stride_w - p->pad_left;
      int32_t kx_first, kx_end;
      /* taps in the padding contribute nothing: only the ones inside the input are visited */
      valid_taps(in_x0, dilation_w, k_w, in_w, &kx_first, &kx_end);
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
            acc += dot_s8(w, in, (kx_end - kx_first) * depth);
            for (int32_t kx = kx_first; kx < kx_end; ++kx) acc += input_offset * sums[(oc * k_h + ky) * k_w + kx];
          } else {
            for (int32_t kx = kx_first; kx < kx_end; ++kx, w += depth, in += dilation_w * depth) {
              for (int32_t ic = 0; ic < depth; ++ic) acc += (int32_t)w[ic] * ((int32_t)in[ic] + input_offset);
            }
          }
        }
        out[oc] = finish(acc, multiplier[oc], shift[oc], output_offset, act_min, act_max);
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
  const int32_t row_step = dilation_h * in_w * depth, tap_step = dilation_w * depth, filter_row = k_w * channels;
  for (int32_t oy = 0; oy < out_h; ++oy) {
    const int32_t in_y0 = oy * p->stride_h - p->pad_top;
    int32_t ky_first, ky_end;
    valid_taps(in_y0, dilation_h, k_h, in_h, &ky_first, &ky_end);
    for (int32_t ox = 0; ox < out_w; ++ox) {
      const int32_t in_x0 = ox * p->stride_w - p->pad_left;
      int32_t kx_first, kx_end;
      valid_taps(in_x0, dilation_w, k_w, in_w, &kx_first, &kx_end);
      const int32_t rows = ky_end - ky_first, taps = kx_end - kx_first;
      /* the first valid tap of the window, for channel 0 */
      const int8_t* window = input + ((in_y0 + dilation_h * ky_first) * in_w + in_x0 + dilation_w * kx_first) * depth;
      const int8_t* weights = filter + (ky_first * k_w + kx_first) * channels;
      int8_t* out = output + (oy * out_w + ox) * channels;
      int32_t ic = 0;
#if EK_USE_DSP
      if (depth_multiplier == 1) {
        /* Four channels per word: x + offset and w as 16-bit halves, one 16x16 multiply-accumulate per
         * channel (SMLABB for bytes 0 and 2, SMLATT for 1 and 3 after the odd extension). */
        const uint32_t offset = ((uint32_t)input_offset & 0xFFFFu) * 0x10001u;
        /* a whole 3x3 window inside the input: nine taps written out, one stride for input and filter */
        const int full3x3 = rows == 3 && taps == 3 && dilation_w == 1;
        EK_NO_UNROLL
        for (; ic + 4 <= depth; ic += 4) {
          int32_t acc0 = 0, acc1 = 0, acc2 = 0, acc3 = 0;
          const int8_t* x_row = window + ic;
          const int8_t* w_row = weights + ic;
#define EK_DW_TAP(x_at, w_at)                                                                            \
  do {                                                                                                   \
    const uint32_t x = load_s8x4(x_at), w = load_s8x4(w_at);                                             \
    const uint32_t x_even = __sadd16(__sxtb16(x), offset), x_odd = __sadd16(sxtb16_odd(x), offset);     \
    const uint32_t w_even = __sxtb16(w), w_odd = sxtb16_odd(w);                                          \
    acc0 = __smlabb(w_even, x_even, acc0);                                                               \
    acc2 = __smlatt(w_even, x_even, acc2);                                                               \
    acc1 = __smlabb(w_odd, x_odd, acc1);                                                                 \
    acc3 = __smlatt(w_odd, x_odd, acc3);                                                                 \
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
          out[ic] = finish(acc0, multiplier[ic], shift[ic], output_offset, act_min, act_max);
          out[ic + 1] = finish(acc1, multiplier[ic + 1], shift[ic + 1], output_offset, act_min, act_max);
          out[ic + 2] = finish(acc2, multiplier[ic + 2], shift[ic + 2], output_offset, act_min, act_max);
          out[ic + 3] = finish(acc3, multiplier[ic + 3], shift[ic + 3], output_offset, act_min, act_max);
        }
      }
#endif
      for (; ic < depth; ++ic) {
        for (int32_t m = 0; m < depth_multiplier; ++m) {
          const int32_t oc = m + ic * depth_multiplier;
          int32_t acc = bias ? bias[oc] : 0;
          const int8_t* x_row = window + ic;
          const int8_t* w_row = weights + oc;
          for (int32_t ky = 0; ky < rows; ++ky, x_row += row_step, w_row += filter_row) {
            for (int32_t kx = 0; kx < taps; ++kx) {
              acc += (int32_t)w_row[kx * channels] * ((int32_t)x_row[kx * tap_step] + input_offset);
            }
          }
          out[oc] = finish(acc, multiplier[oc], shift[oc], output_offset, act_min, act_max);
        }
      }
    }
  }
}

/* --- fully connected ----------------------------------------------------------------------------- */

void ek_fully_connected_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights, const int32_t* bias,
                           int8_t* output) {
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* x = input + b * p->in_depth;
    for (int32_t o = 0; o < p->out_depth; ++o) {
      const int8_t* w = weights + o * p->in_depth;
      int32_t acc = 0;
      if (p->row_sums) {
        /* sum((w + fo) * (x + io)) = sum(w * x) + fo * sum(x) + io * sum(w + fo) */
        if (p->filter_offset == 0) {
          acc = dot_s8(w, x, p->in_depth);
        } else {
          for (int32_t i = 0; i < p->in_depth; ++i) acc += ((int32_t)w[i] + p->filter_offset) * (int32_t)x[i];
        }
        acc += p->input_offset * p->row_sums[o];
      } else {
        for (int32_t i = 0; i < p->in_depth; ++i) {
          acc += ((int32_t)w[i] + p->filter_offset) * ((int32_t)x[i] + p->input_offset);
        }
      }
      if (bias) acc += bias[o];
      const int32_t k = p->per_channel ? o : 0;
      acc = requantize(acc, p->multiplier[k], p->shift[k]) + p->output_offset;
      output[b * p->out_depth + o] = clamp_s8(acc, p->act_min, p->act_max);
    }
  }
}

/* --- pooling ------------------------------------------------------------------------------------- */

static int32_t max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static int32_t min_i32(int32_t a, int32_t b) { return a < b ? a : b; }

void ek_average_pool_s8(const ek_pool_params* p, const int8_t* input, int8_t* output) {
  for (int32_t oy = 0; oy < p->out_h; ++oy) {
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      const int32_t x0 = ox * p->stride_w - p->pad_left;
      const int32_t fy_start = max_i32(0, -y0), fy_end = min_i32(p->k_h, p->in_h - y0);
      const int32_t fx_start = max_i32(0, -x0), fx_end = min_i32(p->k_w, p->in_w - x0);
      for (int32_t c = 0; c < p->channels; ++c) {
        int32_t acc = 0;
        int32_t count = 0;
        for (int32_t fy = fy_start; fy < fy_end; ++fy) {
          for (int32_t fx = fx_start; fx < fx_end; ++fx) {
            acc += input[((y0 + fy) * p->in_w + (x0 + fx)) * p->channels + c];
            ++count;
          }
        }
        if (count == 0) count = 1; /* a window entirely in the padding: TFLM rejects such a model */
        /* round half away from zero with truncating division */
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        output[(oy * p->out_w + ox) * p->channels + c] = clamp_s8(acc, p->act_min, p->act_max);
      }
    }
  }
}

void ek_max_pool_s8(const ek_pool_params* p, const int8_t* input, int8_t* output) {
  for (int32_t oy = 0; oy < p->out_h; ++oy) {
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      const int32_t x0 = ox * p->stride_w - p->pad_left;
      const int32_t fy_start = max_i32(0, -y0), fy_end = min_i32(p->k_h, p->in_h - y0);
      const int32_t fx_start = max_i32(0, -x0), fx_end = min_i32(p->k_w, p->in_w - x0);
      for (int32_t c = 0; c < p->channels; ++c) {
        int32_t best = INT8_MIN;
        for (int32_t fy = fy_start; fy < fy_end; ++fy) {
          for (int32_t fx = fx_start; fx < fx_end; ++fx) {
            best = max_i32(best, input[((y0 + fy) * p->in_w + (x0 + fx)) * p->channels + c]);
          }
        }
        output[(oy * p->out_w + ox) * p->channels + c] = clamp_s8(best, p->act_min, p->act_max);
      }
    }
  }
}

/* --- softmax: gemmlowp's fixed-point exp and reciprocal ------------------------------------------ */

/* exp(a) for a in [-1/4, 0), a and the result in Q0.31 (a Taylor expansion around -1/8). */
static int32_t exp_on_interval_between_negative_one_quarter_and_0(int32_t a) {
  const int32_t constant_term = 1895147668;   /* exp(-1/8) in Q0.31 */
  const int32_t constant_1_over_3 = 715827883; /* 1/3 in Q0.31 */
  const int32_t x = a + (1 << 28);             /* a + 1/8 */
  const int32_t x2 = srdhm(x, x);
  const int32_t x3 = srdhm(x2, x);
  const int32_t x4 = srdhm(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t poly = rounding_divide_by_pot(srdhm(x4_over_4 + x3, constant_1_over_3) + x2, 1);
  return constant_term + srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0; a in Q(integer_bits).(31 - integer_bits), the result in Q0.31. */
static int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = 1 << (fractional_bits - 2);
  const int32_t a_mod_quarter_minus_one_quarter = (a & (one_quarter - 1)) - one_quarter;
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0(
      saturating_shift_left(a_mod_quarter_minus_one_quarter, integer_bits)); /* -> Q0.31 */
  const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
  /* multiply in exp(-2^k) for each bit k of the remainder, k = -2..4 (Q0.31 constants) */
  static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308, 39332535, 720401, 242};
  for (int k = -2; k <= 4 && k < integer_bits; ++k) {
    if (remainder & (1 << (fractional_bits + k))) result = srdhm(result, multipliers[k + 2]);
  }
  if (integer_bits > 5 && a < -(1 << (36 - integer_bits))) result = 0; /* below -32: zero */
  return a == 0 ? INT32_MAX : result;
}

static int32_t exp_on_negative_values_q5(int32_t a) { return exp_on_negative_values(a, 5); }

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out (Newton-Raphson, three steps). */
static int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int64_t sum = (int64_t)a + INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2); /* Q0.31 */
  const int32_t constant_48_over_17 = 1515870810;      /* Q2.29 */
  const int32_t constant_neg_32_over_17 = -1010580540; /* Q2.29 */
  int32_t x = constant_48_over_17 + srdhm(half_denominator, constant_neg_32_over_17);
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = srdhm(half_denominator, x);       /* Q2.29 */
    const int32_t one_minus = (1 << 29) - half_denominator_times_x;           /* Q2.29 */
    x = x + saturating_shift_left(srdhm(x, one_minus), 2);                    /* Q4.27 -> Q2.29 */
  }
  return saturating_shift_left(x, 1); /* x / 2 in Q1.30, as Q0.31 */
}

/* (1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out (the same Newton-Raphson steps). */
static int32_t one_minus_x_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int64_t sum = (int64_t)a + INT32_MAX;
  const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
  int32_t x = 1515870810 + srdhm(half_denominator, -1010580540);
  for (int i = 0; i < 3; ++i) {
    const int32_t one_minus = (1 << 29) - srdhm(half_denominator, x);
    x = x + saturating_shift_left(srdhm(x, one_minus), 2);
  }
  return saturating_shift_left(x - (1 << 29), 2); /* Q2.29 -> Q0.31 */
}

/* logistic(a) for a in Q4.27, the result in Q0.31 (gemmlowp::logistic). */
static int32_t logistic_q4(int32_t a) {
  if (a == 0) return 1 << 30;
  const int32_t magnitude = a > 0 ? a : -a;
  const int32_t positive = one_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(-magnitude, 4));
  return a > 0 ? positive : INT32_MAX - positive;
}

/* tanh(a) for a in Q4.27, the result in Q0.31 (gemmlowp::tanh: exp(2n) read as Q5.26). */
static int32_t tanh_q4(int32_t a) {
  if (a == 0) return 0;
  const int32_t negative = a < 0 ? a : -a;
  const int32_t t = one_minus_x_over_one_plus_x_for_x_in_0_1(exp_on_negative_values(negative, 5));
  return a < 0 ? -t : t;
}

void ek_logistic_s8(const ek_activation_params* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    if (x <= -p->input_range_radius) {
      output[i] = INT8_MIN;
    } else if (x >= p->input_range_radius) {
      output[i] = INT8_MAX;
    } else {
      const int32_t q4 = ek_requantize(x, p->input_multiplier, p->input_left_shift);
      output[i] = clamp_s8(rounding_divide_by_pot(logistic_q4(q4), 23) - 128, INT8_MIN, INT8_MAX);
    }
  }
}

void ek_tanh_s8(const ek_activation_params* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    if (x <= -p->input_range_radius) {
      output[i] = INT8_MIN;
    } else if (x >= p->input_range_radius) {
      output[i] = INT8_MAX;
    } else {
      const int32_t q4 = ek_requantize(x, p->input_multiplier, p->input_left_shift);
      output[i] = clamp_s8(rounding_divide_by_pot(tanh_q4(q4), 24), INT8_MIN, INT8_MAX);
    }
  }
}

static int count_leading_zeros(uint32_t x) {
  int count = 0;
  if (x == 0) return 32;
  while (!(x & 0x80000000u)) {
    x <<= 1;
    ++count;
  }
  return count;
}

void ek_softmax_s8(const ek_softmax_params* p, const int8_t* input, int8_t* output) {
  for (int32_t row = 0; row < p->outer; ++row) {
    const int8_t* in = input + row * p->depth;
    int8_t* out = output + row * p->depth;
    int32_t max_in_row = INT8_MIN;
    for (int32_t c = 0; c < p->depth; ++c) max_in_row = max_i32(max_in_row, in[c]);

    int32_t sum_of_exps = 0; /* Q12.19 */
    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = srdhm((int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
        sum_of_exps += rounding_divide_by_pot(exp_on_negative_values_q5(scaled), 12);
      }
    }
    /* reciprocal of the sum (GetReciprocal with 12 integer bits) */
    const int headroom_plus_one = count_leading_zeros((uint32_t)sum_of_exps);
    const int num_bits_over_unit = 12 - headroom_plus_one;
    const int32_t shifted_sum_minus_one =
        (int32_t)(((uint32_t)sum_of_exps << headroom_plus_one) - (1u << 31));
    const int32_t shifted_scale = one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
    const int exponent = num_bits_over_unit + 31 - 8;

    for (int32_t c = 0; c < p->depth; ++c) {
      const int32_t diff = (int32_t)in[c] - max_in_row;
      if (diff >= p->diff_min) {
        const int32_t scaled = srdhm((int32_t)((uint32_t)diff << p->input_left_shift), p->input_multiplier);
        const int32_t exp_value = exp_on_negative_values_q5(scaled);
        const int32_t value = rounding_divide_by_pot(srdhm(shifted_scale, exp_value), exponent) + INT8_MIN;
        out[c] = clamp_s8(value, INT8_MIN, INT8_MAX);
      } else {
        out[c] = INT8_MIN;
      }
    }
  }
}

/* --- elementwise --------------------------------------------------------------------------------- */

void ek_add_s8(const ek_add_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t a = (int32_t)((uint32_t)((int32_t)input1[i % p->input1_count] + p->input1_offset) << p->left_shift);
    const int32_t b = (int32_t)((uint32_t)((int32_t)input2[i % p->input2_count] + p->input2_offset) << p->left_shift);
    const int32_t scaled_a = ek_requantize(a, p->input1_multiplier, p->input1_shift);
    const int32_t scaled_b = ek_requantize(b, p->input2_multiplier, p->input2_shift);
    const int32_t sum = ek_requantize(scaled_a + scaled_b, p->output_multiplier, p->output_shift) + p->output_offset;
    output[i] = clamp_s8(sum, p->act_min, p->act_max);
  }
}

void ek_mul_s8(const ek_mul_params* p, const int8_t* input1, const int8_t* input2, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t a = (int32_t)input1[i % p->input1_count] + p->input1_offset;
    const int32_t b = (int32_t)input2[i % p->input2_count] + p->input2_offset;
    const int32_t value = ek_requantize(a * b, p->output_multiplier, p->output_shift) + p->output_offset;
    output[i] = clamp_s8(value, p->act_min, p->act_max);
  }
}

void ek_pad_s8(const ek_pad_params* p, const int8_t* input, int8_t* output) {
  int32_t out_dims[4];
  for (int d = 0; d < 4; ++d) out_dims[d] = p->before[d] + p->in_dims[d] + p->after[d];
  for (int32_t a = 0; a < out_dims[0]; ++a) {
    for (int32_t b = 0; b < out_dims[1]; ++b) {
      for (int32_t c = 0; c < out_dims[2]; ++c) {
        for (int32_t d = 0; d < out_dims[3]; ++d) {
          const int32_t ia = a - p->before[0], ib = b - p->before[1], ic = c - p->before[2], id = d - p->before[3];
          const int inside = ia >= 0 && ia < p->in_dims[0] && ib >= 0 && ib < p->in_dims[1] && ic >= 0 &&
                             ic < p->in_dims[2] && id >= 0 && id < p->in_dims[3];
          *output++ = inside ? input[((ia * p->in_dims[1] + ib) * p->in_dims[2] + ic) * p->in_dims[3] + id]
                             : p->value;
        }
      }
    }
  }
}

void ek_concatenation(const ek_concat_params* p, const int8_t* const* inputs, int8_t* output) {
  for (int32_t k = 0; k < p->outer; ++k) {
    for (int32_t i = 0; i < p->inputs; ++i) {
      memcpy(output, inputs[i] + k * p->chunk[i], (size_t)p->chunk[i]);
      output += p->chunk[i];
    }
  }
}

void ek_mean_s8(const ek_mean_params* p, const int8_t* input, int8_t* output) {
  /* output coordinates run over the kept dimensions; reduced ones span one index there */
  int32_t out_dims[4];
  for (int d = 0; d < 4; ++d) out_dims[d] = p->reduce[d] ? 1 : p->dims[d];
  for (int32_t a = 0; a < out_dims[0]; ++a) {
    for (int32_t b = 0; b < out_dims[1]; ++b) {
      for (int32_t c = 0; c < out_dims[2]; ++c) {
        for (int32_t d = 0; d < out_dims[3]; ++d) {
          int32_t sum = 0;
          for (int32_t ra = 0; ra < (p->reduce[0] ? p->dims[0] : 1); ++ra) {
            for (int32_t rb = 0; rb < (p->reduce[1] ? p->dims[1] : 1); ++rb) {
              for (int32_t rc = 0; rc < (p->reduce[2] ? p->dims[2] : 1); ++rc) {
                for (int32_t rd = 0; rd < (p->reduce[3] ? p->dims[3] : 1); ++rd) {
                  const int32_t ia = a + ra, ib = b + rb, ic = c + rc, id = d + rd;
                  sum += input[((ia * p->dims[1] + ib) * p->dims[2] + ic) * p->dims[3] + id];
                }
              }
            }
          }
          const int32_t value =
              ek_requantize(sum - p->input_zero_point * p->count, p->multiplier, p->shift) + p->output_zero_point;
          *output++ = clamp_s8(value, INT8_MIN, INT8_MAX);
        }
      }
    }
  }
}

void ek_quantize_f32_s8(const float* input, int8_t* output, int32_t count, float scale, int32_t zero_point) {
  for (int32_t i = 0; i < count; ++i) {
    float scaled = input[i] / scale; /* float32 division, as TFLite's AffineQuantize */
    if (!(scaled == scaled)) scaled = 0.0f;
    if (scaled > 65536.0f) scaled = 65536.0f;
    if (scaled < -65536.0f) scaled = -65536.0f;
    int32_t q = (int32_t)scaled;
    const float fraction = scaled - (float)q;
    if (fraction >= 0.5f) q += 1;
    if (fraction <= -0.5f) q -= 1;
    output[i] = clamp_s8(q + zero_point, INT8_MIN, INT8_MAX);
  }
}

void ek_dequantize_s8_f32(const int8_t* input, float* output, int32_t count, double scale, int32_t zero_point) {
  /* in double, then to float, as TFLM's Dequantize */
  for (int32_t i = 0; i < count; ++i) output[i] = (float)(scale * (double)((int32_t)input[i] - zero_point));
}
