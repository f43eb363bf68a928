// <BANNER>
// The inference engine behind the application: edgekit runtime.
#ifndef EDGEKIT_ENGINE_H_
#define EDGEKIT_ENGINE_H_

#include <stddef.h>
#include <stdint.h>

/* What the boot banner names ("MODEL on BOARD with ENGINE"); hosts read it to tell that a device reset.
 * Kept here so that the application's own source is the same for every board and engine. */
#define EK_BOARD_ID "nano33ble"
#define EK_ENGINE_NAME "edgekit runtime 0.1.0"

/* Before the serial link opens (TFLM's InitializeTarget opens Serial at its own speed on Arduino). */
void ek_engine_init_target();
/* Loads the model, reports the arena and the tensors; false (with the reason printed) when it cannot run. */
bool ek_engine_setup();
uint8_t* ek_engine_input(size_t index);
const uint8_t* ek_engine_output(size_t index);
/* Runs the model once; false when the engine reports an error. */
bool ek_engine_invoke();
/* Puts the state tensors (SVDF, LSTM memory) back where they start, after the self-test: the samples a host
 * sends then run as they do on a fresh interpreter there. */
void ek_engine_reset();
uint32_t ek_engine_arena_bytes();
uint32_t ek_engine_arena_used();

#endif  // EDGEKIT_ENGINE_H_
