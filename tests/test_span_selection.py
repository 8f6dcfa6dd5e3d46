"""`select_spans`: the most probable keep/drop labelling with at most K contiguous spans, checked against brute force
and on hand-made documents."""

import itertools
import random

import pytest

from seqae.core.selection import (ARTICLES, can_end_span, can_start_span, keep_log_odds, scales_number, select_spans,
                                  span_boundaries)


def spans_of(words: list[str], positions: list[int], bridged=ARTICLES) -> list[list[int]]:
    """The kept positions in spans: a gap of `bridged` words only does not split a span."""
    runs = []
    for position in positions:
        if runs and all(words[i] in bridged for i in range(runs[-1][-1] + 1, position)):
            runs[-1].append(position)
        else:
            runs.append([position])
    return runs


def allowed(words, positions, max_spans, phrase_boundaries, bridged=ARTICLES):
    runs = spans_of(words, positions, bridged)
    starts, ends = span_boundaries(words)
    return len(runs) <= max_spans and (not phrase_boundaries or all(starts[run[0]] and ends[run[-1]] for run in runs))


def brute_force(words, probabilities, count, max_spans, phrase_boundaries, bridged=ARTICLES):
    """The best total log-odds over every allowed choice, or None where nothing is allowed."""
    totals = [sum(keep_log_odds(probabilities[i]) for i in chosen)
              for chosen in itertools.combinations(range(len(words)), count)
              if allowed(words, list(chosen), max_spans, phrase_boundaries, bridged)]
    return max(totals) if totals else None


VOCABULARY = ["police", "said", "the", "of", "two", "##", "and", "'s", "crash", "in", "killed", ",", "a", "million"]


@pytest.mark.parametrize("seed", range(60))
def test_select_spans_finds_the_best_allowed_labelling(seed):
    rng = random.Random(seed)
    words = [rng.choice(VOCABULARY) for _ in range(rng.randint(1, 9))]
    probabilities = [rng.random() for _ in words]
    count, max_spans = rng.randint(1, len(words)), rng.randint(1, 3)
    for phrase_boundaries, bridged in itertools.product((True, False), (ARTICLES, frozenset())):
        chosen = select_spans(words, probabilities, count, max_spans, phrase_boundaries, bridged)
        assert chosen == sorted(set(chosen)) and len(chosen) == count
        best = brute_force(words, probabilities, count, max_spans, phrase_boundaries, bridged)
        if best is None:  # no choice keeps the phrase rule: it is dropped, never the length or the span limit
            assert phrase_boundaries and len(spans_of(words, chosen, bridged)) <= max_spans
            best = brute_force(words, probabilities, count, max_spans, False, bridged)
        else:
            assert allowed(words, chosen, max_spans, phrase_boundaries, bridged)
        assert sum(keep_log_odds(probabilities[i]) for i in chosen) == pytest.approx(best)


def test_spans_end_where_a_phrase_ends():
    words = "the police said on monday that two men died in a crash".split()
    probabilities = [0.1, 0.9, 0.2, 0.1, 0.3, 0.1, 0.8, 0.9, 0.95, 0.3, 0.2, 0.9]
    adjacent = frozenset()  # no word left out inside a span
    # The four most probable words are scattered ("police two men died"); one span of four adjacent words that
    # ends on a content word is "that two men died", not "two men died in".
    assert select_spans(words, probabilities, 4, 1, bridged=adjacent) == [5, 6, 7, 8]
    assert select_spans(words, probabilities, 4, 1, phrase_boundaries=False, bridged=adjacent) == [6, 7, 8, 9]
    assert select_spans(words, probabilities, 4, 2, bridged=adjacent) == [1, 6, 7, 8]  # "police" + "two men died"
    assert select_spans(words, probabilities, 4, 1) == [7, 8, 9, 11]  # "men died in crash": the article left out


def test_a_span_leaves_out_articles_between_its_words():
    words = "men suspected of planting a car bomb which killed the mayor were arrested".split()
    probabilities = [0.9, 0.8, 0.4, 0.8, 0.3, 0.9, 0.9, 0.1, 0.5, 0.2, 0.8, 0.2, 0.9]
    assert select_spans(words, probabilities, 6, 1) == [0, 1, 2, 3, 5, 6]  # "... planting car bomb"
    assert select_spans(words, probabilities, 6, 1, bridged=frozenset()) == [0, 1, 2, 3, 4, 5]  # "... a car"


def test_a_short_document_is_kept_whole_and_nothing_is_asked_of_an_empty_budget():
    words = ["rates", "rise"]
    assert select_spans(words, [0.2, 0.3], 10, 1) == [0, 1]
    assert select_spans(words, [0.2, 0.3], 0, 1) == []


@pytest.mark.parametrize(("word", "start", "end"), [
    ("police", True, True), ("##", True, True), ("#.#", True, True), ("of", True, False), ("the", True, False),
    ("'s", False, False), ("and", False, False), (",", False, False), ("And", False, False)])
def test_phrase_boundary_words(word, start, end):
    assert can_start_span(word) is start and can_end_span(word) is end


def test_a_span_never_parts_a_number_from_its_scale_word():
    words = "the senate would vote next week on $ #.# trillion in spending".split()
    probabilities = [0.1, 0.9, 0.8, 0.9, 0.6, 0.6, 0.5, 0.3, 0.95, 0.2, 0.1, 0.7]
    # Unconstrained, the best six words in two spans end on the amount without its scale word.
    assert select_spans(words, probabilities, 6, 2, phrase_boundaries=False) == [1, 2, 3, 4, 5, 8]
    # "senate would vote next" + "#.# trillion" (log-odds 7.74) beats "... next week" + "spending" (7.44).
    assert select_spans(words, probabilities, 6, 2) == [1, 2, 3, 4, 8, 9]
    # Nor does a span start at the scale word: "trillion in spending" is not a phrase either; with the amount it is.
    probabilities = [0.1] * 8 + [0.5, 0.9, 0.9, 0.9]
    assert select_spans(words, probabilities, 3, 1, phrase_boundaries=False) == [9, 10, 11]
    assert select_spans(words, probabilities, 3, 1) != [9, 10, 11]
    assert select_spans(words, probabilities, 4, 1) == [8, 9, 10, 11]


@pytest.mark.parametrize(("text", "position", "joined"), [
    ("$ #.# trillion", 1, True), ("## percent rise", 0, True), ("two million voters", 0, True),
    ("## Million", 0, True), ("#.# % growth", 0, True), ("## voters", 0, False), ("the million", 0, False),
    ("trillion", 0, False)])
def test_a_number_and_its_scale_word(text, position, joined):
    assert scales_number(text.split(), position) is joined
