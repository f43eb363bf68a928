/* Start-up code for edgekit's RISC-V QEMU platform (RV32IMC on QEMU virt): copies .data, clears .bss,
 * runs main and hands its status to QEMU through the virt machine's test device (SiFive test finisher),
 * reads the semihosting command line, drives the 16550 UART at 0x10000000 for the serial protocol and
 * picolibc's stdio, and counts retired instructions (RDINSTRET) for timing. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss;
extern int main(void);

void ek_reset(void);
void ek_exit(int status);
int ek_semihosting_cmdline(char* buffer, int size);
void ek_uart_init(void);
void ek_uart_write(const uint8_t* data, size_t size);
int ek_uart_read(void);
uint64_t ek_instructions(void);

/* QEMU virt's test device: 0x5555 ends the run with status 0, (status << 16) | 0x3333 with `status`. */
#define TEST_FINISHER (*(volatile uint32_t*)0x00100000u)

void ek_exit(int status) {
  TEST_FINISHER = status == 0 ? 0x5555u : (((uint32_t)status & 0xFFFFu) << 16) | 0x3333u;
  for (;;) {
  }
}

/* RISC-V semihosting: the operation in a0, its argument block in a1, and the magic uncompressed sequence
 * slli/ebreak/srai that QEMU recognises (kept on one 16-byte-aligned line so it never crosses a page). */
static int semihosting(int operation, const void* argument) {
  register int a0 __asm__("a0") = operation;
  register const void* a1 __asm__("a1") = argument;
  __asm__ volatile(
      ".option push\n"
      ".option norvc\n"
      ".balign 16\n"
      "slli x0, x0, 0x1f\n"
      "ebreak\n"
      "srai x0, x0, 7\n"
      ".option pop\n"
      : "+r"(a0)
      : "r"(a1)
      : "memory");
  return a0;
}

/* SYS_GET_CMDLINE (0x15): QEMU's -semihosting-config arg=... words. Returns 0 when `buffer` holds them. */
int ek_semihosting_cmdline(char* buffer, int size) {
  uint32_t block[2] = {(uint32_t)(uintptr_t)buffer, (uint32_t)size};
  return semihosting(0x15, block);
}

/* 16550 UART: receive/transmit register at +0, line status at +5 (bit 0 data ready, bit 5 transmitter empty). */
#define UART_BASE ((volatile uint8_t*)0x10000000u)
#define UART_LSR_DATA_READY 0x01u
#define UART_LSR_THR_EMPTY 0x20u

void ek_uart_init(void) {
  UART_BASE[3] = 0x03u; /* 8 data bits, no parity, one stop bit */
  UART_BASE[2] = 0x01u; /* FIFOs on */
  UART_BASE[1] = 0x00u; /* no interrupts */
}

void ek_uart_write(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while (!(UART_BASE[5] & UART_LSR_THR_EMPTY)) {
    }
    UART_BASE[0] = data[i];
  }
}

int ek_uart_read(void) { return (UART_BASE[5] & UART_LSR_DATA_READY) ? (int)UART_BASE[0] : -1; }

/* Instructions retired since reset (64-bit: the high word read again when the low one wrapped). */
uint64_t ek_instructions(void) {
  uint32_t high, low, again;
  do {
    __asm__ volatile("rdinstreth %0" : "=r"(high));
    __asm__ volatile("rdinstret %0" : "=r"(low));
    __asm__ volatile("rdinstreth %0" : "=r"(again));
  } while (high != again);
  return ((uint64_t)high << 32) | low;
}

/* picolibc's stdio over the UART. */
static int uart_putc(char c, FILE* file) {
  (void)file;
  const uint8_t byte = (uint8_t)c;
  ek_uart_write(&byte, 1);
  return (unsigned char)c;
}

static int uart_getc(FILE* file) {
  (void)file;
  int byte;
  while ((byte = ek_uart_read()) < 0) {
  }
  return byte;
}

static FILE uart_stream = FDEV_SETUP_STREAM(uart_putc, uart_getc, NULL, _FDEV_SETUP_RW);
FILE* const stdin = &uart_stream;
FILE* const stdout = &uart_stream;
FILE* const stderr = &uart_stream;

void ek_reset(void) {
  for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t* dst = &_sbss; dst < &_ebss;) *dst++ = 0;
  ek_exit(main());
}
