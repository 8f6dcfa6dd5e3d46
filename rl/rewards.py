"""Reward terms: plain callables `(documents, summaries, **kwargs) -> list[float]`, one number per summary.

The reconstruction and discriminator rewards own a network each and take one optimizer step on the very
samples they score (after scoring them), so R and D keep pace with the generator. What they learn along the
way is left in `.metrics` for the log.
"""

import random

import torch

from seqae.rl.loop import all_finite
from seqae.encoding import (
    WordCodec,
    discriminator_batch,
    model_vocab_size,
    per_sequence_nll,
    reconstructor_batch,
)


def length_reward(documents, summaries, *, target_words: int, **_) -> list[float]:
    """0 at the target word count, falling linearly by 1 per `target_words` words away from it."""
    return [-abs(len(s.split()) - target_words) / target_words for s in summaries]


def repetition_reward(documents, summaries, **_) -> list[float]:
    """Minus the fraction of words that repeat an earlier word; an empty summary gets the worst score, -1."""
    scores = []
    for summary in summaries:
        words = summary.split()
        scores.append(-(len(words) - len(set(words))) / len(words) if words else -1.0)
    return scores


class ReconstructionReward:
    """Information kept: how much better R predicts the document from the summary than from nothing.

    reward = NLL(document | empty) - NLL(document | summary), in nats per document token, so a hard document
    does not look like a bad summary. R trains on both directions every call, so the empty-summary baseline
    stays a fair document language model.
    """

    __name__ = "reconstruction"

    def __init__(self, model, codec: WordCodec, optimizer, accelerator, max_words: int, train: bool = True):
        self.model, self.codec, self.optimizer, self.accelerator = model, codec, optimizer, accelerator
        self.max_words, self.train = max_words, train
        self.metrics: dict = {}

    def __call__(self, documents, summaries, **_) -> list[float]:
        unique_documents = list(dict.fromkeys(documents))
        batch = reconstructor_batch(self.codec, list(summaries) + [""] * len(unique_documents),
                                    list(documents) + unique_documents, self.max_words,
                                    model_vocab_size(self.model))
        batch = {k: v.to(self.accelerator.device) for k, v in batch.items()}
        self.model.train(self.train)
        with torch.set_grad_enabled(self.train):
            nll = per_sequence_nll(self.model(input_ids=batch["input_ids"],
                                              attention_mask=batch["attention_mask"]).logits, batch["labels"])
            if self.train:
                loss = nll.mean()
                if all_finite(self.accelerator, loss.detach()):
                    self.accelerator.backward(loss)
                    self.accelerator.clip_grad_norm_(self.model.parameters(), 1.0)
                    self.optimizer.step()
                self.optimizer.zero_grad(set_to_none=True)
        nll = nll.detach().float().cpu()
        with_summary, without = nll[: len(summaries)], nll[len(summaries):]
        baseline = dict(zip(unique_documents, without.tolist()))
        self.metrics = {"reconstructor_nll": with_summary.mean().item(), "reconstructor_nll_empty": without.mean().item()}
        return [baseline[d] - n for d, n in zip(documents, with_summary.tolist())]


class DiscriminatorReward:
    """Readability: D's probability that the summary was written by a person.

    Each call also trains D one step: the scored summaries as fake, as many human summaries as real.
    """

    __name__ = "discriminator"

    def __init__(self, model, codec: WordCodec, optimizer, accelerator, human_summaries: list[str],
                 seed: int = 0, train: bool = True):
        if not human_summaries:
            raise ValueError("the discriminator needs human-written summaries")
        self.model, self.codec, self.optimizer, self.accelerator = model, codec, optimizer, accelerator
        self.human_summaries, self.train = human_summaries, train
        self.rng = random.Random(seed)
        self.metrics: dict = {}

    def __call__(self, documents, summaries, **_) -> list[float]:
        real = [self.rng.choice(self.human_summaries) for _ in summaries]
        batch = discriminator_batch(self.codec, list(summaries) + real, vocab_size=model_vocab_size(self.model))
        batch = {k: v.to(self.accelerator.device) for k, v in batch.items()}
        labels = torch.tensor([0] * len(summaries) + [1] * len(real), device=self.accelerator.device)
        self.model.train(self.train)
        with torch.set_grad_enabled(self.train):
            logits = self.model(**batch).logits.float()
            if self.train:
                loss = torch.nn.functional.cross_entropy(logits, labels)
                if all_finite(self.accelerator, loss.detach()):
                    self.accelerator.backward(loss)
                    self.accelerator.clip_grad_norm_(self.model.parameters(), 1.0)
                    self.optimizer.step()
                self.optimizer.zero_grad(set_to_none=True)
        logits = logits.detach().cpu()
        accuracy = (logits.argmax(-1) == labels.cpu()).float().mean().item()
        p_real = torch.softmax(logits, -1)[:, 1]
        self.metrics = {"discriminator_accuracy": accuracy,
                        "discriminator_p_real_human": p_real[len(summaries):].mean().item()}
        return p_real[: len(summaries)].tolist()
