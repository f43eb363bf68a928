// edgekit runtime: gemmlowp's fixed-point exp, reciprocal, logistic and tanh (Q-format int32), shared by softmax, logistic and tanh.
#ifndef EK_FIXEDPOINT_H_
#define EK_FIXEDPOINT_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* exp(a) for a <= 0; a in Q(integer_bits).(31 - integer_bits), the result in Q0.31. */
int32_t ek_exp_on_negative_values(int32_t a, int integer_bits);
/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out. */
int32_t ek_one_over_one_plus_x_for_x_in_0_1(int32_t a);
/* logistic(a) for a in Q4.27, the result in Q0.31 (gemmlowp::logistic). */
int32_t ek_logistic_q4(int32_t a);
/* tanh(a) for a in Q4.27, the result in Q0.31 (gemmlowp::tanh). */
int32_t ek_tanh_q4(int32_t a);

#ifdef __cplusplus
}
#endif

#endif  /* EK_FIXEDPOINT_H_ */
