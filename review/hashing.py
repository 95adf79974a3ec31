"""The one place content hashes are computed (hex sha256), so equal content gives equal digests.

Two kinds of digest, named apart:
- content hashes for provenance and identity: `sha256_file` (a recording or upload, streamed),
  `sha256_bytes`, and `transcript_sha256` (recorded in every scorecard's provenance);
- `sha256_json` for keys built from several parts (the review cache key, settings fingerprints).
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from .types import Transcript

BLOCK = 1 << 20  # 1 MB: recordings are read in blocks, never whole


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def sha256_text(text: str) -> str:
    """Hex sha256 of `text` encoded as UTF-8."""
    return sha256_bytes(text.encode("utf-8"))


def sha256_stream(stream: BinaryIO, sink: BinaryIO | None = None) -> str:
    """Hex sha256 of everything left in `stream`, read in 1 MB blocks.

    sink: a binary file each block is also written to (hash while copying, one read).
    """
    digest = hashlib.sha256()
    while block := stream.read(BLOCK):
        digest.update(block)
        if sink is not None:
            sink.write(block)
    return digest.hexdigest()


def sha256_file(path: str | os.PathLike) -> str:
    """Hex sha256 of a file's bytes, streamed (a recording may be hundreds of MB)."""
    with open(path, "rb") as fh:
        return sha256_stream(fh)


def sha256_json(value: object) -> str:
    """Hex sha256 of `value` as canonical JSON (sorted keys; non-JSON values as `str`)."""
    return sha256_text(json.dumps(value, sort_keys=True, default=str))


def transcript_sha256(transcript: Transcript) -> str:
    """The transcript's content hash, recorded in a scorecard's provenance."""
    return sha256_text(transcript.model_dump_json())
