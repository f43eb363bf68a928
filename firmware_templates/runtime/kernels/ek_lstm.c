// edgekit runtime: UNIDIRECTIONAL_SEQUENCE_LSTM, int8 x int8 with an int16 cell state (TFLM's integer
// LstmStep: four gates from fully connected layers, cell update, hidden state, one time step at a time).
//
// TFLM computes each gate for every state element into scratch buffers, then updates the cell, then the
// hidden state. Every gate of element j depends only on the input and the previous hidden state, so this
// kernel computes the forget, input and cell gates of element j and updates cell[j] at once: no buffers.
// The output gate reads the whole previous hidden state, so the new hidden state is written to this
// step's slot of the output first and copied into the state afterwards (TFLM copies the other way).
#include "ek_lstm.h"

/* sigmoid(i / 24) in 0.16 fixed point, i = 0..255: the samples TFLM's int16 logistic and tanh interpolate
 * between (its sigmoid_table_uint16). Rounding exp() does not give all 256 values back (44 differ by
 * one), so bit-exactness needs the table itself. */
static const uint16_t k_sigmoid_table[256] = {
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432, 42064, 42688,
    43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475, 49975, 50464, 50942, 51409,
    51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433,
    57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110,
    61279, 61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186,
    63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308,
    64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208,
    65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360, 65367,
    65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433, 65438, 65442, 65445, 65449,
    65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491,
    65493, 65495, 65497, 65498, 65500, 65501, 65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513,
    65514, 65515, 65516, 65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533, 65533, 65533,
    65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535,
};

static int32_t scaled_input(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t round = shift > 0 ? (1 << (shift - 1)) : 0;
  return (x * multiplier + round) >> shift;
}

/* The table interpolated at |value| / 2^bits (Q.bits fraction), or `saturated` past its end. */
static uint32_t interpolate(int32_t value, int bits, uint32_t saturated) {
  const uint32_t magnitude = (uint32_t)(value < 0 ? -value : value);
  const uint32_t index = magnitude >> bits;
  if (index >= 255) return saturated;
  const uint32_t a = k_sigmoid_table[index], b = k_sigmoid_table[index + 1];
  return (a << bits) + (magnitude & ((1u << bits) - 1u)) * (b - a);
}

int16_t ek_sigmoid_s16(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t value = scaled_input(x, multiplier, shift);
  uint32_t result = interpolate(value, 9, 0x7FFFu << 10);
  /* the negative half by symmetry: sigmoid(-x) = 1 - sigmoid(x) */
  result = value >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1u;
  return (int16_t)(result >> 10);
}

int16_t ek_tanh_s16(int32_t x, int32_t multiplier, int32_t shift) {
  const int32_t value = scaled_input(x, multiplier, shift);
  /* tanh(x) = 2 sigmoid(2x) - 1: the same table at twice the input resolution */
  int32_t result = (int32_t)interpolate(value, 8, 0xFFFFu << 8);
  result = value >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
  return (int16_t)(result >> 8);
}

static int32_t clamp_s16(int32_t value) { return ek_min_i32(ek_max_i32(value, INT16_MIN), INT16_MAX); }

/* One gate's pre-activation for state element j: both fully connected layers to int16, added. */
static int32_t gate_sum(const ek_lstm_gate* g, const int8_t* x, int32_t input_size, const int8_t* h,
                        int32_t state_size, int32_t j) {
  const int32_t from_input = ek_requantize(
      g->input_bias[j] + ek_dot_s8(g->input_weights + j * input_size, x, input_size),
      g->input_multiplier, g->input_shift);
  const int32_t from_hidden = ek_requantize(
      g->recurrent_bias[j] + ek_dot_s8(g->recurrent_weights + j * state_size, h, state_size),
      g->recurrent_multiplier, g->recurrent_shift);
  return clamp_s16(clamp_s16(from_input) + clamp_s16(from_hidden));
}

static int32_t multiply_s16(int32_t a, int32_t b, int32_t multiplier, int32_t shift) {
  return ek_requantize(a * b, multiplier, shift);
}

/* One time step for `rows` rows (all batches when time major, else one): x [rows][input], h and c
 * [rows][state], out [rows][state]. */
static void lstm_step(const ek_lstm_params* p, int32_t rows, const int8_t* x, int8_t* h, int16_t* c, int8_t* out) {
  const int32_t n_in = p->input_size, n_state = p->state_size;
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t* xr = x + r * n_in;
    const int8_t* hr = h + r * n_state;
    int16_t* cr = c + r * n_state;
    for (int32_t j = 0; j < n_state; ++j) {
      const int32_t forget = ek_sigmoid_s16(gate_sum(&p->forget_gate, xr, n_in, hr, n_state, j), 3, 0);
      const int32_t input = ek_sigmoid_s16(gate_sum(&p->input_gate, xr, n_in, hr, n_state, j), 3, 0);
      const int32_t cell_gate = ek_tanh_s16(gate_sum(&p->cell_gate, xr, n_in, hr, n_state, j), 3, 0);
      const int32_t kept = clamp_s16(multiply_s16(forget, cr[j], p->forget_multiplier, p->forget_shift));
      const int32_t added = clamp_s16(multiply_s16(input, cell_gate, p->input_multiplier, p->input_shift));
      int32_t cell = clamp_s16(kept + added);
      if (p->cell_clip > 0) cell = ek_min_i32(ek_max_i32(cell, -p->cell_clip), p->cell_clip);
      cr[j] = (int16_t)cell;
    }
    for (int32_t j = 0; j < n_state; ++j) {
      const int32_t output = ek_sigmoid_s16(gate_sum(&p->output_gate, xr, n_in, hr, n_state, j), 3, 0);
      const int32_t squashed = ek_tanh_s16(cr[j], p->cell_tanh_multiplier, p->cell_tanh_shift);
      const int32_t value = multiply_s16(squashed, output, p->hidden_multiplier, p->hidden_shift);
      out[r * n_state + j] = ek_clamp_s8(value + p->hidden_zero_point, INT8_MIN, INT8_MAX);
    }
  }
  memcpy(h, out, (size_t)(rows * n_state));
}

void ek_lstm_s8_s16(const ek_lstm_params* p, const int8_t* input, int8_t* hidden, int16_t* cell, int8_t* output) {
  const int32_t n_in = p->input_size, n_state = p->state_size;
  if (p->time_major) {
    for (int32_t t = 0; t < p->time_steps; ++t)
      lstm_step(p, p->batches, input + t * p->batches * n_in, hidden, cell,
                output + t * p->batches * n_state);
    return;
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    for (int32_t t = 0; t < p->time_steps; ++t) {
      const int32_t step = b * p->time_steps + t;
      lstm_step(p, 1, input + step * n_in, hidden + b * n_state, cell + b * n_state, output + step * n_state);
    }
  }
}
