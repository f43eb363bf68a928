// <BANNER>
// The builtin ops the model uses (each once, whatever the number of nodes), so that the resolver
// registers exactly these and nothing else. Needs no TFLM header.
#ifndef EDGEKIT_MODEL_OPS_H_
#define EDGEKIT_MODEL_OPS_H_

#define MODEL_OP_COUNT 1
/* FULLY_CONNECTED version 4: AddFullyConnected() */

#endif  /* EDGEKIT_MODEL_OPS_H_ */
