"""Readability as a number: the perplexity of summaries under a language model of held-out human summaries.

The model is trained once, for evaluation only (never a reward): a small word-level Llama over
`<sep> summary </s>`, on human summaries that training never saw (for Gigaword, the titles of the articles'
half of the unsupervised split). Lower perplexity = reads more like a human headline. Its words are the
training titles' own vocabulary; a summary word outside it counts as `<unk>`.
"""

import math
import random
from pathlib import Path

import torch
from tqdm import tqdm

from seqae.data.tokenizer import build_word_tokenizer, load_word_tokenizer
from seqae.encoding import WordCodec, conditional_lm_batch
from seqae.losses import per_sequence_nll
from seqae.models import causal_lm, load_model


class FluencyLM:
    def __init__(self, model, tokenizer):
        self.model, self.tokenizer, self.codec = model.eval(), tokenizer, WordCodec(tokenizer)

    @classmethod
    def train(cls, texts: list[str], *, seed: int = 0, steps: int = 500, batch_size: int = 64, lr: float = 2e-3,
              vocab_size: int = 8000, hidden: int = 128, layers: int = 2, progress: bool = True) -> "FluencyLM":
        torch.manual_seed(seed)
        tokenizer = build_word_tokenizer(texts=texts, vocab_size=vocab_size)
        model = causal_lm(tokenizer, len(tokenizer), hidden, layers, max(1, hidden // 64), hidden * 3, 64)
        lm = cls(model, tokenizer)
        optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
        rng = random.Random(seed)
        model.train()
        for _ in tqdm(range(steps), desc="fluency LM", unit="step", disable=not progress):
            loss = per_sequence_nll(*lm._forward(rng.sample(texts, min(batch_size, len(texts))))).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        model.eval()
        return lm

    def _forward(self, texts: list[str]):
        targets = [self.codec.ids(t.split()[:40]) for t in texts]
        batch = conditional_lm_batch(self.codec, [[] for _ in texts], targets)
        logits = self.model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        return logits, batch["labels"]

    @torch.no_grad()
    def perplexity(self, texts: list[str], batch_size: int = 256) -> float:
        """exp of the mean negative log-likelihood per token (words and </s>) over all `texts`."""
        total, tokens = 0.0, 0
        for start in range(0, len(texts), batch_size):
            logits, labels = self._forward(texts[start:start + batch_size])
            counts = (labels[:, 1:] != -100).sum(1)
            total += float((per_sequence_nll(logits, labels) * counts).sum())
            tokens += int(counts.sum())
        return math.exp(total / max(1, tokens))

    def save(self, directory) -> None:
        directory = Path(directory)
        self.model.save_pretrained(directory / "model")
        self.tokenizer.save_pretrained(directory / "tokenizer")

    @classmethod
    def load(cls, directory) -> "FluencyLM":
        from transformers import AutoModelForCausalLM

        directory = Path(directory)
        return cls(load_model(directory / "model", AutoModelForCausalLM, "fluency LM"),
                   load_word_tokenizer(directory / "tokenizer"))
