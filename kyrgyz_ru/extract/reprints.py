"""Reprints: the same story published again (another agency's name, a changed first line, a
sentence added or cut) recognised by MinHash LSH over word shingles, in the standard library.

The signature is one-permutation MinHash with rotation densification (Li, Owen and Zhang 2012;
Shrivastava and Li 2014): one hash per shingle instead of one per shingle and permutation, so
a signature costs about as much as reading the words. LSH splits it into BANDS bands of ROWS
values; documents sharing any band are candidates, and a candidate is a copy when the
signatures agree on at least THRESHOLD of their values (an estimate of the Jaccard
similarity of the two shingle sets)."""

from __future__ import annotations

import hashlib
import operator
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

SHINGLE = 5  # words: long enough that two stories on one subject share few shingles
SIZE = 128  # signature values (bins)
# 42 bands of 3 values (126 of the 128): a pair agreeing on 0.36 of its values (the least
# similar planted copy of a five-sentence story) shares a band with probability 0.87, an
# unrelated pair (0.02) with 0.0003; a copy missed that way is still found through another
# copy of its group.
BANDS = 42
ROWS = 3
# Measured on planted reprints of short stories and on different stories on one subject
# (same people, same place; tests/reprints_corpus.py): a copy agrees with its first copy on
# 0.36 or more of its values, different stories on 0.19 at most; but texts generated from
# one 20-word sentence frame (tests/pages.story) reach 0.48, and at 0.3 they merged. 0.4
# found 97% of 600 planted copies with no story merged into another.
THRESHOLD = 0.4
_VALUE_BITS = 32  # each signature value, stored as 4 bytes
_BIN_SHIFT = 64 - 7  # the top 7 bits of a 64-bit shingle hash choose one of SIZE = 128 bins
_EMPTY = (1 << _VALUE_BITS) - 1
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Signature:
    values: tuple[int, ...]  # SIZE values; () for a text of fewer than SHINGLE words

    def bands(self) -> list[int]:
        """One key a band, the band's number mixed in: equal keys mean an equal band."""
        keys = []
        for band in range(BANDS):
            chunk = self.values[band * ROWS : (band + 1) * ROWS]
            digest = hashlib.blake2b(struct.pack(f"<{ROWS + 1}I", band, *chunk), digest_size=8)
            keys.append(int.from_bytes(digest.digest(), "little", signed=True))  # SQLite int
        return keys

    def blob(self) -> bytes:
        return struct.pack(f"<{len(self.values)}I", *self.values)

    @classmethod
    def from_blob(cls, data: bytes) -> Signature:
        return cls(struct.unpack(f"<{len(data) // 4}I", data))


def signature(text: str) -> Signature:
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return Signature(())
    bins = [_EMPTY] * SIZE
    seen: set[str] = set()
    for i in range(len(words) - SHINGLE + 1):
        shingle = " ".join(words[i : i + SHINGLE])
        if shingle in seen:
            continue
        seen.add(shingle)
        h = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "little")
        slot, value = h >> _BIN_SHIFT, (h >> (_BIN_SHIFT - _VALUE_BITS)) & _EMPTY
        if value < bins[slot]:
            bins[slot] = value
    return Signature(tuple(_densify(bins)))


def _densify(bins: list[int]) -> list[int]:
    """An empty bin takes the value of the next full one to its right (circularly), offset by
    the distance, so that two texts' empty bins agree exactly when their neighbours do."""
    full = [i for i, v in enumerate(bins) if v != _EMPTY]
    if not full or len(full) == SIZE:
        return bins
    result = list(bins)
    for i, v in enumerate(bins):
        if v == _EMPTY:
            distance = 1
            while bins[(i + distance) % SIZE] == _EMPTY:
                distance += 1
            result[i] = (bins[(i + distance) % SIZE] + distance * 0x9E3779B1) & _EMPTY
    return result


def similarity(a: Signature, b: Signature) -> float:
    """The share of signature values two documents agree on: an estimate of their Jaccard."""
    if not a.values or len(a.values) != len(b.values):
        return 0.0
    # map(eq) rather than a generator: a new document is compared with every candidate.
    agreed: int = sum(map(operator.eq, a.values, b.values))
    return agreed / len(a.values)


class Finder:
    """Candidates of the documents of this run, kept in memory; the index's own come from
    the caller (store.writes reads them by band)."""

    def __init__(self) -> None:
        self.by_band: dict[int, list[str]] = {}
        self.signatures: dict[str, Signature] = {}
        self.roots: dict[str, str] = {}  # document -> the first copy of its story

    def add(self, doc: str, sig: Signature, root: str | None) -> None:
        self.signatures[doc] = sig
        self.roots[doc] = root or doc
        for key in sig.bands():
            self.by_band.setdefault(key, []).append(doc)

    def candidates(self, keys: Iterable[int]) -> Iterator[str]:
        for key in keys:
            yield from self.by_band.get(key, ())
