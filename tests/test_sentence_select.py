"""Whole documents: LexRank sentence selection by hand, and `seqae summarize --sentences N` on a long article."""

import math

import pytest

from seqae.cli import main
from seqae.sentence_select import cosine, lexrank_scores, select_sentences, tfidf_vectors


def test_tfidf_vectors_by_hand():
    # 2 sentences; "police" in both (frequency 2), "storm" in one. idf = log((1 + n) / (1 + f) + 1):
    # police log(3/3 + 1) = log 2, storm log(3/2 + 1) = log 2.5. Function words ("the", "in") are left out.
    first, second = tfidf_vectors(["the police in police", "police storm"])
    assert set(first) == {"police"} and first["police"] == pytest.approx(1.0)
    norm = math.sqrt(math.log(2) ** 2 + math.log(2.5) ** 2)
    assert second == pytest.approx({"police": math.log(2) / norm, "storm": math.log(2.5) / norm})
    assert cosine(first, second) == pytest.approx(math.log(2) / norm)


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


def test_select_sentences_returns_the_central_ones_in_document_order():
    sentences = ["weather was fine .", "the bank raised rates .", "markets fell after the bank raised rates .",
                 "a dog barked .", "rates and the bank worried markets ."]
    chosen = select_sentences(sentences, 2)
    assert len(chosen) == 2 and "a dog barked ." not in chosen and "weather was fine ." not in chosen
    assert chosen == [s for s in sentences if s in chosen]  # document order
    assert select_sentences(sentences, 10) == sentences  # more than there are: all of them, in order
    assert select_sentences([], 3) == []


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
    assert main(["summarize", str(tiny_run), str(article), "--sentences", "3"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == central  # from anywhere in the article, in order, one a line
    assert main(["summarize", str(tiny_run), str(article), "--per-line", "--sentences", "3"]) == 0
    assert capsys.readouterr().out == " ".join(central) + "\n"


def test_sentences_refuses_search(tiny_run, tmp_path, capsys):
    article = tmp_path / "a.txt"
    article.write_text("one sentence .\n", encoding="utf-8")
    assert main(["summarize", str(tiny_run), str(article), "--sentences", "1", "--search", "2"]) == 2
    assert "--sentences" in capsys.readouterr().err
