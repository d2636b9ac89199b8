"""How fuzzy lookup finds the units of its top levels, and keeps the best of those it scores.

A unit holding h of the query's u rarest words is in the postings of one of the u - h + 1
rarest, so the units of the levels with the most hits are found by reading short postings
only and probing the units found for the other words (`Levels`); `Best` keeps the best units
scored so far, in the order lookup returns them. Both work for `tm.index.FuzzyIndex`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tm.index import FuzzyIndex


@dataclass
class Candidate:
    """A unit found by the index with its word-level score."""

    unit_id: int
    base: float


# The work of finding the units of the top levels (Levels), in ns: counting a posting read,
# keeping a unit to the length window, probing a unit for a word with a bitmap or a binary
# search, a numpy call, and reading more lists for a lower level (measured on a 2-core
# machine; only their ratios matter).
COUNT_COST = 10
WINDOW_COST = 5
BITMAP_PROBE_COST = 4
SEARCH_PROBE_COST = 30
CALL_COST = 4000
EXTEND_COST = 40_000


class Best:
    """The best units found so far, by score and then unit id (the order of the results)."""

    def __init__(self, index: FuzzyIndex, size: int, min_score: float):
        self.index, self.size = index, size
        self.ids = np.zeros(0, dtype=np.int64)
        self.base = np.zeros(0, dtype=np.float64)
        # a unit whose score is below this cannot be one of them
        self.threshold = min_score

    def add(self, pos: np.ndarray, base: np.ndarray) -> None:
        """Keep the best of those kept and units at positions pos scoring base."""
        if len(pos) > self.size:  # only the best `size` of them can be kept: the rest need no id
            kth = np.partition(base, len(base) - self.size)[len(base) - self.size]
            above, tied = np.flatnonzero(base > kth), np.flatnonzero(base == kth)
            tied_ids = self.index._unit_ids_of(pos[tied])
            wanted = self.size - len(above)
            if len(tied) > wanted:  # among equal scores the lowest ids come first
                first = np.argpartition(tied_ids, wanted - 1)[:wanted]
                tied, tied_ids = tied[first], tied_ids[first]
            pos_ids = np.concatenate((self.index._unit_ids_of(pos[above]), tied_ids))
            base = np.concatenate((base[above], base[tied]))
        else:
            pos_ids = self.index._unit_ids_of(pos)
        ids = np.concatenate((self.ids, pos_ids))
        scores = np.concatenate((self.base, base))
        if len(ids) > self.size:
            order = np.lexsort((ids, -scores))[: self.size]
            ids, scores = ids[order], scores[order]
        self.ids, self.base = ids, scores
        if len(ids) == self.size:
            self.threshold = max(self.threshold, float(scores.min()))

    def cannot_enter(self, bound: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Tell which units, scoring at most bound, could not be kept (all are kept while not full)."""
        if len(self.ids) < self.size:
            return np.zeros(len(bound), dtype=bool)
        # the last one kept: the lowest score and, of those, the highest id
        worst = int(self.ids[self.base == self.threshold].max())
        return (bound < self.threshold) | ((bound == self.threshold) & (ids > worst))

    def candidates(self) -> list[Candidate]:
        """Return the units kept, best first."""
        order = np.lexsort((self.ids, -self.base))
        return [Candidate(int(self.ids[i]), float(self.base[i])) for i in order.tolist()]


class Levels:
    """The units holding any of the query's rarest words, and how many of those words each holds.

    A unit holding h of the u words read is in the postings of one of the u - h + 1 rarest,
    so the units of the top levels (many hits) are all found by reading the rare words' short
    postings only; the long postings of the common words are then not read but probed: does
    each unit found hold the word? (a bitmap of the word's units, or a binary search). Lower
    levels read more words when they are reached; when reading the remaining postings costs
    less than probing for them (they are few, or the units of many levels are wanted), they
    are read and counted.
    """

    def __init__(
        self, index: FuzzyIndex, n: int, codes: list[int], lists: list[np.ndarray], lo: int, hi: int
    ) -> None:
        self.index, self.n, self.codes, self.lists, self.lo, self.hi = index, n, codes, lists, lo, hi
        self.u = len(lists)
        self.read = 0  # the first `read` lists are read: every unit with u - read + 1 hits is known
        self.seen: list[np.ndarray] = []  # the units in them, each read's sorted apart
        # the units known with their hits: in the length window (with their lengths), and not
        # yet put to the window (all lists read at once: most are in no level that is reached)
        self.kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.raw: list[tuple[np.ndarray, np.ndarray]] = []
        self.top = 0  # the most hits of a unit known
        self.sizes = [0]  # postings in the lists before each
        for p in lists:
            self.sizes.append(self.sizes[-1] + len(p))
        # what probing a unit for each list costs, and for the lists from each on
        probes = [index._probe_cost(len(p)) for p in lists]
        self.probing = [sum(probes[k:]) for k in range(self.u + 1)]

    def complete(self, h: int, floor: float | None) -> None:
        """Make sure every unit with h hits or more is known, with its hits.

        `floor` is the score below which levels are no longer reached, once levels have been
        scored (None before): then the lists for the lowest level still to reach are read at
        once. Before, twice as many lists are read each time, until the top level is found.
        """
        need = self.u - h + 1
        if self.read >= need:
            return
        if floor is None:
            need = max(need, min(self.u, 2 * self.read))
        else:
            low = h
            while low > 1 and 100.0 * (self.n - (self.u - low + 1)) / self.n >= floor:
                low -= 1
            need = self.u - low + 1
        # read the lists up to k and probe the units found for the others, k chosen for the
        # least work (k = u: none left to probe), or more lists when that costs less than
        # coming back for them
        costs = [self._cost(k) for k in range(need, self.u + 1)]
        least = min(costs)
        upto = need + max(i for i, c in enumerate(costs) if c <= least + EXTEND_COST)
        if upto == self.u:  # all the lists: counted afresh, cheaper than telling the known apart
            self.kept, self.raw = [], [counted(self.lists)]
            self.read = upto
            self.top = int(self.raw[0][1].max(initial=0))
            return
        pos, hits = counted(self.lists[self.read : upto])
        self.read = upto
        if self.seen:  # those in the lists read before are known already
            fresh = np.ones(len(pos), dtype=bool)
            for seen in self.seen:
                fresh &= seen.take(np.minimum(np.searchsorted(seen, pos), len(seen) - 1)) != pos
            self.seen.append(pos)
            pos, hits = pos[fresh], hits[fresh]
        elif len(pos):
            self.seen.append(pos)
        lengths = self.index._length(pos)
        ok = (lengths >= self.lo) & (lengths <= self.hi) & self.index._is_alive(pos)
        pos, hits, lengths = pos[ok], hits[ok], lengths[ok]
        if len(pos):
            for code, lst in zip(self.codes[upto:], self.lists[upto:], strict=True):
                if len(lst):
                    hits += self.index._holds(code, lst, pos)
        self.kept.append((pos, hits, lengths))
        self.top = max(self.top, int(hits.max(initial=0)))

    def _cost(self, upto: int) -> float:
        """Return the estimated work (ns) of reading the lists up to upto and probing the rest."""
        if upto == self.u:
            return self.sizes[upto] * COUNT_COST
        read = self.sizes[upto] - self.sizes[self.read]
        per = COUNT_COST + (SEARCH_PROBE_COST if self.read else 0) + WINDOW_COST + self.probing[upto]
        return read * per + CALL_COST * (8 + self.u - upto)

    def level(self, h: int) -> tuple[np.ndarray, np.ndarray]:
        """Return the units with h hits in the length window and alive, and their lengths."""
        found, lengths = [], []
        for pos, hits, lens in self.kept:
            at = np.flatnonzero(hits == h)
            found.append(pos[at])
            lengths.append(lens[at])
        for pos, hits in self.raw:
            p = pos[hits == h]
            lens = self.index._length(p)
            ok = (lens >= self.lo) & (lens <= self.hi) & self.index._is_alive(p)
            found.append(p[ok])
            lengths.append(lens[ok])
        if len(found) == 1:
            return found[0], lengths[0]
        return np.concatenate(found), np.concatenate(lengths)


def counted(lists: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Return the positions in the lists, each once, and how many of the lists hold each.

    A position is at most once in a list (a word's postings), so the times it is read are its
    count: the runs of the sorted positions. Sorting (numpy's vectorized sort) costs about
    what a bincount does for a memory of 10^5 units and far less for 10^6, where a bincount
    would also fill a counter for every unit of the memory.
    """
    parts = [p for p in lists if len(p)]
    if not parts:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64)
    if len(parts) == 1:
        return parts[0], np.ones(len(parts[0]), dtype=np.int64)
    allp = np.sort(np.concatenate(parts))
    first = np.flatnonzero(np.concatenate(([True], allp[1:] != allp[:-1])))
    return allp[first], np.diff(np.append(first, len(allp)))
