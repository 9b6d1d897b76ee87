"""AMF0 (AMF0 spec, Adobe 2007): what RTMP commands and FLV script tags need."""

from __future__ import annotations

import struct
from typing import Any


class Amf0Object(dict):
    """An AMF0 anonymous object (marker 0x03), as opposed to an ECMA array (0x08)."""


class Amf0Undefined:
    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = Amf0Undefined()


def amf0_encode(value: Any) -> bytes:
    if value is None:
        return b"\x05"
    if value is UNDEFINED:
        return b"\x06"
    if isinstance(value, bool):
        return b"\x01" + (b"\x01" if value else b"\x00")
    if isinstance(value, (int, float)):
        return b"\x00" + struct.pack(">d", float(value))
    if isinstance(value, str):
        raw = value.encode()
        if len(raw) > 0xFFFF:
            return b"\x0c" + struct.pack(">I", len(raw)) + raw
        return b"\x02" + struct.pack(">H", len(raw)) + raw
    if isinstance(value, (list, tuple)):
        return b"\x0a" + struct.pack(">I", len(value)) + b"".join(amf0_encode(v) for v in value)
    if isinstance(value, dict):
        marker = b"\x03" if isinstance(value, Amf0Object) else b"\x08"
        head = marker if marker == b"\x03" else marker + struct.pack(">I", len(value))
        body = b"".join(struct.pack(">H", len(k.encode())) + k.encode() + amf0_encode(v)
                        for k, v in value.items())
        return head + body + b"\x00\x00\x09"
    raise TypeError(f"cannot AMF0-encode {type(value)}")


def amf0_encode_all(*values: Any) -> bytes:
    return b"".join(amf0_encode(v) for v in values)


class Amf0Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def done(self) -> bool:
        return self.pos >= len(self.data)

    def _take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ValueError("AMF0: truncated")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def _key(self) -> str:
        (n,) = struct.unpack(">H", self._take(2))
        return self._take(n).decode(errors="replace")

    def _props(self, out: dict) -> dict:
        while True:
            key = self._key()
            if key == "" and self.data[self.pos:self.pos + 1] == b"\x09":
                self.pos += 1
                return out
            out[key] = self.value()

    def value(self) -> Any:
        marker = self._take(1)[0]
        if marker == 0x00:
            return struct.unpack(">d", self._take(8))[0]
        if marker == 0x01:
            return self._take(1) != b"\x00"
        if marker == 0x02:
            return self._key()
        if marker == 0x03:
            return self._props(Amf0Object())
        if marker in (0x05,):
            return None
        if marker == 0x06:
            return UNDEFINED
        if marker == 0x08:
            self._take(4)
            return self._props({})
        if marker == 0x0A:
            (n,) = struct.unpack(">I", self._take(4))
            return [self.value() for _ in range(n)]
        if marker == 0x0B:
            ms = struct.unpack(">d", self._take(8))[0]
            self._take(2)
            return ms
        if marker == 0x0C:
            (n,) = struct.unpack(">I", self._take(4))
            return self._take(n).decode(errors="replace")
        raise ValueError(f"AMF0: unsupported marker {marker:#x} at {self.pos - 1}")


def amf0_decode_all(data: bytes) -> list:
    r = Amf0Reader(data)
    values = []
    while not r.done():
        values.append(r.value())
    return values
