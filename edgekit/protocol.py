"""The host side of edgekit's serial protocol (docs/protocol.md): frames, the info reply, and a device
that runs inputs, over any byte link: a real serial port or an emulated board's pty (both through
pyserial), with bounded timeouts and retries.

A frame is ``0xED 0x6B | type | u32 length | payload | CRC-32``, all little endian; the device's text
lines share the link and never contain the magic pair, so the reader scans the stream for it.
"""

from __future__ import annotations

import os
import re
import struct
import time
import zlib
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Protocol

from edgekit.errors import DeviceError

MAGIC = b"\xed\x6b"
HEADER = struct.Struct("<BI")  # type, payload length (after the magic)
PROTOCOL_VERSION = 1

TYPE_INFO = ord("I")
TYPE_INFO_REPLY = ord("i")
TYPE_RUN = ord("R")
TYPE_RUN_REPLY = ord("r")
TYPE_ERROR = ord("E")

ERROR_CRC = 1
ERROR_NAMES = {1: "CRC mismatch", 2: "payload length differs from the model's input size", 3: "unknown frame type",
               4: "Invoke() failed", 5: "frame larger than the device can buffer"}
DTYPES = {1: "int8", 2: "uint8", 3: "int16", 4: "int32", 5: "float32"}

#: The longest reply payload expected before the device's outputs are known (an info reply of 255 inputs
#: and outputs is 2,570 B). A longer length field is damage, not a frame to wait for.
DEFAULT_MAX_PAYLOAD = 4096

#: The first line every edgekit firmware prints at boot ("edgekit: MODEL on BOARD with LIBRARY ...").
BOOT_BANNER = re.compile(r"^edgekit: .+ on \S+ with ")
READY_LINE = "edgekit: ready: protocol v"


def crc32(data: bytes) -> int:
    """The frame checksum: IEEE 802.3 CRC-32, as the device computes it."""
    return zlib.crc32(data) & 0xFFFFFFFF


def encode_frame(frame_type: int, payload: bytes = b"") -> bytes:
    """One frame on the wire: magic, type, length, payload and the CRC of type, length and payload."""
    body = HEADER.pack(frame_type, len(payload)) + payload
    return MAGIC + body + struct.pack("<I", crc32(body))


@dataclass(frozen=True)
class Frame:
    """A frame read from the device; ``intact`` is False when its CRC did not match."""

    type: int
    payload: bytes
    intact: bool = True


class FrameReader:
    """Splits the device's byte stream into text lines and frames, resynchronising after damage.

    :param max_payload: longer announced payloads are taken as a damaged length field: the reader skips
        the magic and looks for the next one instead of waiting for bytes that never come.
    """

    def __init__(self, max_payload: int) -> None:
        self.max_payload = max_payload
        self._buffer = bytearray()
        self._text = bytearray()

    def feed(self, data: bytes) -> list[Frame | str]:
        """Add received bytes; return the complete text lines (str) and frames (Frame) in order."""
        self._buffer += data
        events: list[Frame | str] = []
        while self._buffer:
            start = self._buffer.find(MAGIC)
            if start < 0:
                # keep a trailing 0xED: it may be the first half of a magic split across reads
                keep = 1 if self._buffer.endswith(MAGIC[:1]) else 0
                self._take_text(bytes(self._buffer[:len(self._buffer) - keep]), events)
                del self._buffer[:len(self._buffer) - keep]
                break
            self._take_text(bytes(self._buffer[:start]), events)
            del self._buffer[:start]
            if len(self._buffer) < 2 + HEADER.size:
                break
            frame_type, length = HEADER.unpack_from(self._buffer, 2)
            if length > self.max_payload:
                del self._buffer[:2]  # a damaged header: look for the next magic
                continue
            end = 2 + HEADER.size + length + 4
            if len(self._buffer) < end:
                break
            body = bytes(self._buffer[2:end - 4])
            (checksum,) = struct.unpack_from("<I", self._buffer, end - 4)
            events.append(Frame(frame_type, body[HEADER.size:], crc32(body) == checksum))
            del self._buffer[:end]
        return events

    def _take_text(self, data: bytes, events: list[Frame | str]) -> None:
        self._text += data
        while b"\n" in self._text:
            line, _, rest = self._text.partition(b"\n")
            self._text = bytearray(rest)
            events.append(line.decode("utf-8", "replace").rstrip("\r"))


class Link(Protocol):
    """A byte link to the device: a pyserial port, or anything with the same three methods."""

    def write(self, data: bytes) -> int | None: ...

    def read(self, size: int = 1) -> bytes: ...

    def close(self) -> None: ...


def open_serial(port: str, baud: int, read_timeout_s: float = 0.05) -> Link:
    """Open ``port`` (a USB serial device or an emulator's pty) at ``baud`` with short, bounded reads."""
    import serial

    try:
        # write_timeout: a device that stops draining its UART must not block the host forever
        # exclusive: no second program reading the same port behind our back (a POSIX lock; Windows ports
        # are exclusive anyway and pyserial refuses the option there)
        link = serial.Serial(port, baud, timeout=read_timeout_s, write_timeout=10,
                             **({"exclusive": True} if os.name == "posix" else {}))
    except (serial.SerialException, OSError) as exc:
        raise DeviceError(f"cannot open the serial port {port}: {exc}",
                          ["check the port with `edgekit monitor` or `python -m serial.tools.list_ports`",
                           "close any other program that has it open (a serial monitor, an IDE)"]) from None
    return link


@dataclass(frozen=True)
class TensorSpec:
    """An input or output tensor as the device describes it."""

    dtype: str
    size: int


@dataclass(frozen=True)
class DeviceInfo:
    """The device's info reply: protocol version, model fingerprint, arena and tensors."""

    version: int
    sha256_prefix: bytes
    arena_bytes: int
    arena_used: int
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]

    @property
    def input_bytes(self) -> int:
        """Bytes of one run frame's payload."""
        return sum(t.size for t in self.inputs)

    @property
    def output_bytes(self) -> int:
        """Bytes of outputs in one run reply."""
        return sum(t.size for t in self.outputs)


def join_inputs(tensors: list[bytes]) -> bytes:
    """A run request's payload: every input tensor's bytes, in the model's input order."""
    return b"".join(tensors)


def split_outputs(outputs: bytes, sizes: list[int]) -> list[bytes]:
    """A run reply's outputs (after the latency) cut into one piece per output tensor of ``sizes`` bytes.

    :raises DeviceError: when the reply holds another number of bytes than the outputs add up to.
    """
    if len(outputs) != sum(sizes):
        raise DeviceError(f"the device replied with {len(outputs)} output bytes, expected {sum(sizes)} "
                          f"({' + '.join(map(str, sizes))})", ["the device runs another model: build and flash this one"])
    pieces, offset = [], 0
    for size in sizes:
        pieces.append(outputs[offset:offset + size])
        offset += size
    return pieces


def parse_info(payload: bytes) -> DeviceInfo:
    """Decode an info reply; :class:`DeviceError` when it is too short for what it announces or speaks
    another version of the protocol."""
    if len(payload) < 20:
        raise DeviceError(f"the device's info reply is {len(payload)} bytes, shorter than the 20-byte header",
                          ["the firmware may be from an older edgekit; rebuild and flash it"])
    version, n_in, n_out = payload[0], payload[1], payload[2]
    if version != PROTOCOL_VERSION:
        raise DeviceError(f"the device speaks protocol version {version}; this edgekit speaks {PROTOCOL_VERSION}",
                          ["build and flash the firmware with this edgekit"])
    arena_bytes, arena_used = struct.unpack_from("<II", payload, 12)
    if len(payload) < 20 + 5 * (n_in + n_out):
        raise DeviceError("the device's info reply is shorter than its tensor list")
    specs = [TensorSpec(DTYPES.get(payload[20 + 5 * i], f"type {payload[20 + 5 * i]}"),
                        struct.unpack_from("<I", payload, 21 + 5 * i)[0]) for i in range(n_in + n_out)]
    return DeviceInfo(version, bytes(payload[4:12]), arena_bytes, arena_used, tuple(specs[:n_in]),
                      tuple(specs[n_in:]))


@dataclass
class LinkStats:
    """What went wrong on the link and was recovered: frames retried, damaged replies, device resets."""

    retries: int = 0
    damaged_replies: int = 0
    device_crc_errors: int = 0
    resets: int = 0
    notes: list[str] = field(default_factory=list)


class Device:
    """An edgekit firmware on the other end of ``link``: ask for its info, run inputs.

    Every exchange sends one frame and waits at most ``reply_timeout_s`` for the reply; a reply that is
    damaged, missing, or an error frame for a damaged request is retried up to ``retries`` times (a run is
    safe to repeat). A device that prints its boot banner again has reset: the exchange waits for it to be
    ready and retries once more. Nothing waits without a deadline.
    """

    def __init__(self, link: Link, *, reply_timeout_s: float = 5.0, retries: int = 3, boot_timeout_s: float = 30.0,
                 max_payload: int = DEFAULT_MAX_PAYLOAD, on_text: Callable[[str], None] | None = None) -> None:
        self.link = link
        self.reply_timeout_s = reply_timeout_s
        self.retries = retries
        self.boot_timeout_s = boot_timeout_s
        self.reader = FrameReader(max_payload)
        self.on_text = on_text or (lambda line: None)
        self.stats = LinkStats()
        self.lines: list[str] = []
        self._events: deque[Frame | str] = deque()
        self._reset_seen = False  # a boot banner arrived since the exchange began
        self._ready_seen = False  # the ready line arrived since the last boot banner

    def info(self) -> DeviceInfo:
        """The device's model fingerprint, arena and tensors; from now on, replies may be as long as its
        outputs need and no longer."""
        info = parse_info(self._exchange(TYPE_INFO, b"", TYPE_INFO_REPLY, "the info request"))
        self.reader.max_payload = max(DEFAULT_MAX_PAYLOAD, 4 + info.output_bytes)
        return info

    def run(self, payload: bytes, expected_output_bytes: int) -> tuple[int, bytes]:
        """Run one inference on ``payload`` (every input's bytes); the device's latency (µs) and outputs."""
        # the deadline counts both frames' time on the wire at the link's baud rate
        reply = self._exchange(TYPE_RUN, payload, TYPE_RUN_REPLY, "a run request",
                               self._transfer_s(len(payload) + 4 + expected_output_bytes))
        if len(reply) != 4 + expected_output_bytes:
            raise DeviceError(f"the device replied with {len(reply) - 4} output bytes, expected {expected_output_bytes}",
                              ["the device runs another model: build and flash this one"])
        (latency_us,) = struct.unpack_from("<I", reply)
        return latency_us, reply[4:]

    def wait_ready(self, timeout_s: float) -> bool:
        """Read text until the firmware has said it is ready since its last boot banner (True), or until
        ``timeout_s`` passes (False)."""
        deadline = time.monotonic() + timeout_s
        while not self._ready_seen:
            event = self._next_event(deadline)
            if event is None:
                return False
            if isinstance(event, str):
                self._text(event)
        return True

    def _next_event(self, deadline: float) -> Frame | str | None:
        """The next line or frame from the device, or None once ``deadline`` has passed."""
        while not self._events:
            if time.monotonic() >= deadline:
                return None
            self._events.extend(self.reader.feed(self._read_some()))
        return self._events.popleft()

    def _drain(self, quiet_s: float = 0.3) -> None:
        """Drop whatever the device still sends, so that a late reply to the try that failed cannot be
        taken for the reply to the next frame: read until the link has been quiet for ``quiet_s`` (after
        a timeout, the whole reply timeout: a device still computing is quiet until it answers). Text
        lines are kept for the log; a partly read frame (perhaps a damaged length) is forgotten."""
        quiet_until = time.monotonic() + quiet_s
        give_up = time.monotonic() + max(3.0, 3 * quiet_s)
        while time.monotonic() < min(give_up, quiet_until):
            data = self._read_some()
            if data:
                quiet_until = time.monotonic() + quiet_s
                self._events.extend(self.reader.feed(data))
        for event in list(self._events):
            if isinstance(event, str):
                self._text(event)
        self._events.clear()
        self.reader = FrameReader(self.reader.max_payload)

    def _read_some(self) -> bytes:
        # what is waiting, or one byte within the link's short read timeout: never a long block
        try:
            return self.link.read(max(1, getattr(self.link, "in_waiting", 0)))
        except OSError as exc:  # pyserial's SerialException is an OSError too
            raise _link_closed(exc) from None

    def _write(self, frame: bytes) -> None:
        try:
            self.link.write(frame)
        except OSError as exc:  # includes pyserial's write timeout: a device that stopped reading
            raise _link_closed(exc) from None

    def _transfer_s(self, size: int) -> float:
        baud = getattr(self.link, "baudrate", None) or 115200
        return (size + 2 * 11) * 10 / baud  # two frames' overhead, 10 bits per byte

    def _text(self, line: str) -> str:
        self.lines.append(line)
        if BOOT_BANNER.match(line):
            self._reset_seen = True
            self._ready_seen = False
        elif line.startswith(READY_LINE):
            self._ready_seen = True
        self.on_text(line)
        return line

    def _exchange(self, frame_type: int, payload: bytes, reply_type: int, what: str, extra_s: float = 0.0) -> bytes:
        frame = encode_frame(frame_type, payload)
        timeout_s = self.reply_timeout_s + extra_s
        failures: list[str] = []
        tries = resets = 0
        self._reset_seen = False
        while True:
            if self._reset_seen:  # a boot banner, while waiting or draining: not the frame's fault
                self.stats.resets += 1
                resets += 1
                if resets > 1:
                    raise DeviceError(f"the device reset again during {what}",
                                      ["it may be running out of stack or tripping a watchdog, or its power or "
                                       "cable is unreliable", "watch its output with `edgekit monitor`"])
                if not self.wait_ready(self.boot_timeout_s):
                    raise DeviceError(f"the device reset during {what} and did not say it was ready within "
                                      f"{self.boot_timeout_s:.0f} s", ["watch its output with `edgekit monitor`"])
                self._reset_seen = False
                self._drain()
            self._write(frame)
            outcome = self._await_reply(reply_type, timeout_s)
            if isinstance(outcome, bytes):
                return outcome
            failures.append(outcome)
            if not self._reset_seen:
                tries += 1
                if tries > self.retries:
                    raise DeviceError(f"no good reply to {what} after {tries} tries: " + "; ".join(failures),
                                      self._hints(failures))
            self.stats.retries += 1
            self._drain(timeout_s if outcome.startswith("no reply") else 0.3)

    def _await_reply(self, reply_type: int, timeout_s: float) -> bytes | str:
        """The reply's payload, or a sentence saying why there is none."""
        deadline = time.monotonic() + timeout_s
        while (event := self._next_event(deadline)) is not None:
            if isinstance(event, str):
                self._text(event)
                if self._reset_seen:
                    return "the device reset (its boot banner appeared)"
                continue
            if not event.intact:
                self.stats.damaged_replies += 1
                return "a reply arrived damaged (CRC mismatch)"
            if event.type == reply_type:
                return event.payload
            if event.type == TYPE_ERROR and event.payload:
                code, message = event.payload[0], event.payload[1:].decode("ascii", "replace")
                if code == ERROR_CRC:
                    self.stats.device_crc_errors += 1
                    return "the device received the frame damaged (CRC mismatch)"
                raise DeviceError(f"the device answered with error {code} ({ERROR_NAMES.get(code, 'unknown')}): "
                                  f"{message}", ["the device may run another model: build and flash this one"]
                                  if code == 2 else [])
            # a frame of another type is not ours: keep waiting
        return f"no reply within {timeout_s:.1f} s"

    @staticmethod
    def _hints(failures: list[str]) -> list[str]:
        if all(f.startswith("no reply") for f in failures):
            return ["the device stopped answering: check that it is powered, on this port and running an "
                    "edgekit firmware (`edgekit monitor` shows its boot lines)",
                    "a slow model may need a longer --timeout"]
        return ["frames are being damaged on the wire: check the cable and the baud rate, or lower the baud rate "
                "in the board file"]


def _link_closed(exc: OSError) -> DeviceError:
    return DeviceError(f"the serial link to the device closed ({exc}): the device was unplugged, or the emulator "
                       "or the firmware stopped", ["check the cable and the port, and watch the device's output "
                                                    "with `edgekit monitor`"])
