// edgekit runtime: GATHER and GATHER_ND (TFLM's gather.cc and gather_nd.cc), int32 indices read at run
// time, elements of any size moved as bytes.
#ifndef EK_GATHER_H_
#define EK_GATHER_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* GATHER: for each batch and each slice before the axis, `coords` runs of `inner` bytes, run k taken
 * from index coords[batch][k] of the `axis_size` along the axis. */
typedef struct {
  int32_t batches, outer, coords, axis_size, inner;
} ek_gather_params;

/* Returns 0, or -1 (the output partly written) when an index lies outside the axis. */
int ek_gather(const ek_gather_params* p, const void* input, const int32_t* coords, void* output);

/* GATHER_ND: `slices` runs of `slice` bytes; run i starts at element sum(j) indices[i][j] * stride[j]
 * of the input (`elements` of `element` bytes). */
#define EK_GATHER_ND_MAX 5
typedef struct {
  int32_t slices, nd, slice, elements, element;
  int32_t stride[EK_GATHER_ND_MAX];
} ek_gather_nd_params;

/* Returns 0, or -1 (the output partly written, as TFLM leaves it) when a slice lies outside the input. */
int ek_gather_nd(const ek_gather_nd_params* p, const void* input, const int32_t* indices, void* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_GATHER_H_ */
