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

/* The input step of index i along outer dimension d; sets *inside to 0 when the index is fill. */
static int32_t ek_copy_step(const ek_copy_params* p, int d, int32_t i, int* inside) {
  if (i < p->begin[d] || i >= p->end[d]) {
    *inside = 0;
    return 0;
  }
  if (p->table[d] == NULL) return i * p->stride[d];
  if (p->table[d][i] < 0) *inside = 0;
  return p->table[d][i];
}

void ek_copy(const ek_copy_params* p, const void* input, void* output) {
  const uint8_t* in = (const uint8_t*)input;
  uint8_t* out = (uint8_t*)output;
  enum { inner = EK_COPY_DIMS - 1 };
  const int32_t element = p->element, n = p->count[inner];
  const int32_t lo = p->begin[inner], hi = p->end[inner];
  const int32_t* inner_table = p->table[inner];
  for (int d = 0; d < EK_COPY_DIMS; ++d) {
    if (p->count[d] <= 0) return;
  }
  /* Rows are walked like an odometer over the outer dimensions; base[d + 1] and inside[d + 1] hold the
   * input offset and whether it is input at all for the indices of dimensions 0..d, so moving to the
   * next row recomputes only the dimensions whose index changed (usually one). */
  int32_t index[inner], base[inner + 1];
  int inside[inner + 1];
  base[0] = p->offset;
  inside[0] = 1;
  for (int d = 0; d < inner; ++d) {
    index[d] = 0;
    inside[d + 1] = inside[d];
    base[d + 1] = base[d] + ek_copy_step(p, d, 0, &inside[d + 1]);
  }
  for (;;) {
    const int32_t offset = base[inner];
    if (!inside[inner]) {
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
    int d = inner - 1;  /* the next row: the last outer index that does not wrap moves on */
    while (d >= 0 && ++index[d] == p->count[d]) index[d--] = 0;
    if (d < 0) return;
    for (; d < inner; ++d) {
      inside[d + 1] = inside[d];
      base[d + 1] = base[d] + ek_copy_step(p, d, index[d], &inside[d + 1]);
    }
  }
}
