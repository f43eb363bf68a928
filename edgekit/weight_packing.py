"""Fully-connected weights in 4, 5 or 6 bits where they fit, for the flash of weight-heavy models on cores
with SMLAD (``ek_fully_connected_packed.c``).

A trained layer's int8 weights seldom use all 256 values: most of a row sits within a few dozen of its
centre (entropy 3 to 6.5 bits on MLPerf Tiny's autoencoder). A row packed in ``k`` bits stores, per
weight ``w``, the field ``u = (w - o) mod 2**k`` for the row's offset ``o`` (chosen to hold the most
weights), and the few weights the field cannot hold as escapes ``m = (w - o - u) / 2**k`` with their
column. The kernel sums ``u * x`` with SMLAD straight from the fields, a mask per pair of weights (as
cheap as the sign extension an int8 weight needs), and adds ``o * sum(x)`` and ``2**k * m * x[column]``:
the same integer sum as TFLM's, lossless, so the outputs stay identical.

Fields sit in the two 16-bit halves of a word, a pair of columns per mask, in the order of the input
pairs SXTB16 makes of four int8 inputs ((x0, x2) and (x1, x3)), so the input needs no other rearranging.
Units go in blocks of four (each input word feeds the four), each block with its own width; a block whose
rows would not save bytes stays int8.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from edgekit.runtime_ops.fixedpoint import little_endian_words

#: Field widths the kernel reads and their 2-bit codes (ek_fully_connected_packed.h, EK_FC_PACKED_*).
WIDTH_CODES = {8: 0, 4: 1, 5: 2, 6: 3}
#: Columns and 32-bit words of one row's group, per width: the kernel's unit of work along the row.
GROUP_COLUMNS = {8: 4, 4: 8, 5: 12, 6: 16}
GROUP_WORDS = {8: 1, 4: 1, 5: 2, 6: 3}
#: Where each column's field sits in a row's group, per width: (word, first bit, column, the value's first
#: bit, bits). A 6-bit group puts twelve fields whole in its three words and the last four in the four
#: spare bits of each half: the low four bits of columns 12 to 15 in the first two words, their top two
#: bits in the third (the kernel ORs the two parts).
FIELDS = {
    8: tuple((0, 8 * c, c, 0, 8) for c in range(4)),
    4: tuple((0, bit, column, 0, 4) for bit, column in
             ((0, 0), (4, 1), (8, 4), (12, 5), (16, 2), (20, 3), (24, 6), (28, 7))),
    5: tuple((word, bit, column, 0, 5) for word, bit, column in
             ((0, 0, 0), (0, 5, 1), (0, 10, 4), (0, 16, 2), (0, 21, 3), (0, 26, 6),
              (1, 0, 5), (1, 5, 8), (1, 10, 9), (1, 16, 7), (1, 21, 10), (1, 26, 11))),
    6: tuple((word, bit, column, 0, 6) for word in range(3) for bit, column in
             ((0, 4 * word), (6, 4 * word + 1), (16, 4 * word + 2), (22, 4 * word + 3)))
    + ((0, 12, 12, 0, 4), (0, 28, 14, 0, 4), (1, 12, 13, 0, 4), (1, 28, 15, 0, 4),
       (2, 12, 12, 4, 2), (2, 28, 14, 4, 2), (2, 14, 13, 4, 2), (2, 30, 15, 4, 2)),
}
#: Units per block (the kernel's four accumulators sharing each input word).
BLOCK_UNITS = 4
#: A 4-bit unit's escape is 16 bits, column << 5 | m & 31: the column has 11 bits.
MAX_DEPTH = 2048
#: A 5- or 6-bit unit's escape is one byte, gap << M | m & (2^M - 1), M bits of m (|m| is at most
#: 255 >> k) and the rest for the gap from the previous escape's column (the first's from column 0); a
#: longer gap takes entries with m = 0, which add nothing.
SHORT_ESCAPE_M_BITS = {5: 4, 6: 3}
#: A row's escape count is a byte.
MAX_ESCAPES = 255
#: Estimated Cortex-M4 instructions of a block, per column of the block and per escape
#: (ek_fully_connected_packed.c's loops: input words loaded and sign-extended once for the four rows, one
#: mask or sign extension and one SMLAD per pair of weights; int8 words two at a time), and the bytes one
#: instruction is worth in the choice of widths: a 6-bit block or an escape saves bytes but costs time.
INSTRUCTIONS_PER_COLUMN = {8: 5.75, 4: 5.5, 5: 6.3, 6: 7.9}
INSTRUCTIONS_PER_ESCAPE = 7  # either form: load, column, input, m (one SBFX), MLA, count and branch
BYTES_PER_INSTRUCTION = 0.1


@dataclass(frozen=True)
class PackedWeights:
    """A FULLY_CONNECTED layer's weights in ek_fully_connected_packed_s8's layout."""

    words: np.ndarray  # uint32: every block's groups (rows interleaved per group), then its rows' int8 tails
    widths: np.ndarray  # uint8: four 2-bit width codes per byte, block b's in bits 2 * (b % 4)
    offsets: np.ndarray  # int8 per unit of the packed blocks (none for int8 blocks): o
    escape_counts: np.ndarray  # uint8 per unit of the packed blocks
    escapes: np.ndarray  # uint16, the 4-bit units' escapes: column << 5 | (m & 31), unit by unit
    short_escapes: np.ndarray  # uint8, the 5- and 6-bit units' escapes (SHORT_ESCAPE_M_BITS), unit by unit
    block_widths: tuple[int, ...]  # each block's width, for reports and tests

    @property
    def nbytes(self) -> int:
        """The flash the layout's arrays take."""
        return sum(a.nbytes for a in (self.words, self.widths, self.offsets, self.escape_counts, self.escapes,
                                      self.short_escapes))


def _best_offset(row: np.ndarray, bits: int) -> int:
    """The offset o whose window [o, o + 2**bits) holds the most of ``row``'s values."""
    counts = np.bincount(row.astype(np.int64) + 128, minlength=256)
    window = np.convolve(counts, np.ones(1 << bits, np.int64), mode="valid")  # window[i]: values i-128 ...
    return int(np.argmax(window)) - 128


def _pack_rows(rows: np.ndarray, bits: int) -> tuple[np.ndarray, list[int], list[np.ndarray]] | None:
    """One block's rows [n][depth] in ``bits``: its words, each row's offset and escapes; None when a row
    would have more escapes than its count byte holds."""
    n, depth = rows.shape
    group = GROUP_COLUMNS[bits]
    packed_columns = depth - depth % group
    fields = np.zeros((n, packed_columns), np.int64)
    offsets, escapes = [], []
    for r in range(n):
        w = rows[r, :packed_columns].astype(np.int64)
        if bits == 8:
            offset, fields[r] = 0, w & 0xFF
            escapes.append(np.zeros(0, np.uint16))
        else:
            offset = _best_offset(w, bits)
            fields[r] = (w - offset) & ((1 << bits) - 1)
            m = (w - offset - fields[r]) >> bits
            entries = _escape_entries(np.flatnonzero(m), m, bits)
            if len(entries) > MAX_ESCAPES:
                return None
            escapes.append(entries)
        offsets.append(offset)
    groups = packed_columns // group
    words = np.zeros((groups, n, GROUP_WORDS[bits]), np.int64)
    for word, bit, column, value_bit, width in FIELDS[bits]:
        piece = (fields[:, column::group].T >> value_bit) & ((1 << width) - 1)  # [groups][n]
        words[:, :, word] |= piece << bit
    tail_words = [little_endian_words(row) for row in rows[:, packed_columns:]]  # each row's own whole words
    return np.concatenate([words.ravel(), *tail_words]).astype(np.uint32), offsets, escapes


def _escape_entries(columns: np.ndarray, m: np.ndarray, bits: int) -> np.ndarray:
    """A unit's escape entries for its escapes at ``columns`` (ascending) with m values ``m[columns]``:
    16-bit for 4-bit fields, bytes with gaps for 5 and 6 (:data:`SHORT_ESCAPE_M_BITS`)."""
    if bits == 4:
        return ((columns << 5) | (m[columns] & 31)).astype(np.uint16)
    m_bits = SHORT_ESCAPE_M_BITS[bits]
    longest = (1 << (8 - m_bits)) - 1
    entries, previous = [], 0
    for column in columns:
        gap = int(column) - previous
        while gap > longest:
            entries.append(longest << m_bits)  # m = 0: a step along the row
            gap -= longest
        entries.append((gap << m_bits) | (int(m[column]) & ((1 << m_bits) - 1)))
        previous = int(column)
    return np.array(entries, np.uint8)


def _block_cost(packed, bits: int, depth: int) -> float:
    """Bytes of a packed block (with its units' offsets and counts) plus the worth of the instructions it
    takes (its tail at int8's rate)."""
    words, _, escapes = packed
    count = sum(len(e) for e in escapes)
    columns = depth - depth % GROUP_COLUMNS[bits]
    instructions = INSTRUCTIONS_PER_COLUMN[bits] * columns + INSTRUCTIONS_PER_COLUMN[8] * (depth - columns) + \
        INSTRUCTIONS_PER_ESCAPE * count
    metadata = 0 if bits == 8 else 2 * BLOCK_UNITS
    return 4 * len(words) + sum(e.nbytes for e in escapes) + metadata + BYTES_PER_INSTRUCTION * instructions


def pack_weights(weights: np.ndarray, force: bool = False) -> PackedWeights | None:
    """``weights`` [units][depth] (int8 values) in the packed layout, each block of four units in the width
    that costs least (bytes and time, :data:`BYTES_PER_INSTRUCTION`); None when the layout cannot hold the
    layer (deeper than :data:`MAX_DEPTH`) or, unless ``force``, saves no flash over plain int8 (a model
    whose other layers are packed runs this one in the layout too, with int8 blocks: one kernel's code)."""
    units, depth = weights.shape
    if depth > MAX_DEPTH:
        return None
    words, codes, offsets, counts, escapes, short_escapes, widths = [], [], [], [], [], [], []
    for start in range(0, units - units % BLOCK_UNITS, BLOCK_UNITS):
        rows = weights[start:start + BLOCK_UNITS]
        # (a width whose group is deeper than the rows would hold nothing but their int8 tails)
        options = {bits: _pack_rows(rows, bits) for bits in WIDTH_CODES if bits == 8 or GROUP_COLUMNS[bits] <= depth}
        best = min((bits for bits in options if options[bits] is not None),
                   key=lambda bits: _block_cost(options[bits], bits, depth))
        block_words, block_offsets, block_escapes = options[best]
        words.append(block_words)
        codes.append(WIDTH_CODES[best])
        widths.append(best)
        if best != 8:
            offsets += block_offsets
            counts += [len(e) for e in block_escapes]
            (escapes if best == 4 else short_escapes).extend(block_escapes)
    for row in weights[units - units % BLOCK_UNITS:]:  # the last units, fewer than a block: int8 rows
        words.append(little_endian_words(row).astype(np.uint32))
    code_bytes = np.zeros(-(-len(codes) // 4), np.int64)
    for block, code in enumerate(codes):
        code_bytes[block // 4] |= code << (2 * (block % 4))
    packed = PackedWeights(words=np.concatenate(words), widths=code_bytes.astype(np.uint8),
                           offsets=np.array(offsets, np.int8), escape_counts=np.array(counts, np.uint8),
                           escapes=np.concatenate(escapes or [np.zeros(0, np.uint16)]).astype(np.uint16),
                           short_escapes=np.concatenate(short_escapes or [np.zeros(0, np.uint8)]).astype(np.uint8),
                           block_widths=tuple(widths))
    if not force and (packed.nbytes >= weights.size or all(w == 8 for w in widths)):
        return None
    return packed


def _int8_values(words: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` int8 values little-endian ``words`` hold: the inverse of little_endian_words."""
    return ((((words[:, None] >> np.arange(0, 32, 8)) & 0xFF).ravel()[:n]) ^ 0x80) - 0x80


def unpack_weights(packed: PackedWeights, units: int, depth: int) -> np.ndarray:
    """The int8 weights [units][depth] a packed layout holds: the inverse of :func:`pack_weights`, which
    tests check every layout with it."""
    weights = np.zeros((units, depth), np.int64)
    words = packed.words.astype(np.int64)
    position, unit = 0, 0  # unit: the next of the packed blocks' units (offsets and counts)
    escape, short_escape = 0, 0  # the next of the 16-bit and of the byte escapes
    for block, bits in enumerate(packed.block_widths):
        rows = range(block * BLOCK_UNITS, (block + 1) * BLOCK_UNITS)
        group = GROUP_COLUMNS[bits]
        packed_columns = depth - depth % group
        groups = packed_columns // group
        count = groups * BLOCK_UNITS * GROUP_WORDS[bits]
        block_words = words[position:position + count].reshape(groups, BLOCK_UNITS, GROUP_WORDS[bits])
        position += count
        fields = np.zeros((BLOCK_UNITS, packed_columns), np.int64)
        for word, bit, column, value_bit, width in FIELDS[bits]:
            fields[:, column::group] |= (((block_words[:, :, word] >> bit) & ((1 << width) - 1)) << value_bit).T
        tail_words = -(-(depth - packed_columns) // 4)
        for i, r in enumerate(rows):
            if bits == 8:
                weights[r, :packed_columns] = (fields[i] ^ 0x80) - 0x80
            else:
                weights[r, :packed_columns] = fields[i] + int(packed.offsets[unit])
                count = int(packed.escape_counts[unit])
                if bits == 4:
                    for entry in packed.escapes[escape:escape + count].astype(np.int64):
                        weights[r, entry >> 5] += (((entry & 31) ^ 16) - 16) << bits
                    escape += count
                else:
                    m_bits, column = SHORT_ESCAPE_M_BITS[bits], 0
                    half = 1 << (m_bits - 1)
                    for entry in packed.short_escapes[short_escape:short_escape + count].astype(np.int64):
                        column += entry >> m_bits
                        weights[r, column] += (((entry & (2 * half - 1)) ^ half) - half) << bits
                    short_escape += count
                unit += 1
            weights[r, packed_columns:] = _int8_values(words[position:position + tail_words], depth - packed_columns)
            position += tail_words
    for r in range(units - units % BLOCK_UNITS, units):
        weights[r] = _int8_values(words[position:position + -(-depth // 4)], depth)
        position += -(-depth // 4)
    return weights
