// edgekit runtime: a convolution fused with the ADD that reads it, row by row (see ek_conv_add.h).
#include "ek_conv_add.h"

void ek_conv_add_s8(const ek_binary_params* add, int32_t conv_is_input2, const ek_conv_source* stages,
                    int32_t count, int8_t* const* windows, const ek_conv_source* conv, int8_t* conv_row,
                    const ek_conv_source* skip_conv, const int8_t* skip, int8_t* skip_row, int8_t* output) {
  const ek_conv_params* p = conv->p;
  const int32_t row = p->out_w * p->out_c;
  ek_conv_window w[EK_CONV_CHAIN_MAX];
  ek_conv_window* top = ek_conv_windows_start(w, stages, count, windows);
  ek_conv_params band = *p, skip_band = skip_conv != NULL ? *skip_conv->p : *p;
  for (int32_t r = 0; r < p->out_h; ++r) {
    ek_conv_row_s8(&band, p, conv->kernel, conv->input, top, conv->filter, conv->bias, r, conv_row);
    const int8_t* other = skip_row;
    if (skip_conv != NULL) {
      ek_conv_band_s8(&skip_band, skip_conv->p, skip_conv->kernel, skip_conv->input, skip_conv->filter,
                      skip_conv->bias, skip_row, r, r + 1);
    } else {
      other = skip + (ptrdiff_t)r * row;
    }
    if (conv_is_input2) {
      ek_add_s8(add, other, conv_row, output + (ptrdiff_t)r * row);
    } else {
      ek_add_s8(add, conv_row, other, output + (ptrdiff_t)r * row);
    }
  }
}
