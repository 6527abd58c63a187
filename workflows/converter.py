"""How workflow payloads travel: pydantic JSON, zlib-compressed when that makes them smaller.

An agreement's state snapshot rides on every recording activity; compressed it is about a
tenth of the size, which keeps a year's history far from Temporal's limits. Payloads written
before compression existed carry no zlib marker and decode unchanged.
"""

from __future__ import annotations

import dataclasses
import zlib
from collections.abc import Sequence

from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import PayloadCodec

ZLIB = b"binary/zlib"
SMALLEST_WORTH_COMPRESSING = 512


class ZlibCodec(PayloadCodec):
    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encode(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decode(p) for p in payloads]

    @staticmethod
    def _encode(payload: Payload) -> Payload:
        raw = payload.SerializeToString()
        if len(raw) < SMALLEST_WORTH_COMPRESSING:
            return payload
        return Payload(metadata={"encoding": ZLIB}, data=zlib.compress(raw, 1))

    @staticmethod
    def _decode(payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ZLIB:
            return payload
        decoded = Payload()
        decoded.ParseFromString(zlib.decompress(payload.data))
        return decoded


DATA_CONVERTER = dataclasses.replace(pydantic_data_converter, payload_codec=ZlibCodec())
