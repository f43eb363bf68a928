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
rows would not save bytes stays int8. A block may hold instead each unit's weights less the preceding
unit's (a delta block), where neighbouring units are alike, as the output units of a decoder that
rebuilds a spectrogram bin by bin: the kernel adds the preceding unit's accumulator (ad01_int8's last
layer: 5,691 escapes in 6 bits, 1,307 as deltas).
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
#: bit, bits). A 6-bit group puts twelve fields whole in its three words, at bits 4 and 10 of each half,
#: and the last four columns in the four spare bits at the bottom of each half: the low four bits of
#: columns 12 to 15 in the first two words (one AND with an immediate takes a pair), their top two bits
#: in the third (the kernel adds the two parts' products).
FIELDS = {
    8: tuple((0, 8 * c, c, 0, 8) for c in range(4)),
    4: tuple((0, bit, column, 0, 4) for bit, column in
             ((0, 0), (4, 1), (8, 4), (12, 5), (16, 2), (20, 3), (24, 6), (28, 7))),
    5: tuple((word, bit, column, 0, 5) for word, bit, column in
             ((0, 0, 0), (0, 5, 1), (0, 10, 4), (0, 16, 2), (0, 21, 3), (0, 26, 6),
              (1, 0, 5), (1, 5, 8), (1, 10, 9), (1, 16, 7), (1, 21, 10), (1, 26, 11))),
    6: tuple((word, bit, column, 0, 6) for word in range(3) for bit, column in
             ((4, 4 * word), (20, 4 * word + 2), (10, 4 * word + 1), (26, 4 * word + 3)))
    + ((0, 0, 12, 0, 4), (0, 16, 14, 0, 4), (1, 0, 13, 0, 4), (1, 16, 15, 0, 4),
       (2, 0, 12, 4, 2), (2, 2, 13, 4, 2), (2, 16, 14, 4, 2), (2, 18, 15, 4, 2)),
}
#: Widths whose groups hold their words word by word (the four units' first words, then their second,
#: ...: the kernel loads two units' words at once), not unit by unit.
WORD_MAJOR = {6}
#: Units per block (the kernel's four accumulators sharing each input word).
BLOCK_UNITS = 4
#: A 4-bit unit's escape is 16 bits, column << 5 | m & 31: the column has 11 bits.
MAX_DEPTH = 2048
#: A 5- or 6-bit unit's escape is one byte, gap << M | m & (2^M - 1), M bits of m (|m| is at most
#: 255 >> k for int8 weights) and the rest for the gap from the previous escape's column (the first's from
#: column 0); a longer gap takes entries with m = 0, which add nothing, and a larger m (a delta row's)
#: several entries for its column.
SHORT_ESCAPE_M_BITS = {5: 4, 6: 3}
#: A row's escape count is a byte.
MAX_ESCAPES = 255
#: Cortex-M4 instructions of a block, per column of the block, measured on ad01_int8's layers
#: (ek_fully_connected_packed.c's loops: input words loaded and sign-extended once for the four rows, one
#: mask or sign extension and one SMLAD per pair of weights; int8 words and 4- and 6-bit words two units
#: at a time); per escape (load, column, input, m (one SBFX), MLA, count and branch); per unit of a packed
#: block (its offset's term and its escape count), per unit with escapes (their loop's set-up) and per
#: delta block (the driver's test of its bit and its four adds).
INSTRUCTIONS_PER_COLUMN = {8: 5.5, 4: 5.625, 5: 6.33, 6: 6.875}
INSTRUCTIONS_PER_ESCAPE = 7
INSTRUCTIONS_PER_PACKED_UNIT = 5
INSTRUCTIONS_PER_ESCAPED_UNIT = 6
INSTRUCTIONS_PER_DELTA_BLOCK = 8
#: The bytes one instruction is worth in the choice of widths under ``--optimize flash``: a 5- or 6-bit
#: block or an escape saves bytes but costs time; flash packs a block that saves a byte per ten
#: instructions it adds.
FLASH_BYTES_PER_INSTRUCTION = 0.1
#: ``balanced`` (on cores with SMLAD, where 4-bit fields cost what int8 weights do): the least flash whose
#: packing adds at most this share to the estimated instructions per inference of the layers it may pack
#: (a latency cap, as the memory plan's, codegen.BALANCED_SHARE), and never more than flash's rate would.
BALANCED_INSTRUCTION_SHARE = 0.25


@dataclass(frozen=True)
class PackedWeights:
    """A FULLY_CONNECTED layer's weights in ek_fully_connected_packed_s8's layout."""

    words: np.ndarray  # uint32: every block's groups (rows interleaved per group), then its rows' int8 tails
    widths: np.ndarray  # uint8: four 2-bit width codes per byte, block b's in bits 2 * (b % 4)
    offsets: np.ndarray  # int8 per unit of the packed blocks (none for int8 blocks): o
    escape_counts: np.ndarray  # uint8 per unit of the packed blocks
    escapes: np.ndarray  # uint16, the 4-bit units' escapes: column << 5 | (m & 31), unit by unit
    short_escapes: np.ndarray  # uint8, the 5- and 6-bit units' escapes (SHORT_ESCAPE_M_BITS), unit by unit
    deltas: np.ndarray  # uint8: one bit per block, block b's in bit b % 8 of byte b / 8: its rows are deltas
    block_widths: tuple[int, ...]  # each block's width, for reports and tests
    block_deltas: tuple[bool, ...]  # whether each block's rows are deltas

    @property
    def nbytes(self) -> int:
        """The flash the layout's arrays take."""
        return sum(a.nbytes for a in (self.words, self.widths, self.offsets, self.escape_counts, self.escapes,
                                      self.short_escapes, self.deltas))


def _best_offset(row: np.ndarray, bits: int) -> int:
    """The offset o (an int8) whose window [o, o + 2**bits) holds the most of ``row``'s values (int8 weights,
    or a delta row's differences, within [-255, 255])."""
    counts = np.bincount(row.astype(np.int64) + 255, minlength=511)
    window = np.convolve(counts, np.ones(1 << bits, np.int64), mode="valid")  # window[i]: values i-255 ...
    return int(np.argmax(window[255 - 128:255 + 128])) - 128


def _pack_rows(rows: np.ndarray, bits: int) -> tuple[np.ndarray, list[int], list[np.ndarray]] | None:
    """One block's rows [n][depth] in ``bits``: its words, each row's offset and escapes; None when a row
    would have more escapes than its count byte holds, or (a delta row's differences) an int8 tail column
    that does not fit a byte."""
    n, depth = rows.shape
    group = GROUP_COLUMNS[bits]
    packed_columns = depth - depth % group
    tail = rows[:, packed_columns:]
    if tail.size and (tail.min() < -128 or tail.max() > 127):
        return None
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
    if bits in WORD_MAJOR:
        words = words.transpose(0, 2, 1)
    tail_words = [little_endian_words(row) for row in tail]  # each row's own whole words
    return np.concatenate([words.ravel(), *tail_words]).astype(np.uint32), offsets, escapes


def _pieces(m: int, m_bits: int) -> list[int]:
    """``m`` as a sum of values of ``m_bits`` signed bits (one, but for a delta row's larger escapes)."""
    low, high = -(1 << (m_bits - 1)), (1 << (m_bits - 1)) - 1
    pieces = []
    while not low <= m <= high:
        pieces.append(high if m > 0 else low)
        m -= pieces[-1]
    return [*pieces, m]


def _escape_entries(columns: np.ndarray, m: np.ndarray, bits: int) -> np.ndarray:
    """A unit's escape entries for its escapes at ``columns`` (ascending) with m values ``m[columns]``:
    16-bit for 4-bit fields, bytes with gaps for 5 and 6 (:data:`SHORT_ESCAPE_M_BITS`); an m beyond an
    entry's bits takes several entries for its column (the later ones with gap 0)."""
    if bits == 4:
        return np.array([(int(column) << 5) | (piece & 31) for column in columns
                         for piece in _pieces(int(m[column]), 5)], np.uint16)
    m_bits = SHORT_ESCAPE_M_BITS[bits]
    longest = (1 << (8 - m_bits)) - 1
    entries, previous = [], 0
    for column in columns:
        gap = int(column) - previous
        while gap > longest:
            entries.append(longest << m_bits)  # m = 0: a step along the row
            gap -= longest
        for piece in _pieces(int(m[column]), m_bits):
            entries.append((gap << m_bits) | (piece & ((1 << m_bits) - 1)))
            gap = 0
        previous = int(column)
    return np.array(entries, np.uint8)


@dataclass(frozen=True)
class BlockOption:
    """One way to hold a block of four units: its width, whether its rows are deltas, its words, offsets and
    escapes, and what it costs: bytes of flash and estimated Cortex-M4 instructions per inference."""

    bits: int
    delta: bool
    words: np.ndarray
    offsets: list
    escapes: list
    nbytes: int
    instructions: float


def _option(packed, bits: int, delta: bool, depth: int, passes: int) -> BlockOption:
    """A block packed by _pack_rows, with its bytes (its units' offsets and counts included) and
    instructions in ``passes`` passes over it (its tail at int8's rate; a delta block's test and adds)."""
    words, offsets, escapes = packed
    count = sum(len(e) for e in escapes)
    columns = depth - depth % GROUP_COLUMNS[bits]
    instructions = INSTRUCTIONS_PER_COLUMN[bits] * columns + INSTRUCTIONS_PER_COLUMN[8] * (depth - columns) + \
        INSTRUCTIONS_PER_ESCAPE * count + INSTRUCTIONS_PER_DELTA_BLOCK * delta
    if bits != 8:
        instructions += BLOCK_UNITS * INSTRUCTIONS_PER_PACKED_UNIT + \
            INSTRUCTIONS_PER_ESCAPED_UNIT * sum(1 for e in escapes if len(e))
    metadata = 0 if bits == 8 else 2 * BLOCK_UNITS
    nbytes = 4 * len(words) + sum(e.nbytes for e in escapes) + metadata
    return BlockOption(bits, delta, words, offsets, escapes, nbytes, passes * instructions)


def block_options(weights: np.ndarray, passes: int = 1) -> list[list[BlockOption]] | None:
    """Every way to hold each block of four units of ``weights`` [units][depth] (int8 values), int8 first:
    each width on the weights and on their differences from the preceding units' (a delta block: the kernel
    adds the preceding unit's accumulator to each unit's), its instructions counted for ``passes`` passes
    of the layer per inference (a batch's rows, a 1x1 convolution's pixels); None when the layout cannot
    hold the layer (deeper than :data:`MAX_DEPTH`)."""
    units, depth = weights.shape
    if depth > MAX_DEPTH:
        return None
    weights = weights.astype(np.int64)
    previous = np.vstack([np.zeros((1, depth), np.int64), weights[:-1]])  # each unit's predecessor's row
    blocks = []
    for start in range(0, units - units % BLOCK_UNITS, BLOCK_UNITS):
        rows = weights[start:start + BLOCK_UNITS]
        differences = rows - previous[start:start + BLOCK_UNITS]
        # (a width whose group is deeper than the rows would hold nothing but their int8 tails)
        candidates = [(8, False)] + [(bits, delta) for bits in WIDTH_CODES if bits != 8 and GROUP_COLUMNS[bits] <= depth
                                     for delta in (False, True)]
        options = []
        for bits, delta in candidates:
            packed = _pack_rows(differences if delta else rows, bits)
            if packed is not None:
                options.append(_option(packed, bits, delta, depth, passes))
        blocks.append(options)
    return blocks


def choose(blocks: list[list[BlockOption]], bytes_per_instruction: float) -> list[BlockOption]:
    """Each block's option that costs least: its bytes plus its instructions at ``bytes_per_instruction``."""
    return [min(options, key=lambda o: o.nbytes + bytes_per_instruction * o.instructions) for options in blocks]


def assemble(weights: np.ndarray, chosen: list[BlockOption]) -> PackedWeights:
    """The packed layout of ``weights`` [units][depth] with the ``chosen`` option of each block (the last
    units, fewer than a block, as int8 rows)."""
    units = weights.shape[0]
    words, codes, offsets, counts, escapes, short_escapes = [], [], [], [], [], []
    for option in chosen:
        words.append(option.words)
        codes.append(WIDTH_CODES[option.bits])
        if option.bits != 8:
            offsets += option.offsets
            counts += [len(e) for e in option.escapes]
            (escapes if option.bits == 4 else short_escapes).extend(option.escapes)
    for row in weights[units - units % BLOCK_UNITS:]:
        words.append(little_endian_words(row).astype(np.uint32))
    code_bytes = np.zeros(-(-len(codes) // 4), np.int64)
    for block, code in enumerate(codes):
        code_bytes[block // 4] |= code << (2 * (block % 4))
    deltas = [option.delta for option in chosen]
    delta_bytes = np.zeros(-(-len(codes) // 8) if any(deltas) else 0, np.int64)
    for block in np.flatnonzero(deltas):
        delta_bytes[block // 8] |= 1 << (block % 8)
    return PackedWeights(words=np.concatenate(words), widths=code_bytes.astype(np.uint8),
                         offsets=np.array(offsets, np.int8), escape_counts=np.array(counts, np.uint8),
                         escapes=np.concatenate(escapes or [np.zeros(0, np.uint16)]).astype(np.uint16),
                         short_escapes=np.concatenate(short_escapes or [np.zeros(0, np.uint8)]).astype(np.uint8),
                         deltas=delta_bytes.astype(np.uint8), block_widths=tuple(o.bits for o in chosen),
                         block_deltas=tuple(deltas))


def capped_rate(layers: list[list[list[BlockOption]]], share: float = BALANCED_INSTRUCTION_SHARE) -> float:
    """The bytes per instruction at which :func:`choose` packs ``layers`` (each a layer's block options)
    into the least flash while adding at most ``share`` to their int8 instructions, no lower than
    :data:`FLASH_BYTES_PER_INSTRUCTION` (a higher rate packs less: the instructions fall as it rises)."""
    blocks = [options for layer in layers for options in layer]
    cap = share * sum(options[0].instructions for options in blocks)  # (each block's first option: int8)

    def extra(rate: float) -> float:
        return sum(o.instructions - options[0].instructions for o, options in zip(choose(blocks, rate), blocks))

    low, high = FLASH_BYTES_PER_INSTRUCTION, 16.0
    if extra(low) <= cap:
        return low
    for _ in range(24):
        middle = (low + high) / 2
        low, high = (low, middle) if extra(middle) <= cap else (middle, high)
    return high


def saves_flash(packed: PackedWeights, weights: np.ndarray) -> bool:
    """Whether the layout holds ``weights`` in fewer bytes than int8, with some block not int8."""
    return packed.nbytes < weights.size and any(w != 8 for w in packed.block_widths)


def layout(weights: np.ndarray, blocks: list[list[BlockOption]], bytes_per_instruction: float,
           force: bool = False) -> PackedWeights | None:
    """``weights`` [units][depth] in the packed layout, each of its ``blocks`` (:func:`block_options`) in
    the option that costs least (:func:`choose`); None when, unless ``force``, that saves no flash over
    plain int8 (a model whose other layers are packed runs this one in the layout too, with int8 blocks:
    one kernel's code)."""
    packed = assemble(weights, choose(blocks, bytes_per_instruction))
    return packed if force or saves_flash(packed, weights) else None


def pack_weights(weights: np.ndarray, force: bool = False,
                 bytes_per_instruction: float = FLASH_BYTES_PER_INSTRUCTION) -> PackedWeights | None:
    """One layer's ``weights`` [units][depth] (int8 values) in the packed layout (:func:`layout`); None
    also when the layout cannot hold the layer (deeper than :data:`MAX_DEPTH`)."""
    blocks = block_options(weights)
    return None if blocks is None else layout(weights, blocks, bytes_per_instruction, force)


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
        block_size = groups * BLOCK_UNITS * GROUP_WORDS[bits]
        if bits in WORD_MAJOR:
            block_words = words[position:position + block_size].reshape(groups, GROUP_WORDS[bits], BLOCK_UNITS)
            block_words = block_words.transpose(0, 2, 1)
        else:
            block_words = words[position:position + block_size].reshape(groups, BLOCK_UNITS, GROUP_WORDS[bits])
        position += block_size
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
            if packed.block_deltas[block] and r > 0:
                weights[r] += weights[r - 1]
    for r in range(units - units % BLOCK_UNITS, units):
        weights[r] = _int8_values(words[position:position + -(-depth // 4)], depth)
        position += -(-depth // 4)
    return weights
