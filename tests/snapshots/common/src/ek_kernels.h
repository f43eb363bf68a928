// <BANNER>
// edgekit's int8 kernel library (portable C99), one header and one source per op family. Each kernel
// reproduces the integer arithmetic of TFLM's reference kernel bit for bit: gemmlowp-style double rounding
// in the requantization, multipliers and shifts computed ahead of time by the generator from the model's
// scales in double precision. Only the sources of the families this model uses are in the project.
#ifndef EK_KERNELS_H_
#define EK_KERNELS_H_

#include "ek_common.h"
#include "ek_activations.h"
#include "ek_add.h"
#include "ek_arg_min_max.h"
#include "ek_batch_matmul.h"
#include "ek_broadcast.h"
#include "ek_comparisons.h"
#include "ek_concatenation.h"
#include "ek_conv.h"
#include "ek_conv_add.h"
#include "ek_conv_chain.h"
#include "ek_conv_dense.h"
#include "ek_conv_in_place.h"
#include "ek_copy.h"
#include "ek_div.h"
#include "ek_elementwise_unary.h"
#include "ek_fixedpoint.h"
#include "ek_fully_connected.h"
#include "ek_fully_connected_packed.h"
#include "ek_gather.h"
#include "ek_inv_sqrt.h"
#include "ek_l2norm.h"
#include "ek_log_softmax.h"
#include "ek_logistic.h"
#include "ek_lstm.h"
#include "ek_maximum_minimum.h"
#include "ek_mul.h"
#include "ek_pooling.h"
#include "ek_quantize.h"
#include "ek_reduce.h"
#include "ek_resize.h"
#include "ek_select.h"
#include "ek_softmax.h"
#include "ek_squared_difference.h"
#include "ek_svdf.h"
#include "ek_transpose_conv.h"

#endif  /* EK_KERNELS_H_ */
