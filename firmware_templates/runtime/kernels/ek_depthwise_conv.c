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
