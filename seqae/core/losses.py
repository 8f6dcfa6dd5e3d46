"""One loss per network, shared by the warm start and RL: G's keep/drop and next-token losses, R's
reconstruction NLL, D's human-vs-generated cross-entropy."""

import torch

from seqae.data.tokenizer import WordCodec
from seqae.core.encoding import IGNORE_INDEX, discriminator_batch, model_vocab_size, reconstructor_batch


def _device(model):
    return next(model.parameters()).device


def per_sequence_nll(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean negative log-likelihood per row over the labelled positions of a causal LM (next-token shift)."""
    logits = logits[:, :-1].float()
    labels = labels[:, 1:]
    mask = labels != IGNORE_INDEX
    token_nll = torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.size(-1)), labels.clamp(min=0).reshape(-1), reduction="none"
    ).view(labels.shape)
    return (token_nll * mask).sum(1) / mask.sum(1).clamp(min=1)


def reconstruction_nll(model, codec: WordCodec, summaries: list[str], documents: list[str],
                       max_words: int) -> torch.Tensor:
    """[N] nats per document token of R predicting each document after `summary <sep>` ("" for none)."""
    batch = reconstructor_batch(codec, summaries, documents, max_words, model_vocab_size(model))
    batch = {k: v.to(_device(model)) for k, v in batch.items()}
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    return per_sequence_nll(logits, batch["labels"])


def document_token_log_probs(model, codec: WordCodec, summaries: list[str], documents: list[str],
                              max_words: int) -> tuple[torch.Tensor, torch.Tensor]:
    """([N, L] log-probability R gives each document token after `summary <sep>`, [N, L] mask): row i's position j
    is its document's j-th token (its first `max_words` words, then </s>), left-aligned, 0 past its length."""
    batch = reconstructor_batch(codec, summaries, documents, max_words, model_vocab_size(model))
    batch = {k: v.to(_device(model)) for k, v in batch.items()}
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1].float()
    labels = batch["labels"][:, 1:]
    labelled = labels != IGNORE_INDEX
    token = torch.log_softmax(logits, -1).gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    counts = labelled.sum(1)
    mask = torch.arange(int(counts.max()) if len(counts) else 0, device=counts.device) < counts.unsqueeze(1)
    aligned = torch.zeros(mask.shape, device=token.device)
    aligned[mask] = token[labelled]  # both in row-major order: row i's tokens in document order
    return aligned, mask


def reconstructor_loss(model, codec: WordCodec, summaries: list[str], documents: list[str],
                       max_words: int) -> torch.Tensor:
    """R's loss: each document given its summary, and each distinct document given nothing, so the
    empty-summary baseline of the reconstruction reward stays a fair document language model."""
    unique = list(dict.fromkeys(documents))
    return reconstruction_nll(model, codec, list(summaries) + [""] * len(unique), list(documents) + unique,
                              max_words).mean()


def discriminator_logits(model, codec: WordCodec, texts: list[str]) -> torch.Tensor:
    """[N, 2] logits of D, class 1 = written by a person."""
    batch = discriminator_batch(codec, texts, vocab_size=model_vocab_size(model))
    return model(**{k: v.to(_device(model)) for k, v in batch.items()}).logits.float()


def discriminator_loss(model, codec: WordCodec, generated: list[str], human: list[str],
                       label_smoothing: float = 0.0) -> tuple[torch.Tensor, float]:
    """Cross-entropy of D, human = 1, generated = 0; returns (loss, accuracy)."""
    logits = discriminator_logits(model, codec, list(generated) + list(human))
    labels = torch.tensor([0] * len(generated) + [1] * len(human), device=logits.device)
    accuracy = (logits.argmax(-1) == labels).float().mean().item()
    return torch.nn.functional.cross_entropy(logits, labels, label_smoothing=label_smoothing), accuracy


def keep_drop_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of the tagger's [B, W, 2] logits against keep (1) / drop (0) labels, IGNORE_INDEX skipped."""
    logits = logits.float()
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1),
                                             ignore_index=IGNORE_INDEX)
