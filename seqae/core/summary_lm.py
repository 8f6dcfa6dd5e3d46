"""A language model of human summaries: how much a word sequence reads like one.

A small word-level Llama over `<sep> summary </s>`, trained on human-written summaries alone (never paired
with articles). Two users, two models that never share data:
- the fluency reward (seqae.rl.rewards.FluencyReward): trained at the start of a run on the run's own
  human summaries (the titles half of the unsupervised split);
- the bench's readability numbers (seqae.eval.bench_scoring): trained once on human summaries that training never
  saw (held out), and never used as a reward.
A word outside the vocabulary counts as `<unk>`.

Two readings of one model: `mean_nll` (minus the mean log-likelihood per token) and `slor`, the syntactic
log-odds ratio of Lau et al. (2017) and Kann et al. (2018): per token, log P_LM(token | words before) minus
log P_unigram(token), both of the same human summaries. Mean log-likelihood rises with frequent words, so it
prefers a bag of title words to a sentence (measured: it ranked seqae's bags of words above its teacher's
phrases, the opposite of blind readers); SLOR takes each word's own frequency out and keeps what the context
adds: word order, agreement, a phrase that ends where phrases end.
"""

import json
import math
import random
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM

from seqae.data.tokenizer import WordCodec, build_word_tokenizer, load_word_tokenizer
from seqae.core.encoding import conditional_lm_batch
from seqae.data.io import atomic_directory
from seqae.core.losses import per_sequence_nll
from seqae.core.models import causal_lm, load_model
from seqae.core.optim import fit

MAX_WORDS = 40  # longer texts are cut: a summary is short


UNIGRAM_FILE = "unigram.json"


class SummaryLM:
    def __init__(self, model, tokenizer, unigram_log_probs: list[float] | None = None):
        self.model, self.tokenizer, self.codec = model.eval(), tokenizer, WordCodec.from_tokenizer(tokenizer)
        self.unigram_log_probs = unigram_log_probs  # per token id; see fit_unigram

    def fit_unigram(self, texts: list[str]) -> "SummaryLM":
        """log P_unigram of each token id over `texts` (their words and one </s> each), add-one smoothed: the
        frequency that SLOR takes out. Counted on the texts the model learned from."""
        counts = [1] * len(self.tokenizer)
        for text in texts:
            for token in self.codec.ids(text.split()[:MAX_WORDS]) + [self.codec.eos]:
                counts[token] += 1
        total = sum(counts)
        self.unigram_log_probs = [math.log(count / total) for count in counts]
        return self

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
        lm = cls(model, tokenizer).fit_unigram(texts).to(device or "cpu")
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

    def slor(self, texts: list[str], batch_size: int = 256) -> list[float]:
        """Per text: the mean over its tokens (words and </s>) of log P_LM - log P_unigram."""
        if self.unigram_log_probs is None:
            raise ValueError("this summary language model has no unigram frequencies (fit_unigram)")
        sums, counts = self.token_nll(texts, batch_size)
        unigram = [sum(self.unigram_log_probs[t] for t in self.codec.ids(text.split()[:MAX_WORDS]) + [self.codec.eos])
                   for text in texts]
        return [(-total - frequency) / max(1, count) for total, frequency, count in zip(sums, unigram, counts)]

    def mean_nll(self, texts: list[str], batch_size: int = 256) -> list[float]:
        """Per text: the mean negative log-likelihood per token (words and </s>)."""
        sums, counts = self.token_nll(texts, batch_size)
        return [total / max(1, count) for total, count in zip(sums, counts)]

    def perplexity(self, texts: list[str], batch_size: int = 256) -> float:
        """exp of the mean negative log-likelihood per token (words and </s>) over all `texts`."""
        sums, counts = self.token_nll(texts, batch_size)
        return math.exp(sum(sums) / max(1, sum(counts)))

    def save(self, directory) -> None:
        """Atomically: into a temporary sibling, then renamed into place (seqae.data.io.atomic_directory)."""
        with atomic_directory(directory) as tmp:
            self.model.save_pretrained(tmp / "model")
            self.tokenizer.save_pretrained(tmp / "tokenizer")
            if self.unigram_log_probs is not None:
                (tmp / UNIGRAM_FILE).write_text(json.dumps(self.unigram_log_probs), encoding="utf-8")

    @classmethod
    def load(cls, directory, texts: list[str] | None = None) -> "SummaryLM":
        """`texts`: the texts it learned from, to count the unigram frequencies of a model saved before SLOR."""
        directory = Path(directory)
        unigram = directory / UNIGRAM_FILE
        # float32 whatever it was saved in (the demo's headline LM ships in float16 to fit the package)
        lm = cls(load_model(directory / "model", AutoModelForCausalLM, "summary language model").float(),
                 load_word_tokenizer(directory / "tokenizer"),
                 json.loads(unigram.read_text(encoding="utf-8")) if unigram.is_file() else None)
        if lm.unigram_log_probs is None and texts:
            lm.fit_unigram(texts)
        return lm
