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

/* Gives the model its arena. By default the arena is a static array in ek_model.c (in .bss) and this
 * call is optional (it returns 0 and ignores its arguments). Compiled with EK_MODEL_EXTERNAL_ARENA defined,
 * the model has no arena of its own: the caller passes EK_MODEL_ARENA_BYTES or more bytes, 16-byte
 * aligned, in any memory region it likes, before the first ek_model_invoke; they are cleared here.
 * Returns 0, or -1 when the arena is NULL, misaligned or too small. */
int ek_model_init(void* arena, size_t bytes);
/* The input or output tensor `index` (in the model's order), or NULL. */
void* ek_model_input(int index);
void* ek_model_output(int index);
/* Runs the model once on the current inputs; returns 0 (-1 when an external arena was never given). */
int ek_model_invoke(void);
/* Puts the state that stateful ops (SVDF, LSTM) carry from one inference to the next back to its
 * starting value, as TFLM's MicroInterpreter::Reset; nothing to do for other models. */
void ek_model_reset(void);

#ifdef __cplusplus
}
#endif

#endif  /* EK_MODEL_H_ */
