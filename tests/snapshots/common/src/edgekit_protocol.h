// <BANNER>
// edgekit's framed serial protocol, device side (docs/protocol.md has the full description).
//
//   frame = magic 0xED 0x6B | type (1) | payload length (4, little endian) | payload | CRC-32 (4, LE)
//
// The CRC is IEEE 802.3 (zlib's crc32) over type, length and payload. Text lines printed by the
// firmware never contain the magic pair, so the host finds frames in the same byte stream.
#ifndef EDGEKIT_PROTOCOL_H_
#define EDGEKIT_PROTOCOL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EK_MAGIC0 0xEDu
#define EK_MAGIC1 0x6Bu
#define EK_PROTOCOL_VERSION 1u
#define EK_FRAME_OVERHEAD 11u  /* magic 2 + type 1 + length 4 + crc 4 */

/* Frame types: upper case from the host, lower case in reply, 'E' for errors. */
#define EK_TYPE_INFO 0x49u        /* 'I': host asks for the model's I/O description */
#define EK_TYPE_INFO_REPLY 0x69u  /* 'i' */
#define EK_TYPE_RUN 0x52u         /* 'R': payload = every input tensor's bytes, in order */
#define EK_TYPE_RUN_REPLY 0x72u   /* 'r': latency in microseconds (4, LE), then every output's bytes */
#define EK_TYPE_ERROR 0x45u       /* 'E': error code (1), then a message in ASCII */

/* Error codes carried by an 'E' frame. */
#define EK_ERROR_CRC 1u
#define EK_ERROR_LENGTH 2u
#define EK_ERROR_TYPE 3u
#define EK_ERROR_INVOKE 4u
#define EK_ERROR_TOO_LARGE 5u

/* Tensor type codes in an 'i' frame. */
#define EK_DTYPE_INT8 1u
#define EK_DTYPE_UINT8 2u
#define EK_DTYPE_INT16 3u
#define EK_DTYPE_INT32 4u
#define EK_DTYPE_FLOAT32 5u

typedef enum {
  EK_PARSE_MORE = 0,   /* byte consumed, frame not complete */
  EK_PARSE_FRAME = 1,  /* a whole frame with a good CRC is in the parser */
  EK_PARSE_ERROR = 2   /* a frame ended badly; ek_parser.error holds the EK_ERROR_* code */
} ek_parse_result;

typedef struct {
  uint8_t* buffer;       /* payload storage supplied by the application */
  uint32_t capacity;     /* its size in bytes */
  uint32_t length;       /* payload length of the frame being read */
  uint32_t received;     /* payload bytes read so far */
  uint32_t crc;          /* running CRC over type, length, payload */
  uint32_t crc_read;     /* CRC bytes from the wire */
  uint8_t state;
  uint8_t count;         /* bytes read within the current field */
  uint8_t type;
  uint8_t error;
} ek_parser;

/* Start a parser over a payload buffer of `capacity` bytes. */
void ek_parser_init(ek_parser* parser, uint8_t* buffer, uint32_t capacity);

/* Forget a partly read frame (call when the line has been silent too long). */
void ek_parser_reset(ek_parser* parser);

/* Feed one received byte. */
ek_parse_result ek_parser_feed(ek_parser* parser, uint8_t byte);

/* CRC-32 (IEEE) of `size` bytes, continuing from `crc` (start with 0). */
uint32_t ek_crc32(uint32_t crc, const uint8_t* data, size_t size);

/* A frame's payload may come in parts (a header and tensors that live elsewhere), so nothing has to
 * be copied into one buffer before sending. */
typedef struct {
  const uint8_t* data;
  uint32_t size;
} ek_part;

/* Write one frame through `write`, which must send all `size` bytes it is given. */
typedef void (*ek_write_fn)(const uint8_t* data, size_t size);
void ek_send_frame(ek_write_fn write, uint8_t type, const ek_part* parts, size_t part_count);

/* Little-endian helpers for building payloads. */
void ek_put_u32(uint8_t* out, uint32_t value);

#ifdef __cplusplus
}
#endif

#endif  /* EDGEKIT_PROTOCOL_H_ */
