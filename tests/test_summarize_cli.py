"""`seqae summarize` and `Summarizer` on the tiny trained run."""

import io
import sys

import pytest
import torch

from seqae import Summarizer
from seqae.cli import main
from seqae.core.generators import AllowedTokens, GeneratedNoRepeatNGram
from seqae.core.selection import select_positions


def test_summarize_file_per_line_exact_length(tiny_run, tiny_corpus, tmp_path):
    out = tmp_path / "summaries.txt"
    assert main(["summarize", str(tiny_run), str(tiny_corpus["articles"]), "--per-line", "--words", "3",
                 "-o", str(out)]) == 0
    lines = out.read_text().splitlines()
    documents = tiny_corpus["articles"].read_text().splitlines()
    assert len(lines) == len(documents)
    for summary, document in zip(lines, documents):
        words = summary.split()
        assert len(words) == 3 and len(set(words)) == 3
        assert all(word in document.split() for word in words)  # extractive: document words only


def is_subsequence(kept: list[str], words: list[str]) -> bool:
    remaining = iter(words)
    return all(word in remaining for word in kept)


def test_summarize_stdin(tiny_run, monkeypatch, capsys):
    documents = ["police said the army rebels talks", "market prices rise on oil"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("".join(d + "\n" for d in documents).encode())))
    assert main(["summarize", str(tiny_run), "--per-line", "--words", "2"]) == 0
    summaries = capsys.readouterr().out.splitlines()
    # Each line's summary: two of its own words in its order (the two documents share no word, so a summary of
    # the wrong line fails), and what the Python API gives for it.
    assert len(summaries) == len(documents)
    for summary, document in zip(summaries, documents):
        assert len(summary.split()) == 2 and is_subsequence(summary.split(), document.split()), (summary, document)
    assert summaries == Summarizer(tiny_run).summarize_lines(documents, words=2)


def test_summarize_ratio(tiny_run):
    summarizer = Summarizer(tiny_run)
    document = " ".join(["police", "army", "rebels", "talks", "city", "market", "prices", "oil", "bank", "fire"])
    assert len(summarizer.summarize_lines([document], ratio=0.5)[0].split()) == 5


def test_missing_model_directory_is_a_clear_error(tmp_path, capsys):
    assert main(["summarize", str(tmp_path / "nope"), "--per-line"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("seqae: error:") and "nope" in err and "does not exist" in err and "\n" not in err


def test_select_positions_keeps_document_order_and_skips_repeats():
    words = ["a", "b", "a", "c", "d"]
    assert select_positions(words, [0.9, 0.1, 0.8, 0.7, 0.2], 3) == [0, 3, 4]  # "a c d": the second "a" skipped


def test_generated_no_repeat_ngram_ignores_the_prompt():
    processor = GeneratedNoRepeatNGram(ngram_size=2, prompt_length=3)
    # prompt 5 6 5 | generated 5 6 5: the bigram (5, 6) was generated, so 6 is banned after the final 5;
    scores = processor(torch.tensor([[5, 6, 5, 5, 6, 5]]), torch.zeros(1, 10))
    assert scores[0, 6] == float("-inf") and torch.isfinite(scores[0, [0, 1, 2, 3, 4, 5, 7, 8, 9]]).all()
    # ... but a bigram seen only in the prompt may be copied.
    scores = processor(torch.tensor([[5, 6, 5, 5]]), torch.zeros(1, 10))
    assert torch.isfinite(scores).all()


def test_a_finished_row_that_wrote_every_allowed_word_can_still_be_sampled():
    # the copy mask allows 5, 6 and </s> (2); the row wrote 5 6 </s>, and generate() still scores a finished row:
    # banning every written token would leave nothing to draw (torch.multinomial fails on a row of -inf), so </s>
    # stays allowed.
    allowed = torch.zeros(1, 10, dtype=torch.bool)
    allowed[0, [2, 5, 6]] = True
    prompt_and_written = torch.tensor([[5, 6, 9, 5, 6, 2, 2]])
    scores = AllowedTokens(allowed)(prompt_and_written, torch.zeros(1, 10))
    scores = GeneratedNoRepeatNGram(1, prompt_length=3, eos=2)(prompt_and_written, scores)
    assert torch.isfinite(scores[0]).tolist() == [i == 2 for i in range(10)]
    assert GeneratedNoRepeatNGram(1, prompt_length=3)(prompt_and_written, torch.zeros(1, 10))[0, 2] == float("-inf")
    # bigrams alike: after 6 </s> </s>, the bigram (</s>, </s>) was written, and </s> still stays allowed
    assert torch.isfinite(GeneratedNoRepeatNGram(2, prompt_length=3, eos=2)(prompt_and_written, torch.zeros(1, 10))).all()


@pytest.mark.parametrize("beams", [1, 2])
def test_abstractive_summaries_never_contain_unknown_or_repeated_bigrams(tmp_path, tiny_corpus, beams):
    from conftest import tiny_train_args

    out = tmp_path / "abstractive"
    assert main(tiny_train_args(tiny_corpus, out, "model.generator=abstractive", "rl.steps=1")) == 0
    summarizer = Summarizer(out)
    documents = tiny_corpus["articles"].read_text().splitlines()[:8] + ["zzz unseen qqq words police"]
    for summary in summarizer.summarize_lines(documents, num_beams=beams):
        words = summary.split()
        assert "<unk>" not in words and len(words) <= summarizer.config.decode.words
        bigrams = list(zip(words, words[1:]))
        assert len(bigrams) == len(set(bigrams))


def test_a_raw_document_is_normalized_once(tiny_run, monkeypatch):
    """The CLI asks `reads_whole` first, then summarizes: the NLTK pass runs once per document, not twice."""
    import seqae.apps.summarize

    calls = []
    real = seqae.apps.summarize.gigaword_normalize
    monkeypatch.setattr(seqae.apps.summarize, "gigaword_normalize", lambda text: calls.append(text) or real(text))
    summarizer = Summarizer(tiny_run)
    monkeypatch.setattr(summarizer.config.data, "normalize", True)
    document = "Police said the army rebels held talks in the city."
    assert summarizer.reads_whole(document)
    assert summarizer.summarize_lines([document], words=3)[0]
    assert len(calls) == 1


RAW_ARTICLE = ("WASHINGTON (AP) — The police met the union leader on Tuesday after the strike vote in the city. "
               "Sen. Ann Lee, D-Ore., said the army and the rebels held talks in the market on Wednesday morning.\n\n"
               "Oil prices rise as the bank shares fall after the election. The court trial of the party leader "
               "opened with a vote of the workers and the union.")


def test_the_api_routes_as_the_cli_does(tiny_run, tmp_path, capsys):
    """Summarizer(...)(texts, words=|ratio=|sentences=|bytes=) gives what `seqae summarize` prints, notes as
    warnings, and the CLI's one-line errors for bad options."""
    import warnings

    from seqae.data.errors import UsageError

    summarizer = Summarizer(tiny_run)
    article = tmp_path / "article.txt"
    article.write_text(RAW_ARTICLE, encoding="utf-8")
    for option, value in (("sentences", 2), ("words", 30), ("words", 5), ("ratio", 0.5), ("bytes", 120), (None, None)):
        arguments = [f"--{option}", str(value)] if option else []
        assert main(["summarize", str(tiny_run), str(article), *arguments]) == 0
        cli = capsys.readouterr().out
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            api = summarizer([RAW_ARTICLE], **({option: value} if option else {}))[0]
        assert api + "\n" == cli, option
        # Never the dateline, never a line under 4 words.
        assert not api.startswith("WASHINGTON") and all(len(line.split()) >= 4 for line in api.split("\n"))
    assert "document mode" in str(caught[0].message)  # the default length of a long document is said
    sentences = summarizer([RAW_ARTICLE], sentences=2)[0].split("\n")
    assert sentences[0] == "The police met the union leader on Tuesday after the strike vote in the city."
    assert sentences[1] in RAW_ARTICLE
    with pytest.raises(UsageError, match="at most one of"):
        summarizer([RAW_ARTICLE], words=3, sentences=1)
    with pytest.raises(UsageError, match="--ratio"):
        summarizer([RAW_ARTICLE], ratio=2.0)


def test_a_long_sentence_stays_whole_and_a_long_line_is_summarized_as_the_bench_does(tiny_run, tmp_path, capsys):
    """A sentence longer than the model reads is still one sentence in document mode; with --per-line the
    default length is the model's word summary of what it reads, as `seqae bench gigaword` scores it."""
    summarizer = Summarizer(tiny_run)
    limit = summarizer.config.data.max_document_words
    # Distinct words without digits (Gigaword's normalization would make w1 ... w9 one word, w#).
    long_sentence = " ".join(["police"] + [f"w{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(limit + 19)]) + "."
    document = f"{long_sentence} The union held talks in the city."
    assert long_sentence in summarizer([document], sentences=2)[0].split("\n")
    lines = tmp_path / "lines.txt"
    lines.write_text(long_sentence + "\n", encoding="utf-8")
    assert main(["summarize", str(tiny_run), str(lines), "--per-line"]) == 0
    captured = capsys.readouterr()
    assert captured.out == summarizer.summarize_lines([long_sentence])[0] + "\n"
    assert len(captured.out.split()) == summarizer.config.decode.words
    assert "1 text(s) longer than this model reads" in captured.err


def spans_from(words: list[str], start: int, kept: list[str]) -> bool:
    """`kept` follows `words` from `start` on, leaving out only articles."""
    position = start
    for word in kept:
        while position < len(words) and words[position] != word and words[position] in ("the", "a", "an"):
            position += 1
        if position == len(words) or words[position] != word:
            return False
        position += 1
    return True


def test_spans_keep_the_words_in_runs_of_adjacent_document_words(tiny_run, tmp_path, capsys):
    document = "police said the army rebels talks in the city market prices rise on oil and bank fire"
    summarizer = Summarizer(tiny_run)
    one_span = summarizer.summarize_lines([document], words=4, spans=1)[0]
    words, kept = document.split(), one_span.split()
    # One span: the kept words follow each other in the document, with at most articles between them.
    starts = [i for i in range(len(words)) if words[i] == kept[0]]
    assert len(kept) == 4 and any(spans_from(words, start, kept) for start in starts)
    assert summarizer([document], per_line=True, words=4, spans=1) == [one_span]  # the API routes it alike
    source = tmp_path / "article.txt"
    source.write_text(document + "\n")
    assert main(["summarize", str(tiny_run), str(source), "--per-line", "--words", "4", "--spans", "1"]) == 0
    assert capsys.readouterr().out.strip() == one_span
    assert main(["summarize", str(tiny_run), str(source), "--per-line", "--spans", "-1"]) == 2  # a usage error
    assert "--spans must be at least 0" in capsys.readouterr().err
