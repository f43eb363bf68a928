// <BANNER>
// The firmware's application: set up TFLM, run the self-test, then serve the serial protocol.
#ifndef EDGEKIT_APP_H_
#define EDGEKIT_APP_H_

/* Returns false when the model cannot run (the reason has been printed). */
bool ek_app_setup();
/* Serve protocol frames; call it forever. */
void ek_app_poll();

#endif  // EDGEKIT_APP_H_
