// <BANNER>
// The firmware's application: set up the inference engine, run the self-test, then serve the serial
// protocol. It works the same over TFLM's interpreter and over edgekit's runtime (edgekit_engine.h).
#ifndef EDGEKIT_APP_H_
#define EDGEKIT_APP_H_

#include <stddef.h>

/* Opens the link, loads the model and runs the self-test; says "ready" when `will_serve`. Returns false
 * when the model cannot run (the reason has been printed). */
bool ek_app_setup(bool will_serve = true);
/* True when every boot self-test sample gave the host TFLM's outputs. */
bool ek_app_selftest_passed();
/* Serve protocol frames; call it forever. */
void ek_app_poll();

/* Print one "edgekit: ..." line on the serial link. */
__attribute__((format(printf, 1, 2))) void ek_say(const char* format, ...);
/* A real number as text without printf's %f (which many embedded C libraries leave out). */
const char* ek_real_text(float value, char* out, size_t size);

#endif  // EDGEKIT_APP_H_
