// edgekit runtime: convolutions in a row, streamed through windows of rows (see ek_conv_chain.h).
#include "ek_conv_chain.h"

ek_conv_window* ek_conv_windows_start(ek_conv_window* w, const ek_conv_source* stages, int32_t count,
                                      int8_t* const* rows) {
  for (int32_t k = 0; k < count; ++k) {
    w[k].conv = stages[k];
    w[k].source = k > 0 ? &w[k - 1] : NULL;
    w[k].band = *stages[k].p;
    w[k].rows = rows[k];
    w[k].row_bytes = stages[k].p->out_w * stages[k].p->out_c;
    w[k].kept = w[k].made = 0;
  }
  return count > 0 ? &w[count - 1] : NULL;
}

void ek_conv_row_s8(ek_conv_params* band, const ek_conv_params* p, ek_conv_kernel kernel, const int8_t* input,
                    ek_conv_window* window, const int8_t* filter, const int32_t* bias, int32_t r, int8_t* out) {
  if (window == NULL) {
    ek_conv_band_s8(band, p, kernel, input, filter, bias, out, r, r + 1);
    return;
  }
  /* the rows of the window that output row r reads: [low, low + band->in_h) */
  const int32_t low = ek_conv_band_params(band, p, r, r + 1);
  kernel(band, ek_conv_window_rows(window, low, low + band->in_h), filter, bias, out);
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
    const ek_conv_source* c = &w->conv;
    int8_t* rows = w->rows + (ptrdiff_t)(w->made - w->kept) * row;
    if (w->source == NULL) {
      ek_conv_band_s8(&w->band, c->p, c->kernel, c->input, c->filter, c->bias, rows, w->made, high);
    } else {
      const int32_t in_low = ek_conv_band_params(&w->band, c->p, w->made, high);
      c->kernel(&w->band, ek_conv_window_rows(w->source, in_low, in_low + w->band.in_h), c->filter, c->bias, rows);
    }
    w->made = high;
  }
  return w->rows + (ptrdiff_t)(low - w->kept) * row;
}

void ek_conv_chain_s8(const ek_conv_params* last, ek_conv_kernel kernel, const int8_t* filter, const int32_t* bias,
                      const ek_conv_source* stages, int32_t count, int8_t* const* windows, int8_t* output) {
  ek_conv_window w[EK_CONV_CHAIN_MAX];
  ek_conv_window* top = ek_conv_windows_start(w, stages, count, windows);
  const int32_t out_row = last->out_w * last->out_c;
  ek_conv_params band = *last;
  for (int32_t r = 0; r < last->out_h; ++r) {
    ek_conv_row_s8(&band, last, kernel, NULL, top, filter, bias, r, output + (ptrdiff_t)r * out_row);
  }
}
