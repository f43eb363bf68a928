// edgekit runtime: UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell state
// (TFLM's unidirectional_sequence_lstm.cc, lstm_eval.cc, lstm_eval_common.cc).
#ifndef EK_LSTM_H_
#define EK_LSTM_H_

#include "ek_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One gate: an int8 fully connected layer of the input and one of the hidden state, each to int16 in
 * Q3.12, added with saturation. The biases fold in the input offsets (bias + offset * row sum). */
typedef struct {
  const int8_t* input_weights;      /* [state][input] */
  const int8_t* recurrent_weights;  /* [state][state] */
  const int32_t* input_bias;        /* [state] */
  const int32_t* recurrent_bias;    /* [state] */
  int32_t input_multiplier, input_shift, recurrent_multiplier, recurrent_shift;
} ek_lstm_gate;

typedef struct {
  int32_t batches, time_steps, input_size, state_size, time_major;
  ek_lstm_gate forget_gate, input_gate, cell_gate, output_gate;
  int32_t forget_multiplier, forget_shift;  /* forget gate x cell -> cell */
  int32_t input_multiplier, input_shift;    /* input gate x cell gate -> cell */
  int32_t hidden_multiplier, hidden_shift, hidden_zero_point;  /* output gate x tanh(cell) -> hidden */
  int32_t cell_clip;  /* quantized; 0 for none */
  int32_t cell_tanh_multiplier, cell_tanh_shift;  /* the cell state's scale into tanh's input */
} ek_lstm_params;

/* The whole sequence: `hidden` (int8, [batches][state]) and `cell` (int16) are the variable tensors that
 * carry the state from one step, and one call, to the next; `output` gets every step's hidden state. */
void ek_lstm_s8_s16(const ek_lstm_params* p, const int8_t* input, int8_t* hidden, int16_t* cell, int8_t* output);

/* TFLM's int16 logistic and tanh of the LSTM (reference_integer_ops::Logistic and Tanh): 0.16 sigmoid
 * samples, linearly interpolated. The input is x * multiplier, rounded and shifted right by `shift`. */
int16_t ek_sigmoid_s16(int32_t x, int32_t multiplier, int32_t shift);
int16_t ek_tanh_s16(int32_t x, int32_t multiplier, int32_t shift);

#ifdef __cplusplus
}
#endif

#endif  /* EK_LSTM_H_ */
