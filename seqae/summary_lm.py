"""A language model of human summaries: how much a word sequence reads like one.

A small word-level Llama over `<sep> summary </s>`, trained on human-written summaries alone (never paired
with articles). Two users, two models that never share data:
- the fluency reward (seqae.rl.rewards.FluencyReward): trained at the start of a run on the run's own
  human summaries (the titles half of the unsupervised split);
- the bench's readability number (seqae.eval.bench): trained once on human summaries that training never
  saw (held out), and never used as a reward.
A word outside the vocabulary counts as `<unk>`.
"""

import math
import os
import random
import shutil
from pathlib import Path

import torch

from seqae.data.tokenizer import WordCodec, build_word_tokenizer, load_word_tokenizer
from seqae.encoding import conditional_lm_batch
from seqae.losses import per_sequence_nll
from seqae.models import causal_lm, load_model
from seqae.optim import fit

MAX_WORDS = 40  # longer texts are cut: a summary is short


class SummaryLM:
    def __init__(self, model, tokenizer):
        self.model, self.tokenizer, self.codec = model.eval(), tokenizer, WordCodec.from_tokenizer(tokenizer)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def to(self, device) -> "SummaryLM":
        self.model.to(device)
        return self

    @classmethod
    def train(cls, texts: list[str], *, seed: int = 0, steps: int = 500, batch_size: int = 64, lr: float = 2e-3,
              vocab_size: int = 8000, hidden: int = 128, layers: int = 2, device=None,
              progress: bool = True) -> "SummaryLM":
        """Trained on `texts`, with a vocabulary of their `vocab_size` most frequent words."""
        if not texts:
            raise ValueError("a summary language model needs human summaries to learn from")
        torch.manual_seed(seed)
        tokenizer = build_word_tokenizer(texts=texts, vocab_size=vocab_size)
        model = causal_lm(tokenizer, len(tokenizer), hidden, layers, max(1, hidden // 64), hidden * 3, 64)
        lm = cls(model, tokenizer).to(device or "cpu")
        rng = random.Random(seed)
        fit(model, lambda: per_sequence_nll(*lm._forward(rng.sample(texts, min(batch_size, len(texts))))).mean(),
            steps, lr, "summary LM", progress)
        return lm

    def _forward(self, texts: list[str]):
        targets = [self.codec.ids(t.split()[:MAX_WORDS]) for t in texts]
        batch = conditional_lm_batch(self.codec, [[] for _ in texts], targets)
        batch = {name: tensor.to(self.device) for name, tensor in batch.items()}
        logits = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        return logits, batch["labels"]

    @torch.no_grad()
    def token_nll(self, texts: list[str], batch_size: int = 256) -> tuple[list[float], list[int]]:
        """Per text: the summed negative log-likelihood of its tokens (words and </s>), and their count."""
        self.model.eval()
        sums, counts = [], []
        for start in range(0, len(texts), batch_size):
            logits, labels = self._forward(texts[start:start + batch_size])
            count = (labels[:, 1:] != -100).sum(1)
            sums += (per_sequence_nll(logits.float(), labels) * count).tolist()
            counts += count.tolist()
        return sums, counts

    def mean_nll(self, texts: list[str], batch_size: int = 256) -> list[float]:
        """Per text: the mean negative log-likelihood per token (words and </s>)."""
        sums, counts = self.token_nll(texts, batch_size)
        return [total / max(1, count) for total, count in zip(sums, counts)]

    def perplexity(self, texts: list[str], batch_size: int = 256) -> float:
        """exp of the mean negative log-likelihood per token (words and </s>) over all `texts`."""
        sums, counts = self.token_nll(texts, batch_size)
        return math.exp(sum(sums) / max(1, sum(counts)))

    def save(self, directory) -> None:
        """Atomically: into a temporary sibling, then renamed into place."""
        directory = Path(directory)
        tmp = directory.parent / f".{directory.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        self.model.save_pretrained(tmp / "model")
        self.tokenizer.save_pretrained(tmp / "tokenizer")
        shutil.rmtree(directory, ignore_errors=True)
        os.replace(tmp, directory)

    @classmethod
    def load(cls, directory) -> "SummaryLM":
        from transformers import AutoModelForCausalLM

        directory = Path(directory)
        return cls(load_model(directory / "model", AutoModelForCausalLM, "summary language model"),
                   load_word_tokenizer(directory / "tokenizer"))
