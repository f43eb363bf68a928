// <BANNER>
// A TFLM op resolver with exactly the model's builtin ops (1), for the TFLM tree in <TFLM_DIR>.
#ifndef EDGEKIT_MODEL_RESOLVER_H_
#define EDGEKIT_MODEL_RESOLVER_H_

#include "model_ops.h"
#include "tensorflow/lite/micro/micro_mutable_op_resolver.h"

constexpr int kNumberOperators = MODEL_OP_COUNT;
using ModelOpResolver = tflite::MicroMutableOpResolver<kNumberOperators>;

// Registers every op the model needs; the first failure is returned (TFLM logs which one).
inline TfLiteStatus RegisterModelOps(ModelOpResolver& resolver) {
  if (resolver.AddFullyConnected() != kTfLiteOk) return kTfLiteError;  // FULLY_CONNECTED
  return kTfLiteOk;
}

#endif  // EDGEKIT_MODEL_RESOLVER_H_
