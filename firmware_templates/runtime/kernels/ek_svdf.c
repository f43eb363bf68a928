// edgekit runtime: SVDF (TFLM's integer reference: svdf_common.cc EvalIntegerSvdfReference).
//
// Per call: the state moves one step back in time, the feature matmul writes each filter's newest
// activation, the time matmul reduces each filter's memory, and each unit sums its `rank` filters, adds
// its bias and requantizes to int8. TFLM keeps the filter sums and the unit sums in two int32 scratch
// buffers; integer addition being exact, summing each unit's filters straight into one accumulator gives
// the same bits without them. TFLM's integer path applies no fused activation (only the int8 clamp).
#include "ek_svdf.h"

/* One body for both state types: STATE is int8_t or int16_t, the bounds its range. */
#define EK_SVDF_BODY(STATE, STATE_MIN, STATE_MAX)                                                        \
  const int32_t per_batch = p->filters * p->memory;                                                      \
  /* shift the whole state one element left; each filter's last slot is rewritten below */             \
  for (int32_t i = 0; i + 1 < p->batches * per_batch; ++i) state[i] = state[i + 1];                      \
  for (int32_t b = 0; b < p->batches; ++b) {                                                             \
    const int8_t* in = input + b * p->input_size;                                                        \
    STATE* newest = state + b * per_batch + (p->memory - 1);                                             \
    const int8_t* row = weights_feature;                                                                 \
    for (int32_t f = 0; f < p->filters; ++f, row += p->input_size) {                                     \
      /* sum w * (x - zp) as sum w * x - zp * sum w, the second term precomputed */                      \
      int32_t acc = ek_dot_s8(row, in, p->input_size) + p->feature_offsets[f];                           \
      acc = ek_requantize(acc, p->feature_multiplier, p->feature_shift);                                 \
      acc = ek_min_i32(ek_max_i32(acc, STATE_MIN), STATE_MAX);                                           \
      /* TFLM adds the zero point after the clamp and stores without another one */                      \
      newest[f * p->memory] = (STATE)(p->state_zero_point + acc);                                        \
    }                                                                                                    \
  }                                                                                                      \
  for (int32_t b = 0; b < p->batches; ++b) {                                                             \
    const STATE* memory = state + b * per_batch;                                                         \
    const STATE* weights = weights_time;                                                                 \
    for (int32_t u = 0; u < p->units; ++u) {                                                             \
      int32_t acc = bias ? bias[u] : 0;                                                                  \
      for (int32_t r = 0; r < p->rank; ++r) {                                                           \
        for (int32_t m = 0; m < p->memory; ++m) acc += weights[m] * (memory[m] - p->state_zero_point);   \
        weights += p->memory;                                                                            \
        memory += p->memory;                                                                             \
      }                                                                                                  \
      output[b * p->units + u] =                                                                         \
          ek_clamp_s8(ek_requantize(acc, p->output_multiplier, p->output_shift) + p->output_zero_point,  \
                      INT8_MIN, INT8_MAX);                                                               \
    }                                                                                                    \
  }

void ek_svdf_s8_s16(const ek_svdf_params* p, const int8_t* input, const int8_t* weights_feature,
                    const int16_t* weights_time, const int32_t* bias, int16_t* state, int8_t* output) {
  EK_SVDF_BODY(int16_t, INT16_MIN, INT16_MAX)
}

void ek_svdf_s8_s8(const ek_svdf_params* p, const int8_t* input, const int8_t* weights_feature,
                   const int8_t* weights_time, const int32_t* bias, int8_t* state, int8_t* output) {
  EK_SVDF_BODY(int8_t, INT8_MIN, INT8_MAX)
}
