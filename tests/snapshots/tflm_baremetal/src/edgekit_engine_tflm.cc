// <BANNER>
// The TFLM engine (tensorflow/tflite-micro (your --tflm-dir tree)): the interpreter, its arena and
// the model's op resolver; reports a too-small arena with the size it needs, and each tensor.
#include <stdio.h>
#include <string.h>

#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/schema/schema_generated.h"
#include "tensorflow/lite/micro/system_setup.h"
#include "tensorflow/lite/micro/cortex_m_generic/debug_log_callback.h"

#include "edgekit_app.h"
#include "edgekit_engine.h"
#include "edgekit_port.h"
#include "model_data.h"
#include "model_io.h"
#include "model_resolver.h"

namespace {

constexpr size_t kArenaSize = 2048u;
const uint32_t kInputBytes[MODEL_INPUT_COUNT] = { MODEL_INPUT0_BYTES };
const uint32_t kOutputBytes[MODEL_OUTPUT_COUNT] = { MODEL_OUTPUT0_BYTES };

// Static, so that the linker and PlatformIO's size check count the arena in RAM.
alignas(16) uint8_t g_arena[kArenaSize];
const tflite::Model* g_model = nullptr;
ModelOpResolver g_resolver;
tflite::MicroInterpreter* g_interpreter = nullptr;

uint8_t* align16(void* memory) {
  uintptr_t address = reinterpret_cast<uintptr_t>(memory);
  return reinterpret_cast<uint8_t*>((address + 15u) & ~static_cast<uintptr_t>(15u));
}

const char* type_name(TfLiteType type) {
  switch (type) {
    case kTfLiteInt8: return "int8";
    case kTfLiteUInt8: return "uint8";
    case kTfLiteInt16: return "int16";
    case kTfLiteInt32: return "int32";
    case kTfLiteFloat32: return "float32";
    default: return "other";
  }
}

void describe_tensor(const char* role, size_t index, const TfLiteTensor* tensor) {
  char shape[64] = "";
  size_t used = 0;
  for (int d = 0; d < tensor->dims->size && used < sizeof shape; ++d) {
    int written = snprintf(shape + used, sizeof shape - used, d ? ", %d" : "%d", tensor->dims->data[d]);
    if (written < 0) break;
    used += static_cast<size_t>(written);
  }
  char scale[32];
  ek_say("%s %u: %s [%s], %u bytes, scale %s, zero point %ld", role, static_cast<unsigned>(index),
         type_name(tensor->type), shape, static_cast<unsigned>(tensor->bytes),
         ek_real_text(tensor->params.scale, scale, sizeof scale), static_cast<long>(tensor->params.zero_point));
}

// When the arena is too small, try larger ones from the heap to tell the user what it needs.
void report_arena_shortfall() {
  ek_say("the %lu-byte tensor arena is too small for this model", static_cast<unsigned long>(kArenaSize));
  for (size_t trial = kArenaSize * 2u; trial <= kArenaSize * 32u; trial *= 2u) {
    void* memory = ek_port_alloc(trial + 16u);
    if (memory == nullptr) break;
    size_t needed = 0;
    {
      tflite::MicroInterpreter probe(g_model, g_resolver, align16(memory), trial);
      if (probe.AllocateTensors() == kTfLiteOk) needed = probe.arena_used_bytes();
    }
    ek_port_free(memory);
    if (needed != 0) {
      ek_say("it needs %lu bytes: render again with --arena-size %lu", static_cast<unsigned long>(needed),
          static_cast<unsigned long>(needed));
      return;
    }
  }
  ek_say("no larger trial arena fits in this board's heap; TFLM's message above gives the shortfall");
}

bool check_io() {
  if (g_interpreter->inputs_size() != MODEL_INPUT_COUNT || g_interpreter->outputs_size() != MODEL_OUTPUT_COUNT) {
    ek_say("the interpreter has %u inputs and %u outputs, the generated code expects %u and %u",
        static_cast<unsigned>(g_interpreter->inputs_size()), static_cast<unsigned>(g_interpreter->outputs_size()),
        static_cast<unsigned>(MODEL_INPUT_COUNT), static_cast<unsigned>(MODEL_OUTPUT_COUNT));
    return false;
  }
  for (size_t i = 0; i < MODEL_INPUT_COUNT; ++i) {
    if (g_interpreter->input(i)->bytes != kInputBytes[i]) {
      ek_say("input %u holds %u bytes, the generated code expects %lu", static_cast<unsigned>(i),
          static_cast<unsigned>(g_interpreter->input(i)->bytes), static_cast<unsigned long>(kInputBytes[i]));
      return false;
    }
  }
  for (size_t i = 0; i < MODEL_OUTPUT_COUNT; ++i) {
    if (g_interpreter->output(i)->bytes != kOutputBytes[i]) {
      ek_say("output %u holds %u bytes, the generated code expects %lu", static_cast<unsigned>(i),
          static_cast<unsigned>(g_interpreter->output(i)->bytes), static_cast<unsigned long>(kOutputBytes[i]));
      return false;
    }
  }
  return true;
}

// TFLM's cortex_m_generic target prints through a callback: its messages go to the serial link.
void tflm_log(const char* text) { ek_port_write(reinterpret_cast<const uint8_t*>(text), strlen(text)); }

}  // namespace

void ek_engine_init_target() {
  tflite::InitializeTarget();
}

bool ek_engine_setup() {
  RegisterDebugLogCallback(tflm_log);
  g_model = tflite::GetModel(g_hello_world_model_data);
  if (g_model->version() != TFLITE_SCHEMA_VERSION) {
    ek_say("the model has schema version %lu; this TFLM reads version %d",
           static_cast<unsigned long>(g_model->version()), TFLITE_SCHEMA_VERSION);
    return false;
  }
  if (RegisterModelOps(g_resolver) != kTfLiteOk) {
    ek_say("registering the model's %d ops failed (TFLM's message above names the op)", kNumberOperators);
    return false;
  }
  static tflite::MicroInterpreter interpreter(g_model, g_resolver, g_arena, kArenaSize);
  g_interpreter = &interpreter;
  if (interpreter.AllocateTensors() != kTfLiteOk) {
    report_arena_shortfall();
    return false;
  }
  ek_say("arena: %lu of %lu bytes used", static_cast<unsigned long>(interpreter.arena_used_bytes()),
         static_cast<unsigned long>(kArenaSize));
  if (!check_io()) return false;
  for (size_t i = 0; i < MODEL_INPUT_COUNT; ++i) describe_tensor("input", i, interpreter.input(i));
  for (size_t i = 0; i < MODEL_OUTPUT_COUNT; ++i) describe_tensor("output", i, interpreter.output(i));
  return true;
}

uint8_t* ek_engine_input(size_t index) { return g_interpreter->input(index)->data.uint8; }

const uint8_t* ek_engine_output(size_t index) { return g_interpreter->output(index)->data.uint8; }

bool ek_engine_invoke() {
  return g_interpreter->Invoke() == kTfLiteOk;
}

void ek_engine_reset() { g_interpreter->Reset(); }

uint32_t ek_engine_arena_bytes() { return static_cast<uint32_t>(kArenaSize); }

uint32_t ek_engine_arena_used() { return static_cast<uint32_t>(g_interpreter->arena_used_bytes()); }
