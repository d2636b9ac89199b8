"""Candidate search for fuzzy lookup and concordance, kept in step with committed changes.

`CandidateIndex` is what TranslationMemory asks; `LocalIndex` is the in-process engine:
a FuzzyIndex fed from the store's change feed, saved beside the memory and reloaded at
start. It learns committed changes only (the feed never shows a transaction that may
still roll back), checks that the database is in the state it was made from (a restored
backup is noticed and the index rebuilt), and never rebuilds inside a caller's request when
`background` is set: the old index keeps answering while a new one is built.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Protocol

from tm.errors import FeedMismatch
from tm.index import Block, Candidate, Coded, FuzzyIndex, remove_stale_temporaries
from tm.store.base import Store
from tm.store.bulk import Placed, Swapping
from tm.store.records import FeedPosition

log = logging.getLogger("tm.index")

# Changes waiting in memory beyond this many are folded into the saved index file.
SAVE_AFTER = 1000
# More changes than this (or a quarter of the memory) at once rebuild the index instead.
REBUILD_AFTER = 50_000
# At most this many sources are coded ahead of a build (LocalIndex.expect): some 150 MB of
# news-length sentences; the build codes the others.
MAX_EXPECTED = 300_000
# A server reads the feed for other processes' changes at most this often (seconds): a lookup
# on PostgreSQL then saves a round trip, and a change made elsewhere is still found well
# within a second.
SERVER_FEED_EVERY = 0.2
# In the background mode, more changes than this are learned by a background thread, a
# chunk at a time, so that a request never spends long applying someone else's import.
INLINE_CHANGES = 2000
CHUNK = 1000


class CandidateIndex(Protocol):
    """Narrows a lookup to a few units; the scores are computed by the caller."""

    def candidates(self, norm: str, min_score: float, limit: int) -> list[Candidate]:
        """Return units whose word-level score reaches min_score, best first."""
        ...

    def phrase_candidates(self, stems: list[str], limit: int) -> list[int]:
        """Return ids of the newest units holding a word of every stem."""
        ...

    def refresh(self) -> None:
        """Learn the changes committed since the last refresh."""
        ...

    def expect(self, norms: Iterable[str]) -> None:
        """Prepare for sources about to be committed (work done ahead of the refresh)."""
        ...

    @property
    def lagging(self) -> bool:
        """Tell whether committed changes may be missing from the candidates (background work)."""
        ...

    def close(self) -> None:
        """Save what is worth saving and stop background work."""
        ...


class LocalIndex:
    """A FuzzyIndex in this process, fed by the store's committed-change feed."""

    def __init__(
        self, store: Store, *, save: bool = True, background: bool = False, feed_every: float = 0.0
    ):
        self.store = store
        self.path: Path | None = store.index_path if save else None
        self.background = background
        # Read the feed for other processes' changes at most this often (seconds; 0: at every
        # lookup); this process's own commits are learned at the next lookup whatever it is.
        self.feed_every = feed_every
        self._fed_at = -math.inf
        self._commits_seen = -1
        self._index: FuzzyIndex | None = None
        self._lock = threading.RLock()
        self._building: threading.Thread | None = None
        self._ready = threading.Event()
        self.rebuilds = 0  # how many full builds this process made (tests and logs)
        self._known: Coded | None = None  # codes made ahead of the next build (expect)
        # an import's units made ahead (expect): where they went, their arrays, and the codes
        # (in _known while no other import's replaced them) those arrays are numbered by
        self._ahead: tuple[Placed, Block, Coded] | None = None

    # -- the index ----------------------------------------------------------------

    def _current(self) -> FuzzyIndex:
        """Return the index, loading or building it on first use."""
        with self._lock:
            if self._index is None:
                self._index = self._load() or self._build()
            return self._index

    def _load(self) -> FuzzyIndex | None:
        if self.path is None:
            return None
        remove_stale_temporaries(self.path)
        index = FuzzyIndex.load(self.path)
        if index is None:
            return None
        if index.memory_id != self.store.memory_id():
            log.warning("the index file %s belongs to another memory; rebuilding it", self.path)
            return None
        try:
            self.store.units.changes_since(index.position)
        except FeedMismatch:
            log.warning(
                "the index file %s was made from another state of the memory (restored from a "
                "backup?); rebuilding it",
                self.path,
            )
            return None
        return index

    def _build(self) -> FuzzyIndex:
        """Build a complete index from one consistent snapshot of the store.

        An import's units made ahead (expect) are not read back, if the memory is as the
        import left it: nothing committed since could have changed them.
        """
        memory_id = self.store.memory_id()
        with self._lock:  # both from one import (expect sets them on its thread)
            known, self._known = self._known, None
            ahead, self._ahead = self._ahead, None
        index = None
        if ahead is not None and ahead[2] is known:  # numbered as the build will number
            placed, block, _ = ahead
            with self.store.units.snapshot_keys(without=block.ids) as (position, keys):
                if position == placed.after:
                    index = FuzzyIndex.build(keys, memory_id, position, known, block)
        if index is None:
            with self.store.units.snapshot_keys() as (position, keys):
                index = FuzzyIndex.build(keys, memory_id, position, known)
        self.rebuilds += 1
        self._save(index)
        return index

    def _save(self, index: FuzzyIndex) -> None:
        if self.path is None:
            return
        try:
            index.save(self.path)
        except OSError as e:
            # lookups still work from memory; the next start just builds the index again
            log.warning(
                "cannot save the fuzzy index to %s (%s); it will be rebuilt at the next start",
                self.path,
                e.strerror or e,
            )

    def _busy(self) -> bool:
        """Tell whether a background thread is bringing the index up to date."""
        return self._building is not None and self._building.is_alive()

    @property
    def lagging(self) -> bool:
        """Tell whether committed changes may be missing from the candidates (background work).

        Then a candidate's word-level score may be that of the unit as it was: lookup scores
        every candidate from the unit as it is, not only those that could be returned.
        """
        return self._busy()

    def _in_background(self, work: Callable[[], None], what: str) -> None:
        """Run work on a background thread; the current index answers meanwhile."""

        def run() -> None:
            try:
                work()
            except Exception:  # the old index keeps answering; the next refresh tries again
                log.exception("%s failed", what)

        self._building = threading.Thread(target=run, name="tm-index", daemon=True)
        self._building.start()

    def _rebuild_in_background(self) -> None:
        """Start building a fresh index; the current one answers until it is ready."""

        def rebuild() -> None:
            fresh = self._build()
            with self._lock:
                self._index = fresh

        self._in_background(rebuild, "rebuilding the fuzzy index")

    def _catch_up_in_background(self, changes: dict[int, str | None], position: FeedPosition) -> None:
        """Learn many changes a chunk at a time, letting lookups in between."""

        def catch_up() -> None:
            items = list(changes.items())
            for start in range(0, len(items), CHUNK):
                with self._lock:
                    index = self._current()
                    for unit_id, norm in items[start : start + CHUNK]:
                        if norm is None:
                            index.remove(unit_id)
                        else:
                            index.add(unit_id, norm)
            with self._lock:
                index = self._current()
                index.position = position
                if index.delta_size > SAVE_AFTER:
                    self._save(index)

        self._in_background(catch_up, "learning a large change")

    def wait_for_rebuild(self, timeout: float | None = None) -> None:
        """Block until background work on the index (if any) is finished (tests, shutdown)."""
        building = self._building
        if building is not None:
            building.join(timeout)

    # -- CandidateIndex -----------------------------------------------------------

    def refresh(self) -> None:
        """Learn the changes committed since the last refresh (a rebuild when there are many)."""
        with self._lock:
            if self._busy():  # a background thread is bringing the index up to date
                return
            now, commits = time.monotonic(), self.store.commits  # read before the feed is
            if commits == self._commits_seen and now - self._fed_at < self.feed_every:
                return  # nothing committed here, and the feed was read a moment ago
            self._fed_at, self._commits_seen = now, commits
            index = self._current()
            ahead = self._ahead
            if (
                ahead is not None
                and ahead[2] is self._known
                and index.position == ahead[0].before
                and len(ahead[1]) > max(REBUILD_AFTER, len(index) // 4)
                and self.store.units.feed_position() == ahead[0].after
            ):
                # the changes since are the import's creations alone: a rebuild, as below, with
                # the units made ahead, none of them read back
                self._replace()
                return
            try:
                position, changes = self.store.units.changes_since(index.position)
            except FeedMismatch as e:
                log.warning("%s; rebuilding the fuzzy index", e)
                self._replace()
                return
            if position == index.position:
                return
            if len(changes) > max(REBUILD_AFTER, len(index) // 4):
                # a big import: one bulk build beats a million single additions
                self._replace()
                return
            self._known = self._ahead = None  # learned one by one: what was made ahead would only take room
            if self.background and len(changes) > INLINE_CHANGES:
                self._catch_up_in_background(changes, position)
                return
            index.apply(changes, position)
            if index.delta_size > SAVE_AFTER:
                self._save(index)

    def expect(self, norms: Iterable[str]) -> None:
        """Code sources about to be committed (a large import's), for the build they may cause.

        Run on a thread of the importer's while its swap runs in SQLite (which lets other
        threads run Python meanwhile), as the sources come: the build after the commit then
        codes only the other units. A refresh that learns the change without a build drops the
        codes.

        An import that says where its units went (a Swapping: ids in the order of its sources,
        and the feed's positions around its commit) has them made into the index's arrays too,
        while it commits: the build then reads the other units only.
        """
        seen: list[str] = []

        def keep() -> Iterator[str]:
            for norm in islice(norms, MAX_EXPECTED):
                seen.append(norm)
                yield norm

        coded = FuzzyIndex.code(keep())  # the build codes the rest
        with self._lock:
            self._known = coded
            self._ahead = None  # an earlier import's, numbered otherwise
        # the import says where they went before it commits
        placed = norms.placed() if isinstance(norms, Swapping) else None
        if placed is not None:
            block = coded.block(seen, placed.first)
            with self._lock:
                if self._known is coded:  # not learned one by one, nor another import's, meanwhile
                    self._ahead = (placed, block, coded)

    def rebuild(self) -> None:
        """Build the index from the whole store now and save it (tm's maintenance, benchmarks)."""
        fresh = self._build()
        with self._lock:
            self._index = fresh

    def _replace(self) -> None:
        if self.background:
            self._rebuild_in_background()
        else:
            self._index = self._build()

    def candidates(self, norm: str, min_score: float, limit: int) -> list[Candidate]:
        """Return units whose word-level score reaches min_score, best first."""
        with self._lock:
            self.refresh()
            return self._current().candidates(norm, min_score, limit)

    def phrase_candidates(self, stems: list[str], limit: int) -> list[int]:
        """Return ids of the newest units holding a word of every stem."""
        with self._lock:
            self.refresh()
            return self._current().phrase_candidates(stems, limit)

    def close(self) -> None:
        """Save the index if it has unsaved changes."""
        self.wait_for_rebuild(timeout=60)
        with self._lock:
            if self._index is not None and self._index.delta_size:
                self._save(self._index)

    def __len__(self) -> int:
        with self._lock:
            return len(self._current())

    @property
    def fuzzy(self) -> FuzzyIndex:
        """Return the current FuzzyIndex, up to date (benchmarks and tests)."""
        with self._lock:
            self.refresh()
            return self._current()
