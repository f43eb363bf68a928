// edgekit runtime: CONCATENATION: byte copies.
#include "ek_concatenation.h"
#include <string.h>

void ek_concatenation(const ek_concat_params* p, const int8_t* const* inputs, int8_t* output) {
  for (int32_t k = 0; k < p->outer; ++k) {
    for (int32_t i = 0; i < p->inputs; ++i) {
      memcpy(output, inputs[i] + k * p->chunk[i], (size_t)p->chunk[i]);
      output += p->chunk[i];
    }
  }
}
