// edgekit runtime: two convolutions in a row, streamed through a window of rows (see ek_conv_chain.h).
#include "ek_conv_chain.h"

void ek_conv_window_start(ek_conv_window* w, const ek_conv_source* first, int8_t* rows) {
  w->first = *first;
  w->band = *first->p;
  w->rows = rows;
  w->row_bytes = first->p->out_w * first->p->out_c;
  w->kept = w->made = 0;
}

const int8_t* ek_conv_window_rows(ek_conv_window* w, int32_t low, int32_t high) {
  const int32_t row = w->row_bytes;
  if (low > w->kept) {
    /* rows above `low` are read by no later call: keep the rest at the window's top */
    if (w->made > low) {
      memmove(w->rows, w->rows + (ptrdiff_t)(low - w->kept) * row, (size_t)(w->made - low) * (size_t)row);
    }
    w->kept = low;
    if (w->made < low) w->made = low;
  }
  if (high > w->made) {
    const ek_conv_source* f = &w->first;
    ek_conv_band_s8(&w->band, f->p, f->kernel, f->input, f->filter, f->bias,
                    w->rows + (ptrdiff_t)(w->made - w->kept) * row, w->made, high);
    w->made = high;
  }
  return w->rows + (ptrdiff_t)(low - w->kept) * row;
}

void ek_conv_chain_s8(const ek_conv_params* first, ek_conv_kernel first_kernel, const int8_t* input,
                      const int8_t* first_filter, const int32_t* first_bias, int8_t* window, int32_t window_rows,
                      const ek_conv_params* second, ek_conv_kernel second_kernel, const int8_t* second_filter,
                      const int32_t* second_bias, int8_t* output) {
  const ek_conv_source source = {first, first_kernel, input, first_filter, first_bias};
  const int32_t out_row = second->out_w * second->out_c;
  ek_conv_window w;
  ek_conv_params band = *second;
  (void)window_rows; /* (the generator sized it for the second's tallest reach) */
  ek_conv_window_start(&w, &source, window);
  for (int32_t r = 0; r < second->out_h; ++r) {
    /* the rows of the first's output that output row r of the second reads: [low, low + band.in_h) */
    const int32_t low = ek_conv_band_params(&band, second, r, r + 1);
    second_kernel(&band, ek_conv_window_rows(&w, low, low + band.in_h), second_filter, second_bias,
                  output + (ptrdiff_t)r * out_row);
  }
}
