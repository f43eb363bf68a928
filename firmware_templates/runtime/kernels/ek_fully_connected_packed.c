// edgekit runtime: FULLY_CONNECTED with packed weights (ek_fully_connected_packed.h). Each unit's sum of
// w * x is the sum of its fields u * x, o * sum(x) and 2^k * m * x at its escapes: the same integer as
// TFLM's, so the outputs are bit-exact with its reference kernel.
#include "ek_fully_connected_packed.h"

/* Two 4-bit and 5-bit fields, one in each 16-bit half. */
#define PK_MASK4 0x000F000Fu
#define PK_MASK5 0x001F001Fu

/* What a layer's blocks share: its input; per width code, the groups of its columns a block's loop runs,
 * the sum of the inputs over them (the offsets' term) and its int8 tail (start << 8 | length, 0 for none);
 * and the cursors into the packing's per-unit arrays, which each packed block moves past its units. */
typedef struct {
  const int8_t* x;
  int32_t groups[4], sums[4], tails[4];
  const int8_t* offsets;
  const uint8_t* counts;
  const uint16_t* escapes;
  const uint8_t* short_escapes;
} pk_layer;

/* Every block function starts its four units' accumulators a0 .. a3 at their bases, runs its loop over the
 * block's groups (x walking the input), adds the offsets' and escapes' terms, stores the four in acc and
 * returns the words after the block's groups. The accumulators are unsigned, summed modulo 2^32: a delta
 * block's hold a unit's sum less the preceding unit's, which int32 need not hold (the kernel's results, the
 * preceding unit's added back, do). */
#define PK_ACCUMULATORS(code)                                                                            \
  const int8_t* x = layer->x;                                                                            \
  int32_t groups = layer->groups[code];                                                                  \
  uint32_t a0 = (uint32_t)base[0], a1 = (uint32_t)base[1], a2 = (uint32_t)base[2], a3 = (uint32_t)base[3]
/* (plain C) each unit's accumulator plus `fields` of its word: unit r's is w[first + r * stride] */
#define PK_ADD4(fields, first, stride)       \
  a0 += fields(w[(first)]);                  \
  a1 += fields(w[(first) + (stride)]);       \
  a2 += fields(w[(first) + 2 * (stride)]);   \
  a3 += fields(w[(first) + 3 * (stride)])
#define PK_STORE_RETURN   \
  acc[0] = (int32_t)a0;   \
  acc[1] = (int32_t)a1;   \
  acc[2] = (int32_t)a2;   \
  acc[3] = (int32_t)a3;   \
  return w

/* sum(m * x[column]) over a 4-bit unit's n (at least 1) escapes (column << 5 | m & 31), times 2^4; the
 * cursor moves past them. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int32_t pk_escapes4(const uint16_t** cursor, int32_t n, const int8_t* x) {
  const uint16_t* e = *cursor;
  int32_t corrections = 0;
  do {
    const uint32_t entry = *e++;
    corrections += ((int32_t)(entry << 27) >> 27) * x[entry >> 5];
  } while (--n);
  *cursor = e;
  return (int32_t)((uint32_t)corrections << 4);
}

/* sum(m * x[column]) over a 5- or 6-bit unit's n (at least 1) byte escapes (gap << m_bits | m), times
 * 2^k: inlined with m_bits and k constants, so that m is one signed bit-field extraction (SBFX) and the gap
 * an add with a shifted operand; the cursor moves past them. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline int32_t pk_short_escapes(const uint8_t** cursor, int32_t n, const int8_t* column, int m_bits, int k) {
  const uint8_t* e = *cursor;
  int32_t corrections = 0;
  do {
    const uint32_t entry = *e++;
    column += entry >> m_bits;
    corrections += ((int32_t)(entry << (32 - m_bits)) >> (32 - m_bits)) * *column;
  } while (--n);
  *cursor = e;
  return (int32_t)((uint32_t)corrections << k);
}

/* A packed block's four units after its loop: o * sum(x) over the packed columns and the escapes' terms
 * (`unit_escapes`: the call for one unit with escapes, given the cursor, its count and the input; `cursor`:
 * the layer's cursor of `type` entries it reads), the layer's cursors moved past the four. */
#define PK_UNIT_TERMS(code, type, cursor, unit_escapes)        \
  {                                                            \
    const int32_t sum = layer->sums[code];                     \
    const int8_t* o = layer->offsets;                          \
    const uint8_t* n = layer->counts;                          \
    const int8_t* input = layer->x;                            \
    const type* e = layer->cursor;                             \
    a0 += (uint32_t)(o[0] * sum);                              \
    a1 += (uint32_t)(o[1] * sum);                              \
    a2 += (uint32_t)(o[2] * sum);                              \
    a3 += (uint32_t)(o[3] * sum);                              \
    if (n[0]) a0 += (uint32_t)unit_escapes(&e, n[0], input);   \
    if (n[1]) a1 += (uint32_t)unit_escapes(&e, n[1], input);   \
    if (n[2]) a2 += (uint32_t)unit_escapes(&e, n[2], input);   \
    if (n[3]) a3 += (uint32_t)unit_escapes(&e, n[3], input);   \
    layer->cursor = e;                                         \
    layer->offsets = o + 4;                                    \
    layer->counts = n + 4;                                     \
  }
#define PK_ESCAPES5(cursor, n, input) pk_short_escapes(cursor, n, input, 4, 5)
#define PK_ESCAPES6(cursor, n, input) pk_short_escapes(cursor, n, input, 3, 6)

#if EK_DSP_ASM
/* The block loops in assembly (EK_DSP_ASM; the masks are Thumb-2 immediates): GCC keeps the four input
 * pairs of a group live at once and spills the accumulators; here one input word's two pairs (SXTB16) feed
 * the four units. The 5-bit loop loads each unit's word again for the next input word rather than keep
 * it, in twelve registers: four accumulators, the weight and input pointers, the input's end, the mask,
 * the unit's word, the two pairs and the field. The 4-bit and 6-bit loops (pk_block4, pk_block6) and the
 * int8 one (ek_fully_connected.h's EK_FC_QUAD_S8_ASM) load two units' words at once instead (LDRD), with
 * the input's end kept in memory for the second word's register. */
#define PK_X                              \
  "ldr %[t], [%[x]], #4\n\t"              \
  "sxtb16 %[pe], %[t]\n\t"                \
  "sxtb16 %[po], %[t], ror #8\n\t"
/* a unit's two fields of its word in register `word` (at `even` and `odd`, e.g. "" and ", lsr #4") into
 * its accumulator */
#define PK_FIELDS(acc, word, even, odd)                    \
  "and %[t], %[m], %[" #word "]" even "\n\t"               \
  "smlad %[" #acc "], %[pe], %[t], %[" #acc "]\n\t"        \
  "and %[t], %[m], %[" #word "]" odd "\n\t"                \
  "smlad %[" #acc "], %[po], %[t], %[" #acc "]\n\t"
/* the same with the word loaded from `offset` bytes after w */
#define PK_ROW(acc, offset, even, odd) "ldr %[u], [%[w], #" #offset "]\n\t" PK_FIELDS(acc, u, even, odd)
/* the same with the odd pair's field from another word */
#define PK_ROW_SPLIT(acc, offset, even, offset_odd, odd)   \
  "ldr %[u], [%[w], #" #offset "]\n\t"                     \
  "and %[t], %[m], %[u]" even "\n\t"                       \
  "smlad %[" #acc "], %[pe], %[t], %[" #acc "]\n\t"        \
  "ldr %[u], [%[w], #" #offset_odd "]\n\t"                 \
  "and %[t], %[m], %[u]" odd "\n\t"                        \
  "smlad %[" #acc "], %[po], %[t], %[" #acc "]\n\t"
#define PK_OPERANDS                                                                                     \
  : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(w), [x] "+r"(x), [u] "=&r"(u), \
    [pe] "=&r"(pe), [po] "=&r"(po), [t] "=&r"(t)                                                        \
  : [m] "r"(mask), [end] "r"(end)                                                                       \
  : "cc", "memory"
#endif

/* Four units' int8 columns, four at a time: the input word's two sign-extended pairs feed the four. */
static const uint32_t* pk_block8(const uint32_t* w, pk_layer* layer, const int32_t* base, int32_t acc[4]) {
  PK_ACCUMULATORS(EK_FC_PACKED_INT8);
#if EK_DSP_ASM
  const int8_t* end = x + 4 * groups;
  uint32_t t, pe, po, u, v;
  if (groups) EK_FC_QUAD_S8_ASM(16);
#else
  /* plain C: each input value loaded once for the four units, each weight a byte load (LDRSB) and a MLA */
  for (; groups; --groups, x += 4, w += 4) {
    const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
    const int8_t* t = (const int8_t*)w;
    a0 += x0 * t[0] + x1 * t[1] + x2 * t[2] + x3 * t[3];
    a1 += x0 * t[4] + x1 * t[5] + x2 * t[6] + x3 * t[7];
    a2 += x0 * t[8] + x1 * t[9] + x2 * t[10] + x3 * t[11];
    a3 += x0 * t[12] + x1 * t[13] + x2 * t[14] + x3 * t[15];
  }
#endif
  PK_STORE_RETURN;
}

/* Four units' 4-bit fields, eight columns (one word per unit) at a time. */
static const uint32_t* pk_block4(const uint32_t* w, pk_layer* layer, const int32_t* base, int32_t acc[4]) {
  PK_ACCUMULATORS(EK_FC_PACKED_4);
#if EK_DSP_ASM
  const int8_t* end = x + 8 * groups;
  uint32_t u, v, pe, po, t;
  if (groups) {
    /* the units' words two at a time (LDRD): units 2 and 3, then 0 and 1, which the second input word
     * uses again before units 2 and 3 are loaded once more; the loop's end is kept in memory, which frees
     * a register for the second word */
    __asm__ volatile("1:\n\t" PK_X
                     "ldrd %[u], %[v], [%[w], #8]\n\t"
                     PK_FIELDS(a2, u, "", ", lsr #4") PK_FIELDS(a3, v, "", ", lsr #4")
                     "ldrd %[u], %[v], [%[w]], #16\n\t"
                     PK_FIELDS(a0, u, "", ", lsr #4") PK_FIELDS(a1, v, "", ", lsr #4")
                     PK_X PK_FIELDS(a0, u, ", lsr #8", ", lsr #12") PK_FIELDS(a1, v, ", lsr #8", ", lsr #12")
                     "ldrd %[u], %[v], [%[w], #-8]\n\t"
                     PK_FIELDS(a2, u, ", lsr #8", ", lsr #12") PK_FIELDS(a3, v, ", lsr #8", ", lsr #12")
                     "ldr %[t], %[end]\n\t"
                     "cmp %[x], %[t]\n\t"
                     "bne 1b\n\t"
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(w), [x] "+r"(x),
                       [u] "=&r"(u), [v] "=&r"(v), [pe] "=&r"(pe), [po] "=&r"(po), [t] "=&r"(t)
                     : [m] "r"(PK_MASK4), [end] "m"(end)
                     : "cc", "memory");
  }
#else
  /* plain C: one field extraction (UBFX on the Cortex-M3) and one MLA per weight; fields at bits 0, 4,
   * 16, 20 hold columns 0 to 3, at 8, 12, 24, 28 columns 4 to 7 */
  for (; groups; --groups, x += 8, w += 4) {
    const int32_t x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3];
#define PK_LOW4(u) (x0 * (int32_t)((u) & 15) + x1 * (int32_t)(((u) >> 4) & 15) + \
                    x2 * (int32_t)(((u) >> 16) & 15) + x3 * (int32_t)(((u) >> 20) & 15))
    PK_ADD4(PK_LOW4, 0, 1);
#undef PK_LOW4
    const int32_t x4 = x[4], x5 = x[5], x6 = x[6], x7 = x[7];
#define PK_HIGH4(u) (x4 * (int32_t)(((u) >> 8) & 15) + x5 * (int32_t)(((u) >> 12) & 15) + \
                     x6 * (int32_t)(((u) >> 24) & 15) + x7 * (int32_t)((u) >> 28))
    PK_ADD4(PK_HIGH4, 0, 1);
#undef PK_HIGH4
  }
#endif
  PK_UNIT_TERMS(EK_FC_PACKED_4, uint16_t, escapes, pk_escapes4);
  PK_STORE_RETURN;
}

/* Four units' 5-bit fields, twelve columns (two words per unit) at a time: fields at bits 0, 5 and 10 of
 * each half; the second input word takes the first word's last field and the second word's first. */
static const uint32_t* pk_block5(const uint32_t* w, pk_layer* layer, const int32_t* base, int32_t acc[4]) {
  PK_ACCUMULATORS(EK_FC_PACKED_5);
#if EK_DSP_ASM
  const int8_t* end = x + 12 * groups;
  uint32_t u, pe, po, t, mask = PK_MASK5;
  if (groups) {
    __asm__ volatile("1:\n\t" PK_X PK_ROW(a0, 0, "", ", lsr #5") PK_ROW(a1, 8, "", ", lsr #5")
                     PK_ROW(a2, 16, "", ", lsr #5") PK_ROW(a3, 24, "", ", lsr #5")
                     PK_X PK_ROW_SPLIT(a0, 0, ", lsr #10", 4, "") PK_ROW_SPLIT(a1, 8, ", lsr #10", 12, "")
                     PK_ROW_SPLIT(a2, 16, ", lsr #10", 20, "") PK_ROW_SPLIT(a3, 24, ", lsr #10", 28, "")
                     PK_X PK_ROW(a0, 4, ", lsr #5", ", lsr #10") PK_ROW(a1, 12, ", lsr #5", ", lsr #10")
                     PK_ROW(a2, 20, ", lsr #5", ", lsr #10") PK_ROW(a3, 28, ", lsr #5", ", lsr #10")
                     "add %[w], %[w], #32\n\t"
                     "cmp %[x], %[end]\n\t"
                     "bne 1b\n\t" PK_OPERANDS);
  }
#else
  /* plain C: the first word's fields (bits 0, 5, 16, 21, 10, 26) hold columns 0, 1, 2, 3, 4, 6, the
   * second's columns 5, 8, 10, 9, 11 and 7 (bits 0, 5, 21, 10, 26, 16) */
  for (; groups; --groups, x += 12, w += 8) {
    int32_t xa = x[0], xb = x[1], xc = x[2], xd = x[3], xe = x[4], xf = x[6];
#define PK_FIELDS5(u) (xa * (int32_t)((u) & 31) + xb * (int32_t)(((u) >> 5) & 31) + \
                       xc * (int32_t)(((u) >> 16) & 31) + xd * (int32_t)(((u) >> 21) & 31) + \
                       xe * (int32_t)(((u) >> 10) & 31) + xf * (int32_t)(((u) >> 26) & 31))
    PK_ADD4(PK_FIELDS5, 0, 2);
    xa = x[5];
    xb = x[8];
    xc = x[7];
    xd = x[10];
    xe = x[9];
    xf = x[11];
    PK_ADD4(PK_FIELDS5, 1, 2);
#undef PK_FIELDS5
  }
#endif
  PK_UNIT_TERMS(EK_FC_PACKED_5, uint8_t, short_escapes, PK_ESCAPES5);
  PK_STORE_RETURN;
}

/* Four units' 6-bit fields, sixteen columns (three words per unit) at a time, the group's words word by
 * word (the four units' first words, then their second and third): twelve fields whole (bits 4 and 10 of
 * each half), and columns 12 to 15 from the spare bits at the bottom of each half: their low four bits in
 * the first two words, their top two in the third (word << 4 & 0x00300030 puts columns 12 and 14's at bits
 * 4 and 5 of their halves, 16 times their value; word << 2 columns 13 and 15's). */
static const uint32_t* pk_block6(const uint32_t* w, pk_layer* layer, const int32_t* base, int32_t acc[4]) {
  PK_ACCUMULATORS(EK_FC_PACKED_6);
#if EK_DSP_ASM
  const int8_t* end = x + 16 * groups;
  uint32_t u, v, pe, po, t, mask;
/* two units' whole fields from the words at `offset` bytes after w (a pair of units: LDRD) */
#define PK_PAIR6(first, second, offset)                                           \
  "ldrd %[u], %[v], [%[w], #" #offset "]\n\t" PK_FIELDS(first, u, ", lsr #4", ", lsr #10") \
  PK_FIELDS(second, v, ", lsr #4", ", lsr #10")
/* two units' last four columns: low bits in their first and second words, top bits in their third */
#define PK_PAIR6_SPARE(first, second, offset, offset_second, offset_third)  \
  "ldrd %[u], %[v], [%[w], #" #offset "]\n\t"                          \
  "and %[t], %[u], #0x000F000F\n\t"                                    \
  "smlad %[" #first "], %[pe], %[t], %[" #first "]\n\t"                \
  "and %[t], %[v], #0x000F000F\n\t"                                    \
  "smlad %[" #second "], %[pe], %[t], %[" #second "]\n\t"              \
  "ldrd %[u], %[v], [%[w], #" #offset_second "]\n\t"                   \
  "and %[t], %[u], #0x000F000F\n\t"                                    \
  "smlad %[" #first "], %[po], %[t], %[" #first "]\n\t"                \
  "and %[t], %[v], #0x000F000F\n\t"                                    \
  "smlad %[" #second "], %[po], %[t], %[" #second "]\n\t"              \
  "ldrd %[u], %[v], [%[w], #" #offset_third "]\n\t"                    \
  "and %[t], %[m], %[u], lsl #4\n\t"                                   \
  "smlad %[" #first "], %[pe], %[t], %[" #first "]\n\t"                \
  "and %[t], %[m], %[u], lsl #2\n\t"                                   \
  "smlad %[" #first "], %[po], %[t], %[" #first "]\n\t"                \
  "and %[t], %[m], %[v], lsl #4\n\t"                                   \
  "smlad %[" #second "], %[pe], %[t], %[" #second "]\n\t"              \
  "and %[t], %[m], %[v], lsl #2\n\t"                                   \
  "smlad %[" #second "], %[po], %[t], %[" #second "]\n\t"
  if (groups) {
    /* the mask register holds 0x003F003F for the whole fields and 0x00300030 for the top bits; the loop's
     * end is kept in memory, which frees a register for the second word of each pair */
    __asm__ volatile("1:\n\t"
                     "mov %[m], #0x003F003F\n\t"
                     PK_X PK_PAIR6(a0, a1, 0) PK_PAIR6(a2, a3, 8)
                     PK_X PK_PAIR6(a0, a1, 16) PK_PAIR6(a2, a3, 24)
                     PK_X PK_PAIR6(a0, a1, 32) PK_PAIR6(a2, a3, 40)
                     PK_X "mov %[m], #0x00300030\n\t"
                     PK_PAIR6_SPARE(a0, a1, 0, 16, 32) PK_PAIR6_SPARE(a2, a3, 8, 24, 40)
                     "add %[w], %[w], #48\n\t"
                     "ldr %[t], %[end]\n\t"
                     "cmp %[x], %[t]\n\t"
                     "bne 1b\n\t"
                     : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [w] "+r"(w), [x] "+r"(x),
                       [u] "=&r"(u), [v] "=&r"(v), [pe] "=&r"(pe), [po] "=&r"(po), [t] "=&r"(t), [m] "=&r"(mask)
                     : [end] "m"(end)
                     : "cc", "memory");
  }
#undef PK_PAIR6
#undef PK_PAIR6_SPARE
#else
  /* plain C: unit r's word j is w[4 * j + r]; its fields at bits 4, 10, 20, 26 hold columns 4j to 4j + 3;
   * columns 12 to 15 are put together from the low bits of the first two words and the third's */
  for (; groups; --groups, x += 16, w += 12) {
    for (int j = 0; j < 3; ++j) {
      const int32_t x0 = x[4 * j], x1 = x[4 * j + 1], x2 = x[4 * j + 2], x3 = x[4 * j + 3];
#define PK_FIELDS6(u) (x0 * (int32_t)(((u) >> 4) & 63) + x1 * (int32_t)(((u) >> 10) & 63) + \
                       x2 * (int32_t)(((u) >> 20) & 63) + x3 * (int32_t)((u) >> 26))
      PK_ADD4(PK_FIELDS6, 4 * j, 1);
#undef PK_FIELDS6
    }
    const int32_t x12 = x[12], x13 = x[13], x14 = x[14], x15 = x[15];
#define PK_SPARE6(r)                                                                               \
  (x12 * (int32_t)((w[r] & 15) | ((w[8 + r] & 3) << 4)) +                                           \
   x14 * (int32_t)(((w[r] >> 16) & 15) | ((w[8 + r] >> 12) & 48)) +                                 \
   x13 * (int32_t)((w[4 + r] & 15) | ((w[8 + r] << 2) & 48)) +                                      \
   x15 * (int32_t)(((w[4 + r] >> 16) & 15) | ((w[8 + r] >> 14) & 48)))
    a0 += PK_SPARE6(0);
    a1 += PK_SPARE6(1);
    a2 += PK_SPARE6(2);
    a3 += PK_SPARE6(3);
#undef PK_SPARE6
  }
#endif
  PK_UNIT_TERMS(EK_FC_PACKED_6, uint8_t, short_escapes, PK_ESCAPES6);
  PK_STORE_RETURN;
}

/* sum(x[i]) over n int8 values. */
static int32_t pk_sum_s8(const int8_t* x, int32_t n) {
  int32_t sum = 0, i = 0;
#if EK_USE_DSP
  for (; i + 4 <= n; i += 4) {
    const uint32_t xw = ek_load_s8x4(x + i);
    sum = ek_smlad(ek_sxtb16(xw), 0x00010001u, sum);
    sum = ek_smlad(ek_sxtb16_odd(xw), 0x00010001u, sum);
  }
#endif
  for (; i < n; ++i) sum += x[i];
  return sum;
}

/* The int8 columns after a block's groups, `tail` = start << 8 | length, for its four units (each row's
 * padded to a word). Returns the words after them. */
static const uint32_t* pk_tail(const uint32_t* w, const int8_t* x, int32_t tail, int32_t acc[4]) {
  const int8_t* tail_x = x + (tail >> 8);
  tail &= 0xFF;
  for (int r = 0; r < 4; ++r) {
    const int8_t* t = (const int8_t*)w;
    uint32_t a = (uint32_t)acc[r];  /* (modulo 2^32, as the block functions' accumulators) */
    for (int32_t i = 0; i < tail; ++i) a += (uint32_t)((int32_t)tail_x[i] * t[i]);
    acc[r] = (int32_t)a;
    w += (tail + 3) / 4;
  }
  return w;
}

/* Units whose accumulators the driver keeps before requantizing them together (a multiple of 4). */
#define PK_FINISH_UNITS 32

/* Columns of a group and the block function, per width code. */
static const uint8_t pk_group_columns[4] = {4, 8, 12, 16};
typedef const uint32_t* (*pk_block_fn)(const uint32_t* w, pk_layer* layer, const int32_t* base, int32_t acc[4]);
static const pk_block_fn pk_blocks[4] = {pk_block8, pk_block4, pk_block5, pk_block6};

void ek_fully_connected_packed_s8(const ek_fc_params* p, const ek_fc_packing* packing, const int8_t* input,
                                  int8_t* output) {
  const int32_t depth = p->in_depth, units = p->out_depth;
  pk_layer layer;
  int32_t columns[4];
  for (int code = 0; code < 4; ++code) {
    columns[code] = depth - depth % pk_group_columns[code];
    layer.groups[code] = columns[code] / pk_group_columns[code];
    layer.tails[code] = columns[code] < depth ? (columns[code] << 8) | (depth - columns[code]) : 0;
  }
  for (int32_t b = 0; b < p->batches; ++b) {
    const int8_t* x = input + b * depth;
    int8_t* out = output + b * units;
    /* sum(x) over each width's packed columns: the offsets' term */
    const int32_t total = pk_sum_s8(x, depth);
    for (int code = 0; code < 4; ++code) layer.sums[code] = total - pk_sum_s8(x + columns[code], depth - columns[code]);
    layer.x = x;
    layer.offsets = packing->offsets;
    layer.counts = packing->escape_counts;
    layer.escapes = packing->escapes;
    layer.short_escapes = packing->short_escapes;
    const uint32_t* w = packing->words;
    const uint8_t* deltas = packing->deltas;
    const int32_t blocked = units - units % 4;
    uint32_t last = 0;  /* the accumulator of the unit before the block (modulo 2^32, as C's unsigned sums) */
    int32_t o = 0;
    while (o < blocked) {
      /* the accumulators of up to PK_FINISH_UNITS units, requantized together: one call's set-up for them */
      int32_t a[PK_FINISH_UNITS];
      const int32_t first = o, count = blocked - o < PK_FINISH_UNITS ? blocked - o : PK_FINISH_UNITS;
      for (int32_t* acc = a; acc < a + count; acc += 4, o += 4) {
        const int32_t block = o >> 2;
        const int code = (packing->widths[block >> 2] >> (2 * (block & 3))) & 3;
        w = pk_blocks[code](w, &layer, p->base + o, acc);
        if (layer.tails[code]) w = pk_tail(w, x, layer.tails[code], acc);
        if (deltas && ((deltas[block >> 3] >> (block & 7)) & 1)) {
          for (int r = 0; r < 4; ++r) acc[r] = (int32_t)(last += (uint32_t)acc[r]);
        }
        last = (uint32_t)acc[3];
      }
      ek_fully_connected_finish_units_s8(p, a, first, count, out);
    }
    for (; o < units; ++o, w += (depth + 3) / 4) {
      const int32_t a = p->base[o] + ek_dot_s8(x, (const int8_t*)w, depth);
      ek_fully_connected_finish_units_s8(p, &a, o, 1, out);
    }
  }
}
