// edgekit runtime: FULLY_CONNECTED, int8; bit-exact with TFLM's reference kernel.
#include "ek_fully_connected.h"

/* An output from its accumulator (the base already in it): requantization, output offset, clamp. */
static inline int8_t fc_finish_s8(const ek_fc_params* p, int32_t acc, int32_t o) {
  const int32_t k = p->per_channel ? o : 0;
  const int32_t scaled = p->right_shift ? ek_requantize_right(acc, p->multiplier[k], p->right_shift[k])
                                        : ek_requantize(acc, p->multiplier[k], p->shift[k]);
  return ek_clamp_s8(scaled + p->output_offset, p->act_min, p->act_max);
}

/* With the generator's per-output base (filter offset 0): two outputs at a time, each input word loaded
 * once for both weight rows, and two batches at a time when there are two (ek_dot_s8_2x2). */
static void fully_connected_base_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights,
                                    int8_t* output) {
  const int32_t depth = p->in_depth, units = p->out_depth;
  const int32_t* base = p->base;
  int32_t b = 0;
  for (; b + 2 <= p->batches; b += 2) {
    const int8_t* x = input + b * depth;
    int8_t* out = output + b * units;
    int32_t o = 0;
    for (; o + 2 <= units; o += 2) {
      int32_t dots[4];
      ek_dot_s8_2x2(x, x + depth, weights + o * depth, weights + (o + 1) * depth, depth, dots);
      out[o] = fc_finish_s8(p, dots[0] + base[o], o);
      out[o + 1] = fc_finish_s8(p, dots[1] + base[o + 1], o + 1);
      out[units + o] = fc_finish_s8(p, dots[2] + base[o], o);
      out[units + o + 1] = fc_finish_s8(p, dots[3] + base[o + 1], o + 1);
    }
    if (o < units) {
      const int8_t* w = weights + o * depth;
      out[o] = fc_finish_s8(p, ek_dot_s8(x, w, depth) + base[o], o);
      out[units + o] = fc_finish_s8(p, ek_dot_s8(x + depth, w, depth) + base[o], o);
    }
  }
  for (; b < p->batches; ++b) {
    const int8_t* x = input + b * depth;
    int8_t* out = output + b * units;
    int32_t o = 0;
#if !EK_USE_DSP
    /* the plain C path: four units at a time, each input value loaded once for the four */
    for (; o + 4 <= units; o += 4) {
      const int8_t* w0 = weights + o * depth;
      const int8_t* w1 = w0 + depth;
      const int8_t* w2 = w1 + depth;
      const int8_t* w3 = w2 + depth;
      int32_t acc0 = base[o], acc1 = base[o + 1], acc2 = base[o + 2], acc3 = base[o + 3];
      for (int32_t i = 0; i < depth; ++i) {
        const int32_t xi = x[i];
        acc0 += xi * w0[i];
        acc1 += xi * w1[i];
        acc2 += xi * w2[i];
        acc3 += xi * w3[i];
      }
      out[o] = fc_finish_s8(p, acc0, o);
      out[o + 1] = fc_finish_s8(p, acc1, o + 1);
      out[o + 2] = fc_finish_s8(p, acc2, o + 2);
      out[o + 3] = fc_finish_s8(p, acc3, o + 3);
    }
#endif
    for (; o + 2 <= units; o += 2) {
      const int8_t* u = weights + o * depth;
      const int8_t* v = u + depth;
      int32_t acc_u = base[o], acc_v = base[o + 1];
      int32_t i = 0;
#if EK_USE_DSP
      for (; i + 4 <= depth; i += 4) {
        const uint32_t wx = ek_load_s8x4(x + i), wu = ek_load_s8x4(u + i), wv = ek_load_s8x4(v + i);
        const uint32_t x_even = ek_sxtb16(wx), x_odd = ek_sxtb16_odd(wx);
        acc_u = ek_smlad(x_even, ek_sxtb16(wu), acc_u);
        acc_u = ek_smlad(x_odd, ek_sxtb16_odd(wu), acc_u);
        acc_v = ek_smlad(x_even, ek_sxtb16(wv), acc_v);
        acc_v = ek_smlad(x_odd, ek_sxtb16_odd(wv), acc_v);
      }
#endif
      for (; i < depth; ++i) {
        acc_u += (int32_t)x[i] * u[i];
        acc_v += (int32_t)x[i] * v[i];
      }
      out[o] = fc_finish_s8(p, acc_u, o);
      out[o + 1] = fc_finish_s8(p, acc_v, o + 1);
    }
    if (o < units) out[o] = fc_finish_s8(p, ek_dot_s8(x, weights + o * depth, depth) + base[o], o);
  }
}

void ek_fully_connected_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights, const int32_t* bias,
                           int8_t* output) {
  if (p->base) {
    fully_connected_base_s8(p, input, weights, output);
    return;
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* x = input + b * p->in_depth;
    for (int32_t o = 0; o < p->out_depth; ++o) {
      const int8_t* w = weights + o * p->in_depth;
      int32_t acc = 0;
      if (p->row_sums) {
        /* sum((w + fo) * (x + io)) = sum(w * x) + fo * sum(x) + io * sum(w + fo) */
        if (p->filter_offset == 0) {
          acc = ek_dot_s8(w, x, p->in_depth);
        } else {
          for (int32_t i = 0; i < p->in_depth; ++i) acc += ((int32_t)w[i] + p->filter_offset) * (int32_t)x[i];
        }
        acc += p->input_offset * p->row_sums[o];
      } else {
        for (int32_t i = 0; i < p->in_depth; ++i) {
          acc += ((int32_t)w[i] + p->filter_offset) * ((int32_t)x[i] + p->input_offset);
        }
      }
      if (bias) acc += bias[o];
      output[b * p->out_depth + o] = fc_finish_s8(p, acc, o);
    }
  }
}
