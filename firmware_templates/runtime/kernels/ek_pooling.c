// edgekit runtime: AVERAGE_POOL_2D and MAX_POOL_2D, int8; bit-exact with TFLM's reference kernels.
#include "ek_pooling.h"

void ek_average_pool_s8(const ek_pool_params* p, const int8_t* input, int8_t* output) {
  for (int32_t oy = 0; oy < p->out_h; ++oy) {
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      const int32_t x0 = ox * p->stride_w - p->pad_left;
      const int32_t fy_start = ek_max_i32(0, -y0), fy_end = ek_min_i32(p->k_h, p->in_h - y0);
      const int32_t fx_start = ek_max_i32(0, -x0), fx_end = ek_min_i32(p->k_w, p->in_w - x0);
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
        output[(oy * p->out_w + ox) * p->channels + c] = ek_clamp_s8(acc, p->act_min, p->act_max);
      }
    }
  }
}

void ek_max_pool_s8(const ek_pool_params* p, const int8_t* input, int8_t* output) {
  for (int32_t oy = 0; oy < p->out_h; ++oy) {
    for (int32_t ox = 0; ox < p->out_w; ++ox) {
      const int32_t y0 = oy * p->stride_h - p->pad_top;
      const int32_t x0 = ox * p->stride_w - p->pad_left;
      const int32_t fy_start = ek_max_i32(0, -y0), fy_end = ek_min_i32(p->k_h, p->in_h - y0);
      const int32_t fx_start = ek_max_i32(0, -x0), fx_end = ek_min_i32(p->k_w, p->in_w - x0);
      for (int32_t c = 0; c < p->channels; ++c) {
        int32_t best = INT8_MIN;
        for (int32_t fy = fy_start; fy < fy_end; ++fy) {
          for (int32_t fx = fx_start; fx < fx_end; ++fx) {
            best = ek_max_i32(best, input[((y0 + fy) * p->in_w + (x0 + fx)) * p->channels + c]);
          }
        }
        output[(oy * p->out_w + ox) * p->channels + c] = ek_clamp_s8(best, p->act_min, p->act_max);
      }
    }
  }
}

/* A pool's geometry from a chain stage's convolution parameters. */
static ek_pool_params pool_of(const ek_conv_params* p) {
  const ek_pool_params q = {p->in_h,     p->in_w,     p->in_c,    p->out_h,    p->out_w,   p->k_h,  p->k_w,
                            p->stride_h, p->stride_w, p->pad_top, p->pad_left, p->act_min, p->act_max};
  return q;
}

void ek_average_pool_rows_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                             int8_t* output) {
  (void)filter;
  (void)bias;
  const ek_pool_params q = pool_of(p);
  ek_average_pool_s8(&q, input, output);
}

void ek_max_pool_rows_s8(const ek_conv_params* p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                         int8_t* output) {
  (void)filter;
  (void)bias;
  const ek_pool_params q = pool_of(p);
  ek_max_pool_s8(&q, input, output);
}
