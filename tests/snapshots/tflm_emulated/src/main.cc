// <BANNER>
// Entry point and board port of the emulated boards (edgekit's own platforms). The firmware runs the
// same application as on a real board: boot messages, the self-test over every sample, the protocol.
//
// By default it exits after the self-test with 0 when every sample matched the host TFLM (1 when not,
// 2 when the model could not run), which is what `edgekit flash` reports. Started with the word
// "serve" (QEMU's -semihosting-config arg=serve) it serves
// edgekit's serial protocol after the self-test instead, for `edgekit validate`.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgekit_app.h"
#include "edgekit_port.h"

extern "C" {
// The platform's start-up code (edgekit/platforms/edgekit-qemu/startup/startup.c).
void ek_uart_init(void);
void ek_uart_write(const uint8_t* data, size_t size);
int ek_uart_read(void);
int ek_semihosting_cmdline(char* buffer, int size);
void SysTick_Handler(void);
}

namespace {

// SysTick on the 25 MHz core clock, counting down over 24 bits; its interrupt counts the wraps.
// Under QEMU's -icount shift=0 (one nanosecond per instruction) a microsecond is 1,000 instructions.
volatile uint32_t& kSysTickCsr = *reinterpret_cast<volatile uint32_t*>(0xE000E010u);
volatile uint32_t& kSysTickReload = *reinterpret_cast<volatile uint32_t*>(0xE000E014u);
volatile uint32_t& kSysTickCurrent = *reinterpret_cast<volatile uint32_t*>(0xE000E018u);
// ICSR.PENDSTSET: a SysTick wrap whose interrupt has not run yet (interrupts masked, or just raised)
volatile uint32_t& kInterruptControl = *reinterpret_cast<volatile uint32_t*>(0xE000ED04u);
constexpr uint32_t kSysTickPending = 1u << 26;
constexpr uint32_t kTicksPerMicrosecond = 25u;
constexpr uint32_t kSysTickSpan = 1u << 24;
volatile uint32_t g_wraps = 0;

bool serve_requested() {
  char line[64] = "";
  return ek_semihosting_cmdline(line, sizeof line) == 0 && strstr(line, "serve") != nullptr;
}

}  // namespace

extern "C" {

// TFLM's interpreter is a static object with a destructor, registered through __cxa_atexit, which names
// the program by __dso_handle; crtbegin.o defines it, and this platform links without start files.
void* __dso_handle = nullptr;

void SysTick_Handler(void) { g_wraps = g_wraps + 1u; }

void ek_port_init(void) {
  ek_uart_init();
  kSysTickReload = kSysTickSpan - 1u;
  kSysTickCurrent = 0;
  kSysTickCsr = 7u;  // enable, interrupt on wrap, core clock
}

void ek_port_write(const uint8_t* data, size_t size) { ek_uart_write(data, size); }

int ek_port_read(void) { return ek_uart_read(); }

uint32_t ek_port_micros(void) {
  uint32_t wraps;
  uint32_t current;
  do {  // read the pair again when a wrap was counted in between
    wraps = g_wraps;
    current = kSysTickCurrent;
    if (kInterruptControl & kSysTickPending) {  // wrapped, not counted yet: count it here
      current = kSysTickCurrent;
      wraps += 1u;
    }
  } while (wraps != g_wraps && wraps != g_wraps + 1u);
  uint64_t ticks = static_cast<uint64_t>(wraps) * kSysTickSpan + (kSysTickSpan - 1u - current);
  return static_cast<uint32_t>(ticks / kTicksPerMicrosecond);
}

}  // extern "C"

extern "C" {

void* ek_port_alloc(size_t size) { return malloc(size); }

void ek_port_free(void* memory) { free(memory); }

}  // extern "C"

int main() {
  const bool serve = serve_requested();
  if (!ek_app_setup(serve)) return 2;
  if (!serve) return ek_app_selftest_passed() ? 0 : 1;
  for (;;) ek_app_poll();
}
