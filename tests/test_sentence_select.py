"""Whole documents: LexRank sentence selection by hand, and `seqae summarize --sentences N` on a long article."""

import math

import pytest

from seqae.cli import main
from seqae.core.sentence_select import (CUT_MARK, directed_centrality, dot, fill_budget, lexrank_scores, rank_sentences,
                                   readable_order, tfidf_vectors, word_count)


def test_tfidf_vectors_by_hand():
    # 2 sentences; "police" in both (frequency 2), "storm" in one. idf = log((1 + n) / (1 + f) + 1):
    # police log(3/3 + 1) = log 2, storm log(3/2 + 1) = log 2.5. Function words ("the", "in") are left out.
    first, second = tfidf_vectors(["the police in police", "police storm"])
    assert set(first) == {"police"} and first["police"] == pytest.approx(1.0)
    norm = math.sqrt(math.log(2) ** 2 + math.log(2.5) ** 2)
    assert second == pytest.approx({"police": math.log(2) / norm, "storm": math.log(2.5) / norm})
    assert dot(first, second) == pytest.approx(math.log(2) / norm)


def test_lexrank_star_graph_by_hand():
    # Sentence 0 shares a word with 1, 2 and 3, which share nothing with each other: a star, centre 0.
    # With damping d = 0.85 the stationary scores are c = (1-d)/4 + d(x + x + x), x = (1-d)/4 + d c / 3:
    # c = 0.0375 + 0.85 * 3 * (0.0375 + 0.85 c / 3)  =>  c (1 - 0.7225) = 0.0375 * 3.55  =>  c = 0.47973
    sentences = ["army police bank", "army rebels", "police storm", "bank shares"]
    scores = lexrank_scores(sentences, threshold=0.01)
    centre = 0.0375 * 3.55 / (1 - 0.7225)
    assert scores[0] == pytest.approx(centre, abs=1e-6)
    assert scores[1:] == pytest.approx([(1 - centre) / 3] * 3, abs=1e-6)
    assert sum(scores) == pytest.approx(1.0)


def test_lexrank_budget_keeps_the_central_sentences_in_document_order():
    sentences = ["weather was fine .", "the bank raised rates .", "markets fell after the bank raised rates .",
                 "a dog barked .", "rates and the bank worried markets ."]
    chosen = fill_budget(sentences, rank_sentences(sentences, "lexrank"), count=2)
    assert len(chosen) == 2 and "a dog barked ." not in chosen and "weather was fine ." not in chosen
    assert chosen == [s for s in sentences if s in chosen]  # document order
    # more than there are: all of them, in order
    assert fill_budget(sentences, rank_sentences(sentences, "lexrank"), count=10) == sentences
    assert fill_budget([], rank_sentences([], "position"), count=3) == []


def test_directed_centrality_by_hand():
    # TF-IDF over 3 sentences (function words and punctuation left out): a = {bank, rates}, b = {bank},
    # c = {dog}. idf(bank) = log(4/3 + 1), idf(rates) = idf(dog) = log(4/2 + 1); cos(a, b) = idf(bank) / |a|,
    # cos(a, c) = cos(b, c) = 0 = the floor.
    bank, rare = math.log(4 / 3 + 1), math.log(4 / 2 + 1)
    ab = bank / math.sqrt(bank ** 2 + rare ** 2)
    scores = directed_centrality(["bank rates .", "the bank .", "a dog ."], backward_weight=-2.0)
    assert scores == pytest.approx([ab + 0.0, 0.0 - 2 * ab, -2 * (0.0 + 0.0)])
    assert directed_centrality(["one sentence ."]) == [0.0]


def test_directed_centrality_equals_the_pairwise_sums_with_an_encoder_and_in_linear_time():
    import random

    import torch

    rng = random.Random(0)
    words = [f"w{i}" for i in range(30)]
    sentences = [" ".join(rng.choices(words, k=6)) + " ." for _ in range(40)]
    table = torch.nn.functional.normalize(torch.randn(40, 8, generator=torch.Generator().manual_seed(0)), dim=-1)

    def embed(texts):
        return table[[sentences.index(t) for t in texts]]

    vectors = tfidf_vectors(sentences)
    similarity = [[dot(vectors[i], vectors[j]) + float(table[i] @ table[j]) for j in range(40)] for i in range(40)]
    floor = min(similarity[i][j] for i in range(40) for j in range(40) if i != j)
    expected = [sum(similarity[i][j] - floor for j in range(i + 1, 40))
                - 0.5 * sum(similarity[i][j] - floor for j in range(i)) for i in range(40)]
    assert directed_centrality(sentences, embed, backward_weight=-0.5) == pytest.approx(expected, abs=1e-4)


def test_position_ranking_prefers_the_sentence_the_rest_elaborates():
    sentences = ["the bank raised rates .", "markets fell after the bank raised rates .",
                 "rates and the bank worried markets .", "a dog barked ."]
    assert rank_sentences(sentences)[0] == 0
    assert rank_sentences(sentences, method="lexrank")[0] != 3
    with pytest.raises(ValueError, match="unknown sentence ranking"):
        rank_sentences(sentences, method="random")


def test_fill_budget_counts_words_and_bytes_and_keeps_document_order():
    sentences = ["one two three four five .", "six , seven .", "eight nine ten eleven ."]
    order = [2, 0, 1]
    assert fill_budget(sentences, order, count=2) == ["one two three four five .", "eight nine ten eleven ."]
    # Words as ROUGE counts them (punctuation is free); the sentence the budget reaches is cut there and says so.
    assert fill_budget(sentences, order, words=8) == ["one two three four…", "eight nine ten eleven ."]
    assert word_count(" ".join(fill_budget(sentences, order, words=8))) == 8
    # A cut that would leave fewer than 4 words is left out; without `cut`, only whole sentences.
    assert fill_budget(sentences, order, words=7) == ["eight nine ten eleven ."]
    assert fill_budget(sentences, order, words=8, cut=False) == ["eight nine ten eleven ."]
    # Bytes: joined by one space, the mark's 3 bytes included, at most N bytes.
    chosen = fill_budget(sentences, order, n_bytes=45)
    assert chosen == ["one two three four…", "eight nine ten eleven ."] and len(" ".join(chosen).encode()) == 45
    assert fill_budget(sentences, order, words=100) == sentences  # more than there is: all of it
    with pytest.raises(ValueError):
        fill_budget(sentences, order, count=1, words=2)


def test_readable_order_leaves_out_short_lines_unless_nothing_else():
    assert readable_order(["Sen.", "The Senate voted on it .", "Maria"], [0, 2, 1]) == [1]
    assert readable_order(["Yes .", "No ."], [1, 0]) == [1, 0]


def test_summarize_sentences_on_a_long_article(tiny_run, tmp_path, capsys):
    # 60 filler sentences that share no content word with any other sentence, 3 that share theirs
    filler = [f"the w{i}a of w{i}b met w{i}c and w{i}d in w{i}e ." for i in range(60)]
    central = ["the union strike closed the port and the union warned of more strikes .",
               "port workers joined the union strike on monday .",
               "the port strike by the union hit exports ."]
    sentences = filler[:25] + central[:1] + filler[25:50] + central[1:2] + filler[50:] + central[2:]
    article = tmp_path / "article.txt"
    article.write_text(" ".join(sentences) + "\n", encoding="utf-8")
    assert len(article.read_text().split()) > 500
    assert main(["summarize", str(tiny_run), str(article), "--sentences", "3", "--ranking", "lexrank"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == central  # from anywhere in the article, in order, one a line
    assert main(["summarize", str(tiny_run), str(article), "--per-line", "--sentences", "3", "--ranking",
                 "lexrank"]) == 0
    assert capsys.readouterr().out == " ".join(central) + "\n"
    # The default (position) ranking: the first central sentence, 250 words in, is what the rest elaborates.
    assert main(["summarize", str(tiny_run), str(article), "--sentences", "1"]) == 0
    assert capsys.readouterr().out.splitlines() == central[:1]


def test_long_documents_are_summarized_in_whole_sentences(tiny_run, tmp_path, capsys):
    sentences = [f"the s{i}a of s{i}b met s{i}c near the s{i}d ." for i in range(80)]
    article = tmp_path / "article.txt"
    article.write_text(" ".join(sentences) + "\n", encoding="utf-8")
    # --words: whole sentences (9 words each), then the one the budget reaches cut there and marked.
    assert main(["summarize", str(tiny_run), str(article), "--words", "32"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert word_count(" ".join(lines)) == 32 and sum(line.endswith(CUT_MARK) for line in lines) == 1
    assert all(line in sentences or any(s.startswith(line.removesuffix(CUT_MARK) + " ") for s in sentences)
               for line in lines)
    # --ratio: whole sentences only, as many as fit.
    assert main(["summarize", str(tiny_run), str(article), "--ratio", "0.25"]) == 0
    lines = capsys.readouterr().out.splitlines()
    budget = round(0.25 * word_count(article.read_text()))
    assert set(lines) <= set(sentences) and budget - 9 < word_count(" ".join(lines)) <= budget
    # No length given: 3 sentences of a document longer than the model reads, and a note says why.
    assert main(["summarize", str(tiny_run), str(article)]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 3 and set(captured.out.splitlines()) <= set(sentences)
    assert "document mode" in captured.err
    # A budget shorter than a sentence: the model's headline of that many words, from one sentence.
    assert main(["summarize", str(tiny_run), str(article), "--words", "5"]) == 0
    headline = capsys.readouterr().out.splitlines()
    assert len(headline) == 1 and len(headline[0].split()) == 5
    assert any(set(headline[0].split()) <= set(s.split()) for s in sentences)
    assert main(["summarize", str(tiny_run), str(article), "--bytes", "100"]) == 0
    out = capsys.readouterr().out
    assert len(" ".join(out.split()).encode()) <= 100 and len(out.split()) > 5
    assert main(["summarize", str(tiny_run), str(article), "--sentences", "2", "--compress", "0.5"]) == 0
    compressed = capsys.readouterr().out.splitlines()
    # 9 words and a period each: 4 words dropped (round(4.5)), the period stays, the rest as written and in order
    assert len(compressed) == 2 and all(word_count(line) == 5 and line.endswith(" .") for line in compressed)
    assert all(set(line.split()) <= set(" ".join(sentences).split()) for line in compressed)


def test_sentences_refuses_search(tiny_run, tmp_path, capsys):
    article = tmp_path / "a.txt"
    article.write_text("one sentence .\n", encoding="utf-8")
    assert main(["summarize", str(tiny_run), str(article), "--sentences", "1", "--search", "2"]) == 2
    assert "--sentences" in capsys.readouterr().err


def test_compression_drops_only_words_the_model_read_and_keeps_them_as_written(tiny_run):
    from seqae.apps.summarize import Summarizer

    summarizer = Summarizer(tiny_run)
    limit = summarizer.config.data.max_document_words
    long = " ".join(f"w{i}" for i in range(limit + 6)) + " ."  # the last 6 words lie past what the tagger reads
    written = "Police met 3 unions in City ."  # capitals and a digit: normalized for the model, kept as written
    short_long, short_written = summarizer.compress_sentences([long, written], 0.5)
    kept = short_long.split()
    assert kept[-7:] == long.split()[-7:]  # the unread tail and the period stay
    assert word_count(short_long) == limit + 6 - round(0.5 * (limit + 6))
    assert set(short_written.split()) <= set(written.split()) and short_written.endswith(" .")
    assert word_count(short_written) == 6 - round(0.5 * 6)
