// edgekit runtime: FULLY_CONNECTED with its weights in 4, 5, 6 or 8 bits per block of four units
// (edgekit/weight_packing.py makes the layout); bit-exact with TFLM's reference kernel.
#ifndef EK_FULLY_CONNECTED_PACKED_H_
#define EK_FULLY_CONNECTED_PACKED_H_

#include "ek_fully_connected.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A block's width code (2 bits): int8, or fields of 4, 5 or 6 bits. */
#define EK_FC_PACKED_INT8 0
#define EK_FC_PACKED_4 1
#define EK_FC_PACKED_5 2
#define EK_FC_PACKED_6 3

/* Weights [out_depth][in_depth] in blocks of four units. A block of width k stores its packed columns
 * (in_depth less in_depth % group, a group being 4, 8, 12 or 16 columns for int8, 4, 5 or 6 bits) group
 * by group, each group the four units' words one unit after the other (6 bits: word by word, the four
 * units' first words, then their second and third), then each unit's remaining columns as int8, padded
 * to a word. A unit's weight w is u + o + m * 2^k (less the preceding unit's in a delta block): u its
 * field, o the unit's offset, m an escape (0 for all but a few). The last out_depth % 4 units are int8
 * rows, each padded to a word. */
typedef struct {
  const uint32_t* words;
  const uint8_t* widths;         /* block b's code in bits 2 * (b % 4) of byte b / 4 */
  const int8_t* offsets;         /* o per unit of the packed (not int8) blocks, in order */
  const uint8_t* escape_counts;  /* per unit of the packed blocks */
  const uint16_t* escapes;       /* 4-bit units: column << 5 | (m & 31), unit after unit */
  /* 5- and 6-bit units: gap << M | (m & (2^M - 1)), M = 4 and 3: the gap from the unit's previous escape
   * column (the first's from 0); entries with m = 0 only step along the row */
  const uint8_t* short_escapes;
  /* NULL, or one bit per block (block b's in bit b % 8 of byte b / 8): the block's rows hold each unit's
   * weights less the preceding unit's (a delta block, for layers whose neighbouring units are alike), so
   * its units add the preceding unit's accumulator, in order; their bases are less the preceding unit's
   * base likewise */
  const uint8_t* deltas;
} ek_fc_packing;

/* FULLY_CONNECTED with packed weights: p->base holds each unit's bias and input offset term (the filter
 * offset is 0); p's other weight fields are unused. */
void ek_fully_connected_packed_s8(const ek_fc_params* p, const ek_fc_packing* packing, const int8_t* input,
                                  int8_t* output);

#ifdef __cplusplus
}
#endif

#endif  /* EK_FULLY_CONNECTED_PACKED_H_ */
