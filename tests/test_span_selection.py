"""`select_spans`: the most probable keep/drop labelling with at most K contiguous spans, checked against brute force
and on hand-made documents."""

import itertools
import random

import pytest

from seqae.selection import can_end_span, can_start_span, keep_log_odds, select_spans


def spans_of(positions: list[int]) -> list[list[int]]:
    runs = []
    for position in positions:
        if runs and runs[-1][-1] == position - 1:
            runs[-1].append(position)
        else:
            runs.append([position])
    return runs


def allowed(words, positions, max_spans, phrase_boundaries):
    runs = spans_of(positions)
    return len(runs) <= max_spans and (not phrase_boundaries or all(
        can_start_span(words[run[0]]) and can_end_span(words[run[-1]]) for run in runs))


def brute_force(words, probabilities, count, max_spans, phrase_boundaries):
    """The best total log-odds over every allowed choice, or None where nothing is allowed."""
    totals = [sum(keep_log_odds(probabilities[i]) for i in chosen)
              for chosen in itertools.combinations(range(len(words)), count)
              if allowed(words, list(chosen), max_spans, phrase_boundaries)]
    return max(totals) if totals else None


VOCABULARY = ["police", "said", "the", "of", "two", "##", "and", "'s", "crash", "in", "killed", ","]


@pytest.mark.parametrize("seed", range(40))
def test_select_spans_finds_the_best_allowed_labelling(seed):
    rng = random.Random(seed)
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(1, 9))]
    probabilities = [rng.random() for _ in words]
    count, max_spans = rng.randint(1, len(words)), rng.randint(1, 3)
    for phrase_boundaries in (True, False):
        chosen = select_spans(words, probabilities, count, max_spans, phrase_boundaries)
        assert chosen == sorted(set(chosen)) and len(chosen) == count
        best = brute_force(words, probabilities, count, max_spans, phrase_boundaries)
        if best is None:  # no choice keeps the phrase rule: it is dropped, never the length or the span limit
            assert phrase_boundaries and len(spans_of(chosen)) <= max_spans
            best = brute_force(words, probabilities, count, max_spans, False)
        else:
            assert allowed(words, chosen, max_spans, phrase_boundaries)
        assert sum(keep_log_odds(probabilities[i]) for i in chosen) == pytest.approx(best)


def test_spans_end_where_a_phrase_ends():
    words = "the police said on monday that two men died in a crash".split()
    probabilities = [0.1, 0.9, 0.2, 0.1, 0.3, 0.1, 0.8, 0.9, 0.95, 0.3, 0.2, 0.9]
    # The four most probable words are scattered ("police two men died"); one span of four that ends on a content
    # word is "that two men died", not "two men died in".
    assert select_spans(words, probabilities, 4, 1) == [5, 6, 7, 8]
    assert select_spans(words, probabilities, 4, 1, phrase_boundaries=False) == [6, 7, 8, 9]
    assert select_spans(words, probabilities, 4, 2) == [1, 6, 7, 8]  # "police" + "two men died"


def test_a_short_document_is_kept_whole_and_nothing_is_asked_of_an_empty_budget():
    words = ["rates", "rise"]
    assert select_spans(words, [0.2, 0.3], 10, 1) == [0, 1]
    assert select_spans(words, [0.2, 0.3], 0, 1) == []


@pytest.mark.parametrize(("word", "start", "end"), [
    ("police", True, True), ("##", True, True), ("#.#", True, True), ("of", True, False), ("the", True, False),
    ("'s", False, False), ("and", False, False), (",", False, False), ("And", False, False)])
def test_phrase_boundary_words(word, start, end):
    assert can_start_span(word) is start and can_end_span(word) is end
