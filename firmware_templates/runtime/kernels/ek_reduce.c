// edgekit runtime: MEAN, SUM, REDUCE_MAX and REDUCE_MIN, int8. The generator folds the reduction into at
// most four kept and four reduced (size, stride) pairs, so one loop nest serves every rank and axis set.
#include "ek_reduce.h"

/* The sum of the reduced box at `base`. Exact in int32, so the order does not matter. */
static int32_t ek_box_sum(const ek_reduce_params* p, const int8_t* base) {
  const int32_t* n = p->reduced_dims;
  const int32_t* s = p->reduced_strides;
  int32_t sum = 0;
  for (int32_t a = 0; a < n[0]; ++a) {
    for (int32_t b = 0; b < n[1]; ++b) {
      for (int32_t c = 0; c < n[2]; ++c) {
        const int8_t* row = base + a * s[0] + b * s[1] + c * s[2];
        if (s[3] == 1) {
          for (int32_t d = 0; d < n[3]; ++d) sum += row[d];
        } else {
          for (int32_t d = 0; d < n[3]; ++d) sum += row[d * s[3]];
        }
      }
    }
  }
  return sum;
}

/* The largest of (x ^ flip) over the reduced box, ^ flip again: flip 0 gives the maximum, flip -1 the
 * minimum (~x reverses the order of int8 values and maps them onto themselves). */
static int8_t ek_box_max(const ek_reduce_params* p, const int8_t* base, int32_t flip) {
  const int32_t* n = p->reduced_dims;
  const int32_t* s = p->reduced_strides;
  int32_t best = INT8_MIN;
  for (int32_t a = 0; a < n[0]; ++a) {
    for (int32_t b = 0; b < n[1]; ++b) {
      for (int32_t c = 0; c < n[2]; ++c) {
        const int8_t* row = base + a * s[0] + b * s[1] + c * s[2];
        for (int32_t d = 0; d < n[3]; ++d) {
          const int32_t value = row[d * s[3]] ^ flip;
          if (value > best) best = value;
        }
      }
    }
  }
  return (int8_t)(best ^ flip);
}

/* Runs `mode` (0 sum, 1 max, 2 min) once per output, over the kept dimensions in order. */
static void ek_reduce_s8(const ek_reduce_params* p, const int8_t* input, int8_t* output, int mode) {
  const int32_t* n = p->kept_dims;
  const int32_t* s = p->kept_strides;
  for (int32_t a = 0; a < n[0]; ++a) {
    for (int32_t b = 0; b < n[1]; ++b) {
      for (int32_t c = 0; c < n[2]; ++c) {
        for (int32_t d = 0; d < n[3]; ++d) {
          const int8_t* base = input + a * s[0] + b * s[1] + c * s[2] + d * s[3];
          if (mode == 0) {
            /* TFLM: int32(sum - zero point * count), wrapping like its int64 -> int32 cast */
            const int32_t shifted = (int32_t)((uint32_t)ek_box_sum(p, base) + (uint32_t)p->sum_offset);
            *output++ = ek_clamp_s8(ek_requantize(shifted, p->multiplier, p->shift) + p->output_zero_point,
                                    INT8_MIN, INT8_MAX);
          } else {
            *output++ = ek_box_max(p, base, mode == 1 ? 0 : -1);
          }
        }
      }
    }
  }
}

void ek_reduce_sum_s8(const ek_reduce_params* p, const int8_t* input, int8_t* output) {
  ek_reduce_s8(p, input, output, 0);
}

void ek_reduce_max_s8(const ek_reduce_params* p, const int8_t* input, int8_t* output) {
  ek_reduce_s8(p, input, output, 1);
}

void ek_reduce_min_s8(const ek_reduce_params* p, const int8_t* input, int8_t* output) {
  ek_reduce_s8(p, input, output, 2);
}
