// <BANNER>
// edgekit's runtime as the engine: the model compiled ahead of time (ek_model.c), no interpreter; its
// arena is planned at generation time and its constants are in flash.
#include "edgekit_app.h"
#include "edgekit_engine.h"
#include "ek_model.h"
#include "model_io.h"

void ek_engine_init_target() {}

bool ek_engine_setup() {
  ek_say("arena: %lu bytes, planned by edgekit; constants: %lu bytes in flash",
         static_cast<unsigned long>(EK_MODEL_ARENA_BYTES), static_cast<unsigned long>(EK_MODEL_CONSTANT_BYTES));
  {
    char scale[32];
    ek_say("input 0: int8 [1, 1], %lu bytes, scale %s, zero point %ld",
           static_cast<unsigned long>(MODEL_INPUT0_BYTES), ek_real_text(MODEL_INPUT0_SCALE, scale, sizeof scale),
           static_cast<long>(MODEL_INPUT0_ZERO_POINT));
  }
  {
    char scale[32];
    ek_say("output 0: int8 [1, 1], %lu bytes, scale %s, zero point %ld",
           static_cast<unsigned long>(MODEL_OUTPUT0_BYTES), ek_real_text(MODEL_OUTPUT0_SCALE, scale, sizeof scale),
           static_cast<long>(MODEL_OUTPUT0_ZERO_POINT));
  }
  return true;
}

uint8_t* ek_engine_input(size_t index) { return static_cast<uint8_t*>(ek_model_input(static_cast<int>(index))); }

const uint8_t* ek_engine_output(size_t index) {
  return static_cast<const uint8_t*>(ek_model_output(static_cast<int>(index)));
}

bool ek_engine_invoke() { return ek_model_invoke() == 0; }

void ek_engine_reset() { ek_model_reset(); }

uint32_t ek_engine_arena_bytes() { return EK_MODEL_ARENA_BYTES; }

uint32_t ek_engine_arena_used() { return EK_MODEL_ARENA_BYTES; }
