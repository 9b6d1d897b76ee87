"""FLV files (FLV spec v10.1, annex E): reading tags, writing received media, metadata."""

from __future__ import annotations

import dataclasses
import struct
from pathlib import Path

from amf0 import amf0_decode_all


@dataclasses.dataclass
class FlvTag:
    type: int  # 8 audio, 9 video, 18 script data
    timestamp: int  # ms
    data: bytes
    offset: int = 0  # file offset of the tag header


def read_flv(path: Path) -> tuple[bytes, list]:
    """Header bytes and every complete tag of an FLV file (a torn last tag is ignored)."""
    raw = Path(path).read_bytes()
    if raw[:3] != b"FLV":
        raise ValueError(f"{path}: not an FLV file")
    header_len = struct.unpack(">I", raw[5:9])[0]
    pos = header_len + 4
    tags = []
    while pos + 11 <= len(raw):
        ttype = raw[pos] & 0x1F
        size = int.from_bytes(raw[pos + 1:pos + 4], "big")
        ts = int.from_bytes(raw[pos + 4:pos + 7], "big") | (raw[pos + 7] << 24)
        if pos + 11 + size + 4 > len(raw):
            break
        tags.append(FlvTag(ttype, ts, raw[pos + 11:pos + 11 + size], pos))
        pos += 11 + size + 4
    return raw[:header_len], tags


class FlvWriter:
    """Writes received RTMP media messages as an FLV file ffprobe can read."""

    def __init__(self, path: Path, audio: bool = True, video: bool = True):
        self.f = open(path, "wb")
        flags = (0x04 if audio else 0) | (0x01 if video else 0)
        self.f.write(b"FLV\x01" + bytes([flags]) + struct.pack(">I", 9) + b"\x00\x00\x00\x00")

    def write(self, ttype: int, timestamp: int, data: bytes) -> None:
        ts = timestamp & 0xFFFFFFFF
        head = bytes([ttype]) + len(data).to_bytes(3, "big") + (ts & 0xFFFFFF).to_bytes(3, "big")
        head += bytes([ts >> 24]) + b"\x00\x00\x00"
        self.f.write(head + data + struct.pack(">I", 11 + len(data)))

    def close(self) -> None:
        self.f.close()


def flv_metadata(path: Path) -> dict:
    """The onMetaData object of an FLV file ({} if none)."""
    _, tags = read_flv(path)
    for t in tags:
        if t.type == 18:
            values = amf0_decode_all(t.data)
            if values and values[0] == "onMetaData" and len(values) > 1:
                return dict(values[1])
    return {}
