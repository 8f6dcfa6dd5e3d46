"""The abstractive generator's copy mask: only the document's own words (and </s>), none twice, the same in the
warm start, in RL sampling (and its log-probabilities) and in decoding."""

import json

import torch
from conftest import tiny_train_args

from seqae.apps.summarize import Summarizer
from seqae.cli import main
from seqae.data.normalize import gigaword_normalize, strip_datelines
from seqae.data.tokenizer import WordCodec, build_word_tokenizer
from seqae.core.generators import AllowedTokens, NoEndBefore, allowed_tokens, end_banned, mask_completion_logits

NEG = float("-inf")


def codec() -> WordCodec:
    # <pad>=0 <unk>=1 <s>=2 </s>=3 <sep>=4 police=5 city=6 in=7 (counts 3, 2, 1)
    return WordCodec.from_tokenizer(build_word_tokenizer(texts=["police city police in police city"], vocab_size=8))


def test_allowed_tokens_by_hand():
    c = codec()
    prompts = torch.tensor([[0, 5, 1, 4], [6, 6, 7, 4]])  # left-padded `document <sep>`; row 0 holds an <unk>
    assert allowed_tokens(prompts, c, 8, "vocabulary") is None
    #                         pad unk  <s>  </s> sep  police city  in
    assert allowed_tokens(prompts, c, 8, "document").tolist() == [
        [False, False, False, True, False, True, False, False],
        [False, False, False, True, False, False, True, True]]
    assert allowed_tokens(prompts, c, 8, "document_and_prepositions")[0].tolist() == [
        False, False, False, True, False, True, False, True]  # + "in", a preposition


def test_allowed_tokens_processor_follows_generate_s_row_expansion():
    allowed = torch.tensor([[True, False], [False, True]])
    scores = torch.zeros(4, 2)  # 2 documents x 2 samples (or beams), adjacent
    assert AllowedTokens(allowed)(None, scores).tolist() == [[0, NEG], [0, NEG], [NEG, 0], [NEG, 0]]


def test_mask_completion_logits_bans_other_words_and_every_word_already_written():
    allowed = torch.tensor([[False, False, False, True, False, True, True, False]])  # </s>=3, 5, 6
    completion = torch.tensor([[5, 6, 3, 0]])  # police city </s> <pad>
    mask = torch.tensor([[1, 1, 1, 0]])
    logits = mask_completion_logits(torch.zeros(1, 4, 8), allowed, completion, mask, eos=3)
    finite = [[i for i in range(8) if logits[0, t, i] > NEG] for t in range(4)]
    # step 0: 3, 5, 6; step 1: police written; step 2: city written too; step 3 (past </s>): </s> stays allowed
    assert finite == [[3, 5, 6], [3, 6], [3], [3]]


def test_tiny_abstractive_run_writes_only_document_words_none_twice(tmp_path, tiny_corpus):
    out = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, out, "model.generator=abstractive", "rl.steps=3")) == 0
    assert json.loads((out / "model" / "generator" / "config.json").read_text())["seqae_output_words"] == "document"
    summaries = tmp_path / "summaries.txt"
    # Documents the model reads whole (24 words): longer ones would go to document mode, which copies sentences.
    documents = [" ".join(line.split()[:20]) for line in tiny_corpus["articles"].read_text().splitlines()]
    short = out / "short.txt"
    short.write_text("\n".join(documents) + "\n")
    assert main(["summarize", str(out), str(short), "--per-line", "-o", str(summaries)]) == 0
    lines = summaries.read_text().splitlines()
    assert len(lines) == len(documents)
    for summary, document in zip(lines, documents):
        words = summary.split()
        assert set(words) <= set(document.split()) and len(words) == len(set(words))
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert all(row.get("skipped") is None for row in rows)


def test_trl_backend_refuses_the_copy_mask_it_cannot_apply(tmp_path, tiny_corpus, capsys):
    assert main(tiny_train_args(tiny_corpus, tmp_path / "run", "model.generator=abstractive", "rl.backend=trl")) == 2
    assert "model.output_words=vocabulary" in capsys.readouterr().err


def test_trl_backend_refuses_an_update_it_does_not_make(tmp_path, tiny_corpus, capsys):
    """trl's GRPOTrainer updates group-relative: the default best-of-k would be silently replaced."""
    assert main(tiny_train_args(tiny_corpus, tmp_path / "run", "model.generator=abstractive", "rl.backend=trl",
                                "model.output_words=vocabulary")) == 2
    assert "set rl.update=group_relative" in capsys.readouterr().err


def test_trl_backend_refuses_exact_length_samples_it_does_not_draw(tmp_path, tiny_corpus, capsys):
    assert main(tiny_train_args(tiny_corpus, tmp_path / "run", "model.generator=abstractive", "rl.backend=trl",
                                "model.output_words=vocabulary", "rl.update=group_relative")) == 2
    assert "set rl.sampler=bernoulli" in capsys.readouterr().err


def test_end_banned_only_while_another_token_is_allowed():
    scores = torch.tensor([[0.0, 1.0, NEG], [NEG, 2.0, NEG]])  # </s> = 1; row 1 has nothing else left
    assert end_banned(scores, eos=1).tolist() == [[0.0, NEG, NEG], [NEG, 2.0, NEG]]


def test_no_end_before_counts_written_tokens_only():
    processor = NoEndBefore(prompt_length=3, words=2, eos=1)
    prompt_plus_one = torch.zeros(1, 4, dtype=torch.long)  # one word written: </s> still banned
    assert processor(prompt_plus_one, torch.zeros(1, 3)).tolist() == [[0.0, NEG, 0.0]]
    prompt_plus_two = torch.zeros(1, 5, dtype=torch.long)  # two written: it may end
    assert processor(prompt_plus_two, torch.zeros(1, 3)).tolist() == [[0.0, 0.0, 0.0]]


def test_writer_rl_samples_have_target_words_words_with_finite_log_probs(tmp_path, tiny_corpus):
    # A writer trained briefly, sampled as RL samples it with the exact-length sampler and with bernoulli.
    out = tmp_path / "run"
    assert main(tiny_train_args(tiny_corpus, out, "model.generator=abstractive", "rl.steps=0")) == 0
    from seqae.core.config import RLConfig
    from seqae.apps.summarize import Summarizer

    generator = Summarizer(out).generator
    documents = [" ".join(line.split()[:20]) for line in tiny_corpus["articles"].read_text().splitlines()][:4]
    exact = RLConfig(target_words=5, max_new_tokens=9, sampler="exact_length")
    torch.manual_seed(0)
    rollout = generator.rollout(documents, 3, exact)
    assert all(len(summary.split()) == 5 for summary in rollout.summaries)
    assert torch.isfinite(rollout.logprobs[rollout.mask.bool()]).all()
    drawn = generator.sample(documents, 2, exact)
    assert len(drawn) == 2 * len(documents) and all(len(summary.split()) == 5 for summary in drawn)
    torch.manual_seed(0)
    free = generator.rollout(documents, 3, RLConfig(target_words=5, max_new_tokens=9, sampler="bernoulli"))
    assert all(len(summary.split()) <= 9 for summary in free.summaries)


def writer_taught(copy_slots: int, steps: int = 150):
    """A tiny writer of a 6-id vocabulary (up to `police`) taught to write `zeta police` for one document that
    holds the unseen word `zeta`."""
    from seqae.core.config import ModelConfig
    from seqae.core.generators import AbstractiveGenerator

    torch.manual_seed(0)
    tokenizer = build_word_tokenizer(texts=["police city police in police city"], vocab_size=8)
    config = ModelConfig(generator="abstractive", hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64,
                         max_positions=64, generator_vocab_size=6, copy_slots=copy_slots)
    writer = AbstractiveGenerator.build(config, tokenizer, WordCodec.from_tokenizer(tokenizer), max_words=8)
    optimizer = torch.optim.Adam(writer.model.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = writer.imitation_loss(["city zeta police"], ["zeta police"], 2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return writer


def test_a_writer_copies_a_word_outside_its_vocabulary_through_a_copy_slot():
    writer = writer_taught(copy_slots=2)
    assert writer.decode(["city zeta police"], words=2) == ["zeta police"]
    # `city` (id 6) is past the vocabulary too: it took slot 0 and `zeta` slot 1, which the writer learned to
    # write. In another document slot 1 is that document's second rare word.
    assert writer.decode(["city omega kappa police"], words=2) == ["omega police"]


def test_without_copy_slots_a_writer_cannot_write_the_word():
    assert "zeta" not in writer_taught(copy_slots=0, steps=20).decode(["city zeta police"], words=2)[0]


class NormalizingSummarizer:
    """What Summarizer.writer_summary needs of a Summarizer whose model was trained on Gigaword's normalized text."""

    normalize = staticmethod(lambda document: gigaword_normalize(" ".join(strip_datelines(document).split())))
    written_summary = Summarizer.written_summary
    writer_summary = Summarizer.writer_summary


def test_a_writer_s_summary_of_raw_text_comes_back_as_the_article_writes_its_words():
    article = "BRUSSELS (AP) — Striker Kasper Dolberg scored twice as Anderlecht beat Zulte Waregem 3-1 on Sunday."
    summarizer = NormalizingSummarizer()
    prepared = summarizer.normalize(article)
    assert prepared == "striker kasper dolberg scored twice as anderlecht beat zulte waregem #-# on sunday ."
    assert summarizer.writer_summary(article, prepared, "kasper dolberg twice as anderlecht beat zulte waregem #-#") \
        == "Kasper Dolberg twice as Anderlecht beat Zulte Waregem 3-1"
    # In the writer's own order: neighbours in the article stay glued only where they stay neighbours.
    assert summarizer.writer_summary(article, prepared, "anderlecht beat zulte waregem #-# . dolberg") \
        == "Anderlecht beat Zulte Waregem 3-1 . Dolberg"
    # A word the article does not hold (a writer without the copy mask): the summary stays in the model's form.
    assert summarizer.writer_summary(article, prepared, "dolberg of anderlecht") == "dolberg of anderlecht"
