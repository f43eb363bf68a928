// edgekit runtime: convolutions whose output overlaps their input, run in bands (see ek_conv_in_place.h).
#include "ek_conv_in_place.h"
#include <stddef.h>

int32_t ek_conv_band_params(ek_conv_params* band, const ek_conv_params* p, int32_t first, int32_t end) {
  const int32_t reach = (p->k_h - 1) * p->dilation_h + 1;
  const int32_t top = first * p->stride_h - p->pad_top;
  const int32_t low = top > 0 ? top : 0;
  int32_t high = (end - 1) * p->stride_h - p->pad_top + reach;
  if (high > p->in_h) high = p->in_h;
  band->in_h = high - low;
  band->out_h = end - first;
  band->pad_top = low - top;
  return low;
}

void ek_conv_band_s8(ek_conv_params* band, const ek_conv_params* p, ek_conv_kernel kernel, const int8_t* input,
                     const int8_t* filter, const int32_t* bias, int8_t* rows, int32_t first, int32_t end) {
  const int32_t low = ek_conv_band_params(band, p, first, end);
  kernel(band, input + (ptrdiff_t)low * p->in_w * p->in_c, filter, bias, rows);
}

void ek_conv_in_place_s8(const ek_conv_params* p, ek_conv_kernel kernel, const int8_t* input,
                         const int8_t* filter, const int32_t* bias, int8_t* output) {
  ek_conv_params shape = *p;
  if (p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1 && p->pad_top == 0 && p->pad_left == 0 &&
      p->in_h == p->out_h && p->in_w == p->out_w) {
    /* a pointwise layer reads nothing but its own pixel: every pixel is a row of its own, so bands can be
     * as short as one pixel (an image of rows x 1 takes the kernel's same 1x1 path) */
    shape.in_h = shape.out_h = p->out_h * p->out_w;
    shape.in_w = shape.out_w = 1;
  }
  ek_conv_params band = shape;
  const int32_t rows = shape.out_h, in_rows = shape.in_h;
  const int32_t in_row = shape.in_w * p->in_c, out_row = shape.out_w * p->out_c;
  const ptrdiff_t shift = input - output;
  const int32_t reach = (p->k_h - 1) * p->dilation_h + 1;
  if (shift >= 0) {
    for (int32_t first = 0, end; first < rows; first = end) {
      const int32_t top = first * p->stride_h - p->pad_top;
      const ptrdiff_t kept = shift + (ptrdiff_t)(top > 0 ? top : 0) * in_row;  /* first input byte still read */
      const ptrdiff_t most = kept / out_row;  /* the rows whose output ends at or before it (kept >= 0) */
      end = most > first + 1 ? (most < rows ? (int32_t)most : rows) : first + 1;
      if (end < rows && end - first > 2 && (end - first) % 2) --end;  /* kernels pair rows and pixels */
      ek_conv_band_s8(&band, &shape, kernel, input, filter, bias, output + (ptrdiff_t)first * out_row, first, end);
    }
  } else {
    for (int32_t end = rows, first; end > 0; end = first) {
      int32_t high = (end - 1) * p->stride_h - p->pad_top + reach;
      if (high > in_rows) high = in_rows;
      const ptrdiff_t kept = shift + (ptrdiff_t)high * in_row;  /* one past the last input byte still read */
      /* the first row whose output starts at or after it */
      const ptrdiff_t least = kept > 0 ? (kept + out_row - 1) / out_row : 0;
      first = least < end - 1 ? (int32_t)least : end - 1;
      if (first > 0 && end - first > 2 && (end - first) % 2) ++first;
      ek_conv_band_s8(&band, &shape, kernel, input, filter, bias, output + (ptrdiff_t)first * out_row, first, end);
    }
  }
}
