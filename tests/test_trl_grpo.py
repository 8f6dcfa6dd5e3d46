"""trl's GRPOTrainer trains the abstractive generator with seqae's reward callables (tiny model, two steps)."""

import functools
import random

import pytest
import torch
from accelerate import Accelerator

from seqae.core.config import ModelConfig
from seqae.data.tokenizer import WordCodec, build_word_tokenizer
from seqae.core.encoding import WriterVocabulary, generator_prompts
from seqae.core.generators import AbstractiveGenerator
from seqae.core.models import build_discriminator, build_reconstructor
from seqae.rl.rewards import DiscriminatorReward, ReconstructionReward, length_reward, repetition_reward

pytest.importorskip("trl")
pytest.importorskip("datasets")

from seqae.rl.trl_grpo import build_grpo_trainer, grpo_prompt  # noqa: E402

MAX_WORDS = 16
GROUP, PROMPTS, NEW_TOKENS = 2, 4, 6


def synthetic(count: int, low: int, high: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(195)]
    return [" ".join(rng.choice(words) for _ in range(rng.randint(low, high))) for _ in range(count)]


@pytest.fixture(scope="module")
def setup():
    documents = synthetic(24, 10, 22, seed=1)
    human = synthetic(20, 3, 6, seed=2)
    tokenizer = build_word_tokenizer(texts=documents + human, vocab_size=200)
    config = ModelConfig(generator="abstractive", hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64,
                         max_positions=64, reconstructor_hidden_size=32, reconstructor_layers=1,
                         discriminator_hidden_size=32, discriminator_layers=1, output_words="vocabulary")
    torch.manual_seed(0)
    models = {"generator": AbstractiveGenerator.build(config, tokenizer, WordCodec.from_tokenizer(tokenizer), MAX_WORDS).model,
              "reconstructor": build_reconstructor(config, tokenizer),
              "discriminator": build_discriminator(config, tokenizer)}
    return documents, human, tokenizer, models


def state(model) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def changed(before: dict, model) -> bool:
    return any(not torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_prompts_tokenize_like_generator_prompts(setup):
    documents, _, tokenizer, models = setup
    codec = WordCodec.from_tokenizer(tokenizer)
    vocab = models["generator"].config.vocab_size
    documents = documents[:3] + ["w1 never-seen-word w2", ""]
    ids, mask, _ = generator_prompts(WriterVocabulary(codec, vocab), documents, MAX_WORDS)
    for row, document in enumerate(documents):
        expected = ids[row][mask[row].bool()].tolist()
        assert tokenizer(grpo_prompt(codec, document, MAX_WORDS, vocab))["input_ids"] == expected


def test_grpo_trainer_trains_generator_with_our_rewards(setup, tmp_path):
    documents, human, tokenizer, models = setup
    codec = WordCodec.from_tokenizer(tokenizer)
    accelerator = Accelerator(cpu=True)
    r_optimizer = torch.optim.AdamW(models["reconstructor"].parameters(), lr=1e-3)
    d_optimizer = torch.optim.AdamW(models["discriminator"].parameters(), lr=1e-3)
    reconstructor, discriminator, r_optimizer, d_optimizer = accelerator.prepare(
        models["reconstructor"], models["discriminator"], r_optimizer, d_optimizer)
    seen = []

    def spy(documents, summaries, **_):
        seen.append((list(documents), list(summaries)))
        return [0.0] * len(summaries)

    functions = {
        "reconstruction": ReconstructionReward(reconstructor, codec, r_optimizer, accelerator, MAX_WORDS),
        "discriminator": DiscriminatorReward(discriminator, codec, d_optimizer, accelerator, human),
        "length": functools.partial(length_reward, target_words=4),
        "repetition": repetition_reward,
        "spy": spy,
    }
    weights = {"reconstruction": 1.0, "discriminator": 0.5, "length": 1.0, "repetition": 1.0, "spy": 0.0}
    before = {name: state(model) for name, model in models.items()}

    trainer = build_grpo_trainer(models["generator"], tokenizer, documents, functions, weights, group_size=GROUP,
                                 prompts_per_step=PROMPTS, max_new_tokens=NEW_TOKENS, lr=1e-2, steps=2,
                                 out_dir=tmp_path / "grpo", seed=0, max_words=MAX_WORDS)
    assert set(trainer.generation_config.suppress_tokens) >= {codec.unk, codec.pad, codec.bos, codec.sep}
    trainer.train()

    assert len(trainer.step_timer.step_seconds) == 2
    assert {name: reward.calls for name, reward in trainer.seqae_rewards.items()} == {name: 2 for name in functions}
    for name, model in models.items():
        assert changed(before[name], model), f"{name} did not change"
    # Each call scores PROMPTS groups of GROUP summaries, each group with its own document next to it.
    for call_documents, summaries in seen:
        assert len(call_documents) == len(summaries) == PROMPTS * GROUP
        groups = [call_documents[i:i + GROUP] for i in range(0, len(call_documents), GROUP)]
        assert all(len(set(group)) == 1 and group[0] in documents for group in groups)
        for summary in summaries:
            words = summary.split()
            assert len(words) <= NEW_TOKENS
            assert not set(words) & {"<pad>", "<unk>", "<s>", "</s>", "<sep>"}
            assert summary == " ".join(words)
    logged = trainer.step_timer.logs[0]
    assert "rewards/reconstruction/mean" in logged and "reconstructor_loss" in logged


def test_trainer_rl_stage_with_the_trl_backend(tmp_path, tiny_corpus):
    """`rl.backend=trl`: the RL stage runs in GRPOTrainer with seqae's rewards, logs, and ends in a checkpoint."""
    import json

    from conftest import AUTO_ENCODER_TERMS, TINY_CONFIG

    from seqae.core.checkpoint import list_checkpoints, load_trainer_state
    from seqae.core.config import load_config
    from seqae.apps.train import Trainer

    config = load_config(TINY_CONFIG, [f"data.articles=[{tiny_corpus['articles']}]",
                                       f"data.summaries=[{tiny_corpus['summaries']}]", "model.generator=abstractive",
                                       "warm_start.steps=0", "warm_start.discriminator_steps=0", "rl.steps=2",
                                       "rl.backend=trl", "model.output_words=vocabulary", "rl.update=group_relative",
                                       "rl.sampler=bernoulli", *AUTO_ENCODER_TERMS])
    trainer = Trainer(config, tmp_path / "run")
    before = {name: {k: v.clone() for k, v in model.state_dict().items()} for name, model in trainer.models.items()}
    trainer.run()
    for name, model in trainer.models.items():
        assert any(not torch.equal(before[name][k], v) for k, v in model.state_dict().items()), name
    assert load_trainer_state(list_checkpoints(tmp_path / "run")[-1])["info"]["step"] == 2
    rows = [json.loads(line) for line in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows if row.get("backend") == "trl"] == [1, 2]


def test_grpo_steps_raise_the_reward_they_are_given(setup, tmp_path):
    """The generator moves toward what is rewarded: the share of favoured words in its samples rises over the run
    (a sign-flipped loss would drive it down, and change the weights just as much)."""
    documents, _, tokenizer, _ = setup
    codec = WordCodec.from_tokenizer(tokenizer)
    config = ModelConfig(generator="abstractive", hidden_size=32, num_layers=1, num_heads=2, intermediate_size=64,
                         max_positions=64, output_words="vocabulary")
    torch.manual_seed(0)
    generator = AbstractiveGenerator.build(config, tokenizer, codec, MAX_WORDS).model
    favoured = {f"w{i}" for i in range(0, 195, 2)}

    def favoured_share(documents, summaries, **_):
        return [sum(w in favoured for w in s.split()) / max(1, len(s.split())) for s in summaries]

    trainer = build_grpo_trainer(generator, tokenizer, documents, {"favoured": favoured_share}, {"favoured": 1.0},
                                 group_size=8, prompts_per_step=8, max_new_tokens=NEW_TOKENS, lr=3e-2, steps=12,
                                 out_dir=tmp_path / "grpo", seed=0, max_words=MAX_WORDS)
    trainer.train()
    means = [log["rewards/favoured/mean"] for log in trainer.step_timer.logs if "rewards/favoured/mean" in log]
    assert len(means) == 12
    assert sum(means[-3:]) / 3 > sum(means[:3]) / 3 + 0.1, means
