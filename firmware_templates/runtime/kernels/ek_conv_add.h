// edgekit runtime: a convolution fused with the ADD (or SUB) that alone reads its output: a residual
// block's last layer and its sum with the skip path, a row at a time.
#ifndef EK_CONV_ADD_H_
#define EK_CONV_ADD_H_

#include "ek_add.h"
#include "ek_conv_chain.h"

#ifdef __cplusplus
extern "C" {
#endif

/* `add` (an ek_add_s8 over one output row) of the convolution `conv` and the skip path, one output row
 * at a time, so that neither operand exists whole: `conv` makes each row in `conv_row`, from the last of
 * `count` convolutions `stages` in a row (as ek_conv_chain_s8 runs them, through `windows`) or, when count
 * is 0, from its own input; the skip row is made by the convolution `skip_conv` in `skip_row`, or when
 * that is NULL read from the tensor `skip`. `conv_is_input2` is 1 when the convolution's output is the
 * op's second input. Output row r is written after every read of it is done, so the output may start where
 * the first convolution's input does when later rows read nothing above it (edgekit/runtime_ops/conv_add.py
 * checks that). The same integers as the layers one after the other. */
void ek_conv_add_s8(const ek_binary_params* add, int32_t conv_is_input2, const ek_conv_source* stages,
                    int32_t count, int8_t* const* windows, const ek_conv_source* conv, int8_t* conv_row,
                    const ek_conv_source* skip_conv, const int8_t* skip, int8_t* skip_row, int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_CONV_ADD_H_ */
