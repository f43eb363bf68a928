// edgekit runtime: BATCH_MATMUL, int8 (TFLM's batch_matmul.cc and reference_ops::BatchMatMul).
#ifndef EK_BATCH_MATMUL_H_
#define EK_BATCH_MATMUL_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[batch][i][j] = requantize(sum over k of (lhs(i, k) + lhs_offset) * (rhs(k, j) + rhs_offset)), with
 * the batch broadcast over up to three dimensions (a stride of 0 repeats an operand) and each operand read
 * through strides, so adj_x and adj_y need no transposed copy. */
typedef struct {
  int32_t batch_dims[3];
  int32_t lhs_batch_strides[3], rhs_batch_strides[3];
  int32_t rows, cols, depth;
  int32_t lhs_row_stride, lhs_depth_stride;
  int32_t rhs_col_stride, rhs_depth_stride;
  int32_t lhs_offset, rhs_offset;  /* -zero points */
  int32_t output_offset;           /* output zero point */
  int32_t multiplier, shift;
} ek_batch_matmul_params;

void ek_batch_matmul_s8(const ek_batch_matmul_params* p, const int8_t* lhs, const int8_t* rhs, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_BATCH_MATMUL_H_ */
