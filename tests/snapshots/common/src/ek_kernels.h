// <BANNER>
// edgekit's int8 kernel library (portable C99), one header and one source per op family. Each kernel
// reproduces the integer arithmetic of TFLM's reference kernel bit for bit: gemmlowp-style double rounding
// in the requantization, multipliers and shifts computed ahead of time by the generator from the model's
// scales in double precision. Only the sources of the families this model uses are in the project.
#ifndef EK_KERNELS_H_
#define EK_KERNELS_H_

#include "ek_common.h"
#include "ek_add.h"
#include "ek_concatenation.h"
#include "ek_conv.h"
#include "ek_copy.h"
#include "ek_fixedpoint.h"
#include "ek_fully_connected.h"
#include "ek_gather.h"
#include "ek_logistic.h"
#include "ek_mul.h"
#include "ek_pooling.h"
#include "ek_quantize.h"
#include "ek_reduce.h"
#include "ek_softmax.h"

#endif  /* EK_KERNELS_H_ */
