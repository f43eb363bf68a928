// <BANNER>
// Sets up the TFLM interpreter (tensorflow/tflite-micro (your tree) tree), reports what the
// model needs, runs the self-test once, then answers the serial protocol (see edgekit_protocol.h).
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tensorflow/lite/micro/micro_interpreter.h"
#include "tensorflow/lite/schema/schema_generated.h"
#include "tensorflow/lite/micro/system_setup.h"
#include "tensorflow/lite/micro/cortex_m_generic/debug_log_callback.h"

#include "edgekit_app.h"
#include "edgekit_port.h"
#include "edgekit_protocol.h"
#include "model_data.h"
#include "model_io.h"
#include "model_resolver.h"
#include "model_selftest.h"

namespace {

constexpr size_t kArenaSize = 2048u;
// How long a half-received frame may sit before the parser forgets it.
constexpr uint32_t kFrameSilenceUs = 500000u;

const uint8_t kModelSha256Prefix[8] = { 80, 94, 228, 250, 231, 250, 70, 171 };
const uint32_t kInputBytes[MODEL_INPUT_COUNT] = { MODEL_INPUT0_BYTES };
const uint8_t kInputDtypes[MODEL_INPUT_COUNT] = { MODEL_INPUT0_DTYPE };
const uint32_t kOutputBytes[MODEL_OUTPUT_COUNT] = { MODEL_OUTPUT0_BYTES };
const uint8_t kOutputDtypes[MODEL_OUTPUT_COUNT] = { MODEL_OUTPUT0_DTYPE };

// Static, so that the linker and PlatformIO's size check count the arena in RAM.
alignas(16) uint8_t g_arena[kArenaSize];
const tflite::Model* g_model = nullptr;
ModelOpResolver g_resolver;
tflite::MicroInterpreter* g_interpreter = nullptr;
ek_parser g_parser;
uint32_t g_last_byte_us = 0;

uint8_t* align16(void* memory) {
  uintptr_t address = reinterpret_cast<uintptr_t>(memory);
  return reinterpret_cast<uint8_t*>((address + 15u) & ~static_cast<uintptr_t>(15u));
}

__attribute__((format(printf, 1, 2))) void say(const char* format, ...) {
  char line[200];
  va_list args;
  va_start(args, format);
  int length = vsnprintf(line, sizeof line - 2, format, args);
  va_end(args);
  if (length < 0) return;
  size_t size = static_cast<size_t>(length) < sizeof line - 2 ? static_cast<size_t>(length) : sizeof line - 3;
  line[size++] = '\r';
  line[size++] = '\n';
  ek_port_write(reinterpret_cast<const uint8_t*>("edgekit: "), 9);
  ek_port_write(reinterpret_cast<const uint8_t*>(line), size);
}

// Many embedded C libraries (newlib-nano) print no floats, so reals are formatted by hand.
const char* real_text(float value, char* out, size_t size) {
  const char* sign = value < 0.0f ? "-" : "";
  float magnitude = value < 0.0f ? -value : value;
  if (!(magnitude < 4.0e9f)) {
    snprintf(out, size, "%s(out of range)", sign);
    return out;
  }
  unsigned long whole = static_cast<unsigned long>(magnitude);
  unsigned long fraction = static_cast<unsigned long>((magnitude - static_cast<float>(whole)) * 1.0e9f);
  snprintf(out, size, "%s%lu.%09lu", sign, whole, fraction);
  return out;
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
  say("%s %u: %s [%s], %u bytes, scale %s, zero point %ld", role, static_cast<unsigned>(index),
      type_name(tensor->type), shape, static_cast<unsigned>(tensor->bytes),
      real_text(tensor->params.scale, scale, sizeof scale), static_cast<long>(tensor->params.zero_point));
}

// When the arena is too small, try larger ones from the heap to tell the user what it needs.
void report_arena_shortfall() {
  say("the %lu-byte tensor arena is too small for this model", static_cast<unsigned long>(kArenaSize));
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
      say("it needs %lu bytes: render again with --arena-size %lu", static_cast<unsigned long>(needed),
          static_cast<unsigned long>(needed));
      return;
    }
  }
  say("no larger trial arena fits in this board's heap; TFLM's message above gives the shortfall");
}

bool check_io() {
  if (g_interpreter->inputs_size() != MODEL_INPUT_COUNT || g_interpreter->outputs_size() != MODEL_OUTPUT_COUNT) {
    say("the interpreter has %u inputs and %u outputs, the generated code expects %u and %u",
        static_cast<unsigned>(g_interpreter->inputs_size()), static_cast<unsigned>(g_interpreter->outputs_size()),
        static_cast<unsigned>(MODEL_INPUT_COUNT), static_cast<unsigned>(MODEL_OUTPUT_COUNT));
    return false;
  }
  for (size_t i = 0; i < MODEL_INPUT_COUNT; ++i) {
    if (g_interpreter->input(i)->bytes != kInputBytes[i]) {
      say("input %u holds %u bytes, the generated code expects %lu", static_cast<unsigned>(i),
          static_cast<unsigned>(g_interpreter->input(i)->bytes), static_cast<unsigned long>(kInputBytes[i]));
      return false;
    }
  }
  for (size_t i = 0; i < MODEL_OUTPUT_COUNT; ++i) {
    if (g_interpreter->output(i)->bytes != kOutputBytes[i]) {
      say("output %u holds %u bytes, the generated code expects %lu", static_cast<unsigned>(i),
          static_cast<unsigned>(g_interpreter->output(i)->bytes), static_cast<unsigned long>(kOutputBytes[i]));
      return false;
    }
  }
  return true;
}

void load_inputs(const uint8_t* bytes) {
  for (size_t i = 0; i < MODEL_INPUT_COUNT; ++i) {
    memcpy(g_interpreter->input(i)->data.raw, bytes, kInputBytes[i]);
    bytes += kInputBytes[i];
  }
}

// Runs the model once; returns false (and says why) when Invoke fails.
bool invoke_timed(uint32_t* elapsed_us) {
  uint32_t start = ek_port_micros();
  TfLiteStatus status = g_interpreter->Invoke();
  *elapsed_us = ek_port_micros() - start;
  return status == kTfLiteOk;
}

void run_selftest() {
  load_inputs(model_selftest_input);
  uint32_t elapsed = 0;
  if (!invoke_timed(&elapsed)) {
    say("self-test: Invoke failed (TFLM's message above says why)");
    return;
  }
  const TfLiteTensor* first = g_interpreter->output(0);
  char values[160] = "";
  size_t used = 0;
  for (size_t i = 0; i < first->bytes && i < 16u && used < sizeof values; ++i) {
    int value = first->type == kTfLiteInt8 ? first->data.int8[i] : first->data.uint8[i];
    int written = snprintf(values + used, sizeof values - used, i ? " %d" : "%d", value);
    if (written < 0) break;
    used += static_cast<size_t>(written);
  }
  say("self-test output 0 (first bytes): %s", values);
  size_t offset = 0;
  for (size_t j = 0; j < MODEL_OUTPUT_COUNT; ++j) {
    const uint8_t* device = g_interpreter->output(j)->data.uint8;
    for (size_t i = 0; i < kOutputBytes[j]; ++i) {
      if (device[i] != model_selftest_expected[offset + i]) {
        say("self-test: MISMATCH at output %u byte %u: device %u, host %u; latency %lu us",
            static_cast<unsigned>(j), static_cast<unsigned>(i), static_cast<unsigned>(device[i]),
            static_cast<unsigned>(model_selftest_expected[offset + i]), static_cast<unsigned long>(elapsed));
        return;
      }
    }
    offset += kOutputBytes[j];
  }
  say("self-test: outputs identical to the host TFLM; latency %lu us", static_cast<unsigned long>(elapsed));
}

// TFLM's cortex_m_generic target prints through a callback: its messages go to the serial link.
void tflm_log(const char* text) { ek_port_write(reinterpret_cast<const uint8_t*>(text), strlen(text)); }

void send_error(uint8_t code, const char* message) {
  ek_part parts[2];
  parts[0].data = &code;
  parts[0].size = 1u;
  parts[1].data = reinterpret_cast<const uint8_t*>(message);
  parts[1].size = static_cast<uint32_t>(strlen(message));
  ek_send_frame(ek_port_write, EK_TYPE_ERROR, parts, 2);
}

void send_info() {
  uint8_t info[20 + 5 * (MODEL_INPUT_COUNT + MODEL_OUTPUT_COUNT)];
  info[0] = EK_PROTOCOL_VERSION;
  info[1] = MODEL_INPUT_COUNT;
  info[2] = MODEL_OUTPUT_COUNT;
  info[3] = 0;
  memcpy(info + 4, kModelSha256Prefix, sizeof kModelSha256Prefix);
  ek_put_u32(info + 12, static_cast<uint32_t>(kArenaSize));
  ek_put_u32(info + 16, static_cast<uint32_t>(g_interpreter->arena_used_bytes()));
  uint8_t* entry = info + 20;
  for (size_t i = 0; i < MODEL_INPUT_COUNT; ++i, entry += 5) {
    entry[0] = kInputDtypes[i];
    ek_put_u32(entry + 1, kInputBytes[i]);
  }
  for (size_t i = 0; i < MODEL_OUTPUT_COUNT; ++i, entry += 5) {
    entry[0] = kOutputDtypes[i];
    ek_put_u32(entry + 1, kOutputBytes[i]);
  }
  ek_part part = {info, static_cast<uint32_t>(sizeof info)};
  ek_send_frame(ek_port_write, EK_TYPE_INFO_REPLY, &part, 1);
}

void serve_run() {
  if (g_parser.length != MODEL_INPUT_TOTAL_BYTES) {
    send_error(EK_ERROR_LENGTH, "payload length differs from the model's input bytes");
    return;
  }
  uint32_t elapsed = 0;
  if (!invoke_timed(&elapsed)) {
    send_error(EK_ERROR_INVOKE, "Invoke failed");
    return;
  }
  uint8_t latency[4];
  ek_put_u32(latency, elapsed);
  ek_part parts[1 + MODEL_OUTPUT_COUNT];
  parts[0].data = latency;
  parts[0].size = 4;
  for (size_t j = 0; j < MODEL_OUTPUT_COUNT; ++j) {
    parts[1 + j].data = g_interpreter->output(j)->data.uint8;
    parts[1 + j].size = kOutputBytes[j];
  }
  ek_send_frame(ek_port_write, EK_TYPE_RUN_REPLY, parts, 1 + MODEL_OUTPUT_COUNT);
}

void serve_frame() {
  switch (g_parser.type) {
    case EK_TYPE_INFO:
      send_info();
      break;
    case EK_TYPE_RUN:
      serve_run();
      break;
    default:
      send_error(EK_ERROR_TYPE, "unknown frame type");
      break;
  }
}

}  // namespace

bool ek_app_setup() {
  tflite::InitializeTarget();
  ek_port_init();
  RegisterDebugLogCallback(tflm_log);
  say("%s on nucleo_f446re with tensorflow/tflite-micro (your tree) tree", "hello_world");
  g_model = tflite::GetModel(g_hello_world_model_data);
  if (g_model->version() != TFLITE_SCHEMA_VERSION) {
    say("the model has schema version %lu; this TFLM reads version %d",
        static_cast<unsigned long>(g_model->version()), TFLITE_SCHEMA_VERSION);
    return false;
  }
  if (RegisterModelOps(g_resolver) != kTfLiteOk) {
    say("registering the model's %d ops failed (TFLM's message above names the op)", kNumberOperators);
    return false;
  }
  static tflite::MicroInterpreter interpreter(g_model, g_resolver, g_arena, kArenaSize);
  g_interpreter = &interpreter;
  if (interpreter.AllocateTensors() != kTfLiteOk) {
    report_arena_shortfall();
    return false;
  }
  say("arena: %lu of %lu bytes used", static_cast<unsigned long>(interpreter.arena_used_bytes()),
      static_cast<unsigned long>(kArenaSize));
  if (!check_io()) return false;
  for (size_t i = 0; i < MODEL_INPUT_COUNT; ++i) describe_tensor("input", i, interpreter.input(i));
  for (size_t i = 0; i < MODEL_OUTPUT_COUNT; ++i) describe_tensor("output", i, interpreter.output(i));
  run_selftest();
  // A run frame's payload is read straight into the input tensor: no second copy of the input in RAM.
  ek_parser_init(&g_parser, interpreter.input(0)->data.uint8, MODEL_INPUT_TOTAL_BYTES);
  say("ready: protocol v%u", static_cast<unsigned>(EK_PROTOCOL_VERSION));
  return true;
}

void ek_app_poll() {
  int byte = ek_port_read();
  const uint32_t now = ek_port_micros();
  if (byte < 0) return;
  // A frame cut off half-way must not swallow the next one: after a silence, start afresh. (Checked
  // when a byte arrives, so that it also works where reading blocks.)
  if (now - g_last_byte_us > kFrameSilenceUs) ek_parser_reset(&g_parser);
  g_last_byte_us = now;
  switch (ek_parser_feed(&g_parser, static_cast<uint8_t>(byte))) {
    case EK_PARSE_FRAME:
      serve_frame();
      break;
    case EK_PARSE_ERROR:
      send_error(g_parser.error, g_parser.error == EK_ERROR_CRC ? "CRC mismatch" : "frame larger than the model input");
      break;
    default:
      break;
  }
}
