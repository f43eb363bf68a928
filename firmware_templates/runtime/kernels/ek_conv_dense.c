// edgekit runtime: a convolution fused with the FULLY_CONNECTED that reads it (see ek_conv_dense.h).
#include "ek_conv_dense.h"

void ek_conv_dense_s8(const ek_conv_params* p, ek_conv_kernel kernel, const int8_t* input, const int8_t* filter,
                      const int32_t* bias, int8_t* rows, int32_t band_rows, const ek_fc_params* dense,
                      const int8_t* weights, int32_t* acc, int8_t* output) {
  const int32_t units = dense->out_depth, depth = dense->in_depth, out_row = p->out_w * p->out_c;
  for (int32_t u = 0; u < units; ++u) acc[u] = dense->base[u];
  ek_conv_params band = *p;
  for (int32_t first = 0, end; first < p->out_h; first = end) {
    end = first + band_rows < p->out_h ? first + band_rows : p->out_h;
    ek_conv_band_s8(&band, p, kernel, input, filter, bias, rows, first, end);
    /* the band is values [first * out_row, end * out_row) of the dense layer's input */
    const int8_t* unit_weights = weights + (ptrdiff_t)first * out_row;
    const int32_t count = (end - first) * out_row;
    for (int32_t u = 0; u < units; ++u, unit_weights += depth) acc[u] += ek_dot_s8(unit_weights, rows, count);
  }
  ek_fully_connected_finish_s8(dense, acc, output);
}
