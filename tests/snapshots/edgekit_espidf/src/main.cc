// <BANNER>
// ESP-IDF entry point and the board port: the console UART0 carries both edgekit's text lines
// and protocol frames; esp_timer gives microseconds; the arena and trial arenas come from the heap.
#include <stdint.h>
#include <stdlib.h>

#include "esp_heap_caps.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "driver/uart.h"

#include "edgekit_app.h"
#include "edgekit_port.h"

extern "C" {

void ek_port_init(void) {
  // The console already runs UART0 at the configured speed; the driver adds a receive buffer.
  uart_driver_install(UART_NUM_0, 4096, 0, 0, nullptr, 0);
}

void ek_port_write(const uint8_t* data, size_t size) {
  // Binary-safe: stdout would turn '\n' into "\r\n" inside a frame.
  uart_write_bytes(UART_NUM_0, data, size);
}

int ek_port_read(void) {
  uint8_t byte = 0;
  // Waiting one tick also lets the idle task run between frames.
  int got = uart_read_bytes(UART_NUM_0, &byte, 1, 1);
  return got == 1 ? byte : -1;
}

uint32_t ek_port_micros(void) { return static_cast<uint32_t>(esp_timer_get_time()); }

void* ek_port_alloc(size_t size) {
  // Internal RAM first (faster); PSRAM, when the board has it, for what does not fit there.
  return heap_caps_malloc_prefer(size, 2, MALLOC_CAP_INTERNAL | MALLOC_CAP_8BIT, MALLOC_CAP_SPIRAM | MALLOC_CAP_8BIT);
}

void ek_port_free(void* memory) { heap_caps_free(memory); }

void app_main(void) {
  bool ready = ek_app_setup();
  for (;;) {
    if (ready) {
      ek_app_poll();
    } else {
      vTaskDelay(pdMS_TO_TICKS(1000));
    }
  }
}

}  // extern "C"
