"""Reranking whole-phrase shapes at test time: the candidates (seqae.core.selection.span_candidates), the choice
(seqae.rl.search.best_candidates), and `seqae summarize --rerank` on a tiny trained run."""

import dataclasses

import pytest

from seqae import Summarizer
from seqae.cli import main
from seqae.core.config import DecodeConfig
from seqae.rl.search import best_candidates, written_reranked
from seqae.core.selection import select_spans, span_candidates

from conftest import tiny_train_args
from test_span_selection import spans_of

WORDS = "police said on monday the army killed two rebels in a raid near the border town of kandahar".split()
PROBABILITIES = [0.9, 0.2, 0.1, 0.3, 0.1, 0.8, 0.9, 0.7, 0.85, 0.2, 0.1, 0.6, 0.3, 0.1, 0.7, 0.4, 0.2, 0.9]


def test_candidates_start_with_the_best_selection_in_each_phrase_count():
    candidates = span_candidates(WORDS, PROBABILITIES, 6, 3)
    expected = []
    for max_spans in (1, 2, 3):
        best = select_spans(WORDS, PROBABILITIES, 6, max_spans)
        if best not in expected:
            expected.append(best)
    assert candidates == expected


def test_drawn_candidates_keep_the_length_and_shape_and_depend_only_on_the_seed_and_document():
    candidates = span_candidates(WORDS, PROBABILITIES, 6, 3, draws=24, seed=0)
    assert len(candidates) > 4 and len({tuple(c) for c in candidates}) == len(candidates)  # distinct
    assert all(len(c) == 6 and c == sorted(c) and len(spans_of(WORDS, c)) <= 3 for c in candidates)
    assert span_candidates(WORDS, PROBABILITIES, 6, 3, draws=24, seed=0) == candidates
    assert span_candidates(WORDS, PROBABILITIES, 6, 3, draws=24, seed=1) != candidates


def test_rerank_keeps_each_documents_highest_scoring_candidate_in_one_call():
    documents = [" ".join(WORDS), "a b c d"]
    candidates = [["police said", "army killed", "killed two"], ["a", "d"], []]
    calls = []

    def score(texts, summaries):
        calls.append(len(summaries))
        return [("killed" in s) + ("two" in s) + (s == "d") for s in summaries]

    assert best_candidates(documents + [""], candidates, score) == [2, 1, -1]
    assert calls == [5]
    tie = best_candidates(documents[:1], [["a b", "c d"]], lambda texts, summaries: [0.0, 0.0])
    assert tie == [0]  # the earlier candidate
    with pytest.raises(ValueError, match="returned 1 scores for 2"):
        best_candidates(documents[:1], [["a b", "c d"]], lambda texts, summaries: [0.0])


def test_rerank_scores_a_documents_repeated_candidate_once():
    seen = []

    def score(texts, summaries):
        seen.extend(zip(texts, summaries))
        return [len(s) for s in summaries]

    # the same summary under two documents is two pairs; under one document, one
    assert best_candidates(["x", "y"], [["a b", "a", "a b"], ["a b", "c"]], score) == [0, 0]
    assert seen == [("x", "a b"), ("x", "a"), ("y", "a b"), ("y", "c")]


def test_a_writer_keeps_its_greedy_or_beam_summary_that_the_reward_prefers():
    class Writer:
        def decode(self, documents, *, num_beams, num_return_sequences=1, **settings):
            assert settings == {"words": 3, "min_words": 3, "no_repeat_ngram_size": 3, "phrase_bonus": 0.5}
            if num_beams == 1:
                return [f"greedy {d}" for d in documents]
            return [f"beam{i} {d}" for d in documents for i in range(num_return_sequences)]

    score = lambda texts, summaries: [("beam1" in s) + ("greedy b" in s) for s in summaries]  # noqa: E731
    decode = DecodeConfig(words=3, min_words=6, num_beams=3, phrase_bonus=0.5, no_repeat_ngram_size=3,
                          rerank_draws=0)
    assert written_reranked(Writer(), ["a", "b"], score, decode) == ["beam1 a", "greedy b"]
    # draws=0 overrides the config's draws (this writer cannot draw)
    assert written_reranked(Writer(), ["a", "b"], score, dataclasses.replace(decode, rerank_draws=4),
                            draws=0) == ["beam1 a", "greedy b"]
    assert written_reranked(Writer(), ["a"], score, decode, num_beams=1) == ["greedy a"]
    # the beams alone: "greedy b" is no candidate, so b keeps the beam the reward prefers
    assert written_reranked(Writer(), ["a", "b"], score, decode, with_greedy=False) == ["beam1 a", "beam1 b"]


def test_the_summarizer_keeps_the_shape_its_reranker_prefers(tiny_run):
    documents = ["police said the army rebels talks in the city market prices rise on oil and bank fire",
                 "oil prices rise in the city as the bank said talks with rebels fail on market fire"]
    summarizer = Summarizer(tiny_run)
    one_pass = summarizer.summarize_lines(documents, words=5, spans=3, rerank=False)
    # A reward for fewer phrases: every reranked summary is one run of the document's words.
    summarizer.rerank_score = lambda texts, summaries: [-len(spans_in(t, s)) for t, s in zip(texts, summaries)]
    reranked = summarizer.summarize_lines(documents, words=5, spans=3, rerank=True)
    assert all(len(spans_in(d, s)) == 1 and len(s.split()) == 5 for d, s in zip(documents, reranked))
    assert reranked != one_pass  # the one-pass summaries use more phrases: reranking changed them
    assert summarizer(documents, per_line=True, words=5, spans=3, rerank=True) == reranked  # the API alike


def test_rerank_and_search_are_refused_together(tiny_run, tiny_corpus, capsys):
    assert main(["summarize", str(tiny_run), str(tiny_corpus["articles"]), "--per-line", "--search", "2",
                 "--rerank"]) == 2
    assert "takes no --rerank" in capsys.readouterr().err


def spans_in(document: str, summary: str) -> list[list[int]]:
    """The phrases of `summary` in `document`: its words' first positions, in order."""
    words, positions, start = document.split(), [], 0
    for word in summary.split():
        start = words.index(word, start)
        positions.append(start)
        start += 1
    return spans_of(words, positions)


@pytest.mark.slow
def test_summarize_rerank_scores_at_least_the_one_pass_summary_by_the_models_reward(tiny_corpus, tmp_path, capsys):
    out = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, out, "rl.word_prior_weight=1", "search.similarity_weight=0",
                                "decode.max_spans=3", "decode.rerank=true", "decode.rerank_draws=4")) == 0
    documents = tiny_corpus["articles"].read_text().splitlines()
    assert main(["summarize", str(out), str(tiny_corpus["articles"]), "--per-line"]) == 0
    reranked = capsys.readouterr().out.splitlines()
    assert main(["summarize", str(out), str(tiny_corpus["articles"]), "--per-line", "--no-rerank"]) == 0
    one_pass = capsys.readouterr().out.splitlines()
    assert len(reranked) == len(one_pass) == len(documents)
    score = Summarizer(out).rerank_score
    # The one-pass summary (the best in at most 3 phrases) is a candidate: the chosen one never scores lower.
    assert all(r >= o - 1e-6 for r, o in zip(score(documents, reranked), score(documents, one_pass)))
    assert reranked != one_pass


def test_a_writer_reranks_its_greedy_summary_and_beams(tmp_path, tiny_corpus):
    """An abstractive model with rerank: each summary is its greedy summary or one of its beams, the one the
    reranker prefers; without rerank, the beam's best."""
    out = tmp_path / "writer"
    assert main(tiny_train_args(tiny_corpus, out, "model.generator=abstractive", "rl.steps=0",
                                "model.output_words=vocabulary")) == 0
    documents = tiny_corpus["articles"].read_text().splitlines()[:6]
    summarizer = Summarizer(out)
    greedy = summarizer.summarize_lines(documents, num_beams=1, rerank=False)
    beam = summarizer.summarize_lines(documents, num_beams=2, rerank=False)
    summarizer.rerank_score = lambda texts, summaries: [-len(s.split()) for s in summaries]  # the shortest
    reranked = summarizer.summarize_lines(documents, num_beams=2, rerank=True)
    for g, b, r in zip(greedy, beam, reranked):
        assert len(r.split()) <= min(len(g.split()), len(b.split()))
    summarizer.rerank_score = lambda texts, summaries: [len(s.split()) for s in summaries]  # the longest
    longest = summarizer.summarize_lines(documents, num_beams=2, rerank=True)
    for g, b, r in zip(greedy, beam, longest):
        assert len(r.split()) >= max(len(g.split()), len(b.split()))


def test_the_explanation_shows_the_reranked_choice(tiny_run):
    """`seqae explain` and serve's panel (Explainer) show the summary `seqae summarize` writes, and its kept
    positions, when the model reranks."""
    from seqae.apps.explain import Explainer

    document = "police said the army rebels talks in the city market prices rise on oil and bank fire"
    explainer = Explainer(tiny_run)
    summarizer = explainer.summarizer
    summarizer.config.decode.max_spans, summarizer.config.decode.rerank = 3, True
    summarizer.rerank_score = lambda texts, summaries: [-len(spans_in(t, s)) for t, s in zip(texts, summaries)]
    result = explainer.explain(document, words=5)
    assert result["summary"] == summarizer.summarize_lines([document], words=5)[0]
    assert [result["document_words"][i] for i in result["kept"]] == result["summary"].split()
    assert len(spans_of(document.split(), result["kept"])) == 1  # the reranker's one phrase


def test_reranking_weighs_its_own_terms_in_place_of_rls(tmp_path):
    from seqae.core.config import load_config
    from seqae.data.errors import UsageError

    from conftest import TINY_CONFIG

    config = load_config(TINY_CONFIG, ["rl.fluency_weight=2", "decode.rerank_weights={fluency: 1, phrase: 0.5}"])
    settings = config.decode.rerank_settings(config.rl)
    assert (settings.fluency_weight, settings.phrase_weight, settings.word_prior_weight) == \
           (1.0, 0.5, config.rl.word_prior_weight)
    assert config.rl.fluency_weight == 2.0  # RL keeps its own
    with pytest.raises(UsageError, match=r"decode.rerank_weights unknown terms \['reconstruction'\]"):
        load_config(TINY_CONFIG, ["decode.rerank_weights.reconstruction=1"])
