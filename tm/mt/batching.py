"""Batches by tokens: sentences sorted by length, each batch within a budget of padded tokens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def token_batches(
    lengths: Sequence[int], budget: int, max_sentences: int = 0, spread: float = 2.0
) -> list[list[int]]:
    """Cut sentence indexes into batches, shortest sentences first.

    A batch costs its size times its longest sentence (what padding makes of it), and that
    cost stays within `budget` tokens; a single sentence longer than the budget is a batch
    of its own. `max_sentences` (0: no limit) caps a batch's size as well, and a sentence
    more than `spread` times as long as a batch's shortest (+ 4 tokens) starts the next
    batch: a batch decodes as long as its longest sentence's output wherever the engine
    keeps finished sentences in it, so a headline never waits on a long paragraph. Every
    index appears exactly once; ties keep their order, so equal inputs give equal batches.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    budget = max(1, budget)
    batches: list[list[int]] = []
    current: list[int] = []
    for i in order:
        # sorted ascending: the newcomer is the batch's longest
        too_big = (len(current) + 1) * max(1, lengths[i]) > budget
        too_many = max_sentences > 0 and len(current) >= max_sentences
        too_long = bool(current) and lengths[i] > spread * lengths[current[0]] + 4
        if current and (too_big or too_many or too_long):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def output_bound(input_tokens: int, ratio: float, limit: int) -> int:
    """Return how many tokens a sentence's output may have: ratio x its input + 10, within limit."""
    return max(1, min(limit, int(ratio * input_tokens) + 10))


def in_order(batches: Iterable[list[tuple[int, str]]], count: int) -> list[str]:
    """Return the translations a stream of (index, text) batches gives, in the sentences' order."""
    out = [""] * count
    for batch in batches:
        for i, text in batch:
            out[i] = text
    return out
