// edgekit runtime: the data-movement ops as one strided copy (TFLM's transpose.cc, slice.cc,
// strided_slice.cc, broadcast_to.cc, split.cc, split_v.cc, unpack.cc, pad.cc, mirror_pad.cc,
// depth_to_space.cc, space_to_depth.cc, batch_to_space_nd.cc, space_to_batch_nd.cc).
#ifndef EK_COPY_H_
#define EK_COPY_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Dimensions of a copy; the generator pads shorter ones with leading dimensions of 1. */
#define EK_COPY_DIMS 6

/* A copy that writes the output in order. Output index (i0, .., i5) reads the input element at byte
 * offset + sum(d) step(d, id), where step(d, i) is table[d][i] when dimension d has a table and
 * i * stride[d] otherwise; it writes `fill` instead when some index lies outside [begin[d], end[d]) or
 * meets a table entry of -1. Everything is worked out by the generator: a transpose is a permutation
 * of strides, a slice an offset, a broadcast a stride of 0, a strided slice a negative stride, a pad a
 * window, a mirror pad or a cropped batch-to-space a table of offsets. */
typedef struct {
  int32_t count[EK_COPY_DIMS];         /* output extent of each dimension, outermost first */
  int32_t stride[EK_COPY_DIMS];        /* input bytes one step along the dimension moves (may be <= 0) */
  int32_t begin[EK_COPY_DIMS];         /* output indices [begin, end) come from the input ... */
  int32_t end[EK_COPY_DIMS];           /* ... the others are fill */
  const int32_t* table[EK_COPY_DIMS];  /* NULL, or per index the input byte step (-1: fill) */
  int32_t offset;                      /* input byte offset of the output's first element */
  int32_t element;                     /* bytes per element: 1, 2, 4 or 8 */
  int32_t fill;                        /* the fill value, converted to the element type */
} ek_copy_params;

void ek_copy(const ek_copy_params* p, const void* input, void* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_COPY_H_ */
