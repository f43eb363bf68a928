/* Start-up code for edgekit's QEMU platform (Cortex-M3/M4/M7 on QEMU mps2): the vector table, a reset
 * handler that copies .data, clears .bss, enables the FPU and runs main, a semihosting exit that hands
 * main's status to QEMU, the semihosting command line, and a minimal _sbrk/_write/_read for newlib over
 * the CMSDK UART0. A firmware that wants SysTick interrupts defines SysTick_Handler. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
extern uint8_t end; /* first byte after .bss: the heap starts here (linker script) */
extern void __libc_init_array(void);
extern int main(void);

void Reset_Handler(void);
void ek_fault_handler(void);
void ek_semihosting_exit(int status);
int ek_semihosting_cmdline(char* buffer, int size);
static void ek_ignore_interrupt(void) {}
void SysTick_Handler(void) __attribute__((weak, alias("ek_ignore_interrupt")));

/* 16 core exceptions; the mps2 peripherals' interrupts are not used. */
__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(&_estack), Reset_Handler, ek_fault_handler, ek_fault_handler, ek_fault_handler,
    ek_fault_handler, ek_fault_handler, 0, 0, 0, 0, ek_fault_handler, ek_fault_handler, 0, ek_fault_handler,
    SysTick_Handler,
};

/* ARM semihosting: a BKPT 0xAB with the operation in r0 and its argument block in r1. */
static int semihosting(int operation, const void* argument) {
  register int r0 __asm__("r0") = operation;
  register const void* r1 __asm__("r1") = argument;
  __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void ek_semihosting_exit(int status) {
  /* SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit carries the status to QEMU's exit code. */
  const uint32_t block[2] = {0x20026u, (uint32_t)status};
  semihosting(0x20, block);
  for (;;) {
  }
}

/* SYS_GET_CMDLINE (0x15): QEMU's -semihosting-config arg=... words, space separated, NUL terminated.
 * Returns 0 when `buffer` holds them. */
int ek_semihosting_cmdline(char* buffer, int size) {
  uint32_t block[2] = {(uint32_t)buffer, (uint32_t)size};
  return semihosting(0x15, block);
}

void ek_fault_handler(void) {
  static const char message[] = "edgekit: HARD FAULT\r\n";
  for (const char* c = message; *c; ++c) {
    volatile uint32_t* data = (volatile uint32_t*)0x40004000u;
    *data = (uint32_t)*c;
  }
  ek_semihosting_exit(3);
}

/* -nostartfiles leaves out crti/crtn; __libc_init_array still calls these. */
void _init(void) {}
void _fini(void) {}

void Reset_Handler(void) {
  for (uint32_t *src = &_sidata, *dst = &_sdata; dst < &_edata;) *dst++ = *src++;
  for (uint32_t* dst = &_sbss; dst < &_ebss;) *dst++ = 0;
#if defined(__ARM_FP)
  /* CPACR: full access to CP10 and CP11 before the first floating-point instruction. */
  *(volatile uint32_t*)0xE000ED88u |= (0xFu << 20);
  __asm__ volatile("dsb\n isb" ::: "memory");
#endif
  __libc_init_array();
  ek_semihosting_exit(main());
}

/* CMSDK APB UART0 (QEMU mps2): DATA, STATE (bit 0 TX full, bit 1 RX full), CTRL (bit 0 TX, bit 1 RX). */
#define UART_DATA (*(volatile uint32_t*)0x40004000u)
#define UART_STATE (*(volatile uint32_t*)0x40004004u)
#define UART_CTRL (*(volatile uint32_t*)0x40004008u)
#define UART_BAUDDIV (*(volatile uint32_t*)0x40004010u)

void ek_uart_init(void) {
  UART_BAUDDIV = 25000000u / 115200u;
  UART_CTRL = 0x3u;
}

void ek_uart_write(const uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    while (UART_STATE & 1u) {
    }
    UART_DATA = data[i];
  }
}

int ek_uart_read(void) { return (UART_STATE & 2u) ? (int)(UART_DATA & 0xFFu) : -1; }

/* newlib: the heap grows from `end` up to 16 KiB below the stack. */
void* _sbrk(ptrdiff_t increment) {
  static uint8_t* top = &end;
  uint8_t* previous = top;
  /* addresses compared as integers: the linker symbols are not arrays the compiler could bound */
  if ((uintptr_t)top + (uintptr_t)increment > (uintptr_t)&_estack - 0x4000u) {
    errno = ENOMEM;
    return (void*)-1;
  }
  top += increment;
  return previous;
}

int _write(int file, const char* data, int size) {
  (void)file;
  ek_uart_write((const uint8_t*)data, (size_t)size);
  return size;
}

int _read(int file, char* data, int size) {
  (void)file;
  int count = 0;
  while (count < size) {
    int byte = ek_uart_read();
    if (byte < 0) break;
    data[count++] = (char)byte;
  }
  return count;
}
