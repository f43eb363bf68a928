// <BANNER>
#include "model_selftest.h"

const uint8_t model_selftest_input[MODEL_SELFTEST_SAMPLES * MODEL_INPUT_TOTAL_BYTES] = {
  0x59
};

const uint8_t model_selftest_expected[MODEL_SELFTEST_SAMPLES * MODEL_OUTPUT_TOTAL_BYTES] = {
  0xa0
};
