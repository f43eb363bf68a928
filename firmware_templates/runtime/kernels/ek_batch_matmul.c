// edgekit runtime: BATCH_MATMUL, int8. The generator lays constant operands out with the summed dimension
// contiguous; where both operands have it contiguous, the dot products run on packed 16-bit lanes.
#include "ek_batch_matmul.h"

/* sum((a[i] + a_offset) * (b[i] + b_offset)): offsets added in 16-bit lanes (values stay within +-255),
 * two multiply-accumulates per SMLAD on cores with the DSP extension. */
static int32_t ek_dot_offsets_s8(const int8_t* a, const int8_t* b, int32_t n, int32_t a_offset,
                                 int32_t b_offset) {
  int32_t acc = 0;
  int32_t i = 0;
#if EK_USE_DSP
  const uint32_t a_pair = ((uint32_t)(uint16_t)a_offset << 16) | (uint16_t)a_offset;
  const uint32_t b_pair = ((uint32_t)(uint16_t)b_offset << 16) | (uint16_t)b_offset;
  for (; i + 4 <= n; i += 4) {
    const uint32_t wa = ek_load_s8x4(a + i), wb = ek_load_s8x4(b + i);
    acc = ek_smlad(ek_sadd16(ek_sxtb16(wa), a_pair), ek_sadd16(ek_sxtb16(wb), b_pair), acc);
    acc = ek_smlad(ek_sadd16(ek_sxtb16_odd(wa), a_pair), ek_sadd16(ek_sxtb16_odd(wb), b_pair), acc);
  }
#endif
  for (; i < n; ++i) acc += (a[i] + a_offset) * (b[i] + b_offset);
  return acc;
}

void ek_batch_matmul_s8(const ek_batch_matmul_params* p, const int8_t* lhs, const int8_t* rhs, int8_t* output) {
  const int contiguous = p->lhs_depth_stride == 1 && p->rhs_depth_stride == 1;
  for (int32_t b0 = 0; b0 < p->batch_dims[0]; ++b0) {
    for (int32_t b1 = 0; b1 < p->batch_dims[1]; ++b1) {
      for (int32_t b2 = 0; b2 < p->batch_dims[2]; ++b2) {
        const int8_t* l = lhs + b0 * p->lhs_batch_strides[0] + b1 * p->lhs_batch_strides[1] +
                          b2 * p->lhs_batch_strides[2];
        const int8_t* r = rhs + b0 * p->rhs_batch_strides[0] + b1 * p->rhs_batch_strides[1] +
                          b2 * p->rhs_batch_strides[2];
        for (int32_t i = 0; i < p->rows; ++i) {
          const int8_t* row = l + i * p->lhs_row_stride;
          for (int32_t j = 0; j < p->cols; ++j) {
            const int8_t* col = r + j * p->rhs_col_stride;
            int32_t acc;
            if (contiguous) {
              acc = ek_dot_offsets_s8(row, col, p->depth, p->lhs_offset, p->rhs_offset);
            } else {
              acc = 0;
              for (int32_t k = 0; k < p->depth; ++k) {
                acc += (row[k * p->lhs_depth_stride] + p->lhs_offset) * (col[k * p->rhs_depth_stride] + p->rhs_offset);
              }
            }
            *output++ = ek_finish_s8(acc, p->multiplier, p->shift, p->output_offset, INT8_MIN, INT8_MAX);
          }
        }
      }
    }
  }
}
