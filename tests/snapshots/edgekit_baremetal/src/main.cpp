// <BANNER>
// Bare-metal entry point and the board port, for a CMSIS start-up (vector table, SystemInit, then main).
//   serial: a UART driver where edgekit has one for the board (below); elsewhere weak functions that
//           you replace with your UART's, or that reach newlib's write/read if you retarget those.
//   clock:  the core's DWT cycle counter divided by CMSIS's SystemCoreClock.
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "edgekit_app.h"
#include "edgekit_port.h"

extern "C" {

// CMSIS: the core clock in Hz, set by SystemInit/SystemCoreClockUpdate.
extern uint32_t SystemCoreClock;

// STM32F4 USART2 on PA2/PA3 (AF7), the ST-LINK virtual COM port, at 115200 baud from the
// APB1 clock CMSIS reports (SystemCoreClock with APB1 undivided, as SystemInit leaves it: HSI 16 MHz).
// Register addresses from RM0390 (STM32F446 reference manual).
#define EK_RCC_AHB1ENR (*reinterpret_cast<volatile uint32_t*>(0x40023830u))
#define EK_RCC_APB1ENR (*reinterpret_cast<volatile uint32_t*>(0x40023840u))
#define EK_GPIOA_MODER (*reinterpret_cast<volatile uint32_t*>(0x40020000u))
#define EK_GPIOA_AFRL (*reinterpret_cast<volatile uint32_t*>(0x40020020u))
#define EK_USART2_SR (*reinterpret_cast<volatile uint32_t*>(0x40004400u))
#define EK_USART2_DR (*reinterpret_cast<volatile uint32_t*>(0x40004404u))
#define EK_USART2_BRR (*reinterpret_cast<volatile uint32_t*>(0x40004408u))
#define EK_USART2_CR1 (*reinterpret_cast<volatile uint32_t*>(0x4000440Cu))

void ek_board_serial_init(void) {
  EK_RCC_AHB1ENR |= 1u << 0;   // GPIOA clock
  EK_RCC_APB1ENR |= 1u << 17;  // USART2 clock
  EK_GPIOA_MODER = (EK_GPIOA_MODER & ~(0xFu << 4)) | (0xAu << 4);      // PA2, PA3: alternate function
  EK_GPIOA_AFRL = (EK_GPIOA_AFRL & ~(0xFFu << 8)) | (0x77u << 8);      // AF7 = USART2
  EK_USART2_BRR = (SystemCoreClock + 115200u / 2u) / 115200u;
  EK_USART2_CR1 = (1u << 13) | (1u << 3) | (1u << 2);                  // UE, TE, RE
}

void ek_board_serial_write(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while (!(EK_USART2_SR & (1u << 7))) {  // TXE
    }
    EK_USART2_DR = data[i];
  }
}

int ek_board_serial_read(void) { return (EK_USART2_SR & (1u << 5)) ? static_cast<int>(EK_USART2_DR & 0xFFu) : -1; }

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
