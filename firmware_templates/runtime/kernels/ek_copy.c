// edgekit runtime: the strided copy behind the data-movement ops (see ek_copy.h).
#include "ek_copy.h"
#include <string.h>

/* n fill elements at out; returns the end. */
static uint8_t* ek_copy_fill(uint8_t* out, int32_t n, int32_t element, int32_t fill) {
  if (n <= 0) return out;
  if (element == 1) {
    memset(out, fill, (size_t)n);
  } else if (element == 2) {
    const int16_t value = (int16_t)fill;
    for (int32_t i = 0; i < n; ++i) memcpy(out + 2 * i, &value, 2);
  } else if (element == 4) {
    for (int32_t i = 0; i < n; ++i) memcpy(out + 4 * i, &fill, 4);
  } else {
    const int64_t value = fill;
    for (int32_t i = 0; i < n; ++i) memcpy(out + 8 * i, &value, 8);
  }
  return out + n * element;
}

/* n elements from in, `step` bytes apart; returns the output's end. */
static uint8_t* ek_copy_strided_row(uint8_t* out, const uint8_t* in, int32_t n, int32_t step, int32_t element) {
  if (step == element) {
    memcpy(out, in, (size_t)(n * element));
    return out + n * element;
  }
  switch (element) {
    case 1:
      for (int32_t i = 0; i < n; ++i, in += step) out[i] = *in;
      break;
    case 2:
      for (int32_t i = 0; i < n; ++i, in += step) memcpy(out + 2 * i, in, 2);
      break;
    case 4:
      for (int32_t i = 0; i < n; ++i, in += step) memcpy(out + 4 * i, in, 4);
      break;
    default:
      for (int32_t i = 0; i < n; ++i, in += step) memcpy(out + 8 * i, in, 8);
      break;
  }
  return out + n * element;
}

void ek_copy(const ek_copy_params* p, const void* input, void* output) {
  const uint8_t* in = (const uint8_t*)input;
  uint8_t* out = (uint8_t*)output;
  const int inner = EK_COPY_DIMS - 1;
  const int32_t element = p->element, n = p->count[inner];
  const int32_t lo = p->begin[inner], hi = p->end[inner];
  const int32_t* inner_table = p->table[inner];
  int32_t rows = 1;
  for (int d = 0; d < inner; ++d) rows *= p->count[d];
  int32_t index[EK_COPY_DIMS - 1] = {0};
  for (int32_t row = 0; row < rows; ++row) {
    /* the input offset of this row, or a row of fill when an outer index lies outside */
    int32_t offset = p->offset;
    int outside = 0;
    for (int d = 0; d < inner; ++d) {
      const int32_t i = index[d];
      if (i < p->begin[d] || i >= p->end[d]) {
        outside = 1;
        break;
      }
      if (p->table[d] != NULL) {
        const int32_t step = p->table[d][i];
        if (step < 0) {
          outside = 1;
          break;
        }
        offset += step;
      } else {
        offset += i * p->stride[d];
      }
    }
    if (outside) {
      out = ek_copy_fill(out, n, element, p->fill);
    } else {
      out = ek_copy_fill(out, lo, element, p->fill);
      if (inner_table != NULL) {
        for (int32_t i = lo; i < hi; ++i) {
          const int32_t step = inner_table[i];
          if (step < 0) {
            out = ek_copy_fill(out, 1, element, p->fill);
          } else {
            memcpy(out, in + (offset + step), (size_t)element);
            out += element;
          }
        }
      } else if (hi > lo) {
        const int32_t stride = p->stride[inner];
        out = ek_copy_strided_row(out, in + (offset + lo * stride), hi - lo, stride, element);
      }
      out = ek_copy_fill(out, n - hi, element, p->fill);
    }
    for (int d = inner - 1; d >= 0; --d) {  /* the next row's index */
      if (++index[d] < p->count[d]) break;
      index[d] = 0;
    }
  }
}
