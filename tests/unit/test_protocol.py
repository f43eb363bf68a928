"""The host side of the serial protocol against scripted byte streams.

A physical serial device cannot exist here, so ScriptedLink plays one: it answers each frame the host
writes with bytes the test chose (good replies, damaged ones, boot banners, silence). The same host code
runs against the real firmware under QEMU in tests/integration/test_validate.py.
"""

from __future__ import annotations

import struct
import time
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgekit.errors import DeviceError
from edgekit.protocol import (TYPE_ERROR, TYPE_INFO_REPLY, TYPE_RUN, TYPE_RUN_REPLY, Device, Frame, FrameReader,
                              encode_frame, join_inputs, parse_info, split_outputs)


class ScriptedLink:
    """Answers the n-th frame the host writes with ``answers[n]`` (bytes; b"" for silence)."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = list(answers)
        self.written: list[bytes] = []
        self.pending = bytearray()
        self.in_waiting = 0

    def write(self, data: bytes) -> int:
        self.written.append(bytes(data))
        if self.answers:
            self.pending += self.answers.pop(0)
        self.in_waiting = len(self.pending)
        return len(data)

    def read(self, size: int = 1) -> bytes:
        if not self.pending:
            time.sleep(0.005)  # a real port's read timeout, shortened
            return b""
        data, self.pending = bytes(self.pending[:size]), self.pending[size:]
        self.in_waiting = len(self.pending)
        return data

    def close(self) -> None:
        pass


def run_reply(latency: int, outputs: bytes) -> bytes:
    return encode_frame(TYPE_RUN_REPLY, struct.pack("<I", latency) + outputs)


def damaged(frame: bytes) -> bytes:
    return frame[:-5] + bytes([frame[-5] ^ 0x40]) + frame[-4:]


BANNER = b"edgekit: digits on qemu_m4 with edgekit runtime 0.1.0\r\nedgekit: self-test: 1 of 1\r\n" \
         b"edgekit: ready: protocol v1\r\n"


def device(answers: list[bytes], **options) -> tuple[Device, ScriptedLink]:
    link = ScriptedLink(answers)
    options.setdefault("reply_timeout_s", 0.3)
    return Device(link, **options), link


def test_frame_layout_matches_the_documented_one():
    frame = encode_frame(TYPE_RUN, b"\x01\x02")
    assert frame[:2] == b"\xed\x6b" and frame[2] == ord("R")
    assert struct.unpack_from("<I", frame, 3)[0] == 2 and frame[7:9] == b"\x01\x02"
    assert struct.unpack_from("<I", frame, 9)[0] == zlib.crc32(frame[2:9])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=40).map(lambda b: b.replace(b"\xed", b"")),
                          st.binary(max_size=60).map(lambda p: encode_frame(TYPE_RUN_REPLY, p))), max_size=6),
       st.integers(min_value=1, max_value=17))
def test_reader_finds_every_frame_in_text_however_the_stream_is_cut(pieces, chunk):
    stream = b"".join(pieces)
    reader = FrameReader(max_payload=1024)
    events = []
    for i in range(0, len(stream), chunk):
        events += reader.feed(stream[i:i + chunk])
    frames = [e for e in events if isinstance(e, Frame)]
    expected = [p for p in pieces if p.startswith(b"\xed\x6b")]
    assert [f.payload for f in frames] == [p[7:-4] for p in expected]
    assert all(f.intact for f in frames)


def test_reader_skips_a_header_with_an_impossible_length_and_finds_the_next_frame():
    bad = b"\xed\x6b\x72" + struct.pack("<I", 10_000_000)
    good = encode_frame(TYPE_RUN_REPLY, b"abcd")
    events = FrameReader(max_payload=1024).feed(bad + good)
    assert [e.payload for e in events if isinstance(e, Frame)] == [b"abcd"]


def test_run_returns_latency_and_outputs_and_passes_text_on():
    lines = []
    dev, link = device([b"edgekit: a line\r\n" + run_reply(1234, b"\x05\x06")], on_text=lines.append)
    assert dev.run(b"\x00" * 4, 2) == (1234, b"\x05\x06")
    assert lines == ["edgekit: a line"]
    assert link.written == [encode_frame(TYPE_RUN, b"\x00" * 4)]


def test_a_damaged_reply_is_retried():
    dev, link = device([damaged(run_reply(7, b"\x01")), run_reply(7, b"\x01")])
    assert dev.run(b"\x00", 1) == (7, b"\x01")
    assert len(link.written) == 2 and dev.stats.damaged_replies == 1 and dev.stats.retries == 1


def test_a_frame_the_device_got_damaged_is_sent_again():
    crc_error = encode_frame(TYPE_ERROR, b"\x01CRC mismatch")
    dev, link = device([crc_error, run_reply(9, b"\x02")])
    assert dev.run(b"\x00", 1) == (9, b"\x02")
    assert dev.stats.device_crc_errors == 1 and link.written[0] == link.written[1]


def test_frames_damaged_every_time_end_with_a_message_about_the_wire():
    dev, link = device([damaged(run_reply(1, b"\x01"))] * 10, retries=2)
    with pytest.raises(DeviceError, match="after 3 tries.*damaged") as error:
        dev.run(b"\x00", 1)
    assert "cable" in str(error.value) and len(link.written) == 3


def test_a_silent_device_fails_within_its_timeouts():
    dev, link = device([], retries=1, reply_timeout_s=0.2)
    started = time.monotonic()
    with pytest.raises(DeviceError, match="(?s)no reply within 0.2 s.*stopped answering"):
        dev.info()
    # two tries of 0.2 s plus one quiet drain of 0.3 s between them
    assert time.monotonic() - started < 2.0 and len(link.written) == 2


def test_a_device_that_resets_is_waited_for_and_asked_again():
    dev, link = device([BANNER, run_reply(3, b"\x04")])
    assert dev.run(b"\x00", 1) == (3, b"\x04")
    assert dev.stats.resets == 1 and len(link.written) == 2


def test_a_device_that_keeps_resetting_is_reported():
    dev, _ = device([BANNER, BANNER, BANNER])
    with pytest.raises(DeviceError, match="reset again"):
        dev.run(b"\x00", 1)


def test_an_error_frame_is_reported_with_its_meaning():
    dev, _ = device([encode_frame(TYPE_ERROR, b"\x02payload length differs")])
    with pytest.raises(DeviceError, match="(?s)error 2 .*payload length.*another model"):
        dev.run(b"\x00", 1)


def test_a_reply_with_the_wrong_output_size_is_refused():
    dev, _ = device([run_reply(1, b"\x01\x02\x03")])
    with pytest.raises(DeviceError, match="3 output bytes, expected 2"):
        dev.run(b"\x00", 2)


def test_info_reply_is_decoded():
    payload = bytes([1, 1, 2, 0]) + bytes(range(8)) + struct.pack("<II", 6768, 6000) \
        + bytes([1]) + struct.pack("<I", 784) + bytes([1]) + struct.pack("<I", 10) + bytes([5]) + struct.pack("<I", 8)
    dev, _ = device([encode_frame(TYPE_INFO_REPLY, payload)])
    info = dev.info()
    assert info == parse_info(payload)
    assert info.sha256_prefix == bytes(range(8)) and info.arena_bytes == 6768 and info.arena_used == 6000
    assert info.input_bytes == 784 and [(t.dtype, t.size) for t in info.outputs] == [("int8", 10), ("float32", 8)]


def test_a_short_info_reply_is_an_error_not_a_crash():
    with pytest.raises(DeviceError, match="shorter"):
        parse_info(b"\x01\x02")


def test_a_damaged_length_field_costs_one_try_not_the_link():
    """A length that announces more bytes than will come: the try times out, the reader starts afresh."""
    stalled = b"\xed\x6b\x72" + struct.pack("<I", 3000) + b"\x00" * 10
    dev, link = device([stalled, run_reply(5, b"\x07")], reply_timeout_s=0.2)
    assert dev.run(b"\x00", 1) == (5, b"\x07")
    assert len(link.written) == 2


class SlowLink(ScriptedLink):
    """A device that answers each frame only ``latency`` seconds after it arrives."""

    def __init__(self, answers, latency):
        super().__init__(answers)
        self.latency, self.due = latency, []

    def write(self, data):
        self.written.append(bytes(data))
        if self.answers:
            self.due.append((time.monotonic() + self.latency, self.answers.pop(0)))
        return len(data)

    def read(self, size=1):
        while self.due and self.due[0][0] <= time.monotonic():
            self.pending += self.due.pop(0)[1]
        self.in_waiting = len(self.pending)
        return super().read(size)


def test_a_late_reply_is_never_taken_for_the_next_one():
    """The device needs 0.35 s, the host waits 0.2 s: each late reply arrives while the link is drained
    and is dropped, so the run fails with a timeout instead of returning another try's outputs."""
    link = SlowLink([run_reply(1, b"\x01"), run_reply(2, b"\x02"), run_reply(3, b"\x03")], latency=0.35)
    dev = Device(link, reply_timeout_s=0.2, retries=2)
    with pytest.raises(DeviceError, match="(?s)no reply within.*longer --timeout"):
        dev.run(b"\x00", 1)
    assert len(link.written) == 3


def test_a_closed_link_is_a_device_error():
    class Closed(ScriptedLink):
        def read(self, size=1):
            raise OSError(5, "Input/output error")

    dev = Device(Closed([]), reply_timeout_s=0.2)
    with pytest.raises(DeviceError, match="serial link to the device closed"):
        dev.info()


def test_another_protocol_version_is_named():
    payload = bytes([2, 0, 0, 0]) + bytes(16)
    with pytest.raises(DeviceError, match="protocol version 2"):
        parse_info(payload)


def test_a_model_with_several_inputs_and_outputs_is_described_and_run():
    """Two inputs (int16, int8) and two outputs (int32, int8): the info reply lists each, a run request
    carries both inputs in order, and the reply is cut back into one piece per output."""
    payload = bytes([1, 2, 2, 0]) + bytes(8) + struct.pack("<II", 512, 400) \
        + bytes([3]) + struct.pack("<I", 192) + bytes([1]) + struct.pack("<I", 16) \
        + bytes([4]) + struct.pack("<I", 8) + bytes([1]) + struct.pack("<I", 3)
    first_input, second_input = bytes(range(192)), bytes(range(100, 116))
    first_output, second_output = struct.pack("<ii", -70000, 123456), b"\x7f\x80\x01"
    dev, link = device([encode_frame(TYPE_INFO_REPLY, payload), run_reply(42, first_output + second_output)])
    info = dev.info()
    assert [(t.dtype, t.size) for t in info.inputs] == [("int16", 192), ("int8", 16)]
    assert [(t.dtype, t.size) for t in info.outputs] == [("int32", 8), ("int8", 3)]
    assert info.input_bytes == 208 and info.output_bytes == 11
    latency, outputs = dev.run(join_inputs([first_input, second_input]), info.output_bytes)
    sent = FrameReader(4096).feed(link.written[-1])
    assert sent == [Frame(TYPE_RUN, first_input + second_input)]
    assert latency == 42 and split_outputs(outputs, [t.size for t in info.outputs]) == [first_output, second_output]


def test_outputs_that_do_not_add_up_are_refused():
    with pytest.raises(DeviceError, match=r"10 output bytes, expected 11 \(8 \+ 3\)"):
        split_outputs(bytes(10), [8, 3])
