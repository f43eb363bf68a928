// <BANNER>
// The model's inputs and outputs: types, sizes and, for quantized tensors, helpers that turn real
// values into the tensor's integers and back, from the scale and zero point stored in the model.
#ifndef EDGEKIT_MODEL_IO_H_
#define EDGEKIT_MODEL_IO_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MODEL_INPUT_COUNT 1
#define MODEL_OUTPUT_COUNT 1
#define MODEL_INPUT_TOTAL_BYTES 1u
#define MODEL_OUTPUT_TOTAL_BYTES 1u

/* Input 0 'serving_default_dense_input:0': int8 [1, 1], real = 0.0244801156f * (q - (-128)) */
#define MODEL_INPUT0_ELEMENTS 1u
#define MODEL_INPUT0_BYTES 1u
#define MODEL_INPUT0_DTYPE 1u
typedef int8_t model_input0_t;
#define MODEL_INPUT0_SCALE 0.0244801156f
#define MODEL_INPUT0_ZERO_POINT (-128)
/* q = round(x / scale) + zero_point, rounded half away from zero and clamped to the type, as
 * TFLite's QUANTIZE kernel does. */
model_input0_t model_quantize_input0(float x);
void model_quantize_input0_array(const float* x, model_input0_t* q, size_t count);

/* Output 0 'StatefulPartitionedCall:0': int8 [1, 1], real = 0.00829095673f * (q - (5)) */
#define MODEL_OUTPUT0_ELEMENTS 1u
#define MODEL_OUTPUT0_BYTES 1u
#define MODEL_OUTPUT0_DTYPE 1u
typedef int8_t model_output0_t;
#define MODEL_OUTPUT0_SCALE 0.00829095673f
#define MODEL_OUTPUT0_ZERO_POINT (5)
/* x = scale * (q - zero_point) */
float model_dequantize_output0(model_output0_t q);
void model_dequantize_output0_array(const model_output0_t* q, float* x, size_t count);

#ifdef __cplusplus
}
#endif

#endif  /* EDGEKIT_MODEL_IO_H_ */
