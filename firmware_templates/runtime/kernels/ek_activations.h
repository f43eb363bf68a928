// edgekit runtime: the RELU family, LEAKY_RELU, PRELU, HARD_SWISH and ELU, int8 and int16 (TFLM's
// activations.cc, leaky_relu.cc, prelu.cc, hard_swish.cc, elu.cc).
#ifndef EK_ACTIVATIONS_H_
#define EK_ACTIVATIONS_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* RELU, RELU_N1_TO_1, RELU_0_TO_1: out = clamp(zp_out + MBQM(x - zp_in, multiplier, shift), min, max). */
typedef struct {
  int32_t count, input_zero_point, output_zero_point, multiplier, shift, act_min, act_max;
} ek_relu_params;

void ek_relu_s8(const ek_relu_params* p, const int8_t* input, int8_t* output);
void ek_relu_s16(const ek_relu_params* p, const int16_t* input, int16_t* output);

/* RELU6 as TFLM runs it (no requantization), and RELU between equal quantizations: a clamp. */
void ek_clamp_only_s8(int32_t count, int32_t low, int32_t high, const int8_t* input, int8_t* output);
void ek_clamp_only_s16(int32_t count, int32_t low, int32_t high, const int16_t* input, int16_t* output);

/* LEAKY_RELU: x >= zp_in scales by the identity multiplier, x < zp_in by |alpha|'s, negated when
 * alpha < 0 (negate_alpha). */
typedef struct {
  int32_t count, input_zero_point, output_zero_point;
  int32_t identity_multiplier, identity_shift, alpha_multiplier, alpha_shift, negate_alpha;
} ek_leaky_relu_params;

void ek_leaky_relu_s8(const ek_leaky_relu_params* p, const int8_t* input, int8_t* output);
void ek_leaky_relu_s16(const ek_leaky_relu_params* p, const int16_t* input, int16_t* output);

/* PRELU with broadcasting: the output is walked in order through `rank` fused loops (innermost first,
 * as TFLM's BroadcastBinaryOpSimple fuses them); input and alpha advance by their strides (0 where
 * they broadcast). Alpha is int8 for both int8 and int16 inputs. */
#define EK_PRELU_MAX_RANK 8
typedef struct {
  int32_t rank;
  int32_t shape[EK_PRELU_MAX_RANK];
  int32_t input_stride[EK_PRELU_MAX_RANK];
  int32_t alpha_stride[EK_PRELU_MAX_RANK];
  int32_t input_offset, alpha_offset, output_offset;
  int32_t identity_multiplier, identity_shift, alpha_multiplier, alpha_shift;
} ek_prelu_params;

void ek_prelu_s8(const ek_prelu_params* p, const int8_t* input, const int8_t* alpha, int8_t* output);
void ek_prelu_s16(const ek_prelu_params* p, const int16_t* input, const int8_t* alpha, int16_t* output);

/* HARD_SWISH int8, TFLM's 16-bit fixed-point path (multipliers rounded to 16 bits ahead of time). */
typedef struct {
  int32_t count, input_zero_point, output_zero_point;
  int32_t output_multiplier, output_exponent; /* int16 multiplier, exponent <= 0 */
  int32_t reluish_multiplier, reluish_exponent;
} ek_hard_swish_params;

void ek_hard_swish_s8(const ek_hard_swish_params* p, const int8_t* input, int8_t* output);

/* One int8 lookup per element: out = table[(uint8_t)x] (ELU; the table is built ahead of time as TFLM
 * builds it in Prepare). */
void ek_lookup_s8(int32_t count, const int8_t* table, const int8_t* input, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_ACTIVATIONS_H_ */
