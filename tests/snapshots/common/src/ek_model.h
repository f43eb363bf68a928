// <BANNER>
// The model, compiled ahead of time for edgekit's runtime: no interpreter, no flatbuffer parsing.
// Inputs and outputs live in the arena; write the inputs, call ek_model_invoke, read the outputs.
#ifndef EK_MODEL_H_
#define EK_MODEL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every activation tensor lives at a planned offset in one arena of this size. */
#define EK_MODEL_ARENA_BYTES 32u
/* Weights, biases, multipliers and shifts, all const (flash). */
#define EK_MODEL_CONSTANT_BYTES 576u

/* The input or output tensor `index` (in the model's order), or NULL. */
void* ek_model_input(int index);
void* ek_model_output(int index);
/* Runs the model once on the current inputs; returns 0. */
int ek_model_invoke(void);
/* Puts the state that stateful ops (SVDF, LSTM) carry from one inference to the next back to its
 * starting value, as TFLM's MicroInterpreter::Reset; nothing to do for other models. */
void ek_model_reset(void);

#ifdef __cplusplus
}
#endif

#endif  /* EK_MODEL_H_ */
