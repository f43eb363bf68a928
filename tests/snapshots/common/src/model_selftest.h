// <BANNER>
// The self-test the firmware runs at boot: 1 fixed pseudo-random sample(s), seed 0, and the outputs the host's TFLM
// interpreter (tflite-micro 0.dev20261023182759) gave for each.
#ifndef EDGEKIT_MODEL_SELFTEST_H_
#define EDGEKIT_MODEL_SELFTEST_H_

#include "model_io.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MODEL_SELFTEST_SAMPLES 1u

/* Sample after sample, every input tensor's bytes in order. */
extern const uint8_t model_selftest_input[MODEL_SELFTEST_SAMPLES * MODEL_INPUT_TOTAL_BYTES];
/* Sample after sample, every output tensor's bytes in order, as the host computed them. */
extern const uint8_t model_selftest_expected[MODEL_SELFTEST_SAMPLES * MODEL_OUTPUT_TOTAL_BYTES];

#ifdef __cplusplus
}
#endif

#endif  /* EDGEKIT_MODEL_SELFTEST_H_ */
