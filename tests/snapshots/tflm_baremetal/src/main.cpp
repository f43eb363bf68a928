// <BANNER>
// Bare-metal entry point and the board port, for a CMSIS start-up (vector table, SystemInit, then main).
//   serial: through the C library (newlib's write/read on file descriptors 1 and 0). Retarget them to
//           your UART (STM32CubeMX generates __io_putchar/__io_getchar for this), or replace the weak
//           ek_board_serial_* functions below.
//   clock:  the core's DWT cycle counter divided by CMSIS's SystemCoreClock.
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "edgekit_app.h"
#include "edgekit_port.h"

extern "C" {

// CMSIS: the core clock in Hz, set by SystemInit/SystemCoreClockUpdate.
extern uint32_t SystemCoreClock;

__attribute__((weak)) void ek_board_serial_init(void) {}

__attribute__((weak)) void ek_board_serial_write(const uint8_t* data, size_t size) {
  while (size > 0) {
    ssize_t sent = write(1, data, size);
    if (sent <= 0) return;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
}

// Blocking read of one byte; -1 when the C library has no input.
__attribute__((weak)) int ek_board_serial_read(void) {
  uint8_t byte = 0;
  return read(0, &byte, 1) == 1 ? byte : -1;
}

}  // extern "C"

namespace {

// Debug and trace registers of the ARMv7-M architecture (DEMCR.TRCENA enables the DWT unit).
volatile uint32_t& kDemcr = *reinterpret_cast<volatile uint32_t*>(0xE000EDFCu);
volatile uint32_t& kDwtCtrl = *reinterpret_cast<volatile uint32_t*>(0xE0001000u);
volatile uint32_t& kDwtCycles = *reinterpret_cast<volatile uint32_t*>(0xE0001004u);
// The Cortex-M7 locks the DWT until this key is written to its lock access register (ignored elsewhere).
volatile uint32_t& kDwtLock = *reinterpret_cast<volatile uint32_t*>(0xE0001FB0u);

uint32_t g_last_cycles = 0;
uint32_t g_spare_cycles = 0;
uint32_t g_micros = 0;

}  // namespace

extern "C" {

void ek_port_init(void) {
  kDemcr |= 1u << 24;
  kDwtLock = 0xC5ACCE55u;
  kDwtCycles = 0;
  kDwtCtrl |= 1u;
  ek_board_serial_init();
}

void ek_port_write(const uint8_t* data, size_t size) { ek_board_serial_write(data, size); }

int ek_port_read(void) { return ek_board_serial_read(); }

// Microseconds from the 32-bit cycle counter, accumulated so that the result wraps at 2^32 us; exact
// as long as it is called at least once per 2^32 cycles (24 s at 180 MHz).
uint32_t ek_port_micros(void) {
  uint32_t now = kDwtCycles;
  g_spare_cycles += now - g_last_cycles;
  g_last_cycles = now;
  uint32_t per_us = SystemCoreClock / 1000000u;
  if (per_us == 0) per_us = 1;
  g_micros += g_spare_cycles / per_us;
  g_spare_cycles %= per_us;
  return g_micros;
}

void* ek_port_alloc(size_t size) { return malloc(size); }

void ek_port_free(void* memory) { free(memory); }

}  // extern "C"

int main(void) {
  bool ready = ek_app_setup();
  for (;;) {
    if (ready) ek_app_poll();
  }
}
