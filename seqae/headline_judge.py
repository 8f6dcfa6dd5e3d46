"""A judge of headline language: would a reader take this word sequence for a human-written headline?

A small word-level BERT classifier, human summaries (class 1) against corrupted text (class 0), trained once
and never against a generator. The corruptions are the ways extractive and abstractive summaries fail a
reader, each at a human title's length so that length does not decide:
- in-order random words of an article's lead (a bag of words kept in order);
- the content words of the lead (the content-lead heuristics: function words dropped);
- a window cut out of an article (a fragment that starts or ends mid-phrase);
- a human title with words dropped, or two of its words swapped;
- a human title cut off and continued with article words.
Its log-odds of "human" scores readability where a language model's likelihood or a bag of n-grams does not:
both rank a bag of frequent headline words above a phrase (shared notes, 2026-12-04); the judge sees word
order and completeness. Two users, two judges that never share human summaries:
- the readability reward (seqae.rl.rewards.JudgeReward): trained at the start of a run on the run's own
  titles half (seqae.train);
- the bench's readability column (seqae.eval.bench): trained on held-out human summaries, never a reward.
"""

import os
import random
import shutil
from pathlib import Path

import torch

from seqae.data.heuristics import heuristic_summary
from seqae.data.tokenizer import WordCodec, build_word_tokenizer, load_word_tokenizer
from seqae.encoding import discriminator_batch
from seqae.models import bert_config, load_model
from seqae.optim import fit

MAX_WORDS = 16  # a headline is short; longer texts are judged on their first words
CORRUPTIONS = ("lead_subset", "content_lead", "article_window", "title_drop", "title_swap", "title_cut")


def corrupt(kind: str, title: list[str], article: list[str], length: int, rng: random.Random) -> list[str]:
    """One corrupted text of about `length` words (`title` and `article` are word lists)."""
    if kind == "lead_subset":
        window = article[: 2 * length + 4]
        return [window[i] for i in sorted(rng.sample(range(len(window)), min(length, len(window))))]
    if kind == "content_lead":
        scheme = rng.choice(("content_lead", "content_lead_prepositions"))
        return heuristic_summary(" ".join(article), scheme, length).split()
    if kind == "article_window":
        start = 0 if rng.random() < 0.5 else rng.randrange(max(1, len(article) - length))
        return article[start:start + length]
    if kind == "title_drop" and len(title) >= 4:
        dropped = set(rng.sample(range(len(title)), max(1, round(len(title) * rng.uniform(0.2, 0.5)))))
        return [word for i, word in enumerate(title) if i not in dropped]
    if kind == "title_swap" and len(title) >= 3:
        swapped, (i, j) = title[:], rng.sample(range(len(title)), 2)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        return swapped
    cut = rng.randrange(1, max(2, len(title) - 1))  # title_cut, and titles too short for the kinds above
    start = rng.randrange(len(article))
    return title[:cut] + article[start:start + rng.randrange(1, 4)]


def corrupted_texts(human: list[str], articles: list[str], count: int, seed: int) -> list[str]:
    """`count` corrupted texts, each kind equally often, at lengths drawn from the human texts' (4-14 words)."""
    rng = random.Random(seed)
    lengths = [min(14, max(4, len(text.split()))) for text in human]
    texts = []
    while len(texts) < count:
        kind = CORRUPTIONS[len(texts) % len(CORRUPTIONS)]
        words = corrupt(kind, rng.choice(human).split(), rng.choice(articles).split(), rng.choice(lengths), rng)
        if words:
            texts.append(" ".join(words))
    return texts


class HeadlineJudge:
    def __init__(self, model, tokenizer):
        self.model, self.tokenizer, self.codec = model.eval(), tokenizer, WordCodec.from_tokenizer(tokenizer)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def to(self, device) -> "HeadlineJudge":
        self.model.to(device)
        return self

    @classmethod
    def train(cls, human: list[str], articles: list[str], *, seed: int = 0, steps: int = 800, batch_size: int = 64,
              lr: float = 1e-3, vocab_size: int = 20000, hidden: int = 128, layers: int = 2, device=None,
              progress: bool = True) -> "HeadlineJudge":
        """`human` summaries against as many corruptions of them and of `articles`; a vocabulary of the
        `vocab_size` most frequent words of both."""
        if not human or not articles:
            raise ValueError("the headline judge needs human summaries and articles to learn from")
        torch.manual_seed(seed)
        rng = random.Random(seed)
        corrupted = corrupted_texts(human, articles, len(human), seed)
        tokenizer = build_word_tokenizer(texts=human + articles[: len(human)], vocab_size=vocab_size)
        from transformers import BertForSequenceClassification

        model = BertForSequenceClassification(bert_config(tokenizer.pad_token_id, len(tokenizer), hidden, layers,
                                                          max(1, hidden // 32), hidden * 2, MAX_WORDS + 2, labels=2))
        judge = cls(model, tokenizer).to(device or "cpu")
        half = max(1, batch_size // 2)

        def batch_loss():
            texts = rng.sample(human, min(half, len(human))) + rng.sample(corrupted, min(half, len(corrupted)))
            labels = torch.tensor([1] * min(half, len(human)) + [0] * min(half, len(corrupted)), device=judge.device)
            return torch.nn.functional.cross_entropy(judge._logits(texts), labels)

        fit(model, batch_loss, steps, lr, "headline judge", progress)
        return judge

    def _logits(self, texts: list[str]) -> torch.Tensor:
        batch = discriminator_batch(self.codec, texts, max_words=MAX_WORDS, vocab_size=len(self.tokenizer))
        return self.model(**{k: v.to(self.device) for k, v in batch.items()}).logits.float()

    @torch.no_grad()
    def log_odds(self, texts: list[str], batch_size: int = 512) -> list[float]:
        """Per text: log P(human) - log P(corrupted). Above 0: the judge takes it for a human headline."""
        self.model.eval()
        scores = []
        for start in range(0, len(texts), batch_size):
            logits = self._logits(texts[start:start + batch_size])
            scores += (logits[:, 1] - logits[:, 0]).tolist()
        return scores

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
    def load(cls, directory) -> "HeadlineJudge":
        from transformers import BertForSequenceClassification

        directory = Path(directory)
        return cls(load_model(directory / "model", BertForSequenceClassification, "headline judge"),
                   load_word_tokenizer(directory / "tokenizer"))
