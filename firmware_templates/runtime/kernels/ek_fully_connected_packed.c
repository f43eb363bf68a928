// edgekit runtime: FULLY_CONNECTED with packed weights (ek_fully_connected_packed.h). Each unit's sum of
// w * x is the sum of its fields u * x, o * sum(x) and 2^k * m * x at its escapes: the same integer as
// TFLM's, so the outputs are bit-exact with its reference kernel.
#include "ek_fully_connected_packed.h"

/* SXTB16 and SMLAD, or the same integers in plain C where the core lacks them (EK_USE_DSP 0). */
#if EK_USE_DSP
#define PK_LOAD(p) ek_load_s8x4(p)
#define PK_EVEN(x) ek_sxtb16(x)
#define PK_ODD(x) ek_sxtb16_odd(x)
#define PK_SMLAD(a, b, acc) ek_smlad(a, b, acc)
#else
static inline uint32_t pk_load(const int8_t* p) {
  uint32_t word;
  memcpy(&word, p, 4);
  return word;
}

static inline uint32_t pk_even(uint32_t x) {
  const uint32_t low = (uint16_t)(int16_t)(int8_t)(x & 0xFF), high = (uint16_t)(int16_t)(int8_t)((x >> 16) & 0xFF);
  return low | (high << 16);
}

static inline int32_t pk_smlad(uint32_t a, uint32_t b, int32_t acc) {
  const int32_t low = (int32_t)(int16_t)(a & 0xFFFF) * (int16_t)(b & 0xFFFF);
  const int32_t high = (int32_t)(int16_t)(a >> 16) * (int16_t)(b >> 16);
  return (int32_t)((uint32_t)acc + (uint32_t)low + (uint32_t)high);
}
#define PK_LOAD(p) pk_load(p)
#define PK_EVEN(x) pk_even(x)
#define PK_ODD(x) pk_even((x) >> 8)
#define PK_SMLAD(a, b, acc) pk_smlad(a, b, acc)
#endif

/* Two 4-bit, 5-bit, 6-bit and 2-bit fields, one in each 16-bit half. */
#define PK_MASK4 0x000F000Fu
#define PK_MASK5 0x001F001Fu
#define PK_MASK6 0x003F003Fu
#define PK_MASK2 0x00030003u

/* (u >> s) & mask in one instruction (AND with a shifted register; GCC would shift and AND with an
 * immediate instead), and the mask kept in a register the compiler cannot see the value of. */
#if EK_USE_DSP
#define PK_DEFINE_FIELD(s)                                                  \
  static inline uint32_t pk_field##s(uint32_t u, uint32_t mask) {           \
    uint32_t result;                                                        \
    __asm__("and %0, %1, %2, lsr #" #s : "=r"(result) : "r"(mask), "r"(u)); \
    return result;                                                          \
  }
#define PK_OPAQUE(mask) __asm__("" : "+r"(mask))
#else
#define PK_DEFINE_FIELD(s) \
  static inline uint32_t pk_field##s(uint32_t u, uint32_t mask) { return (u >> s) & mask; }
#define PK_OPAQUE(mask) (void)0
#endif
PK_DEFINE_FIELD(4)
PK_DEFINE_FIELD(5)
PK_DEFINE_FIELD(6)
PK_DEFINE_FIELD(8)
PK_DEFINE_FIELD(10)
PK_DEFINE_FIELD(12)
PK_DEFINE_FIELD(14)

/* One input word's two pairs (x0, x2) and (x1, x3), each into the four units' accumulators, with the
 * fields `even` and `odd` make of each unit's word. */
#define PK_QUAD(xw, even, odd)                  \
  do {                                          \
    const uint32_t pair_even = PK_EVEN(xw);     \
    a0 = PK_SMLAD(pair_even, even(u0), a0);     \
    a1 = PK_SMLAD(pair_even, even(u1), a1);     \
    a2 = PK_SMLAD(pair_even, even(u2), a2);     \
    a3 = PK_SMLAD(pair_even, even(u3), a3);     \
    const uint32_t pair_odd = PK_ODD(xw);       \
    a0 = PK_SMLAD(pair_odd, odd(u0), a0);       \
    a1 = PK_SMLAD(pair_odd, odd(u1), a1);       \
    a2 = PK_SMLAD(pair_odd, odd(u2), a2);       \
    a3 = PK_SMLAD(pair_odd, odd(u3), a3);       \
  } while (0)

#define PK_LOAD4(offset) \
  u0 = w[(offset)];      \
  u1 = w[(offset) + k];  \
  u2 = w[(offset) + 2 * k]; \
  u3 = w[(offset) + 3 * k]

#define PK_START int32_t a0 = acc[0], a1 = acc[1], a2 = acc[2], a3 = acc[3]
#define PK_END \
  acc[0] = a0; \
  acc[1] = a1; \
  acc[2] = a2; \
  acc[3] = a3; \
  return w

/* Four units' int8 columns, four at a time: the input word's two sign-extended pairs feed the four. */
EK_NOINLINE static const uint32_t* pk_block8(const uint32_t* w, const int8_t* x, int32_t groups, int32_t acc[4]) {
  enum { k = 1 };
  PK_START;
  uint32_t u0, u1, u2, u3;
#define PK_EVEN8(u) PK_EVEN(u)
#define PK_ODD8(u) PK_ODD(u)
  EK_NO_UNROLL
  for (; groups; --groups, x += 4, w += 4) {
    PK_LOAD4(0);
    PK_QUAD(PK_LOAD(x), PK_EVEN8, PK_ODD8);
  }
  PK_END;
}

/* Four units' 4-bit fields, eight columns (one word per unit) at a time. */
EK_NOINLINE static const uint32_t* pk_block4(const uint32_t* w, const int8_t* x, int32_t groups, int32_t acc[4]) {
  enum { k = 1 };
  PK_START;
  uint32_t u0, u1, u2, u3, mask = PK_MASK4;
  PK_OPAQUE(mask);
#define PK_F0(u) ((u) & mask)
#define PK_F4(u) pk_field4(u, mask)
#define PK_F8(u) pk_field8(u, mask)
#define PK_F12(u) pk_field12(u, mask)
  EK_NO_UNROLL
  for (; groups; --groups, x += 8, w += 4) {
    PK_LOAD4(0);
    PK_QUAD(PK_LOAD(x), PK_F0, PK_F4);
    PK_QUAD(PK_LOAD(x + 4), PK_F8, PK_F12);
  }
  PK_END;
}

/* Four units' 5-bit fields, twelve columns (two words per unit) at a time. */
EK_NOINLINE static const uint32_t* pk_block5(const uint32_t* w, const int8_t* x, int32_t groups, int32_t acc[4]) {
  enum { k = 2 };
  PK_START;
  uint32_t u0, u1, u2, u3, mask = PK_MASK5;
  PK_OPAQUE(mask);
#define PK_F5(u) pk_field5(u, mask)
#define PK_F10(u) pk_field10(u, mask)
  EK_NO_UNROLL
  for (; groups; --groups, x += 12, w += 8) {
    PK_LOAD4(0);
    PK_QUAD(PK_LOAD(x), PK_F0, PK_F5);
    /* columns 4 and 6 from the first word, 5 and 7 from the second */
    const uint32_t xw = PK_LOAD(x + 4), pair_even = PK_EVEN(xw);
    a0 = PK_SMLAD(pair_even, PK_F10(u0), a0);
    a1 = PK_SMLAD(pair_even, PK_F10(u1), a1);
    a2 = PK_SMLAD(pair_even, PK_F10(u2), a2);
    a3 = PK_SMLAD(pair_even, PK_F10(u3), a3);
    PK_LOAD4(1);
    const uint32_t pair_odd = PK_ODD(xw);
    a0 = PK_SMLAD(pair_odd, PK_F0(u0), a0);
    a1 = PK_SMLAD(pair_odd, PK_F0(u1), a1);
    a2 = PK_SMLAD(pair_odd, PK_F0(u2), a2);
    a3 = PK_SMLAD(pair_odd, PK_F0(u3), a3);
    PK_QUAD(PK_LOAD(x + 8), PK_F5, PK_F10);
  }
  PK_END;
}

/* Four units' 6-bit fields, sixteen columns (three words per unit) at a time: twelve fields whole, and
 * columns 12 to 15 from the spare top four bits of each half (the low four bits in the first two words,
 * the top two in the third), put together in a second pass over the group's words. */
EK_NOINLINE static const uint32_t* pk_block6(const uint32_t* w, const int8_t* x, int32_t groups, int32_t acc[4]) {
  enum { k = 3 };
  PK_START;
  uint32_t u0, u1, u2, u3, mask = PK_MASK6;
  PK_OPAQUE(mask);
#define PK_F6(u) pk_field6(u, mask)
  EK_NO_UNROLL
  for (; groups; --groups, x += 16, w += 12) {
    PK_LOAD4(0);
    PK_QUAD(PK_LOAD(x), PK_F0, PK_F6);
    PK_LOAD4(1);
    PK_QUAD(PK_LOAD(x + 4), PK_F0, PK_F6);
    PK_LOAD4(2);
    PK_QUAD(PK_LOAD(x + 8), PK_F0, PK_F6);
    /* columns 12 to 15: (first word's top nibbles | third's bits 12-13 << 4), (second's | 14-15 << 4) */
    const uint32_t xw = PK_LOAD(x + 12);
    uint32_t pair = PK_EVEN(xw);
    a0 = PK_SMLAD(pair, ((w[0] >> 12) & PK_MASK4) | (((u0 >> 12) & PK_MASK2) << 4), a0);
    a1 = PK_SMLAD(pair, ((w[k] >> 12) & PK_MASK4) | (((u1 >> 12) & PK_MASK2) << 4), a1);
    a2 = PK_SMLAD(pair, ((w[2 * k] >> 12) & PK_MASK4) | (((u2 >> 12) & PK_MASK2) << 4), a2);
    a3 = PK_SMLAD(pair, ((w[3 * k] >> 12) & PK_MASK4) | (((u3 >> 12) & PK_MASK2) << 4), a3);
    pair = PK_ODD(xw);
    a0 = PK_SMLAD(pair, ((w[1] >> 12) & PK_MASK4) | (((u0 >> 14) & PK_MASK2) << 4), a0);
    a1 = PK_SMLAD(pair, ((w[k + 1] >> 12) & PK_MASK4) | (((u1 >> 14) & PK_MASK2) << 4), a1);
    a2 = PK_SMLAD(pair, ((w[2 * k + 1] >> 12) & PK_MASK4) | (((u2 >> 14) & PK_MASK2) << 4), a2);
    a3 = PK_SMLAD(pair, ((w[3 * k + 1] >> 12) & PK_MASK4) | (((u3 >> 14) & PK_MASK2) << 4), a3);
  }
  PK_END;
}

/* A unit's last columns, int8 from the next words: its accumulator plus their products. */
static const uint32_t* pk_tail(const uint32_t* w, const int8_t* x, int32_t n, int32_t* acc) {
  const int8_t* t = (const int8_t*)w;
  int32_t sum = *acc;
  for (int32_t i = 0; i < n; ++i) sum += (int32_t)x[i] * t[i];
  *acc = sum;
  return w + (n + 3) / 4;
}

/* m * x[column] over a unit's escapes. */
static int32_t pk_escapes(const uint16_t** escapes, int32_t n, const int8_t* x) {
  const uint16_t* e = *escapes;
  int32_t sum = 0;
  for (; n; --n) {
    const uint32_t entry = *e++;
    sum += (((int32_t)(entry & 31) ^ 16) - 16) * x[entry >> 5];
  }
  *escapes = e;
  return sum;
}

static int32_t pk_sum_s8(const int8_t* x, int32_t n) {
  int32_t sum = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t xw = PK_LOAD(x + i);
    sum = PK_SMLAD(PK_EVEN(xw), 0x00010001u, sum);
    sum = PK_SMLAD(PK_ODD(xw), 0x00010001u, sum);
  }
  for (; i < n; ++i) sum += x[i];
  return sum;
}

/* Columns of a group, per width code. */
static const uint8_t pk_group_columns[4] = {4, 8, 12, 16};

void ek_fully_connected_packed_s8(const ek_fc_params* p, const ek_fc_packing* packing, const int8_t* input,
                                  int8_t* output) {
  const int32_t depth = p->in_depth, units = p->out_depth;
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* x = input + b * depth;
    int8_t* out = output + b * units;
    /* sum(x) over each width's packed columns: the offsets' term */
    const int32_t total = pk_sum_s8(x, depth);
    int32_t sums[4];
    for (int code = 0; code < 4; ++code) {
      sums[code] = total - pk_sum_s8(x + depth - depth % pk_group_columns[code], depth % pk_group_columns[code]);
    }
    const uint32_t* w = packing->words;
    const uint16_t* escapes = packing->escapes;
    int32_t o = 0;
    for (; o + 4 <= units; o += 4) {
      const int32_t block = o >> 2;
      const int code = (packing->widths[block >> 2] >> (2 * (block & 3))) & 3;
      const int32_t columns = depth - depth % pk_group_columns[code];
      int32_t a[4] = {p->base[o], p->base[o + 1], p->base[o + 2], p->base[o + 3]};
      switch (code) {
        case EK_FC_PACKED_4:
          w = pk_block4(w, x, columns / 8, a);
          break;
        case EK_FC_PACKED_5:
          w = pk_block5(w, x, columns / 12, a);
          break;
        case EK_FC_PACKED_6:
          w = pk_block6(w, x, columns / 16, a);
          break;
        default:
          w = pk_block8(w, x, columns / 4, a);
          break;
      }
      for (int r = 0; r < 4; ++r) {
        if (code != EK_FC_PACKED_INT8) {
          const int32_t scale = 1 << (code + 3); /* 2^k: k is 4, 5 or 6 */
          a[r] += packing->offsets[o + r] * sums[code] + scale * pk_escapes(&escapes, packing->escape_counts[o + r], x);
        }
        if (columns < depth) w = pk_tail(w, x + columns, depth - columns, &a[r]);
      }
      ek_fully_connected_finish_units_s8(p, a, o, 4, out);
    }
    for (; o < units; ++o, w += (depth + 3) / 4) {
      const int32_t a = p->base[o] + ek_dot_s8(x, (const int8_t*)w, depth);
      ek_fully_connected_finish_units_s8(p, &a, o, 1, out);
    }
  }
}
