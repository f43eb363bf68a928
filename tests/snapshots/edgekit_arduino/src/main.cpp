// <BANNER>
// Arduino entry points and the board port: Serial carries edgekit's text lines and protocol frames,
// micros() times inference, and trial arenas come from malloc.
#include <Arduino.h>
#include <stdlib.h>

#include "edgekit_app.h"
#include "edgekit_port.h"

extern "C" {

void ek_port_init(void) {
  Serial.begin(115200);
  // Native-USB boards enumerate a moment after reset: wait up to 3 s for the host to open the port.
  unsigned long start = millis();
  while (!Serial && millis() - start < 3000UL) {
  }
}

void ek_port_write(const uint8_t* data, size_t size) { Serial.write(data, size); }

int ek_port_read(void) { return Serial.available() > 0 ? Serial.read() : -1; }

uint32_t ek_port_micros(void) { return static_cast<uint32_t>(micros()); }

void* ek_port_alloc(size_t size) { return malloc(size); }

void ek_port_free(void* memory) { free(memory); }

}  // extern "C"

namespace {
bool g_ready = false;
}

void setup() { g_ready = ek_app_setup(); }

void loop() {
  if (g_ready) {
    ek_app_poll();
  } else {
    delay(1000);
  }
}
