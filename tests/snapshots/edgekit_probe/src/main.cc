// <BANNER>
// Proves the model is linked in intact: prints its size and the CRC-32 computed over the array on the
// device, compares it with the host's, and exits with 0 when they match (1 when not). No inference runs:
// this board gets edgekit's own runtime in a later version.
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "edgekit_protocol.h"
#include "model_data.h"
#include "model_io.h"

// The platform's start-up code drives QEMU's UART (CMSDK UART0 on Arm, the 16550 on RISC-V virt) and hands
// main's status to QEMU on exit.
extern "C" void ek_uart_init(void);
extern "C" void ek_uart_write(const uint8_t* data, size_t size);

static void out(const char* text) { ek_uart_write(reinterpret_cast<const uint8_t*>(text), strlen(text)); }

namespace {
constexpr uint32_t kHostCrc32 = 0x012010d9u;
}

int main() {
  ek_uart_init();
  char line[200];
  snprintf(line, sizeof line, "edgekit: %s on qemu_m4: model linked in, %lu bytes\r\n", "hello_world",
           static_cast<unsigned long>(g_hello_world_model_data_size));
  out(line);
  uint32_t crc = ek_crc32(0, g_hello_world_model_data, g_hello_world_model_data_size);
  bool intact = crc == kHostCrc32;
  snprintf(line, sizeof line, "edgekit: model crc32 0x%08lx, host 0x%08lx: %s\r\n", static_cast<unsigned long>(crc),
           static_cast<unsigned long>(kHostCrc32), intact ? "match" : "MISMATCH");
  out(line);
  snprintf(line, sizeof line, "edgekit: %u input(s) of %lu bytes, %u output(s) of %lu bytes\r\n",
           static_cast<unsigned>(MODEL_INPUT_COUNT), static_cast<unsigned long>(MODEL_INPUT_TOTAL_BYTES),
           static_cast<unsigned>(MODEL_OUTPUT_COUNT), static_cast<unsigned long>(MODEL_OUTPUT_TOTAL_BYTES));
  out(line);
  out("edgekit: no inference runtime on this board yet; exiting with the model check's status\r\n");
  return intact ? 0 : 1;
}
