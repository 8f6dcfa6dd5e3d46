"""Information without position bias (the coverage model of Summary Loop, Laban et al. 2020).

A bidirectional model (BERT, masked-word head) reads `<s> summary <sep> document` in which every content word
of the document is replaced by a mask, and fills the masks in. A summary that holds the document's content
words lets it fill in more of them. The reward is the gain: the mean log-probability of the masked words
with the summary minus without it (nats per masked word), so what the summary adds, not how guessable the
document is.

Unlike the causal reconstructor (seqae.rl.rewards.ReconstructionReward), nothing here favours the words at
the start of the document: the model is trained once, before any stage, on summaries that are random
in-order subsets of the document's content words (from none up to `max_summary_words`), so it learns to
place any summary word, wherever it sits in the document, and never sees the generator.
"""

import random

import torch
from transformers import AutoModelForMaskedLM, BertForMaskedLM

from seqae.data.heuristics import is_function_token
from seqae.data.tokenizer import WordCodec
from seqae.core.encoding import IGNORE_INDEX, pad, truncate_words
from seqae.data.io import atomic_directory
from seqae.core.models import bert_config, load_model
from seqae.core.optim import fit


def masked_batch(codec: WordCodec, summaries: list[str], documents: list[str], max_words: int,
                 mask_id: int) -> dict:
    """`<s> summary <sep> document` with the document's content words masked; labels: their ids (words the
    vocabulary does not know are masked but not scored)."""
    rows, labels = [], []
    for summary, document in zip(summaries, documents):
        prefix = [codec.bos] + codec.ids(truncate_words(summary, max_words)) + [codec.sep]
        words = truncate_words(document, max_words)
        ids = codec.ids(words)
        masked = [not is_function_token(w) for w in words]
        rows.append(prefix + [mask_id if m else i for i, m in zip(ids, masked)])
        labels.append([IGNORE_INDEX] * len(prefix)
                      + [i if m and i != codec.unk else IGNORE_INDEX for i, m in zip(ids, masked)])
    input_ids, attention_mask = pad(rows, codec.pad)
    label_ids, _ = pad(labels, IGNORE_INDEX)
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": label_ids}


def masked_word_logprob(model, batch: dict, shared: int) -> torch.Tensor:
    """Per row: the mean log-probability of the masked words' true ids (0 for a row with none).

    Each mask chooses among the `shared` most frequent ids of the vocabulary (the same for every row; the
    vocabulary is frequency-ordered) and the row's own masked words (its rare ones included), not the whole
    vocabulary: without a summary the document's words are as hard to pick out, with one as easy, and the
    softmax over ~2,000 candidates instead of 30,000 words makes the model cheap enough to score every RL sample.
    """
    hidden = model.bert(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    hidden = model.cls.predictions.transform(hidden)
    labels = batch["labels"]
    scored = labels != IGNORE_INDEX
    rows = [list(range(shared)) + sorted({i for i in row[keep].tolist() if i >= shared})
            for row, keep in zip(labels, scored)]
    candidates, valid = pad(rows, 0)
    candidates, valid = candidates.to(labels.device), valid.to(labels.device).bool()
    valid[:, 0] |= ~valid.any(1)  # a row with no candidate keeps one finite logit (no NaN in backward)
    weights = model.cls.predictions.decoder.weight[candidates]  # [B, C, H]
    bias = model.cls.predictions.bias[candidates]  # [B, C]
    logits = (torch.einsum("bth,bch->btc", hidden, weights) + bias[:, None, :]).float()
    logits = logits.masked_fill(~valid[:, None, :], float("-inf"))
    target = (labels.unsqueeze(-1) == candidates.unsqueeze(1)) & valid[:, None, :]  # [B, T, C]: one True if scored
    logprob = torch.log_softmax(logits, -1).masked_fill(~target, 0.0).sum(-1)
    return (logprob * scored).sum(1) / scored.sum(1).clamp(min=1)


def random_summary(document: str, max_words: int, max_summary_words: int, rng: random.Random) -> str:
    """A random in-order subset of the document's content words, of a random size in [0, max_summary_words]."""
    words = truncate_words(document, max_words)
    content = [i for i, w in enumerate(words) if not is_function_token(w)]
    kept = sorted(rng.sample(content, rng.randint(0, min(max_summary_words, len(content)))))
    return " ".join(words[i] for i in kept)


class CoverageModel:
    """The masked-word filler; `mask_id` is one past the word vocabulary (a token no text contains)."""

    def __init__(self, model, codec: WordCodec, max_words: int, shared_candidates: int = 2000):
        self.model, self.codec, self.max_words = model.eval(), codec, max_words
        self.mask_id = model.config.vocab_size - 1
        self.shared = min(shared_candidates, self.mask_id)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def to(self, device) -> "CoverageModel":
        self.model.to(device)
        return self

    @classmethod
    def train(cls, documents: list[str], codec: WordCodec, *, max_words: int, seed: int = 0, steps: int = 1000,
              batch_size: int = 64, lr: float = 1e-3, hidden: int = 128, layers: int = 2,
              max_summary_words: int = 12, shared_candidates: int = 2000, device=None,
              progress: bool = True) -> "CoverageModel":
        if not documents:
            raise ValueError("the coverage model needs articles to learn from")
        torch.manual_seed(seed)
        vocab = len(codec.vocab) + 1  # + the mask
        config = bert_config(codec.pad, vocab, hidden, layers, max(1, hidden // 32), hidden * 2,
                             2 * max_words + 3, labels=2)
        coverage = cls(BertForMaskedLM(config), codec, max_words, shared_candidates).to(device or "cpu")
        rng = random.Random(seed)

        def batch_loss():
            batch_documents = rng.sample(documents, min(batch_size, len(documents)))
            summaries = [random_summary(d, max_words, max_summary_words, rng) for d in batch_documents]
            return -masked_word_logprob(coverage.model, coverage._batch(summaries, batch_documents),
                                        coverage.shared).mean()

        fit(coverage.model, batch_loss, steps, lr, "coverage model", progress)
        return coverage

    def _batch(self, summaries, documents) -> dict:
        batch = masked_batch(self.codec, summaries, documents, self.max_words, self.mask_id)
        return {name: tensor.to(self.device) for name, tensor in batch.items()}

    @torch.no_grad()
    def logprob(self, summaries: list[str], documents: list[str], batch_size: int = 128) -> list[float]:
        """Per pair: the mean log-probability of the document's masked content words given the summary."""
        self.model.eval()
        values = []
        for start in range(0, len(documents), batch_size):
            batch = self._batch(summaries[start:start + batch_size], documents[start:start + batch_size])
            values += masked_word_logprob(self.model, batch, self.shared).tolist()
        return values

    def save(self, directory) -> None:
        """Atomically: into a temporary sibling, then renamed into place (seqae.data.io.atomic_directory)."""
        with atomic_directory(directory) as tmp:
            self.model.save_pretrained(tmp)

    @classmethod
    def load(cls, directory, codec: WordCodec, max_words: int, shared_candidates: int = 2000) -> "CoverageModel":
        return cls(load_model(directory, AutoModelForMaskedLM, "coverage"), codec, max_words, shared_candidates)


class CoverageReward:
    """Information kept, without position bias: how much better the coverage model fills in the document's
    masked content words with the summary than with none (nats per masked word)."""

    __name__ = "coverage"

    def __init__(self, coverage: CoverageModel):
        self.coverage = coverage
        self.baselines: dict[str, float] = {}  # document -> its no-summary log-probability

    def __call__(self, documents, summaries, **_) -> list[float]:
        if len(self.baselines) > 50_000:
            self.baselines.clear()
        new = [d for d in dict.fromkeys(documents) if d not in self.baselines]
        self.baselines.update(zip(new, self.coverage.logprob([""] * len(new), new)))
        gains = self.coverage.logprob(list(summaries), list(documents))
        return [gain - self.baselines[d] for gain, d in zip(gains, documents)]
