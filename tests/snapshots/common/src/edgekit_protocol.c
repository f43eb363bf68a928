// <BANNER>
// Device side of edgekit's framed serial protocol: a byte-at-a-time parser and a frame writer.
#include "edgekit_protocol.h"

enum { ST_MAGIC0, ST_MAGIC1, ST_TYPE, ST_LENGTH, ST_PAYLOAD, ST_CRC, ST_SKIP };

uint32_t ek_crc32(uint32_t crc, const uint8_t* data, size_t size) {
  /* Bitwise, table-free: a few hundred bytes of code matter more here than speed. */
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
  }
  return ~crc;
}

void ek_parser_init(ek_parser* parser, uint8_t* buffer, uint32_t capacity) {
  parser->buffer = buffer;
  parser->capacity = capacity;
  ek_parser_reset(parser);
}

void ek_parser_reset(ek_parser* parser) {
  parser->state = ST_MAGIC0;
  parser->count = 0;
  parser->length = 0;
  parser->received = 0;
  parser->crc = 0;
  parser->crc_read = 0;
  parser->type = 0;
  parser->error = 0;
}

static ek_parse_result fail(ek_parser* parser, uint8_t error) {
  parser->error = error;
  parser->state = ST_MAGIC0;
  return EK_PARSE_ERROR;
}

ek_parse_result ek_parser_feed(ek_parser* parser, uint8_t byte) {
  switch (parser->state) {
    case ST_MAGIC0:
      if (byte == EK_MAGIC0) parser->state = ST_MAGIC1;
      return EK_PARSE_MORE;
    case ST_MAGIC1:
      /* A repeated first magic byte keeps us waiting for the second. */
      parser->state = byte == EK_MAGIC1 ? ST_TYPE : (byte == EK_MAGIC0 ? ST_MAGIC1 : ST_MAGIC0);
      return EK_PARSE_MORE;
    case ST_TYPE:
      parser->type = byte;
      parser->crc = ek_crc32(0, &byte, 1);
      parser->length = 0;
      parser->count = 0;
      parser->state = ST_LENGTH;
      return EK_PARSE_MORE;
    case ST_LENGTH:
      parser->crc = ek_crc32(parser->crc, &byte, 1);
      parser->length |= (uint32_t)byte << (8u * parser->count);
      if (++parser->count < 4) return EK_PARSE_MORE;
      parser->received = 0;
      parser->count = 0;
      parser->crc_read = 0;
      if (parser->length > parser->capacity) {
        /* Too large to hold: skip it, then report. */
        parser->state = ST_SKIP;
        return EK_PARSE_MORE;
      }
      parser->state = parser->length ? ST_PAYLOAD : ST_CRC;
      return EK_PARSE_MORE;
    case ST_PAYLOAD:
      parser->buffer[parser->received++] = byte;
      parser->crc = ek_crc32(parser->crc, &byte, 1);
      if (parser->received == parser->length) parser->state = ST_CRC;
      return EK_PARSE_MORE;
    case ST_CRC:
      parser->crc_read |= (uint32_t)byte << (8u * parser->count);
      if (++parser->count < 4) return EK_PARSE_MORE;
      parser->state = ST_MAGIC0;
      if (parser->crc_read != parser->crc) return fail(parser, EK_ERROR_CRC);
      return EK_PARSE_FRAME;
    case ST_SKIP:
    default:
      /* the payload, then the CRC, of a frame too large for the buffer */
      if (parser->received < parser->length) {
        parser->received++;
        return EK_PARSE_MORE;
      }
      if (++parser->count < 4) return EK_PARSE_MORE;
      return fail(parser, EK_ERROR_TOO_LARGE);
  }
}

void ek_put_u32(uint8_t* out, uint32_t value) {
  out[0] = (uint8_t)value;
  out[1] = (uint8_t)(value >> 8);
  out[2] = (uint8_t)(value >> 16);
  out[3] = (uint8_t)(value >> 24);
}

void ek_send_frame(ek_write_fn write, uint8_t type, const ek_part* parts, size_t part_count) {
  uint8_t header[7];
  uint8_t trailer[4];
  uint32_t length = 0;
  for (size_t i = 0; i < part_count; ++i) length += parts[i].size;
  header[0] = EK_MAGIC0;
  header[1] = EK_MAGIC1;
  header[2] = type;
  ek_put_u32(header + 3, length);
  uint32_t crc = ek_crc32(0, header + 2, 5);
  for (size_t i = 0; i < part_count; ++i) crc = ek_crc32(crc, parts[i].data, parts[i].size);
  ek_put_u32(trailer, crc);
  write(header, sizeof header);
  for (size_t i = 0; i < part_count; ++i) {
    if (parts[i].size) write(parts[i].data, parts[i].size);
  }
  write(trailer, sizeof trailer);
}
