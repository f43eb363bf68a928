// edgekit runtime: FULLY_CONNECTED, int8; bit-exact with TFLM's reference kernel.
#include "ek_fully_connected.h"

/* An output from its accumulator (the base already in it): requantization, output offset, clamp. One copy
 * rather than one inlined at each call site: 1.4 KB less code, for a call per output on the paths that
 * finish one output at a time (the interleaved blocks finish theirs in one pass). */
EK_NOINLINE static int8_t fc_finish_s8(const ek_fc_params* p, int32_t acc, int32_t o) {
  const int32_t k = p->per_channel ? o : 0;
  const int32_t scaled = p->right_shift ? ek_requantize_right(acc, p->multiplier[k], p->right_shift[k])
                                        : ek_requantize(acc, p->multiplier[k], p->shift[k]);
  return ek_clamp_s8(scaled + p->output_offset, p->act_min, p->act_max);
}

void ek_fully_connected_finish_s8(const ek_fc_params* p, const int32_t* acc, int8_t* output) {
  for (int32_t o = 0; o < p->out_depth; ++o) output[o] = fc_finish_s8(p, acc[o], o);
}

/* --- interleaved weight blocks (blocked_units) ------------------------------------------------------ */

#if EK_USE_DSP
/* Four units of a block of `block` units, over one input row, from their bases into acc: each input word
 * is loaded and sign-extended once for the four, each unit's four weights are one word at a constant
 * offset, two SMLADs per word (EK_FC_QUAD_S8_ASM on Thumb-2 DSP builds). */
static void fc_quad_dsp_s8(const int8_t* x, const int8_t* w, int32_t depth, int32_t block, const int32_t base[4],
                           int32_t acc[4]) {
  int32_t a0 = base[0], a1 = base[1], a2 = base[2], a3 = base[3];
  const int8_t* end = x + depth;
#if EK_DSP_ASM
  uint32_t t, pe, po, u, v;
  if (depth) {
    if (block == EK_FC_BLOCK) {
      EK_FC_QUAD_S8_ASM(32);
    } else {
      EK_FC_QUAD_S8_ASM(16);
    }
  }
#else
  const int32_t step = 4 * block;
  EK_NO_UNROLL
  for (; x != end; x += 4, w += step) {
    const uint32_t xw = ek_load_s8x4(x);
    const uint32_t x_even = ek_sxtb16(xw), x_odd = ek_sxtb16_odd(xw);
    uint32_t ww = ek_load_s8x4(w);
    a0 = ek_smlad(x_even, ek_sxtb16(ww), a0);
    a0 = ek_smlad(x_odd, ek_sxtb16_odd(ww), a0);
    ww = ek_load_s8x4(w + 4);
    a1 = ek_smlad(x_even, ek_sxtb16(ww), a1);
    a1 = ek_smlad(x_odd, ek_sxtb16_odd(ww), a1);
    ww = ek_load_s8x4(w + 8);
    a2 = ek_smlad(x_even, ek_sxtb16(ww), a2);
    a2 = ek_smlad(x_odd, ek_sxtb16_odd(ww), a2);
    ww = ek_load_s8x4(w + 12);
    a3 = ek_smlad(x_even, ek_sxtb16(ww), a3);
    a3 = ek_smlad(x_odd, ek_sxtb16_odd(ww), a3);
  }
#endif
  acc[0] = a0;
  acc[1] = a1;
  acc[2] = a2;
  acc[3] = a3;
}

/* A block's units four at a time (fewer registers than the eight of the plain path need with SMLAD). */
static void fc_block_s8(const int8_t* x, const int8_t* w, int32_t depth, int32_t block, const int32_t* base,
                        int32_t* acc) {
  /* (each quad starts from its units' bases: a copy of them first would be a memcpy call per block) */
  for (int32_t u = 0; u < block; u += 4) fc_quad_dsp_s8(x, w + 4 * u, depth, block, base + u, acc + u);
}
#else
/* One input value times unit u's weight j of the current group, for every unit of the block: the weights
 * sit 4 bytes apart (LDRSB with a constant offset), the input value is loaded once for all of them. */
#define EK_FC_TAPS4(j)                                                                   \
  do {                                                                                   \
    const int32_t xj = x[j];                                                             \
    a0 += xj * w[(j)];                                                                   \
    a1 += xj * w[4 + (j)];                                                               \
    a2 += xj * w[8 + (j)];                                                               \
    a3 += xj * w[12 + (j)];                                                              \
  } while (0)
#define EK_FC_TAPS8(j)                                                                   \
  do {                                                                                   \
    const int32_t xj = x[j];                                                             \
    a0 += xj * w[(j)];                                                                   \
    a1 += xj * w[4 + (j)];                                                               \
    a2 += xj * w[8 + (j)];                                                               \
    a3 += xj * w[12 + (j)];                                                              \
    a4 += xj * w[16 + (j)];                                                              \
    a5 += xj * w[20 + (j)];                                                              \
    a6 += xj * w[24 + (j)];                                                              \
    a7 += xj * w[28 + (j)];                                                              \
  } while (0)

/* The plain C path: a whole block per pass, eight (or four) accumulators in registers, each input value
 * loaded once for all of them (MLA is one instruction on the Cortex-M3 and RV32's MUL + ADD two). */
EK_NOINLINE static void fc_block_s8(const int8_t* x, const int8_t* w, int32_t depth, int32_t block,
                                    const int32_t* base, int32_t* acc) {
  /* a count rather than an end pointer: GCC 12 then keeps all eight accumulators in registers */
  int32_t groups = depth >> 2;
  if (block == 8) {
    int32_t a0 = base[0], a1 = base[1], a2 = base[2], a3 = base[3], a4 = base[4], a5 = base[5], a6 = base[6];
    int32_t a7 = base[7];
    EK_NO_UNROLL
    for (; groups; --groups, x += 4, w += 32) {
      EK_FC_TAPS8(0);
      EK_FC_TAPS8(1);
      EK_FC_TAPS8(2);
      EK_FC_TAPS8(3);
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
    acc[4] = a4;
    acc[5] = a5;
    acc[6] = a6;
    acc[7] = a7;
  } else {
    int32_t a0 = base[0], a1 = base[1], a2 = base[2], a3 = base[3];
    EK_NO_UNROLL
    for (; groups; --groups, x += 4, w += 16) {
      EK_FC_TAPS4(0);
      EK_FC_TAPS4(1);
      EK_FC_TAPS4(2);
      EK_FC_TAPS4(3);
    }
    acc[0] = a0;
    acc[1] = a1;
    acc[2] = a2;
    acc[3] = a3;
  }
}
#undef EK_FC_TAPS4
#undef EK_FC_TAPS8
#endif

/* fc_finish_block_s8's work, inlined twice: with the activation range all of int8 and without. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void fc_finish_block_body_s8(const ek_fc_params* p, const int32_t* acc, int32_t o, int32_t n,
                                           int8_t* out, int full) {
  const int32_t output_offset = p->output_offset, act_min = p->act_min, act_max = p->act_max;
  if (p->right_shift && !p->per_channel) {
    /* one multiplier for the layer: kept in registers */
    const int32_t multiplier = p->multiplier[0], right = p->right_shift[0];
    if (p->narrow) {
      for (int32_t u = 0; u < n; ++u) {
        const int32_t scaled = ek_requantize_right_narrow(acc[u], multiplier, right);
        out[u] = ek_clamp_output_s8(scaled + output_offset, full, act_min, act_max);
      }
    } else {
      for (int32_t u = 0; u < n; ++u) {
        const int32_t scaled = ek_requantize_right(acc[u], multiplier, right);
        out[u] = ek_clamp_output_s8(scaled + output_offset, full, act_min, act_max);
      }
    }
  } else if (p->right_shift) {
    const int32_t* multiplier = p->multiplier + o;
    const int8_t* right = p->right_shift + o;
    if (p->narrow) {
      for (int32_t u = 0; u < n; ++u) {
        const int32_t scaled = ek_requantize_right_narrow(acc[u], multiplier[u], right[u]);
        out[u] = ek_clamp_output_s8(scaled + output_offset, full, act_min, act_max);
      }
    } else {
      for (int32_t u = 0; u < n; ++u) {
        const int32_t scaled = ek_requantize_right(acc[u], multiplier[u], right[u]);
        out[u] = ek_clamp_output_s8(scaled + output_offset, full, act_min, act_max);
      }
    }
  } else {
    const int32_t step = p->per_channel ? 1 : 0;
    const int32_t* multiplier = p->multiplier + step * o;
    const int32_t* shift = p->shift + step * o;
    for (int32_t u = 0; u < n; ++u) {
      const int32_t scaled = ek_requantize(acc[u], multiplier[step * u], shift[step * u]);
      out[u] = ek_clamp_output_s8(scaled + output_offset, full, act_min, act_max);
    }
  }
}

/* Outputs o .. o + n - 1 from their accumulators, the parameters read once for all of them (per output,
 * fc_finish_s8 reads them again after every store, which may alias the parameter block). Inlined into
 * each caller: a model links one of them, and a shared copy would cost a call per block. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline void fc_finish_block_s8(const ek_fc_params* p, const int32_t* acc, int32_t o, int32_t n, int8_t* out) {
  if (p->act_min == -128 && p->act_max == 127) {
    fc_finish_block_body_s8(p, acc, o, n, out, 1);
  } else {
    fc_finish_block_body_s8(p, acc, o, n, out, 0);
  }
}

void ek_fully_connected_finish_units_s8(const ek_fc_params* p, const int32_t* acc, int32_t first, int32_t count,
                                        int8_t* output) {
  fc_finish_block_s8(p, acc, first, count, output + first);
}

/* The interleaved blocks of every batch, the remaining (row-major) units by fully_connected_base_s8's
 * loops. Returns nothing; all units of all batches are written. */
static void fully_connected_blocked_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights,
                                       int8_t* output) {
  const int32_t depth = p->in_depth, units = p->out_depth, blocked = p->blocked_units;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* x = input + b * depth;
    int8_t* out = output + b * units;
    const int8_t* w = weights;
    int32_t o = 0;
    while (o < blocked) {
      const int32_t block = blocked - o >= EK_FC_BLOCK ? EK_FC_BLOCK : 4;
      int32_t acc[EK_FC_BLOCK];
      fc_block_s8(x, w, depth, block, p->base + o, acc);
      fc_finish_block_s8(p, acc, o, block, out + o);
      o += block;
      w += block * depth;
    }
    for (; o < units; ++o, w += depth) out[o] = fc_finish_s8(p, ek_dot_s8(x, w, depth) + p->base[o], o);
  }
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

void ek_fully_connected_base_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights,
                                const int32_t* bias, int8_t* output) {
  (void)bias; /* in the base */
  fully_connected_base_s8(p, input, weights, output);
}

void ek_fully_connected_s8(const ek_fc_params* p, const int8_t* input, const int8_t* weights, const int32_t* bias,
                           int8_t* output) {
  if (p->blocked_units) {
    fully_connected_blocked_s8(p, input, weights, output);
    return;
  }
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
