// <BANNER>
// Runs the model with edgekit's runtime on every self-test sample, compares each output with what the
// host's TFLM computed, prints the result, and exits with 0 when all samples are identical (1 when not).
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ek_model.h"
#include "model_io.h"
#include "model_selftest.h"

/* The platform's start-up code drives QEMU's CMSDK UART0 and hands main's status to QEMU on exit. */
void ek_uart_init(void);
void ek_uart_write(const uint8_t* data, size_t size);

static void out(const char* text) { ek_uart_write((const uint8_t*)text, strlen(text)); }

/* SysTick on the 25 MHz core clock, counting down over 24 bits. Under QEMU's -icount shift=0 (one
 * nanosecond per instruction) a tick is exactly 40 instructions, which the benchmarks use. */
#define SYST_CSR (*(volatile uint32_t*)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t*)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t*)0xE000E018u)
#define TIME_UNIT "SysTick ticks at 25 MHz"

static void clock_start(void) {
  SYST_RVR = 0x00FFFFFFu;
  SYST_CVR = 0;
  SYST_CSR = 5u; /* enable, core clock, no interrupt */
}

static uint32_t ticks(void) { return (0x00FFFFFFu - SYST_CVR) & 0x00FFFFFFu; }
static uint32_t elapsed_since(uint32_t start) { return (ticks() - start) & 0x00FFFFFFu; }

static const uint32_t kInputBytes[MODEL_INPUT_COUNT] = { MODEL_INPUT0_BYTES };
static const uint32_t kOutputBytes[MODEL_OUTPUT_COUNT] = { MODEL_OUTPUT0_BYTES };

int main(void) {
  char line[200];
  ek_uart_init();
  clock_start();
  snprintf(line, sizeof line, "edgekit: %s on qemu_m4 with the edgekit runtime: arena %lu B, constants %lu B\r\n",
           "hello_world", (unsigned long)EK_MODEL_ARENA_BYTES, (unsigned long)EK_MODEL_CONSTANT_BYTES);
  out(line);
  uint32_t identical = 0;
  uint32_t slowest = 0;
  for (uint32_t sample = 0; sample < MODEL_SELFTEST_SAMPLES; ++sample) {
    const uint8_t* input = model_selftest_input + sample * MODEL_INPUT_TOTAL_BYTES;
    for (int i = 0; i < MODEL_INPUT_COUNT; ++i) {
      memcpy(ek_model_input(i), input, kInputBytes[i]);
      input += kInputBytes[i];
    }
    const uint32_t start = ticks();
    ek_model_invoke();
    const uint32_t elapsed = elapsed_since(start);
    if (elapsed > slowest) slowest = elapsed;
    const uint8_t* expected = model_selftest_expected + sample * MODEL_OUTPUT_TOTAL_BYTES;
    int same = 1;
    for (int o = 0; o < MODEL_OUTPUT_COUNT; ++o) {
      if (memcmp(ek_model_output(o), expected, kOutputBytes[o]) != 0) same = 0;
      expected += kOutputBytes[o];
    }
    if (same) {
      ++identical;
    } else {
      snprintf(line, sizeof line, "edgekit: sample %lu: outputs DIFFER from the host TFLM\r\n", (unsigned long)sample);
      out(line);
    }
  }
  const int8_t* first = (const int8_t*)ek_model_output(0);
  snprintf(line, sizeof line, "edgekit: output 0 of the last sample starts %d %d\r\n", first[0],
           kOutputBytes[0] > 1 ? first[1] : 0);
  out(line);
  snprintf(line, sizeof line, "edgekit: self-test: %lu of %lu samples identical to the host TFLM; slowest %lu " TIME_UNIT "\r\n",
           (unsigned long)identical, (unsigned long)MODEL_SELFTEST_SAMPLES, (unsigned long)slowest);
  out(line);
  return identical == MODEL_SELFTEST_SAMPLES ? 0 : 1;
}
