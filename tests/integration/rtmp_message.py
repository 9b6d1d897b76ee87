"""RTMP messages (RTMP spec 1.0, Adobe 2012): type ids and what a test asks of one."""

from __future__ import annotations

import dataclasses
from typing import Optional

from amf0 import amf0_decode_all

MSG_SET_CHUNK_SIZE = 1
MSG_ABORT = 2
MSG_ACK = 3
MSG_USER_CONTROL = 4
MSG_WINDOW_ACK_SIZE = 5
MSG_SET_PEER_BW = 6
MSG_AUDIO = 8
MSG_VIDEO = 9
MSG_DATA_AMF0 = 18
MSG_COMMAND_AMF0 = 20
MSG_AGGREGATE = 22


@dataclasses.dataclass
class RtmpMessage:
    type: int
    stream_id: int
    timestamp: int
    payload: bytes
    received_at: float = 0.0

    def is_media(self) -> bool:
        return self.type in (MSG_AUDIO, MSG_VIDEO)

    def is_video_keyframe(self) -> bool:
        # FLV spec E.4.3.1: frame type in the high nibble; AVCPacketType 0 is the sequence header.
        return (self.type == MSG_VIDEO and len(self.payload) >= 2 and self.payload[0] >> 4 == 1
                and not self.is_sequence_header())

    def is_sequence_header(self) -> bool:
        if self.type == MSG_VIDEO:
            return len(self.payload) >= 2 and self.payload[0] & 0x0F == 7 and self.payload[1] == 0
        if self.type == MSG_AUDIO:
            return len(self.payload) >= 2 and self.payload[0] >> 4 == 10 and self.payload[1] == 0
        return False

    def amf(self) -> list:
        if self.type in (MSG_COMMAND_AMF0, MSG_DATA_AMF0):
            try:
                return amf0_decode_all(self.payload)
            except ValueError:
                return []
        return []

    def status_code(self) -> Optional[str]:
        """The info.code of an onStatus/onPlayStatus command or data message."""
        values = self.amf()
        if values and values[0] in ("onStatus", "onPlayStatus"):
            for v in values[1:]:
                if isinstance(v, dict) and "code" in v:
                    return v["code"]
        return None
