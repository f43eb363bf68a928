// edgekit runtime: TRANSPOSE_CONV, int8. TFLM's reference scatters every input value into an int32 scratch
// copy of the output and requantizes it afterwards. Each output's sum is the same integers in another
// order (exact in int32), so this kernel gathers instead: per output pixel, the input pixels and taps that
// reach it, as contiguous dot products over the input channels. No scratch buffer, no second pass.
#include "ek_transpose_conv.h"

/* The taps k (and input positions i) with i * stride - pad + k == o, 0 <= k < taps, 0 <= i < size:
 * k runs up from (o + pad) mod stride while i runs down. Returns the first tap, or taps when none. */
static int32_t ek_first_tap(int32_t o, int32_t pad, int32_t stride, int32_t taps, int32_t size, int32_t* i) {
  int32_t k = (o + pad) % stride;
  int32_t at = (o + pad) / stride;
  /* skip the taps whose input position is past the input's end */
  while (k < taps && at >= size) {
    k += stride;
    --at;
  }
  *i = at;
  return k;
}

void ek_transpose_conv_s8(const ek_transpose_conv_params* p, const int8_t* input, const int8_t* filter,
                          const int32_t* bias, int8_t* output) {
  const int32_t in_c = p->in_c, out_c = p->out_c;
  const int32_t taps = p->k_h * p->k_w;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* image = input + b * p->in_h * p->in_w * in_c;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
      int32_t iy0;
      const int32_t ky0 = ek_first_tap(oy, p->pad_top, p->stride_h, p->k_h, p->in_h, &iy0);
      for (int32_t ox = 0; ox < p->out_w; ++ox) {
        int32_t ix0;
        const int32_t kx0 = ek_first_tap(ox, p->pad_left, p->stride_w, p->k_w, p->in_w, &ix0);
        for (int32_t oc = 0; oc < out_c; ++oc) {
          const int8_t* weights = filter + oc * taps * in_c;
          const int32_t* tap_sums = p->tap_sums + oc * taps;
          int32_t acc = 0;
          for (int32_t ky = ky0, iy = iy0; ky < p->k_h && iy >= 0; ky += p->stride_h, --iy) {
            for (int32_t kx = kx0, ix = ix0; kx < p->k_w && ix >= 0; kx += p->stride_w, --ix) {
              const int32_t tap = ky * p->k_w + kx;
              acc += ek_dot_s8(image + (iy * p->in_w + ix) * in_c, weights + tap * in_c, in_c) +
                     p->input_offset * tap_sums[tap];
            }
          }
          if (bias) acc += bias[oc];
          *output++ = ek_finish_s8(acc, p->multiplier[oc], p->shift[oc], p->output_offset, p->act_min,
                                   p->act_max);
        }
      }
    }
  }
}
