// edgekit runtime: LOGISTIC and TANH, int8, through gemmlowp's fixed-point functions, as TFLM.
#include "ek_logistic.h"
#include "ek_fixedpoint.h"

void ek_logistic_s8(const ek_activation_params* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    if (x <= -p->input_range_radius) {
      output[i] = INT8_MIN;
    } else if (x >= p->input_range_radius) {
      output[i] = INT8_MAX;
    } else {
      const int32_t q4 = ek_requantize(x, p->input_multiplier, p->input_left_shift);
      output[i] = ek_clamp_s8(ek_rounding_divide_by_pot(ek_logistic_q4(q4), 23) - 128, INT8_MIN, INT8_MAX);
    }
  }
}

void ek_tanh_s8(const ek_activation_params* p, const int8_t* input, int8_t* output) {
  for (int32_t i = 0; i < p->count; ++i) {
    const int32_t x = (int32_t)input[i] - p->input_zero_point;
    if (x <= -p->input_range_radius) {
      output[i] = INT8_MIN;
    } else if (x >= p->input_range_radius) {
      output[i] = INT8_MAX;
    } else {
      const int32_t q4 = ek_requantize(x, p->input_multiplier, p->input_left_shift);
      output[i] = ek_clamp_s8(ek_rounding_divide_by_pot(ek_tanh_q4(q4), 24), INT8_MIN, INT8_MAX);
    }
  }
}
