"""Warm start from articles alone: heuristic pseudo-summaries for G, the reverse direction for R, and D on
human summaries against G's outputs.

The pseudo-summary of a document is its first N content words (or its first N words): a strong unsupervised
heuristic on news, which RL must then improve on.
"""

import torch

from seqae.encoding import (
    IGNORE_INDEX,
    WordCodec,
    discriminator_batch,
    model_vocab_size,
    per_sequence_nll,
    reconstructor_batch,
    supervised_generator_batch,
)
from seqae.eval.baselines import PREPOSITIONS, is_function_token
from seqae.tagger import tag_words


TARGETS = ("content_lead", "content_lead_prepositions", "lead")


def pseudo_summary_positions(words: list[str], target: str, count: int) -> list[int]:
    """Word positions of the pseudo-summary: the first `count` words (lead), or the first `count` content
    words, optionally keeping prepositions (headlines keep "in", "for", "to")."""
    if target == "lead":
        return list(range(min(count, len(words))))
    keep = PREPOSITIONS if target == "content_lead_prepositions" else frozenset()
    return [i for i, word in enumerate(words) if word in keep or not is_function_token(word)][:count]


def pseudo_summary(document: str, target: str, count: int, max_words: int) -> str:
    words = document.split()[:max_words]
    return " ".join(words[i] for i in pseudo_summary_positions(words, target, count))


def generator_loss(model, kind: str, codec: WordCodec, documents: list[str], target: str, count: int,
                   max_words: int, device) -> torch.Tensor:
    """Cross-entropy of G on the pseudo-summaries: next-token (abstractive) or keep/drop labels per word
    (extractive; a subword tagger is trained on each word's first sub-token)."""
    if kind == "abstractive":
        targets = [pseudo_summary(d, target, count, max_words) for d in documents]
        batch = supervised_generator_batch(codec, documents, targets, max_words, count,
                                           model_vocab_size(model))
        return model(**{k: v.to(device) for k, v in batch.items()}).loss
    tagged = tag_words(model, codec, documents, max_words, device)
    labels = torch.zeros(tagged.mask.shape, dtype=torch.long)
    for row, row_words in enumerate(tagged.words):
        labels[row, pseudo_summary_positions(row_words, target, count)] = 1
    labels = labels.to(tagged.mask.device).masked_fill(tagged.mask == 0, IGNORE_INDEX)
    logits = tagged.logits.float()
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1),
                                             ignore_index=IGNORE_INDEX)


def reconstructor_loss(model, codec: WordCodec, documents: list[str], summaries: list[str], max_words: int,
                       device) -> torch.Tensor:
    """R's loss on the document given the summary, and given nothing (the baseline of the reward)."""
    batch = reconstructor_batch(codec, summaries + [""] * len(documents), documents + documents, max_words,
                                model_vocab_size(model))
    batch = {k: v.to(device) for k, v in batch.items()}
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    return per_sequence_nll(logits, batch["labels"]).mean()


def discriminator_loss(model, codec: WordCodec, generated: list[str], human: list[str], device):
    """Cross-entropy of D, human = 1, generated = 0; returns (loss, accuracy)."""
    batch = {k: v.to(device) for k, v in discriminator_batch(codec, generated + human, vocab_size=model_vocab_size(model)).items()}
    labels = torch.tensor([0] * len(generated) + [1] * len(human), device=device)
    logits = model(**batch).logits.float()
    accuracy = (logits.argmax(-1) == labels).float().mean().item()
    return torch.nn.functional.cross_entropy(logits, labels), accuracy
