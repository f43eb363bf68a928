// edgekit runtime: RESIZE_NEAREST_NEIGHBOR (int8, int16) and RESIZE_BILINEAR (int8), NHWC (TFLM's
// resize_nearest_neighbor.cc and resize_bilinear.cc).
#ifndef EK_RESIZE_H_
#define EK_RESIZE_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Source positions worked out by the generator for every output row and column. */
typedef struct {
  int32_t batches, out_h, out_w;
  int32_t depth;               /* values per pixel (nearest neighbour: bytes per pixel) */
  int32_t in_batch_stride;     /* values (nearest neighbour: bytes) per input image */
  /* nearest neighbour: per output row / column, the source row's and column's offset;
   * bilinear: per output row / column, three values: the two source offsets and the 10-bit fraction */
  const int32_t* rows;
  const int32_t* cols;
} ek_resize_params;

/* Copies each output pixel from its nearest input pixel (any element size: offsets are in bytes). */
void ek_resize_nearest(const ek_resize_params* p, const void* input, void* output);
/* Bilinear interpolation in 10-bit fixed point, rounded as TFLM's ResizeBilinearInteger. */
void ek_resize_bilinear_s8(const ek_resize_params* p, const int8_t* input, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_RESIZE_H_ */
