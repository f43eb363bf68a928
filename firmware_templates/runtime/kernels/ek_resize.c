// edgekit runtime: RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR. The float scales and source indices TFLM
// computes per pixel are computed once by the generator; what is left is copies and fixed-point sums.
#include "ek_resize.h"

void ek_resize_nearest(const ek_resize_params* p, const void* input, void* output) {
  const uint8_t* image = (const uint8_t*)input;
  uint8_t* out = (uint8_t*)output;
  for (int32_t b = 0; b < p->batches; ++b, image += p->in_batch_stride) {
    for (int32_t y = 0; y < p->out_h; ++y) {
      const uint8_t* row = image + p->rows[y];
      for (int32_t x = 0; x < p->out_w; ++x) {
        memcpy(out, row + p->cols[x], (size_t)p->depth);
        out += p->depth;
      }
    }
  }
}

void ek_resize_bilinear_s8(const ek_resize_params* p, const int8_t* input, int8_t* output) {
  const int8_t* image = input;
  for (int32_t b = 0; b < p->batches; ++b, image += p->in_batch_stride) {
    for (int32_t y = 0; y < p->out_h; ++y) {
      const int8_t* top = image + p->rows[3 * y];
      const int8_t* bottom = image + p->rows[3 * y + 1];
      const int32_t dy = p->rows[3 * y + 2];
      for (int32_t x = 0; x < p->out_w; ++x) {
        const int32_t left = p->cols[3 * x], right = p->cols[3 * x + 1], dx = p->cols[3 * x + 2];
        /* the four weights sum to 2^20; each is below 2^22 and the weighted sum of int8 values stays
         * within 2^29, so int32 holds TFLM's int64 sums exactly */
        const int32_t w_tl = ((1 << 10) - dy) * ((1 << 10) - dx), w_bl = dy * ((1 << 10) - dx);
        const int32_t w_tr = ((1 << 10) - dy) * dx, w_br = dy * dx;
        for (int32_t c = 0; c < p->depth; ++c) {
          const int32_t sum = top[left + c] * w_tl + bottom[left + c] * w_bl + top[right + c] * w_tr +
                              bottom[right + c] * w_br;
          /* half away from zero, then C's truncating division (TFLM without TFLITE_SINGLE_ROUNDING) */
          const int32_t rounded = sum + (sum > 0 ? (1 << 19) : -(1 << 19));
          *output++ = (int8_t)(rounded / (1 << 20));
        }
      }
    }
  }
}
