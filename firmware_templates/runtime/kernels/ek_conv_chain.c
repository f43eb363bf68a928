// edgekit runtime: two convolutions in a row, streamed through a window of rows (see ek_conv_chain.h).
#include "ek_conv_chain.h"

void ek_conv_chain_s8(const ek_conv_params* first, ek_conv_kernel first_kernel, const int8_t* input,
                      const int8_t* first_filter, const int32_t* first_bias, int8_t* window, int32_t window_rows,
                      const ek_conv_params* second, ek_conv_kernel second_kernel, const int8_t* second_filter,
                      const int32_t* second_bias, int8_t* output) {
  const int32_t row = first->out_w * first->out_c, out_row = second->out_w * second->out_c;
  ek_conv_params first_band = *first, second_band = *second;
  int32_t kept = 0, made = 0; /* the window holds the first's output rows [kept, made) */
  (void)window_rows;          /* (the generator sized it for the second's tallest reach) */
  for (int32_t r = 0; r < second->out_h; ++r) {
    /* the rows of the first's output that output row r of the second reads: [low, low + band.in_h) */
    const int32_t low = ek_conv_band_params(&second_band, second, r, r + 1);
    const int32_t high = low + second_band.in_h;
    if (low > kept) {
      /* rows above `low` are read by no later row: keep the rest at the window's top */
      if (made > low) memmove(window, window + (ptrdiff_t)(low - kept) * row, (size_t)(made - low) * (size_t)row);
      kept = low;
      if (made < low) made = low;
    }
    if (high > made) {
      ek_conv_band_s8(&first_band, first, first_kernel, input, first_filter, first_bias,
                      window + (ptrdiff_t)(made - kept) * row, made, high);
      made = high;
    }
    second_kernel(&second_band, window + (ptrdiff_t)(low - kept) * row, second_filter, second_bias,
                  output + (ptrdiff_t)r * out_row);
  }
}
