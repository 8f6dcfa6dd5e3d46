"""decode.phrase_bonus: a writer's greedy and beam search favour the word that continues the article after the word
just written (seqae.core.generators.DocumentPhrases)."""

import dataclasses

import pytest
import torch
from conftest import TINY_CONFIG, tiny_train_args

from seqae.apps.summarize import Summarizer
from seqae.cli import main
from seqae.core.config import load_config
from seqae.data.errors import UsageError
from seqae.core.generators import DocumentPhrases

SPECIAL = {0, 1, 2, 3, 4}  # <pad> <unk> <s> </s> <sep>


def test_the_words_after_the_last_written_one_gain_the_bonus_in_every_beam_of_its_document():
    # document 0 (left-padded): police city in police <sep> -> police: city; city: in; in: police
    # document 1: in city <sep> -> in: city
    prompts = torch.tensor([[0, 5, 6, 7, 5, 4], [0, 0, 0, 7, 6, 4]])
    processor = DocumentPhrases(prompts, bonus=2.0, special=SPECIAL)
    written = torch.tensor([5, 7, 7, 6])  # beams 0-1 of document 0, then of document 1, each with its last word
    input_ids = torch.cat([prompts.repeat_interleave(2, dim=0), written[:, None]], dim=1)
    scores = processor(input_ids, torch.zeros(4, 8))
    assert scores.tolist() == [[0, 0, 0, 0, 0, 0, 2, 0],   # police -> city
                               [0, 0, 0, 0, 0, 2, 0, 0],   # in -> police
                               [0, 0, 0, 0, 0, 0, 2, 0],   # in -> city (document 1)
                               [0] * 8]                    # city ends document 1: nothing continues it


def test_nothing_changes_before_the_first_word_or_after_a_special_token():
    prompts = torch.tensor([[5, 6, 1, 7, 4]])  # police city <unk> in <sep>: city is followed by nothing it can write
    processor = DocumentPhrases(prompts, bonus=3.0, special=SPECIAL)
    assert processor(prompts, torch.zeros(1, 8)).tolist() == [[0] * 8]
    assert processor(torch.cat([prompts, torch.tensor([[6]])], 1), torch.zeros(1, 8)).tolist() == [[0] * 8]


def adjacent_share(summaries: list[str], documents: list[str]) -> float:
    pairs = [(a, b) for s in summaries for a, b in zip(s.split(), s.split()[1:])]
    adjacent = {pair for d in documents for pair in zip(d.split(), d.split()[1:])}
    return sum(pair in adjacent for pair in pairs) / max(1, len(pairs))


def test_a_large_bonus_makes_a_tiny_writer_copy_the_article_s_phrases(tmp_path, tiny_corpus):
    out = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, out, "model.generator=abstractive", "rl.steps=0")) == 0
    generator = Summarizer(out).generator
    documents = [" ".join(line.split()[:20]) for line in tiny_corpus["articles"].read_text().splitlines()][:16]
    settings = dict(words=6, min_words=6, no_repeat_ngram_size=2)
    as_learned = generator.decode(documents, **settings)
    # Greedy with an overwhelming bonus: wherever the article continues the last word with a word the copy mask
    # still allows, that word is written next.
    copied = generator.decode(documents, phrase_bonus=1e4, **settings)
    for summary, document in zip(copied, documents):
        words, read = summary.split(), document.split()
        for a, b in zip(words, words[1:]):
            after = {read[i + 1] for i in range(len(read) - 1) if read[i] == a}
            open_words = after - set(words[:words.index(a) + 1]) - {"<unk>"}
            assert not open_words or b in after, (summary, document)
    assert adjacent_share(copied, documents) > adjacent_share(as_learned, documents)
    beams = generator.decode(documents, phrase_bonus=1e4, num_beams=3, num_return_sequences=3, **settings)
    assert len(beams) == 3 * len(documents)
    assert adjacent_share(beams, documents) > adjacent_share(
        generator.decode(documents, num_beams=3, num_return_sequences=3, **settings), documents)


def test_the_summarizer_decodes_a_writer_with_the_config_s_bonus(tmp_path, tiny_corpus):
    out = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, out, "model.generator=abstractive", "rl.steps=0")) == 0
    summarizer = Summarizer(out)
    documents = [" ".join(line.split()[:20]) for line in tiny_corpus["articles"].read_text().splitlines()][:16]
    summarizer.config.decode = dataclasses.replace(summarizer.config.decode, phrase_bonus=0)
    as_learned = summarizer.summarize_lines(documents, words=6)
    summarizer.config.decode = dataclasses.replace(summarizer.config.decode, phrase_bonus=1e4)
    assert adjacent_share(summarizer.summarize_lines(documents, words=6), documents) > \
        adjacent_share(as_learned, documents)


@pytest.mark.parametrize("value, problem", [("-1", "at least 0"), ("inf", "finite"), ("nan", "finite")])
def test_the_config_refuses_a_bonus_that_is_negative_or_not_finite(value, problem):
    with pytest.raises(UsageError, match=rf"decode\.phrase_bonus must be .*{problem}"):
        load_config(TINY_CONFIG, [f"decode.phrase_bonus={value}"])
