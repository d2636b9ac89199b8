"""The fuzzy candidate index: compact token postings that narrow lookup to a few units.

Every word of a normalized source gets a code point; a unit is the string of its word
codes (numbers share one code), so rapidfuzz scores a candidate in well under a
microsecond. Postings (code -> unit positions) live in flat numpy arrays, saved in one
file beside the memory and brought up to date from the store's change log at start,
never rebuilt from scratch unless the file is missing or belongs to another memory.

Lookup uses prefix filtering: a unit that scores at least t% must contain all but
n - ceil(n*t) of the query's n words, so it holds at least one of the query's rarest
n - ceil(n*t) + 1 words; only those u words' postings matter. Units are scored by levels,
those holding most of the u words (hits) first, until no unit with fewer hits can be the
best match. A unit with h hits is in the postings of one of the u - h + 1 rarest words, so
the top levels are found by reading the rarest words' short postings and probing the
units found for the other words (a bitmap of a frequent word's units, or a binary search),
without reading the common words' long postings; lower levels read more when they are
reached, or all the postings are counted at once when that costs less (tm/index_levels.py). A level
is scored in one rapidfuzz call, and only the units that can still be among the best
limit * 4 are kept.
"""

from __future__ import annotations

import glob
import json
import math
import os
import tempfile
import threading
import zipfile
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist

from tm import index_levels as levels_
from tm.index_levels import Best, Candidate, Levels
from tm.lang import NUMBER_SLOT, light_stem, words_and_numbers
from tm.store.records import FeedPosition

FORMAT_VERSION = 2
SEPARATOR = 0  # between units' strings when many are decoded at once: no word has it
SLOT_CODE = 1
UNKNOWN_CODE = 2
FIRST_CODE = 16
MAX_CODE = 0x10FFFF
# Reading postings stops past this many entries (common-word-only queries): a bound on
# work that costs recall only for queries that have no rare word at all.
MAX_POSTINGS = 400_000
# At most this many candidates are scored for one query (dense, repetitive memories).
MAX_SCORED = 4000
# Penalties (numbers, punctuation) lower a score by a few points after the index: units up
# to this far below the best word-level score are still scored.
PENALTY_MARGIN = 6.0


DISTANCE = Levenshtein.distance


def _code_for(n: int) -> int:
    """Return the code point of the n-th word (0-based), skipping surrogates."""
    c = FIRST_CODE + n
    if c >= 0xD800:
        c += 0x800
    if c > MAX_CODE:  # beyond 1.1M distinct words, rare words share codes
        c = FIRST_CODE + (c % (MAX_CODE - 0x800 - FIRST_CODE))
        if c >= 0xD800:
            c += 0x800
    return c


# Up to this many units' strings are decoded one at a time, not with numpy calls.
FEW = 8
# A level of more units than this is scored best bound first (bounds from word signatures:
# FuzzyIndex._bounds), and what cannot be among the best kept is left unscored.
BOUND_AFTER = 64
# A word's bit in a unit's signature: the top 6 bits of its code times this (Fibonacci hashing).
SIGNATURE_MULTIPLIER = 0x9E3779B97F4A7C15


# A word of more postings than 1 / BITMAP_SHARE of the units has a bitmap of its units (at
# most twice the size of its postings), made when a lookup first probes it; at most
# MAX_BITMAPS are kept.
BITMAP_SHARE = 64
MAX_BITMAPS = 256


def _bits(codes: np.ndarray) -> np.ndarray:
    """Return each code's signature bit."""
    mixed = codes.astype(np.uint64) * np.uint64(SIGNATURE_MULTIPLIER)  # wraps around, as hashing wants
    return np.left_shift(np.uint64(1), mixed >> np.uint64(58))


def _by_code(tok: np.ndarray) -> np.ndarray:
    """Return the stable order of word codes (uint32): two 16-bit radix sorts.

    NumPy sorts 16-bit integers stably by radix, in linear time: the low halves, then the high
    halves of that order (a vocabulary under 65,536 words has none), is the stable order of
    the codes, at a fraction of what a comparison sort of 32-bit codes costs.
    """
    order = np.argsort((tok & 0xFFFF).astype(np.uint16), kind="stable")
    high = (tok[order] >> 16).astype(np.uint16)
    if high.any():
        order = order[np.argsort(high, kind="stable")]
    return order


@dataclass(slots=True)
class Coded:
    """Word codes of normalized sources made ahead of a build (FuzzyIndex.code), and their vocabulary."""

    vocab: dict[str, int]
    codes: dict[str, list[int]]

    def block(self, norms: list[str], first: int) -> Block:
        """Return the units with ids first, first+1... and these sources (coded here), for a build."""
        toks = array("I")
        offs = array("q", [0])
        codes = self.codes
        for norm in norms:
            toks.extend(codes[norm])
            offs.append(len(toks))
        return Block(first, np.frombuffer(offs, dtype=np.int64), np.frombuffer(toks, dtype=np.uint32))


@dataclass(slots=True)
class Block:
    """Consecutive units made ahead of a build (an import's): ids first.., their words' codes.

    seq_off and seq_tok are as a snapshot's (one more offset than units), in the numbering of
    the Coded they came from, which the build starts from.
    """

    first: int
    seq_off: np.ndarray
    seq_tok: np.ndarray

    def __len__(self) -> int:
        return len(self.seq_off) - 1

    @property
    def ids(self) -> range:
        return range(self.first, self.first + len(self))


class FuzzyIndex:
    """Token postings over the memory's normalized sources, kept in step with the store."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}
        self.memory_id = ""
        self.position = FeedPosition()
        self._stems: dict[str, list[int]] | None = None
        self._stems_size = 0
        self._bitmaps_lock = threading.Lock()
        self._set_snapshot(np.zeros(0, np.int64), np.zeros(1, np.int64), np.zeros(0, np.uint32))

    # -- building -------------------------------------------------------------

    def _code(self, word: str, grow: bool) -> int:
        if word == NUMBER_SLOT:
            return SLOT_CODE
        code = self.vocab.get(word)
        if code is None:
            if not grow:
                return UNKNOWN_CODE
            code = self.vocab[word] = _code_for(len(self.vocab))
        return code

    def _codes(self, norm: str, grow: bool = True) -> list[int]:
        """Return the codes of match_key(norm): known words looked up in one C loop."""
        tokens = words_and_numbers(norm)
        codes: list[int | None] = list(map(self.vocab.get, tokens))
        if None in codes:  # numbers (no word of the vocabulary starts with a digit), new words
            for i, c in enumerate(codes):
                if c is None:
                    w = tokens[i]
                    codes[i] = SLOT_CODE if w[0].isdigit() else self._code(w, grow)
        return codes  # type: ignore[return-value]

    def _set_snapshot(
        self,
        unit_ids: np.ndarray,
        seq_off: np.ndarray,
        seq_tok: np.ndarray,
        post_off: np.ndarray | None = None,
        post_pos: np.ndarray | None = None,
    ) -> None:
        """Install snapshot arrays and derive postings, lengths and liveness from them."""
        self.unit_ids, self.seq_off, self.seq_tok = unit_ids, seq_off, seq_tok
        self._bitmaps: dict[int, np.ndarray] = {}  # code -> its units (_bitmap), made when probed
        self._signatures: np.ndarray | None = None  # made unit by unit when needed (_bounds)
        self._signed = np.zeros(0, dtype=bool)
        n = len(unit_ids)
        self.lens = np.diff(seq_off).astype(np.int32)
        self.alive = np.ones(n, dtype=bool)
        self._reset_delta()
        if post_off is not None and post_pos is not None:
            self.post_off, self.post_pos = post_off, post_pos
            return
        pos = np.repeat(np.arange(n, dtype=np.int32), self.lens)
        tok = seq_tok
        keep = tok >= FIRST_CODE
        pos, tok = pos[keep], tok[keep]
        # one posting per (word, unit): sort by word then unit and drop repeats
        order = _by_code(tok)  # stable, and pos ascends already: by word, then unit
        pos, tok = pos[order], tok[order]
        if len(tok):
            first = np.ones(len(tok), dtype=bool)
            first[1:] = (tok[1:] != tok[:-1]) | (pos[1:] != pos[:-1])
            pos, tok = pos[first], tok[first]
        size = int(tok.max()) + 2 if len(tok) else FIRST_CODE + 1
        counts = np.bincount(tok, minlength=size)
        self.post_off = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(counts, out=self.post_off[1:])
        self.post_pos = pos.astype(np.int32)

    def _reset_delta(self) -> None:
        self.delta_ids: list[int] = []
        self.delta_codes: list[str] = []
        self.delta_alive: list[bool] = []
        self.delta_post: dict[int, list[int]] = {}
        self.delta_pos: dict[int, int] = {}

    @classmethod
    def code(cls, norms: Iterable[str]) -> Coded:
        """Return the word codes of normalized sources, and the vocabulary that gives them."""
        coder = cls()
        codes = {norm: coder._codes(norm) for norm in norms}
        return Coded(coder.vocab, codes)

    @classmethod
    def build(
        cls,
        keys: Iterable[tuple[int, str]],
        memory_id: str = "",
        position: FeedPosition | None = None,
        known: Coded | None = None,
        block: Block | None = None,
    ) -> FuzzyIndex:
        """Build an index from (unit id, normalized source) pairs in ascending id order.

        `known` (from FuzzyIndex.code, made beforehand, say while an import's swap ran) gives the
        codes of some sources: the index starts from its vocabulary, so those codes are the ones
        it would give them, and codes only the others. Which sources it holds changes nothing in
        the index but the numbering of the words. `block` (from known.block) holds units the
        keys leave out, put in their place by id.
        """
        index = cls()
        index.memory_id, index.position = memory_id, position or FeedPosition()
        ids = array("q")
        offs = array("q", [0])
        toks = array("I")
        coded = known.codes if known is not None else {}
        if known is not None:
            index.vocab = known.vocab

        def put(block: Block) -> None:
            ids.extend(block.ids)
            offs.frombytes((block.seq_off[1:] + len(toks)).astype(np.int64).tobytes())
            toks.frombytes(block.seq_tok.astype(np.uint32).tobytes())

        for unit_id, norm in keys:
            if block is not None and unit_id >= block.first:
                if unit_id < block.first + len(block):
                    raise ValueError(f"unit {unit_id} is in the block made ahead, and among the keys too")
                put(block)
                block = None
            ids.append(unit_id)
            codes = coded.get(norm)
            toks.extend(codes if codes is not None else index._codes(norm))
            offs.append(len(toks))
        if block is not None:
            put(block)
        index._set_snapshot(
            np.frombuffer(ids, dtype=np.int64).copy(),
            np.frombuffer(offs, dtype=np.int64).copy(),
            np.frombuffer(toks, dtype=np.uint32).copy(),
        )
        return index

    def compact(self) -> None:
        """Fold the changes made since the snapshot into new snapshot arrays."""
        if not self.delta_ids and self.alive.all():
            return
        keep = np.flatnonzero(self.alive)
        starts, ends = self.seq_off[keep], self.seq_off[keep + 1]
        lens = (ends - starts).astype(np.int64)
        ids = [self.unit_ids[keep]]
        offs_parts = [lens]
        idx = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        toks = [self.seq_tok[np.arange(int(lens.sum()), dtype=np.int64) + idx]]
        live = [i for i, ok in enumerate(self.delta_alive) if ok]
        if live:
            ids.append(np.array([self.delta_ids[i] for i in live], dtype=np.int64))
            codes = [self.delta_codes[i] for i in live]
            offs_parts.append(np.array([len(c) for c in codes], dtype=np.int64))
            toks.append(np.frombuffer("".join(codes).encode("utf-32-le"), dtype=np.uint32))
        all_ids = np.concatenate(ids)
        order = np.argsort(all_ids, kind="stable")
        lens_all = np.concatenate(offs_parts)
        tok_all = np.concatenate(toks)
        off_all = np.zeros(len(lens_all) + 1, dtype=np.int64)
        np.cumsum(lens_all, out=off_all[1:])
        # reorder units by id so positions stay sorted for searchsorted
        new_lens = lens_all[order]
        new_off = np.zeros(len(new_lens) + 1, dtype=np.int64)
        np.cumsum(new_lens, out=new_off[1:])
        gather = np.repeat(off_all[:-1][order] - new_off[:-1], new_lens)
        new_tok = tok_all[np.arange(int(new_lens.sum()), dtype=np.int64) + gather]
        self._set_snapshot(all_ids[order], new_off, new_tok.astype(np.uint32))

    # -- changes --------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.alive.sum()) + sum(self.delta_alive)

    @property
    def delta_size(self) -> int:
        """Return how many changes wait to be folded into the snapshot."""
        return len(self.delta_ids) + int((~self.alive).sum())

    def remove(self, unit_id: int) -> None:
        """Forget a unit (deleted, or about to be re-added with a new source)."""
        p = self.delta_pos.pop(unit_id, None)
        if p is not None:
            self.delta_alive[p] = False
            return
        i = int(np.searchsorted(self.unit_ids, unit_id))
        if i < len(self.unit_ids) and self.unit_ids[i] == unit_id:
            self.alive[i] = False

    def add(self, unit_id: int, norm: str) -> None:
        """Index a unit's normalized source (replacing what was indexed for it)."""
        self.remove(unit_id)
        codes = self._codes(norm)
        p = len(self.delta_ids)
        self.delta_ids.append(unit_id)
        self.delta_codes.append("".join(map(chr, codes)))
        self.delta_alive.append(True)
        self.delta_pos[unit_id] = p
        base = len(self.unit_ids)
        for c in set(codes):
            if c >= FIRST_CODE:
                self.delta_post.setdefault(c, []).append(base + p)

    def apply(self, changes: dict[int, str | None], position: FeedPosition) -> None:
        """Apply the store's committed changes up to a feed position."""
        for unit_id, norm in changes.items():
            if norm is None:
                self.remove(unit_id)
            else:
                self.add(unit_id, norm)
        self.position = position

    # -- lookup ---------------------------------------------------------------

    def _df(self, code: int) -> int:
        n = 0
        if code + 1 < len(self.post_off):
            n = int(self.post_off[code + 1] - self.post_off[code])
        d = self.delta_post.get(code)
        return n + (len(d) if d else 0)

    def _dfs(self, codes: list[int]) -> list[int]:
        """Return _df of many codes."""
        if not codes:
            return []
        at = np.minimum(np.array(codes, dtype=np.int64), len(self.post_off) - 2)
        out = (self.post_off[at + 1] - self.post_off[at]).tolist()
        for i, code in enumerate(codes):
            if code + 1 >= len(self.post_off):
                out[i] = 0
            d = self.delta_post.get(code)
            if d:
                out[i] += len(d)
        return out

    def _postings(self, code: int) -> list[np.ndarray]:
        parts = []
        if code + 1 < len(self.post_off):
            parts.append(self.post_pos[self.post_off[code] : self.post_off[code + 1]])
        d = self.delta_post.get(code)
        if d:
            parts.append(np.asarray(d, dtype=np.int32))
        return parts

    def _posting_list(self, code: int) -> np.ndarray:
        """Return the positions of the units holding code, ascending (snapshot, then changes)."""
        parts = self._postings(code)
        if len(parts) == 1:
            return parts[0]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)

    def _string(self, pos: int) -> str:
        base = len(self.unit_ids)
        if pos >= base:
            return self.delta_codes[pos - base]
        start, end = self.seq_off[pos : pos + 2].tolist()
        return self.seq_tok[start:end].tobytes().decode("utf-32-le")

    def _length(self, pos: np.ndarray) -> np.ndarray:
        if not self.delta_ids:
            return self.lens.take(pos)
        base = len(self.unit_ids)
        out = np.empty(len(pos), dtype=np.int32)
        snap = pos < base
        out[snap] = self.lens[pos[snap]]
        for j in np.flatnonzero(~snap):
            out[j] = len(self.delta_codes[int(pos[j]) - base])
        return out

    def _is_alive(self, pos: np.ndarray) -> np.ndarray:
        if not self.delta_ids:
            return self.alive.take(pos)
        base = len(self.unit_ids)
        out = np.zeros(len(pos), dtype=bool)
        snap = pos < base
        out[snap] = self.alive[pos[snap]]
        for j in np.flatnonzero(~snap):
            out[j] = self.delta_alive[int(pos[j]) - base]
        return out

    def _unit_id(self, pos: int) -> int:
        base = len(self.unit_ids)
        return self.delta_ids[pos - base] if pos >= base else int(self.unit_ids[pos])

    def _unit_ids_of(self, pos: np.ndarray) -> np.ndarray:
        """Return the unit ids at many positions (snapshot and changes)."""
        base = len(self.unit_ids)
        if not self.delta_ids or (len(pos) and int(pos.max()) < base):
            return self.unit_ids[pos]
        out = np.empty(len(pos), dtype=np.int64)
        snap = pos < base
        out[snap] = self.unit_ids[pos[snap]]
        for j in np.flatnonzero(~snap):
            out[j] = self.delta_ids[int(pos[j]) - base]
        return out

    def _strings(self, pos: np.ndarray) -> list[str]:
        """Return the code strings of many units: one gather, one decode and one split."""
        if len(pos) <= FEW:  # a few: one at a time costs less than the numpy calls
            return [self._string(p) for p in pos.tolist()]
        base = len(self.unit_ids)
        snap = pos[pos < base] if self.delta_ids else pos
        out: list[str] = []
        if len(snap):
            starts = self.seq_off[snap]
            # each unit's codes and the code after them, which becomes the separator
            lens = self.seq_off[snap + 1] - starts + 1
            ends = np.cumsum(lens)
            # token k of the gathered run comes from seq_tok[starts[i] + (k - run start of i)]
            gather = np.repeat(starts - (ends - lens), lens) + np.arange(int(ends[-1]))
            codes = self.seq_tok.take(gather, mode="clip")  # the last unit's "next code" is past the end
            codes[ends - 1] = SEPARATOR
            out = codes[:-1].tobytes().decode("utf-32-le").split(chr(SEPARATOR))
        if len(snap) < len(pos):  # changes since the snapshot, in their own list
            snap_iter = iter(out)
            out = [next(snap_iter) if p < base else self.delta_codes[p - base] for p in pos.tolist()]
        return out

    def _has_bitmap(self, df: int) -> bool:
        """Tell whether postings of df positions are probed with a bitmap (else a binary search)."""
        return df * BITMAP_SHARE >= len(self.unit_ids) > 0

    def _probe_cost(self, df: int) -> int:
        """Return the work (ns) of telling whether a unit is in postings of df positions."""
        return levels_.BITMAP_PROBE_COST if self._has_bitmap(df) else levels_.SEARCH_PROBE_COST

    def _bitmap(self, code: int, postings: np.ndarray) -> np.ndarray:
        """Return a bitmap of the snapshot units holding code (bit p & 7 of byte p >> 3), made once."""
        bitmap = self._bitmaps.get(code)
        if bitmap is None:
            base = len(self.unit_ids)
            flags = np.full(base, False)  # pages touched in order, not where the postings fall
            flags[postings[: np.searchsorted(postings, base)]] = True
            bitmap = np.packbits(flags, bitorder="little")
            with self._bitmaps_lock:
                if len(self._bitmaps) >= MAX_BITMAPS:
                    del self._bitmaps[next(iter(self._bitmaps))]
                self._bitmaps[code] = bitmap
        return bitmap

    def _holds(self, code: int, postings: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Return 1 for each unit at pos that holds code, else 0 (postings: code's, not empty)."""
        base = len(self.unit_ids)
        if not self._has_bitmap(len(postings)):
            at = np.minimum(np.searchsorted(postings, pos), len(postings) - 1)
            return (postings.take(at) == pos).view(np.uint8)
        bitmap = self._bitmap(code, postings)
        if self.delta_ids and int(pos.max()) >= base:  # units added since the snapshot
            out = np.zeros(len(pos), dtype=np.uint8)
            snap = pos < base
            out[snap] = self._holds(code, postings[: np.searchsorted(postings, base)], pos[snap])
            out[~snap] = np.isin(pos[~snap], postings[np.searchsorted(postings, base) :])
            return out
        return (bitmap.take(pos >> 3) >> (pos & 7).astype(np.uint8)) & 1

    def _signatures_of(self, pos: np.ndarray) -> np.ndarray:
        """Return the units' signatures: bit (code * SIGNATURE_MULTIPLIER) >> 58 of each code set.

        A snapshot unit's is made the first time it is asked for and kept (large levels of a
        repetitive memory come back), so no lookup pays for the whole memory's.
        """
        if self._signatures is None:  # np.full touches the pages in order (faster than scattered)
            self._signatures = np.full(len(self.unit_ids), 0, dtype=np.uint64)
            self._signed = np.full(len(self.unit_ids), False)
        sigs, signed = self._signatures, self._signed
        base = len(self.unit_ids)
        snap = pos[pos < base] if self.delta_ids else pos
        new = snap[~signed.take(snap)]
        if len(new):
            starts = self.seq_off.take(new)
            lens = self.seq_off.take(new + 1) - starts
            ends = np.cumsum(lens)
            gather = np.repeat(starts - (ends - lens), lens) + np.arange(int(ends[-1]))
            bits = _bits(self.seq_tok.take(gather))
            coded = lens > 0  # a unit without codes keeps 0
            sigs[new[coded]] = np.bitwise_or.reduceat(bits, (ends - lens)[coded]) if len(bits) else 0
            signed[new] = True
        if len(snap) == len(pos):
            return sigs.take(pos)
        out = np.zeros(len(pos), dtype=np.uint64)
        at_snap = pos < base
        out[at_snap] = sigs.take(pos[at_snap])
        for j in np.flatnonzero(~at_snap):
            codes = self.delta_codes[int(pos[j]) - base]
            if codes:
                out[j] = np.bitwise_or.reduce(_bits(np.array([ord(c) for c in codes], dtype=np.uint64)))
        return out

    def _bounds(self, pos: np.ndarray, lengths: np.ndarray, codes: list[int]) -> np.ndarray:
        """Return upper bounds of the units' scores against the query, from word signatures.

        A bit of a unit's signature that the query's lacks stands for at least one word of the
        unit that the query lacks, and the other way round (the query's unknown words are in no
        unit). So the words the two have in common are at most n - (the query's words missing)
        and m - (the unit's words missing), and the distance at least max(n, m) minus that.
        """
        n = len(codes)
        known = np.array([c for c in codes if c != UNKNOWN_CODE], dtype=np.uint64)
        query = np.bitwise_or.reduce(_bits(known)) if len(known) else np.uint64(0)
        sigs = self._signatures_of(pos)
        only_unit = np.bitwise_count(sigs & ~query).astype(np.int64)
        only_query = np.bitwise_count(query & ~sigs).astype(np.int64) + (n - len(known))
        common = np.minimum(n - only_query, lengths - only_unit)
        longest = np.maximum(lengths, n)
        # the same float operations as a score, with a distance no larger than the unit's
        return 100.0 * (1 - (longest - common) / longest)

    def candidates(self, norm: str, min_score: float = 70, limit: int = 5) -> list[Candidate]:
        """Return units whose word-level score reaches min_score, best first."""
        codes = self._codes(norm, grow=False)
        n = len(codes)
        if n == 0:
            return []
        t = min_score / 100
        may_miss = n - math.ceil(n * t - 1e-9) - codes.count(UNKNOWN_CODE)
        if may_miss < 0:
            return []
        occ = Counter(c for c in codes if c >= FIRST_CODE)
        dfs = dict(zip(occ, self._dfs(list(occ)), strict=True))
        lists: list[np.ndarray] = []
        read: list[int] = []
        covered = total = 0
        for i, code in enumerate(sorted(occ, key=dfs.__getitem__)):
            df = dfs[code]
            if i >= 2 and total + df > MAX_POSTINGS:
                break
            lists.append(self._posting_list(code))
            read.append(code)
            total += df
            covered += occ[code]
            if covered > may_miss:
                break
        if not total:
            return []
        lo, hi = math.ceil(n * t - 1e-9), math.floor(n / t + 1e-9) if t > 0 else 1 << 30
        return self._best(codes, Levels(self, n, read, lists, lo, hi), min_score, limit)

    def _best(self, codes: list[int], levels: Levels, min_score: float, limit: int) -> list[Candidate]:
        """Score the units found, those with most hits first; return the best ones."""
        n, used = len(codes), levels.u
        query = "".join(map(chr, codes))
        best = Best(self, max(limit, 1) * 4, float(min_score))
        floor = float(min_score)
        scored = 0
        # Units with more of the rare words come first. A unit that lacks k of the `used`
        # words scores at most 100 * (n - k) / n (if no longer than the query; the levels
        # stop on that figure all the same), so once that bound falls below the best
        # score found (less a margin for the penalties applied later), no unit with fewer
        # hits can be the best match: the best match is exact, the others the best seen.
        # A level (the units with h hits, the first by position, in the length window) is
        # found only when it is reached (_Levels) and scored at once: its strings decoded in
        # one go, rapidfuzz's cdist computing the distances in C (told the largest distance
        # that could still make a unit one of the best kept so far, which it computes
        # faster), the scores in numpy with the same float operations as
        # 100 * (1 - distance / max(n, len)) one at a time.
        for h in range(used, 0, -1):
            if 100.0 * (n - (used - h)) / n < floor or scored >= MAX_SCORED:
                break
            levels.complete(h, floor if scored else None)
            if h > levels.top:
                continue
            level, lengths = levels.level(h)
            take = MAX_SCORED - scored
            if len(level) > take:  # only the first ones are scored: no need to sort the rest
                first = np.argpartition(level, take - 1)[:take]
                level, lengths = level[first], lengths[first]
            scored += len(level)
            if not len(level):
                continue
            if len(level) <= BOUND_AFTER:
                top = self._score(query, level, np.maximum(lengths, n), best)
            else:
                top = self._score_bounded(query, codes, level, lengths, best)
            if top is not None:
                floor = max(floor, top - PENALTY_MARGIN)
        return best.candidates()

    def _score(self, query: str, level: np.ndarray, longest: np.ndarray, best: Best) -> float | None:
        """Score units against the query, keep the best; return the best score kept of them."""
        worst = best.threshold
        # base >= worst needs distance <= longest * (1 - worst / 100); beyond the cutoff cdist
        # gives cutoff + 1, a score below worst, as the unit's is
        cutoff = int(int(longest.max()) * (1 - worst / 100)) + 1
        dist = cdist([query], self._strings(level), scorer=DISTANCE, dtype=np.int32, score_cutoff=cutoff)[0]
        base = 100.0 * (1 - dist / longest)
        keep = base >= worst
        if not keep.any():
            return None
        best.add(level[keep], base[keep])
        return float(base[keep].max())

    def _score_bounded(
        self, query: str, codes: list[int], level: np.ndarray, lengths: np.ndarray, best: Best
    ) -> float | None:
        """Score a large level best bound first, leaving out units that could not be kept.

        Repetitive memories have levels of thousands of units, most of them at the same
        score: once the best are kept, a unit whose bound is below the worst kept (or equal,
        with a higher id) cannot take its place.
        """
        bound = self._bounds(level, lengths, codes)
        ids = self._unit_ids_of(level)
        order = np.lexsort((ids, -bound))
        level, lengths, bound, ids = level[order], lengths[order], bound[order], ids[order]
        top: float | None = None
        i = 0
        while i < len(level):
            if len(best.ids) < best.size:  # the first ones fill the best kept
                end = min(i + max(2 * best.size, BOUND_AFTER), len(level))
                at, i = np.arange(i, end), end
            else:  # the others only if they could take the place of one kept
                at, i = i + np.flatnonzero(~best.cannot_enter(bound[i:], ids[i:])), len(level)
                if not len(at):
                    break
            found = self._score(query, level[at], np.maximum(lengths[at], len(codes)), best)
            if found is not None:
                top = found if top is None else max(top, found)
        return top

    # -- concordance ----------------------------------------------------------

    def _stem_map(self) -> dict[str, list[int]]:
        """Map each light stem to the codes of the memory's words that have it.

        Built once, then kept up to date word by word: the vocabulary only grows, in the order
        its words came, so the words learned since are its last ones (rebuilding the map of a
        large vocabulary for each new word cost a busy server most of its time).
        """
        if self._stems is None or self._stems_size > len(self.vocab):
            self._stems, self._stems_size = {}, 0
        if self._stems_size < len(self.vocab):
            stems = self._stems
            for word, code in islice(self.vocab.items(), self._stems_size, None):
                stems.setdefault(light_stem(word), []).append(code)
            self._stems_size = len(self.vocab)
        return self._stems

    def phrase_candidates(self, stems: list[str], limit: int) -> list[int]:
        """Return ids of the newest units holding a word of every given stem (numbers ignored)."""
        smap = self._stem_map()
        words = [st for st in dict.fromkeys(stems) if not st[:1].isdigit()]
        if not words:
            return []
        sets = []
        for st in words:
            parts = [p for code in smap.get(st, []) for p in self._postings(code)]
            if not parts:
                return []
            sets.append(np.unique(np.concatenate(parts)))
        sets.sort(key=len)
        pos = sets[0]
        for other in sets[1:]:
            pos = np.intersect1d(pos, other, assume_unique=True)
        pos = pos[self._is_alive(pos)]
        ids = [self._unit_id(int(p)) for p in pos]
        ids.sort(reverse=True)
        return ids[:limit]

    # -- persistence ----------------------------------------------------------

    def nbytes(self) -> int:
        """Return the size of the snapshot arrays in bytes."""
        arrays = (
            self.unit_ids,
            self.seq_off,
            self.seq_tok,
            self.post_off,
            self.post_pos,
            self.lens,
        )
        return sum(a.nbytes for a in arrays)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the snapshot (after folding in changes) to one file, atomically."""
        self.compact()
        path = Path(path)
        words = sorted(self.vocab, key=self.vocab.__getitem__)
        meta = {
            "format": FORMAT_VERSION,
            "memory_id": self.memory_id,
            "change": self.position.change,
            "token": self.position.token,
            "units": len(self.unit_ids),
        }
        # the pid in the name lets a later start remove what a killed process left behind
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.{os.getpid()}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(
                    f,
                    meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
                    vocab=np.frombuffer("\n".join(words).encode(), dtype=np.uint8),
                    unit_ids=self.unit_ids,
                    seq_off=self.seq_off,
                    seq_tok=self.seq_tok,
                    post_off=self.post_off,
                    post_pos=self.post_pos,
                )
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FuzzyIndex | None:
        """Read a saved index; None when the file is missing, damaged or of another format."""
        try:
            with np.load(path) as data:
                meta = json.loads(data["meta"].tobytes())
                if meta.get("format") != FORMAT_VERSION:
                    return None
                words = data["vocab"].tobytes().decode()
                index = cls()
                index.vocab = {w: _code_for(i) for i, w in enumerate(words.split("\n"))} if words else {}
                index.memory_id = meta["memory_id"]
                index.position = FeedPosition(int(meta["change"]), int(meta["token"]))
                index._set_snapshot(
                    data["unit_ids"],
                    data["seq_off"],
                    data["seq_tok"],
                    data["post_off"],
                    data["post_pos"],
                )
                return index
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None


def remove_stale_temporaries(path: str | os.PathLike[str]) -> int:
    """Delete temporary index files left by processes that were killed while saving."""
    path = Path(path)
    removed = 0
    for tmp in path.parent.glob(f"{glob.escape(path.name)}.*.tmp"):
        pid = tmp.name[len(path.name) + 1 :].split(".", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        try:
            tmp.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True
