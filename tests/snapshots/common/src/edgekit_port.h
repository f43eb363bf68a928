// <BANNER>
// What the application needs from the board: a serial link, a microsecond clock and (optionally) a
// heap. Each template implements these in its main file for its framework.
#ifndef EDGEKIT_PORT_H_
#define EDGEKIT_PORT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Open the serial link at 115200 baud and start the clock. */
void ek_port_init(void);
/* Send all `size` bytes. */
void ek_port_write(const uint8_t* data, size_t size);
/* The next received byte, or -1 when none is waiting (it may wait a few milliseconds). */
int ek_port_read(void);
/* Microseconds since boot; wraps around. */
uint32_t ek_port_micros(void);
/* Memory for a trial arena when the compiled-in one is too small; NULL when there is no heap. */
void* ek_port_alloc(size_t size);
void ek_port_free(void* memory);

#ifdef __cplusplus
}
#endif

#endif  /* EDGEKIT_PORT_H_ */
