// <BANNER>
// The application over any engine (edgekit_engine.h): boot messages, the self-test against the host
// TFLM's outputs with its latency, then edgekit's serial protocol (see edgekit_protocol.h).
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "edgekit_app.h"
#include "edgekit_engine.h"
#include "edgekit_port.h"
#include "edgekit_protocol.h"
#include "model_io.h"
#include "model_selftest.h"

namespace {

// How long a half-received frame may sit before the parser forgets it.
constexpr uint32_t kFrameSilenceUs = 500000u;

const uint8_t kModelSha256Prefix[8] = { 80, 94, 228, 250, 231, 250, 70, 171 };
const uint32_t kInputBytes[MODEL_INPUT_COUNT] = { MODEL_INPUT0_BYTES };
const uint8_t kInputDtypes[MODEL_INPUT_COUNT] = { MODEL_INPUT0_DTYPE };
const uint32_t kOutputBytes[MODEL_OUTPUT_COUNT] = { MODEL_OUTPUT0_BYTES };
const uint8_t kOutputDtypes[MODEL_OUTPUT_COUNT] = { MODEL_OUTPUT0_DTYPE };

ek_parser g_parser;
uint32_t g_last_byte_us = 0;
bool g_selftest_passed = false;

void load_inputs(const uint8_t* bytes) {
  for (size_t i = 0; i < MODEL_INPUT_COUNT; ++i) {
    memcpy(ek_engine_input(i), bytes, kInputBytes[i]);
    bytes += kInputBytes[i];
  }
}

// Runs the model once; returns false (and says why) when Invoke fails.
bool invoke_timed(uint32_t* elapsed_us) {
  uint32_t start = ek_port_micros();
  bool ok = ek_engine_invoke();
  *elapsed_us = ek_port_micros() - start;
  return ok;
}

// The first values of every output, read in the output's own type.
void say_first_outputs() {
  for (size_t j = 0; j < MODEL_OUTPUT_COUNT; ++j) {
    const uint8_t* bytes = ek_engine_output(j);
    char values[160] = "";
    size_t used = 0;
    for (size_t i = 0; i < 16u && used < sizeof values; ++i) {
      long value = 0;
      int written = 0;
      switch (kOutputDtypes[j]) {
        case EK_DTYPE_INT8: if (i >= kOutputBytes[j]) break; value = static_cast<int8_t>(bytes[i]); written = 1; break;
        case EK_DTYPE_UINT8: if (i >= kOutputBytes[j]) break; value = bytes[i]; written = 1; break;
        case EK_DTYPE_INT16: {
          if (2u * i + 2u > kOutputBytes[j]) break;
          int16_t v;
          memcpy(&v, bytes + 2u * i, sizeof v);
          value = v;
          written = 1;
          break;
        }
        case EK_DTYPE_INT32: {
          if (4u * i + 4u > kOutputBytes[j]) break;
          int32_t v;
          memcpy(&v, bytes + 4u * i, sizeof v);
          value = static_cast<long>(v);
          written = 1;
          break;
        }
        default: {  // float32: printed without printf's float support, which small C libraries leave out
          if (4u * i + 4u > kOutputBytes[j]) break;
          float v;
          memcpy(&v, bytes + 4u * i, sizeof v);
          char text[32];
          written = snprintf(values + used, sizeof values - used, i ? " %s" : "%s", ek_real_text(v, text, sizeof text));
          if (written > 0) used += static_cast<size_t>(written);
          written = 0;
          continue;
        }
      }
      if (!written) break;
      written = snprintf(values + used, sizeof values - used, i ? " %ld" : "%ld", value);
      if (written < 0) break;
      used += static_cast<size_t>(written);
    }
    ek_say("self-test output %u (first values): %s", static_cast<unsigned>(j), values);
  }
}

// Runs every self-test sample and compares the outputs with the host TFLM's; true when all are identical
// (or when the host could not compute them).
bool run_selftest() {
  uint32_t identical = 0;
  uint32_t slowest = 0;
  for (uint32_t sample = 0; sample < MODEL_SELFTEST_SAMPLES; ++sample) {
    load_inputs(model_selftest_input + sample * MODEL_INPUT_TOTAL_BYTES);
    uint32_t elapsed = 0;
    if (!invoke_timed(&elapsed)) {
      ek_say("self-test: Invoke failed (the engine's message above says why)");
      return false;
    }
    if (elapsed > slowest) slowest = elapsed;
    if (sample == 0) say_first_outputs();
    const uint8_t* expected = model_selftest_expected + sample * MODEL_OUTPUT_TOTAL_BYTES;
    bool same = true;
    for (size_t j = 0; j < MODEL_OUTPUT_COUNT && same; ++j) {
      const uint8_t* device = ek_engine_output(j);
      for (size_t i = 0; i < kOutputBytes[j]; ++i) {
        if (device[i] != expected[i]) {
          ek_say("self-test: sample %lu MISMATCH at output %u byte %u: device %u, host %u",
                 static_cast<unsigned long>(sample), static_cast<unsigned>(j), static_cast<unsigned>(i),
                 static_cast<unsigned>(device[i]), static_cast<unsigned>(expected[i]));
          same = false;
          break;
        }
      }
      expected += kOutputBytes[j];
    }
    if (same) ++identical;
  }
  ek_say("self-test: %lu of %lu samples identical to the host TFLM; slowest %lu us",
         static_cast<unsigned long>(identical), static_cast<unsigned long>(MODEL_SELFTEST_SAMPLES),
         static_cast<unsigned long>(slowest));
  return identical == MODEL_SELFTEST_SAMPLES;
}

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
  ek_put_u32(info + 12, ek_engine_arena_bytes());
  ek_put_u32(info + 16, ek_engine_arena_used());
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
    parts[1 + j].data = ek_engine_output(j);
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

void ek_say(const char* format, ...) {
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

const char* ek_real_text(float value, char* out, size_t size) {
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


bool ek_app_setup(bool will_serve) {
  ek_engine_init_target();
  ek_port_init();
  ek_say("%s on %s with %s", "hello_world", EK_BOARD_ID, EK_ENGINE_NAME);
  if (!ek_engine_setup()) return false;
  g_selftest_passed = run_selftest();
  ek_engine_reset();  // the self-test advanced any state tensors; the host's samples start from fresh ones
  // A run frame's payload is read straight into the input tensor: no second copy of the input in RAM.
  ek_parser_init(&g_parser, ek_engine_input(0), MODEL_INPUT_TOTAL_BYTES);
  if (will_serve) ek_say("ready: protocol v%u", static_cast<unsigned>(EK_PROTOCOL_VERSION));
  return true;
}

bool ek_app_selftest_passed() { return g_selftest_passed; }

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
